// Measured per-kernel times of LeNet's training step next to the performance model's estimate
// (gpu-check.sh's kernel-times phase). Each batch size runs in a child process with
// TSDP_KERNEL_TIMES=<file>, so the harness times every launch with CUDA events (the step runs
// eagerly, outside graph capture) and writes the file when the child exits; then the model
// estimates the same launches from the build's manifest (its launches and ptxas's resources).
//
//   node --import tsx bench/tsdp/kernel-times.ts --work DIR --out FILE.json [--batches 64,256] [--steps 20] [--gpu auto|h100|h200|a100]
//                                                [--variants lenet-direct,…]
//   node --import tsx bench/tsdp/kernel-times.ts measure --work DIR --model NAME --batch B --steps N   (the child)
//
// --variants: other builds of LeNet in DIR/build (gpu-check.sh builds lenet-direct, its convolution
// forwards and weight gradients with the tuning file's `patch: off`: the direct gather
// instead of patch staging), timed the same way, so that one GPU run says which staging the GPU
// prefers (the model and the counters disagree: bench/README-counters.md, "Patch staging"). A
// variant without a build is noted and skipped; the results go under "variants" in FILE.json.
//
// Why CUDA events rather than `nsys profile --stats=true`: nsys adds tens of seconds of start-up and
// report generation to a device call budgeted in minutes, and its report is per kernel name as this
// is; the events bracket each launch on its stream, which is what the model estimates.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { recordedResources } from "../../compiler/inspect.ts";
import { gpuReport } from "../../compiler/inspect-gpu.ts";
import { GPU_NAMES, type GpuName } from "../../compiler/gpu-specs.ts";
import { load, readManifest } from "../../runtime/index.ts";
import { flags, intFlag, makeBatch, modelDir, writeJson } from "./common.ts";
import { formatKernelTimeTable, kernelTimeTable, type MeasuredKernels } from "./kernel-times-table.ts";

const argv = process.argv.slice(2);
const child = argv[0] === "measure";
const f = flags(child ? argv.slice(1) : argv);
const work = f.get("work");
if (!work) throw new Error("kernel-times: --work DIR (gpu-check.sh's work directory, holding build/lenet) is required");

if (child) {
  // the child: warm-up included, since the harness times every launch; the median absorbs it
  const batch = intFlag(f, "batch", 64);
  const steps = intFlag(f, "steps", 20);
  const m = await load(modelDir(work, f.get("model") ?? "lenet"), { seed: 0 });
  m.train();
  const b = makeBatch(m.manifest, batch, 0, 1);
  const x = b.x.map((data, i) => ({ data, shape: b.shapes[i] }));
  for (let s = 0; s < steps; s++) m.trainStepSync(x, { data: b.y, shape: [batch] }, { lr: 0.01 });
  m.dispose();
} else {
  const out = f.get("out");
  if (!out) throw new Error("kernel-times: --out FILE.json is required");
  const batches = (f.get("batches") ?? "64,256").split(",").map(Number);
  const steps = intFlag(f, "steps", 20);
  const device = deviceName();
  const gpu = gpuOf(f.get("gpu") ?? "auto", device);
  const variants = (f.get("variants") ?? "").split(",").filter((v) => v !== "");
  const result: Record<string, unknown> = { device, gpu, steps, ...(await measureModel("lenet", batches, steps, device, gpu)) };
  const measuredVariants: Record<string, unknown> = {};
  for (const name of variants) {
    if (!existsSync(join(modelDir(work, name), "manifest.json"))) {
      console.log(`kernel-times: no build of ${name} in ${modelDir(work, name)}: skipped`);
      continue;
    }
    measuredVariants[name] = await measureModel(name, batches, steps, device, gpu);
  }
  if (variants.length > 0) result.variants = measuredVariants;
  writeJson(out, result);
}

/** Every batch of one build's step: the measured kernels (a child process each) beside the model's estimate. */
async function measureModel(name: string, batches: readonly number[], steps: number, device: string | null, gpu: GpuName): Promise<{ target: string; batches: Record<string, unknown> }> {
  const dir = modelDir(work!, name);
  const manifest = await readManifest(join(dir, "manifest.json"));
  if (!manifest.launches) throw new Error(`${dir} was built by a tsdp that does not record launches: rebuild it`);
  const resources = recordedResources(manifest, readFileSync(join(dir, "model.cu"), "utf8"));
  const out: Record<string, unknown> = {};
  for (const batch of batches) {
    const file = join(work!, `kernel-times-${name}-${batch}.raw.json`);
    rmSync(file, { force: true });
    const run = spawnSync(process.execPath, [...process.execArgv, process.argv[1], "measure", "--work", work!, "--model", name, "--batch", String(batch), "--steps", String(steps)], {
      env: { ...process.env, TSDP_KERNEL_TIMES: file },
      encoding: "utf8",
      stdio: ["ignore", "inherit", "inherit"],
    });
    if (run.status !== 0) throw new Error(`kernel-times: the measuring child for ${name} at batch ${batch} failed (exit ${run.status})`);
    // the CPU target times nothing (its launches go through the shim), so there is no file
    const measured = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as MeasuredKernels) : null;
    const report = gpuReport(manifest.launches, manifest.model, { gpu, batch, precision: manifest.precision ?? "fp32", resources });
    const table = kernelTimeTable(report.programs.find((p) => p.program === "step")!, measured);
    out[batch] = table;
    console.log(formatKernelTimeTable(table, `${name === "lenet" ? "LeNet" : name} training step, batch ${batch}: model (${gpu}, ${report.occupancyFrom.split(":")[0]}) vs measured on ${device ?? "no GPU"}${measured ? "" : " (not measured: the CPU target does not time launches)"}`));
  }
  return { target: manifest.target, batches: out };
}

/** The GPU's name from nvidia-smi, or null without one. */
function deviceName(): string | null {
  const r = spawnSync("nvidia-smi", ["--query-gpu=name", "--format=csv,noheader", "-i", "0"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim().split("\n")[0] : null;
}

/** The model's GPU for `--gpu`: the named one, or the one nvidia-smi names (H100 without one). */
function gpuOf(choice: string, device: string | null): GpuName {
  if (choice !== "auto") {
    if (!(GPU_NAMES as string[]).includes(choice)) throw new Error(`--gpu must be auto or one of ${GPU_NAMES.join(", ")}, got ${choice}`);
    return choice as GpuName;
  }
  return GPU_NAMES.find((g) => device?.toLowerCase().includes(g)) ?? "h100";
}
