// `tsdp inspect --gpu`: the performance model over LeNet's launches, end to end through the CLI,
// with and without a counters file, and the refusals of counters that do not fit.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GPU_NAMES } from "../compiler/gpu-specs.ts";
import { launchShape } from "../compiler/launch-shape.ts";
import { launchesAt } from "../compiler/perf-model.ts";
import { generate } from "../compiler/pipeline.ts";
import { scratchDir } from "./helpers.ts";

const root = join(import.meta.dirname, "..");
const lenet = "examples/lenet/model.ts";
const scratch = scratchDir("tsdp-inspect-gpu-");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const tsdp = (args: string[]) => spawnSync(process.execPath, ["bin/tsdp.js", ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });

interface Estimate {
  kernel: string;
  grid: number[];
  block: number[];
  time: number;
  bound: string;
  flops: number;
  counters?: { bankConflicts: number; sectorsPerRequest: number };
  smShare: number;
  seconds: { shared: number };
}
interface Program {
  program: string;
  counters: boolean;
  estimate: { launches: Estimate[]; time: number; bound: string; dominant: { kernel: string } };
}

function report(args: string[]) {
  const r = tsdp(["inspect", lenet, "--json", ...args]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as { gpu: { programs: Program[]; batch: number }; kernels: unknown[] };
}

describe("tsdp inspect --gpu", () => {
  const at256 = report(["--gpu", "h100", "--batch", "256"]);
  const step = at256.gpu.programs.find((p) => p.program === "step")!;

  // what the manifest lists and launch-shape.ts evaluates (checked against model.cu by launch-shape.test.ts)
  const { generated } = generate(join(root, lenet), { target: "cuda" });
  const listed = (program: string, batch: number) => launchesAt(generated.manifest.launches.filter((l) => l.program === program), batch);

  it("estimates every launch of LeNet's step (its kernels, then the update) and of its forward, with the grids they launch", () => {
    for (const p of at256.gpu.programs) {
      const launches = listed(p.program, 256);
      expect(p.estimate.launches.map((l) => l.kernel)).toEqual(launches.map((l) => l.kernel));
      expect(p.estimate.launches.map((l) => l.grid)).toEqual(launches.map((l) => launchShape(l, 256).grid));
    }
    expect(at256.gpu.programs.map((p) => p.program)).toEqual(["step", "forward"]);
    expect(step.estimate.launches.at(-1)!.kernel).toBe("optimizer_update_kernel");
    const sum = step.estimate.launches.reduce((s, l) => s + l.time, 0);
    expect(step.estimate.time).toBeCloseTo(sum, 12);
    const slowest = step.estimate.launches.reduce((a, b) => (b.time > a.time ? b : a));
    expect(step.estimate.dominant.kernel).toBe(slowest.kernel);
  });

  it("scales with the batch: the per-sample FLOPs quadruple from 64 to 256", () => {
    const at64 = report(["--gpu", "h100", "--batch", "64"]).gpu.programs.find((p) => p.program === "step")!;
    const conv2 = (p: Program) => p.estimate.launches.find((l) => l.kernel === "conv2_relu_pool_step_kernel")!.flops;
    expect(conv2(step)).toBe(4 * conv2(at64));
    expect(at64.estimate.time).toBeLessThan(step.estimate.time);
  });

  it("prints the table, the total, its bound and the dominant kernel", () => {
    const r = tsdp(["inspect", lenet, "--gpu", "a100", "--batch", "64"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Performance model: A100 SXM4 80 GB \(108 SMs/);
    const a100 = report(["--gpu", "a100", "--batch", "64"]).gpu.programs[0].estimate.launches;
    expect(r.stdout).toContain(`Training step: ${listed("step", 64).length} launches`);
    const wgrad = a100.find((l) => l.kernel === "conv1_conv2d_grad_weight_sum_kernel")!;
    expect(r.stdout).toMatch(new RegExp(`^ {2}conv1_conv2d_grad_weight_sum +${wgrad.grid.join("×")} +${wgrad.block[0]} `, "m"));
    expect(r.stdout).toMatch(/total [\d,.]+ µs: \w+-bound/);
    expect(r.stdout).toMatch(/dominated by \w+ \(\d+% of the step\)/);
    expect(r.stdout).toMatch(/occupancy: no ptxas report/);
    // every launch under 90 % of the SMs is listed with its reason: the model's time with every SM busy
    const partial = a100.filter((l) => l.smShare < 0.9);
    expect(partial.length).toBeGreaterThan(0);
    for (const l of partial) expect(r.stdout).toMatch(new RegExp(`^ {4}${l.kernel.replace(/_kernel$/, "")}: [\\d,]+ blocks?, \\d+% of the SMs, .*: (no gain|a fuller grid could save)`, "m"));
    expect(r.stdout).toMatch(/at most [\d.]+ µs of the [\d.,]+ µs to gain from fuller grids/);
  });

  it("refuses a batch larger than one device takes, as a usage error", () => {
    const r = tsdp(["inspect", lenet, "--gpu", "h100", "--batch", String(2 ** 31 - 1)]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--batch 2147483647 is more samples than one device takes for this model \(at most \d+/);
  });

  it("offers the GPUs of compiler/gpu-specs.ts", () => {
    const cli = readFileSync(join(root, "compiler", "cli.ts"), "utf8");
    const listed = /const GPU_CHOICES = \[([^\]]*)\]/.exec(cli)![1].match(/"(\w+)"/g)!.map((s) => s.slice(1, -1));
    expect(listed).toEqual(GPU_NAMES);
  });
});

describe("tsdp inspect --gpu --counters", () => {
  const plain = report(["--gpu", "h100", "--batch", "64"]).gpu.programs.find((p) => p.program === "step")!.estimate.launches;
  /** A counters file for LeNet's step at batch 64, without the harness's update; `conflicted` has 32-way bank conflicts. */
  function countersFile(name: string, change: (c: Record<string, unknown>) => void = () => {}, conflicted = "conv2_relu_pool_step_kernel") {
    const launches = plain
      .filter((l) => l.kernel !== "optimizer_update_kernel")
      .map((l) => ({
        kernel: l.kernel,
        grid: l.grid,
        block: l.block,
        shared: { requests: 1e6, wavefronts: l.kernel === conflicted ? 32e6 : 1e6, idealWavefronts: 1e6 },
        global: {
          loadRequests: 10, loadSectors: l.kernel === conflicted ? 320 : 40, loadIdealSectors: 40,
          storeRequests: 0, storeSectors: 0, storeIdealSectors: 0,
          bytesRead: 1280, bytesWritten: 0, uniqueBytesRead: 1280, uniqueBytesWritten: 0,
        },
      }));
    const c: Record<string, unknown> = { version: 1, model: "SimpleModel", batch: 64, program: "step", launches };
    change(c);
    const file = join(scratch, name);
    writeFileSync(file, JSON.stringify(c));
    return file;
  }

  it("shows bank conflicts and sectors per request, and a conflicted kernel gets slower", () => {
    const r = report(["--gpu", "h100", "--counters", countersFile("ok.json")]); // the batch comes from the counters
    expect(r.gpu.batch).toBe(64);
    const step = r.gpu.programs.find((p) => p.program === "step")!;
    expect(step.counters).toBe(true);
    const conv2 = step.estimate.launches.find((l) => l.kernel === "conv2_relu_pool_step_kernel")!;
    expect(conv2.counters).toMatchObject({ bankConflicts: 31e6, sectorsPerRequest: 32 });
    // 32·10^6 wavefronts on the 64 SMs its 64 blocks occupy, one per clock: ~250 µs, past its ~6 µs of FLOPs
    expect(conv2.bound).toBe("shared");
    expect(conv2.time).toBeGreaterThan(10 * plain.find((l) => l.kernel === "conv2_relu_pool_step_kernel")!.time);
    expect(step.estimate.launches.at(-1)!.counters).toBeUndefined(); // the update was not measured
    const text = tsdp(["inspect", lenet, "--gpu", "h100", "--counters", countersFile("ok.json")]).stdout;
    expect(text).toContain(`Training step: ${plain.length} launches, with counters`);
    expect(text).toMatch(/bank confl\.\s+sect\/req/);
  });

  it.each([
    ["another batch", ["--batch", "256"], (c: Record<string, unknown>) => c, /measured at batch 64, the estimate is for batch 256: pass --batch 64/],
    ["another model", [], (c: Record<string, unknown>) => (c.model = "Other"), /the counters are of Other, not SimpleModel/],
    ["another kernel", [], (c: Record<string, unknown>) => ((c.launches as { kernel: string }[])[3].kernel = "x_kernel"), new RegExp(`launch 4 of the step is ${plain[3].kernel}, the counters have x_kernel`)],
    ["another grid", [], (c: Record<string, unknown>) => ((c.launches as { grid: number[] }[])[0].grid = [9, 1, 1]), new RegExp(`${plain[0].kernel} was measured with grid / block 9×1×1 / ${plain[0].block.join("×")}, this model launches it with ${plain[0].grid.join("×")}`)],
    ["a bad field", [], (c: Record<string, unknown>) => ((c.launches as { shared: unknown }[])[0].shared = {}), /launches\[0\]\.shared\.requests must be a count/],
    ["another version", [], (c: Record<string, unknown>) => (c.version = 2), /"version" must be 1, got 2/],
  ])("refuses counters of %s (TSDP6006)", (name, args, change, message) => {
    const r = tsdp(["inspect", lenet, "--gpu", "h100", ...args, "--counters", countersFile(`${name}.json`, change)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/TSDP6006/);
    expect(r.stderr).toMatch(message);
  });

  it("refuses two counters files of one program", () => {
    const r = tsdp(["inspect", lenet, "--gpu", "h100", "--counters", countersFile("a.json"), "--counters", countersFile("b.json")]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/TSDP6006.*a\.json and \S*b\.json are both counters of the step: give one file per program/);
  });

  it("--counters without --gpu is a usage error", () => {
    const r = tsdp(["inspect", lenet, "--counters", countersFile("ok.json")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--counters is for the performance model: add --gpu/);
  });
});
