// The tsdp half of the benchmarks (bench/pytorch/bench.py times PyTorch on the same sizes).
//
//   npx tsx bench/tsdp/bench-side.ts --work DIR --out FILE.json [sizes, see SIZES below]
//
// Uses the builds gpu-check.sh made in DIR/build: lenet, gemm-fp32, gemm-tf32, gemm-bf16.
// Every time is the median of `reps` calls after `warmup` calls, measured around the public API
// (trainStep, forward), which takes host arrays and returns the loss or outputs, so each call
// includes the host→device copy of its batch and waits for the result.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFashionMnist, take } from "../../runtime/data.ts";
import { load, tensor, type CompiledModel } from "../../runtime/index.ts";
import { flags, intFlag, makeBatch, modelDir, timeMs, writeJson } from "./common.ts";

const f = flags(process.argv.slice(2));
const work = f.get("work");
const outFile = f.get("out");
if (!work || !outFile) throw new Error("usage: bench-side.ts --work DIR --out FILE.json [--lenet-batches 64,256] …");
const SIZES = {
  lenetBatches: (f.get("lenet-batches") ?? "64,256").split(",").map(Number),
  epochBatch: intFlag(f, "epoch-batch", 256),
  epochLimit: intFlag(f, "epoch-limit", 60000),
  inferBatch: intFlag(f, "infer-batch", 1024),
  gemmBatch: intFlag(f, "gemm-batch", 4096),
  warmup: intFlag(f, "warmup", 5),
  reps: intFlag(f, "reps", 30),
  data: f.get("data") ?? "/usr/share/datasets/fashion-mnist",
  gemmModel: f.get("gemm-model") ?? "bench/models/gemm-mlp.ts",
  only: new Set((f.get("only") ?? "train,epoch,infer,gemm,compile").split(",")),
};
const results: Record<string, unknown> = { sizes: { ...SIZES, only: [...SIZES.only] } };
const save = () => writeJson(outFile, results);

/**
 * Device memory for benchmark (f). The runtime exposes no allocator statistics, so: the bytes
 * the manifest's memory plan implies for a training step at this batch (parameters, gradients,
 * two optimizer-state copies, the per-sample arena), and what nvidia-smi reports in use on the
 * device (the same query bench.py makes, so both include their CUDA context alike).
 */
function memory(m: CompiledModel, batch: number): { plannedBytes: number | null; deviceUsedMiB: number | null } {
  const plan = m.manifest.memory as { paramBytes?: number; arenaBytesPerSample?: number; arenaFixedBytes?: number; fixedBytes?: number } | undefined;
  const plannedBytes = plan?.paramBytes === undefined ? null : 4 * plan.paramBytes + (plan.fixedBytes ?? 0) + (plan.arenaFixedBytes ?? 0) + (plan.arenaBytesPerSample ?? 0) * batch;
  let deviceUsedMiB: number | null = null;
  if (m.target === "cuda")
    try {
      const out = execFileSync("nvidia-smi", ["--query-gpu=memory.used", "--format=csv,noheader,nounits", "-i", "0"], { encoding: "utf8" });
      deviceUsedMiB = Number(out.trim().split("\n")[0]);
    } catch {
      deviceUsedMiB = null; // no nvidia-smi: the planned bytes stand alone
    }
  return { plannedBytes, deviceUsedMiB };
}

async function trainStepBench(): Promise<void> {
  const m = await load(modelDir(work!, "lenet"));
  try {
    const out: Record<string, unknown> = {};
    for (const batch of SIZES.lenetBatches) {
      const b = makeBatch(m.manifest, batch, 1, 1);
      const x = tensor(b.x[0], b.shapes[0]);
      const y = tensor(b.y, [batch]);
      const t = timeMs(() => m.trainStepSync(x, y, { lr: 0.01, momentum: 0.9 }), SIZES.warmup, SIZES.reps);
      // the same step issued without waiting for its loss (waitForLoss: false): each call waits for
      // the step before it, so a call's time is the step's period when the host does not wait
      const noWait = timeMs(() => m.trainStepSync(x, y, { lr: 0.01, momentum: 0.9, waitForLoss: false }), SIZES.warmup, SIZES.reps);
      m.trainStepSync(x, y, { lr: 0 }); // the last one waited for
      out[`batch${batch}`] = { ...t, imagesPerS: (batch / t.medianMs) * 1000, noWaitMedianMs: noWait.medianMs, memory: memory(m, batch) };
    }
    results.lenet_train_step = out;
  } finally {
    m.dispose();
  }
}

async function epochBench(): Promise<void> {
  const ds = take(await loadFashionMnist("train", SIZES.data), SIZES.epochLimit);
  const m = await load(modelDir(work!, "lenet"), { seed: 0 });
  try {
    // The batches are cut beforehand (in order, no shuffle: bench.py uses the same order), so
    // the timed loop is the training steps alone, on data already in host memory.
    const per = 28 * 28;
    const bs = SIZES.epochBatch;
    const batches: { x: ReturnType<typeof tensor>; y: ReturnType<typeof tensor> }[] = [];
    for (let s = 0; s < ds.count; s += bs) {
      const n = Math.min(bs, ds.count - s);
      batches.push({ x: tensor(ds.images.slice(s * per, (s + n) * per), [n, 1, 28, 28]), y: tensor(ds.labels.slice(s, s + n), [n]) });
    }
    m.trainStepSync(batches[0].x, batches[0].y, { lr: 0 }); // warm-up: first-touch allocations, lr 0 leaves the weights
    const t0 = performance.now();
    let last = 0;
    for (const b of batches) last = m.trainStepSync(b.x, b.y, { lr: 0.01, momentum: 0.9 });
    const seconds = (performance.now() - t0) / 1000;
    results.epoch = { images: ds.count, batch: bs, steps: batches.length, seconds, imagesPerS: ds.count / seconds, lastLoss: last, memory: memory(m, bs) };
  } finally {
    m.dispose();
  }
}

async function inferBench(): Promise<void> {
  const m = await load(modelDir(work!, "lenet"));
  try {
    m.eval();
    const b = makeBatch(m.manifest, SIZES.inferBatch, 1, 2);
    const x = tensor(b.x[0], b.shapes[0]);
    const t = timeMs(() => m.forwardSync(x), SIZES.warmup, SIZES.reps);
    results.lenet_inference = { batch: SIZES.inferBatch, ...t, imagesPerS: (SIZES.inferBatch / t.medianMs) * 1000, memory: memory(m, SIZES.inferBatch) };
  } finally {
    m.dispose();
  }
}

/**
 * The GEMM MLP's training step per precision: gemm-<p> (--gemm cublaslt: cuBLASLt where
 * LD_LIBRARY_PATH has it, which `library` records from describe()) in results.gemm_mlp, beside
 * gemm-<p>-tsdp (--gemm tsdp: tsdp's own kernels) in results.gemm_mlp_tsdp.
 */
async function gemmBench(): Promise<void> {
  let batchData: ReturnType<typeof makeBatch> | undefined; // 4096×4096 normals take seconds in JS: made once
  for (const [key, suffix] of [["gemm_mlp", ""], ["gemm_mlp_tsdp", "-tsdp"]] as const) {
    const out: Record<string, unknown> = {};
    for (const precision of ["fp32", "tf32", "bf16"]) {
      const dir = modelDir(work!, `gemm-${precision}${suffix}`);
      if (!existsSync(join(dir, "manifest.json"))) {
        out[precision] = { skipped: `no build in ${dir}` };
        continue;
      }
      const m = await load(dir);
      try {
        const width = Number(m.manifest.inputs[0].shape[1]);
        const batch = SIZES.gemmBatch;
        const b = (batchData ??= makeBatch(m.manifest, batch, 1, 3));
        const x = tensor(b.x[0], b.shapes[0]);
        const y = tensor(b.y, [batch]);
        const reps = Math.max(3, Math.round(SIZES.reps / 3)); // a step is ~1.6 TFLOP at full size
        const t = timeMs(() => m.trainStepSync(x, y, { lr: 1e-4, momentum: 0.9 }), Math.min(SIZES.warmup, 3), reps);
        // 4 layers × (forward, weight gradient, input gradient) GEMMs of 2·B·W² FLOP, less the
        // first layer's input gradient, which neither side computes: 22·B·W².
        const flop = 22 * batch * width * width;
        const library = /cuBLASLt: [^;]*/.exec(m.describe())?.[0] ?? "";
        out[precision] = { width, batch, ...t, tflops: flop / (t.medianMs / 1000) / 1e12, library, memory: memory(m, batch) };
      } finally {
        m.dispose();
      }
    }
    results[key] = out;
  }
}

/** tsdp compile of LeNet: cold (empty library cache), warm cache (new output dir), up to date. */
function compileBench(): void {
  const target = f.get("target") ?? "cuda";
  const cache = mkdtempSync(join(tmpdir(), "tsdp-cold-cache-"));
  const outs = [mkdtempSync(join(tmpdir(), "tsdp-cold-a-")), mkdtempSync(join(tmpdir(), "tsdp-cold-b-"))];
  const run = (out: string): number => {
    const t0 = performance.now();
    execFileSync(process.execPath, ["bin/tsdp.js", "compile", "examples/lenet/model.ts", "--target", target, "--out", out, ...(f.get("arch") ? ["--arch", f.get("arch")!] : [])], {
      env: { ...process.env, TSDP_CACHE_DIR: cache },
      stdio: "ignore",
    });
    return (performance.now() - t0) / 1000;
  };
  try {
    results.compile = { target, coldS: run(outs[0]), warmCacheS: run(outs[1]), upToDateS: run(outs[1]) };
  } finally {
    for (const d of [cache, ...outs]) rmSync(d, { recursive: true, force: true });
  }
}

const phases: [string, () => Promise<void> | void][] = [
  ["train", trainStepBench],
  ["infer", inferBench],
  ["epoch", epochBench],
  ["gemm", gemmBench],
  ["compile", compileBench],
];
for (const [name, run] of phases) {
  if (!SIZES.only.has(name)) continue;
  const t0 = performance.now();
  try {
    await run();
  } catch (e) {
    // a failed benchmark is recorded and the others still run
    results[`${name}_error`] = (e as Error).message;
    console.error(`bench ${name}: ${(e as Error).message}`);
  }
  console.log(`tsdp bench ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  save();
}
