// The tsdp half of the PyTorch comparison (bench/pytorch/compare.py is the other half).
//
//   npx tsx bench/tsdp/compare-side.ts export  --work DIR [--models lenet,mlp] [--batch 64] [--steps 20] [--max-lr 0.01]
//   npx tsx bench/tsdp/compare-side.ts reverse --work DIR [--models …]
//
// export, for each example already compiled into DIR/build/<name>: saves the initial weights
// (seed 0) as DIR/<name>/init.safetensors, the batches as batches.safetensors, and what tsdp
// computes from them: forward outputs in eval mode, the gradient of every parameter at the
// initial weights (read back as "<param>.grad" after the first step), the losses of `steps`
// optimizer steps (tsdp.json), and the trained state (final.safetensors).
// reverse: loads DIR/<name>/torch_trained.safetensors (written by compare.py) into tsdp and
// saves its eval-mode outputs on the same eval batch as reverse.safetensors.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { load, readSafetensorsFile, writeSafetensorsFile, type Tensor } from "../../runtime/index.ts";
import { EXAMPLES, flags, intFlag, makeBatch, modelDir, writeJson } from "./common.ts";

/**
 * Dropout masks come from different generators in tsdp and PyTorch, so the models with dropout
 * train in eval mode on both sides (dropout is then the identity); the others train in train
 * mode (BatchNorm with batch statistics, as PyTorch).
 */
const TRAIN_IN_EVAL_MODE = new Set(["mnist", "mlp"]);

const f32 = (name: string, t: Tensor) => ({ name, dtype: "F32", shape: [...t.shape], data: t.data });

/**
 * The comparison trains at min(declared lr, maxLr): on random labels a high rate makes the loss
 * chaotic, and then fp32 rounding differences grow into different curves. (ResNet-20 at its
 * declared 0.1, batch 4, on the CPU dry run: losses equal to 1e-7 for 4 steps, then drifting
 * apart to 5e-2 as the loss swung between 1.8 and 5.8.)
 */
async function exportOne(work: string, name: string, batch: number, steps: number, maxLr: number): Promise<void> {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const m = await load(modelDir(work, name), { seed: 0 });
  try {
    const training = m.manifest.training;
    if (!training) throw new Error(`${name}: the build has no training step: ${m.manifest.trainingUnavailable ?? "?"}`);
    await m.saveCheckpoint(join(dir, "init.safetensors"));

    const evalBatch = makeBatch(m.manifest, batch, 0, 0);
    const trainBatches = Array.from({ length: steps }, (_, s) => makeBatch(m.manifest, batch, 0, s + 1));
    const batchTensors = [
      ...evalBatch.x.map((x, i) => ({ name: `eval.x${i}`, dtype: "F32", shape: evalBatch.shapes[i], data: x })),
      { name: "eval.y", dtype: "I32", shape: [batch], data: evalBatch.y },
      ...trainBatches.flatMap((b, s) => [
        ...b.x.map((x, i) => ({ name: `step${s}.x${i}`, dtype: "F32", shape: b.shapes[i], data: x })),
        { name: `step${s}.y`, dtype: "I32", shape: [batch], data: b.y },
      ]),
    ];
    await writeSafetensorsFile(join(dir, "batches.safetensors"), batchTensors);

    m.eval();
    const outputs = m.forwardAllSync(...evalBatch.x.map((x, i) => ({ data: x, shape: evalBatch.shapes[i] })));

    const mode = TRAIN_IN_EVAL_MODE.has(name) ? "eval" : "train";
    const lr = Math.min(Number(training.optimizer.lr), maxLr);
    m.train(mode === "train");
    const losses: number[] = [];
    const grads: ReturnType<typeof f32>[] = [];
    for (let s = 0; s < steps; s++) {
      const b = trainBatches[s];
      losses.push(m.trainStepSync(b.x.map((x, i) => ({ data: x, shape: b.shapes[i] })), { data: b.y, shape: [batch] }, { lr }));
      if (s === 0)
        for (const p of m.parameters()) grads.push(f32(`grad.${p.name}`, m.getParameter(`${p.name}.grad`) as Tensor));
    }
    await writeSafetensorsFile(join(dir, "tsdp.safetensors"), [...outputs.map((o, i) => f32(`out.${i}`, o)), ...grads]);
    await m.saveCheckpoint(join(dir, "final.safetensors"));
    writeJson(join(dir, "tsdp.json"), {
      model: m.name,
      target: m.target,
      batch,
      steps,
      mode,
      loss: training.loss,
      reduction: training.reduction,
      optimizer: { ...training.optimizer, lr },
      losses,
    });
    console.log(`${name}: exported (${m.target}, batch ${batch}, ${steps} steps, ${mode} mode, loss ${losses[0].toFixed(4)} → ${losses.at(-1)!.toFixed(4)})`);
  } finally {
    m.dispose();
  }
}

async function reverseOne(work: string, name: string): Promise<void> {
  const dir = join(work, name);
  const weights = join(dir, "torch_trained.safetensors");
  if (!existsSync(weights)) throw new Error(`${name}: ${weights} is missing: run bench/pytorch/compare.py first`);
  const m = await load(modelDir(work, name), { checkpoint: weights });
  try {
    const { tensors } = await readSafetensorsFile(join(dir, "batches.safetensors"));
    const inputs = m.manifest.inputs.map((_, i) => {
      const t = tensors.get(`eval.x${i}`)!;
      return { data: t.data as Float32Array, shape: t.shape };
    });
    m.eval();
    const outputs = m.forwardAllSync(...inputs);
    await writeSafetensorsFile(join(dir, "reverse.safetensors"), outputs.map((o, i) => f32(`out.${i}`, o)));
    console.log(`${name}: PyTorch-trained weights loaded into tsdp, outputs saved`);
  } finally {
    m.dispose();
  }
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  const f = flags(rest);
  const work = f.get("work");
  if (!work || (command !== "export" && command !== "reverse"))
    throw new Error("usage: compare-side.ts export|reverse --work DIR [--models a,b] [--batch 64] [--steps 20]");
  const models = (f.get("models") ?? EXAMPLES.join(",")).split(",").filter(Boolean);
  for (const name of models) if (!(EXAMPLES as readonly string[]).includes(name)) throw new Error(`unknown example "${name}" (known: ${EXAMPLES.join(", ")})`);
  let failed = 0;
  for (const name of models) {
    try {
      if (command === "export") await exportOne(work, name, intFlag(f, "batch", 64), intFlag(f, "steps", 20), Number(f.get("max-lr") ?? 0.01));
      else await reverseOne(work, name);
    } catch (e) {
      // one model's failure must not hide the others' results
      failed++;
      console.error(`${name}: ${command} failed: ${(e as Error).message}`);
      writeJson(join(work, name, `${command}-error.json`), { error: (e as Error).message });
    }
  }
  process.exitCode = failed ? 1 : 0;
}

await main();
