// Train the seed's LeNet on Fashion-MNIST from Node, as a user would:
//   npx tsx examples/lenet/train.ts [--epochs 1] [--batch 64] [--lr 0.01] [--devices 2]
//                                   [--data DIR] [--limit N] [--resume FILE] [--out DIR]
// Compiles the model (cached), loads it on every GPU (or the CPU target), trains with SGD +
// momentum, evaluates on the 10,000 test images (the first N with --limit N) after each epoch, saves a checkpoint per epoch
// and, at the end, a plot of training loss and test accuracy.
import { writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { compile } from "../../compiler/pipeline.ts";
import { CompileError } from "../../compiler/diagnostics/diagnostic.ts";
import { formatDiagnostics } from "../../compiler/diagnostics/format.ts";
import { load } from "../../runtime/index.ts";
import { batches, DataError, epochOrder, loadFashionMnist, take, FASHION_MNIST_DIR } from "../../runtime/data.ts";
import { Progress } from "../../runtime/progress.ts";
import { trainingPlot, type EpochPoint, type StepPoint } from "../../runtime/plot.ts";

const { values: args } = parseArgs({
  options: {
    epochs: { type: "string", default: "1" },
    batch: { type: "string", default: "64" },
    lr: { type: "string", default: "0.01" },
    momentum: { type: "string", default: "0.9" },
    devices: { type: "string" },
    data: { type: "string", default: FASHION_MNIST_DIR },
    limit: { type: "string" },
    resume: { type: "string" },
    out: { type: "string", default: "runs/lenet" },
    seed: { type: "string", default: "0" },
    target: { type: "string" },
  },
});

function positive(name: string, value: string | undefined, integer = true): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    console.error(`train: --${name} must be a positive ${integer ? "integer" : "number"}, got ${value}`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  const epochs = positive("epochs", args.epochs);
  const batchSize = positive("batch", args.batch);
  const lr = positive("lr", args.lr, false);
  const momentum = Number(args.momentum);
  const seed = Number(args.seed);

  const started = performance.now();
  const [train0, test0] = await Promise.all([loadFashionMnist("train", args.data), loadFashionMnist("test", args.data)]);
  // --limit cuts both sets: a short run is for trying things out, and evaluating all 10,000 test
  // images would then take longer than the training does.
  const limit = args.limit ? positive("limit", args.limit) : undefined;
  const train = limit ? take(train0, limit) : train0;
  const test = limit ? take(test0, limit) : test0;

  const compiled = await compile("examples/lenet/model.ts", { target: args.target as "cpu" | "cuda" | undefined, outDir: "build/lenet" });
  const target = compiled.generated.manifest.target;
  const devices = args.devices ? positive("devices", args.devices) : undefined;
  const model = await load("build/lenet", { devices, seed, checkpoint: args.resume });
  await mkdir(args.out, { recursive: true });
  const firstEpoch = args.resume ? Math.round((model.steps * batchSize) / train.count) : 0;
  console.log(
    `LeNet (${compiled.model.graph.params.reduce((s, p) => s + (p.shape as number[]).reduce((a, b) => a * b, 1), 0).toLocaleString("en-US")} parameters) ` +
      `on ${target === "cuda" ? `${devices ?? "all"} GPU(s)` : `the CPU target (${devices ?? 1} virtual device${(devices ?? 1) > 1 ? "s" : ""})`}; ` +
      `${train.count.toLocaleString("en-US")} training images, ${test.count.toLocaleString("en-US")} test images, batch ${batchSize}, SGD lr ${lr} momentum ${momentum}` +
      (args.resume ? `; resumed from ${args.resume} at epoch ${firstEpoch + 1}` : "") +
      ` (setup ${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );

  const steps: StepPoint[] = [];
  const history: EpochPoint[] = [];
  for (let epoch = firstEpoch; epoch < firstEpoch + epochs; epoch++) {
    model.train();
    const batchesPerEpoch = Math.ceil(train.count / batchSize);
    const progress = new Progress(`epoch ${epoch + 1}`, batchesPerEpoch);
    let seen = 0;
    let lossSum = 0;
    const t0 = performance.now();
    // The step runs on a worker thread (trainStep is asynchronous) while this thread gathers the next
    // batch; the library stages each batch through pinned memory and copies it asynchronously.
    const feed = batches(train, batchSize, epochOrder(train.count, seed, epoch));
    let next = feed.next();
    while (!next.done) {
      const b = next.value;
      const step = model.trainStep(b.x, b.y, { lr, momentum, detectNonFinite: true });
      next = feed.next();
      const loss = await step;
      seen += b.y.data.length;
      lossSum += loss * b.y.data.length;
      steps.push({ epoch: epoch + (b.index + 1) / batchesPerEpoch, loss });
      progress.update(b.index + 1, { loss: lossSum / seen, images: seen });
    }
    const seconds = (performance.now() - t0) / 1000;
    progress.done();

    model.eval();
    let right = 0;
    let testLoss = 0;
    for (const b of batches(test, 1000)) {
      const r = await model.evaluate(b.x, b.y);
      right += Math.round(r.accuracy! * b.y.data.length);
      testLoss += r.loss * b.y.data.length;
    }
    const accuracy = right / test.count;
    history.push({ epoch: epoch + 1, testLoss: testLoss / test.count, accuracy });
    const checkpoint = join(args.out, `epoch-${epoch + 1}.safetensors`);
    await model.saveCheckpoint(checkpoint);
    console.log(
      `epoch ${epoch + 1}: train loss ${(lossSum / seen).toFixed(4)}, test loss ${(testLoss / test.count).toFixed(4)}, ` +
        `test accuracy ${(accuracy * 100).toFixed(2)}%, ${seconds.toFixed(1)} s (${Math.round(seen / seconds)} images/s), checkpoint ${checkpoint}`,
    );
  }
  const plot = join(args.out, "training.svg");
  await writeFile(plot, trainingPlot({ title: "LeNet on Fashion-MNIST", steps, epochs: history }));
  console.log(`plot: ${plot}`);
  model.dispose();
}

main().catch((e) => {
  if (e instanceof DataError) console.error(`train: ${e.message}`);
  else if (e instanceof CompileError) console.error(formatDiagnostics(e.diagnostics));
  else console.error(`train: ${(e as Error).message}`);
  process.exit(1);
});
