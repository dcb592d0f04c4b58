// The counters file's schema (runtime/counters.ts), which `tsdp counters` writes and
// `tsdp inspect --gpu ... --counters` reads. test/fixtures/counters/lenet-step-b64.json is a real
// one: `tsdp counters examples/lenet/model.ts --batch 64` at the commit bench/README-counters.md
// names (its numbers are that commit's kernels; here only its form is checked).
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { countersJson, formatCounters } from "../compiler/counters.ts";
import { runNode, scratchDir } from "./helpers.ts";
import { formatSites, parseAddr2line, siteExcess } from "../compiler/counters-sites.ts";
import { bankConflicts, loadSectorsPer128B, sectorsPerLoad, storeSectorsPer128B, validateCountersFile, type CountersFile } from "../runtime/counters.ts";

const fixture = join(import.meta.dirname, "fixtures", "counters", "lenet-step-b64.json");
const lenet = () => JSON.parse(readFileSync(fixture, "utf8")) as CountersFile;

describe("counters file", () => {
  it("accepts what tsdp counters wrote, and reads back what countersJson writes", () => {
    const file = validateCountersFile(lenet(), fixture);
    expect(file).toMatchObject({ version: 1, model: "SimpleModel", batch: 64, program: "step" });
    expect(file.launches.length).toBe(29);
    expect(JSON.parse(countersJson(file))).toEqual(file);
    // one launch per line
    expect(countersJson(file).split("\n").length).toBe(file.launches.length + 3);
  });

  it("derives conflicts and sectors per request from the counts", () => {
    const fc1 = lenet().launches.find((l) => l.kernel === "fc1_kernel")!;
    expect(bankConflicts(fc1)).toBe(fc1.shared.wavefronts - fc1.shared.idealWavefronts);
    expect(sectorsPerLoad(fc1)).toBeCloseTo(fc1.global.loadSectors / fc1.global.loadRequests, 12);
    // per 128 bytes asked for: 4 when every request's sectors are the fewest that hold its bytes
    expect(loadSectorsPer128B(fc1)).toBeCloseTo((4 * fc1.global.loadSectors) / fc1.global.loadIdealSectors, 12);
    expect(loadSectorsPer128B(fc1)).toBeGreaterThanOrEqual(4);
    expect(storeSectorsPer128B({ ...fc1, global: { ...fc1.global, storeSectors: 16, storeIdealSectors: 16 } })).toBe(4);
    const table = formatCounters(lenet());
    expect(table.split("\n")).toHaveLength(2 + 29);
    expect(table).toMatch(/^fc1_kernel +1×8×1 +256 /m);
  });

  it.each([
    ["version", (f: any) => (f.version = 2), '"version" must be 1'],
    ["model", (f: any) => delete f.model, '"model" must be'],
    ["program", (f: any) => (f.program = "backward"), '"program" must be "step" or "forward"'],
    ["batch", (f: any) => (f.batch = 0), '"batch" must be a positive integer'],
    ["a launch's grid", (f: any) => (f.launches[3].grid = [64, 1]), "launches[3].grid must be three positive integers"],
    ["a count", (f: any) => (f.launches[5].global.loadSectors = -1), "launches[5].global.loadSectors must be a count"],
    ["a missing count", (f: any) => delete f.launches[0].shared.wavefronts, "launches[0].shared.wavefronts must be a count"],
    ["sites", (f: any) => (f.launches[2].sites = {}), "launches[2].sites must be an array"],
    ["site's access", (f: any) => (f.launches[2].sites = [{ at: 16, access: "texture", requests: 1 }]), 'launches[2].sites[0].access must be "shared", "load" or "store"'],
    ["site's offset", (f: any) => (f.launches[2].sites = [{ at: -2, access: "load", requests: 1, sectors: 4, idealSectors: 4 }]), "launches[2].sites[0].at must be an offset or -1"],
    ["site's count", (f: any) => (f.launches[2].sites = [{ at: 16, access: "shared", requests: 1, sectors: 4, idealSectors: 4 }]), "launches[2].sites[0].wavefronts must be a count"],
    // sec57 F13: an edited file printed negative bank conflicts and an estimate of hours
    ["count past 2^48", (f: any) => (f.launches[1].shared.requests = 2 ** 53 - 1), "launches[1].shared.requests must be a count (an integer from 0 to 2^48)"],
    ["wavefront count", (f: any) => Object.assign(f.launches[4].shared, { wavefronts: 0, idealWavefronts: 8 }), "launches[4].shared: wavefronts 0 is less than idealWavefronts 8: no access takes fewer than the fewest it can"],
    ["sector count", (f: any) => Object.assign(f.launches[4].global, { storeSectors: 1, storeIdealSectors: 2 }), "launches[4].global: storeSectors 1 is less than storeIdealSectors 2"],
    ["site's sectors", (f: any) => (f.launches[2].sites = [{ at: 16, access: "load", requests: 1, sectors: 3, idealSectors: 4 }]), "launches[2].sites[0]: sectors 3 is less than idealSectors 4"],
    ["site's source", (f: any) => (f.launches[2].sites = [{ at: 16, access: "load", requests: 1, sectors: 4, idealSectors: 4, source: { frames: [{ function: "k", file: "model.cu", line: 0 }] } }]), "launches[2].sites[0].source.frames must be a list of { function, file, line }"],
  ])("refuses a file with a bad %s, naming the field and the file", (_what, spoil, message) => {
    const f = lenet();
    spoil(f);
    expect(() => validateCountersFile(f, "some.json")).toThrow(RangeError);
    expect(() => validateCountersFile(f, "some.json")).toThrow(`some.json: not a tsdp counters file (tsdp counters writes one): ${message}`);
  });

  it("refuses what is not a JSON object", () => {
    for (const v of [null, [], "x", 3]) expect(() => validateCountersFile(v, "f.json")).toThrow("f.json: not a tsdp counters file");
  });

  it("reads addr2line's inline chains: innermost frame first, discriminators and unknown frames dropped", () => {
    const text = [
      "0x000000000000228b",
      "tsdp_kernels::fc1_load_a(float const*, int, int, int, int)",
      "/tmp/build/model.cu:392 (discriminator 3)",
      "tsdp_kernels::fc1_stage_a_ring(float (*) [36], float const*)",
      "/tmp/build/model.cu:420",
      "tsdp_kernels::fc1_kernel(float const*, float const*, float*, int, int)",
      "/tmp/build/model.cu:501",
      "0x0000000000000040",
      "??",
      "??:0",
      "0x0000000000000079",
      "float4 __ldcg<float4>(float4 const*)",
      "/work/runtime/shim/cuda_shim.h:1200",
      "(anonymous namespace)::tsdp_kernels::gemm<64, 4>(float const*)",
      "/tmp/build/model.cu:77",
      "",
    ].join("\n");
    const sites = parseAddr2line(text);
    expect(sites.get(0x228b)).toEqual({
      frames: [
        { function: "fc1_load_a", file: "model.cu", line: 392 },
        { function: "fc1_stage_a_ring", file: "model.cu", line: 420 },
        { function: "fc1_kernel", file: "model.cu", line: 501 },
      ],
    });
    expect(sites.has(0x40)).toBe(false);
    expect(sites.get(0x79)!.frames.map((f) => f.function)).toEqual(["__ldcg<float4>", "gemm<64, 4>"]);
  });

  it("lists each launch's worst sites with their line in model.cu and its text", () => {
    const file = lenet();
    const fc1 = file.launches.find((l) => l.kernel === "fc1_kernel")!;
    const frames = (line: number) => ({ frames: [{ function: "fc1_gather_a", file: "model.cu", line }, { function: "fc1_kernel", file: "model.cu", line: 9 }] });
    const sites = [
      { at: 16, access: "load" as const, requests: 10, sectors: 60, idealSectors: 40, source: frames(3) },
      { at: 32, access: "load" as const, requests: 10, sectors: 40, idealSectors: 40, source: frames(4) },
      { at: 48, access: "shared" as const, requests: 8, wavefronts: 24, idealWavefronts: 8, source: frames(5) },
      { at: -1, access: "store" as const, requests: 2, sectors: 3, idealSectors: 2 },
    ];
    const withSites: CountersFile = { ...file, launches: file.launches.map((l) => (l === fc1 ? { ...l, sites } : l)) };
    expect(validateCountersFile(JSON.parse(countersJson(withSites)), "f.json")).toEqual(withSites);
    expect(sites.map(siteExcess)).toEqual([20, 0, 16, 1]);
    const cu = ["// line 1", "// line 2", "    return a[(size_t)m * 500 + k];", "    return b[k];", "    As[k][r] = v;"].join("\n");
    const text = formatSites(withSites, 2, cu).split("\n");
    // the two largest excesses of fc1_kernel, largest first; the site without excess and the third are left out
    expect(text.slice(1)).toEqual([
      "fc1_kernel",
      expect.stringMatching(/^  model\.cu:3 +load +10 req  6\.0 per 128 B  \+20 sectors  fc1_gather_a ← fc1_kernel$/),
      "                 return a[(size_t)m * 500 + k];",
      expect.stringMatching(/^  model\.cu:5 +shared +8 req  2\.0 conflicts\/req  \+16 wavefronts  fc1_gather_a ← fc1_kernel$/),
      "                 As[k][r] = v;",
    ]);
    expect(formatSites(withSites, 5).split("\n")).toContainEqual(expect.stringMatching(/^  \(atomics\) +store +2 req  6\.0 per 128 B  \+1 sectors$/));
    expect(formatSites(file, 3)).toMatch(/^No site over its ideal/);
  });
});

describe("tsdp counters' arguments", () => {
  it("refuses a batch past a counted run's size and an --out that is a directory, before it builds (exit 2)", async () => {
    const big = await runNode(["bin/tsdp.js", "counters", "examples/lenet/model.ts", "--batch", "2000000000"]);
    expect(big.status).toBe(2);
    expect(big.stderr).toMatch(/--batch 2000000000 is more than the 65536 samples a counted run takes/);
    const dir = await runNode(["bin/tsdp.js", "counters", "examples/lenet/model.ts", "--out", "test"]);
    expect(dir.status).toBe(2);
    expect(dir.stderr).toMatch(/--out test is a directory; give the counters file's path/);
    // the model file (or any source file) as --out: its JSON would replace the model
    const self = await runNode(["bin/tsdp.js", "counters", "examples/lenet/model.ts", "--out", "examples/lenet/model.ts"]);
    expect(self.status).toBe(2);
    expect(self.stderr).toMatch(/--out examples\/lenet\/model\.ts is the model file itself, which the JSON would replace/);
    const other = await runNode(["bin/tsdp.js", "counters", "examples/lenet/model.ts", "--out", "examples/lenet/train.ts"]);
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/names a source file \(the output is JSON\)/);
    // through a link to the model: where the write would land
    const link = join(scratchDir("counters-out-"), "out.json");
    symlinkSync(join(process.cwd(), "examples/lenet/model.ts"), link);
    const linked = await runNode(["bin/tsdp.js", "counters", "examples/lenet/model.ts", "--out", link]);
    expect(linked.status).toBe(2);
    expect(linked.stderr).toMatch(/is the model file itself \(through a link\), which the JSON would replace/);
  });

  it("prints the tuning file's warnings as compile does (a stale entry, TSDP6104), and counts", async () => {
    const dir = scratchDir("counters-tune-");
    writeFileSync(join(dir, "model.ts"), TINY);
    writeFileSync(join(dir, "model.tune.json"), '{"kernels": {"fc_nosuch": {"tile": 32}}}');
    const run = await runNode(["bin/tsdp.js", "counters", join(dir, "model.ts"), "--batch", "4", "--build", join(dir, "b")]);
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/^warning TSDP6104: fc_nosuch is not a kernel of this model; its entry is ignored/);
    expect(run.stdout).toMatch(/^Tiny, step, batch 4: \d+ launches/);
  }, 120_000);
});

const TINY = `import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
export class Tiny extends nn.Module {
  fc = new nn.Linear(8, 4);
  forward(x: Tensor<[Batch, 8]>) {
    return this.fc(x);
  }
}
export const training = new Training(Tiny, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.1 }) });
`;
