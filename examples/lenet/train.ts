// Train the seed's LeNet on Fashion-MNIST from Node, as a user would:
//   npx tsx examples/lenet/train.ts [--epochs 1] [--batch 64] [--lr 0.01] [--devices 2]
//                                   [--data DIR] [--limit N] [--resume FILE] [--out DIR]
// Compiles the model (cached), loads it on every GPU (or the CPU target), trains with SGD +
// momentum, evaluates on the 10,000 test images (the first N with --limit N) after each epoch, saves a checkpoint per epoch
// and, at the end, a plot of training loss and test accuracy.
//
// Unchanged under the launcher (DistributedDataParallel): `npx tsdp launch --nproc 2 examples/lenet/train.ts …`.
// Each rank then trains on its shard of every epoch (distributedShard: PyTorch's DistributedSampler),
// --batch is per process (as with PyTorch's DataLoader under DDP: the step's batch is nproc × --batch),
// --devices defaults to the launcher's --devices-per-proc, evaluation is sharded and its counts summed
// over the ranks, and rank 0 alone prints, writes the checkpoints and the plot; on --resume every
// rank loads the same checkpoint.
import { writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { compile } from "../../compiler/pipeline.ts";
import { CompileError } from "../../compiler/diagnostics/diagnostic.ts";
import { formatDiagnostics } from "../../compiler/diagnostics/format.ts";
import { load } from "../../runtime/index.ts";
import { batches, DataError, distributedShard, epochOrder, loadFashionMnist, subset, take, FASHION_MNIST_DIR } from "../../runtime/data.ts";
import { allReduceSum, processGroupFromEnv } from "../../runtime/distributed.ts";
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

  const group = processGroupFromEnv();
  const rank = group?.rank ?? 0;
  const world = group?.worldSize ?? 1;
  const log = (text: string) => {
    if (rank === 0) console.log(text);
  };
  const started = performance.now();
  const [train0, test0] = await Promise.all([loadFashionMnist("train", args.data), loadFashionMnist("test", args.data)]);
  // --limit cuts both sets: a short run is for trying things out, and evaluating all 10,000 test
  // images would then take longer than the training does.
  const limit = args.limit ? positive("limit", args.limit) : undefined;
  const train = limit ? take(train0, limit) : train0;
  const test = limit ? take(test0, limit) : test0;

  const compiled = await compile("examples/lenet/model.ts", { target: args.target as "cpu" | "cuda" | undefined, outDir: "build/lenet" });
  const target = compiled.generated.manifest.target;
  const perProc = process.env.TSDP_DEVICES_PER_PROC;
  const devices = args.devices ? positive("devices", args.devices) : perProc ? positive("devices-per-proc", perProc) : undefined;
  const model = await load("build/lenet", { devices, seed, checkpoint: args.resume, distributed: world > 1 });
  if (rank === 0) await mkdir(args.out, { recursive: true });
  // a rank's shard of an epoch: ⌈N / world⌉ samples (DistributedSampler pads), the same count on every rank
  const shardCount = Math.ceil(train.count / world);
  const firstEpoch = args.resume ? Math.round((model.steps * batchSize) / shardCount) : 0;
  log(
    `LeNet (${compiled.model.graph.params.reduce((s, p) => s + (p.shape as number[]).reduce((a, b) => a * b, 1), 0).toLocaleString("en-US")} parameters) ` +
      `on ${target === "cuda" ? `${devices ?? "all"} GPU(s)` : `the CPU target (${devices ?? 1} virtual device${(devices ?? 1) > 1 ? "s" : ""})`}; ` +
      `${train.count.toLocaleString("en-US")} training images, ${test.count.toLocaleString("en-US")} test images, batch ${batchSize}, SGD lr ${lr} momentum ${momentum}` +
      (args.resume ? `; resumed from ${args.resume} at epoch ${firstEpoch + 1}` : "") +
      (world > 1 ? `; ${world} processes (DistributedDataParallel), batch ${batchSize} each` : "") +
      ` (setup ${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );

  const steps: StepPoint[] = [];
  const history: EpochPoint[] = [];
  for (let epoch = firstEpoch; epoch < firstEpoch + epochs; epoch++) {
    model.train();
    const batchesPerEpoch = Math.ceil(shardCount / batchSize);
    const progress = rank === 0 ? new Progress(`epoch ${epoch + 1}`, batchesPerEpoch) : undefined;
    let seen = 0;
    let lossSum = 0;
    const t0 = performance.now();
    // The step runs on a worker thread (trainStep is asynchronous) while this thread gathers the next
    // batch; the library stages each batch through pinned memory and copies it asynchronously.
    const order = epochOrder(train.count, seed, epoch);
    const feed = world > 1 ? batches(subset(train, distributedShard(order, rank, world)), batchSize) : batches(train, batchSize, order);
    let next = feed.next();
    while (!next.done) {
      const b = next.value;
      const step = model.trainStep(b.x, b.y, { lr, momentum, detectNonFinite: true });
      next = feed.next();
      const loss = await step;
      // the loss is the whole step's (every rank's batch), so count every rank's images
      seen += b.y.data.length * world;
      lossSum += loss * b.y.data.length * world;
      steps.push({ epoch: epoch + (b.index + 1) / batchesPerEpoch, loss });
      progress?.update(b.index + 1, { loss: lossSum / seen, images: seen });
    }
    const seconds = (performance.now() - t0) / 1000;
    progress?.done();

    model.eval();
    let right = 0;
    let testLoss = 0;
    if (world === 1) {
      for (const b of batches(test, 1000)) {
        const r = await model.evaluate(b.x, b.y);
        right += Math.round(r.accuracy! * b.y.data.length);
        testLoss += r.loss * b.y.data.length;
      }
    } else {
      // each rank evaluates its shard, padded to the same count on every rank (evaluate sums its
      // loss across them); the padding's duplicates are left out of the counts summed below
      const shard = distributedShard(Uint32Array.from({ length: test.count }, (_, i) => i), rank, world);
      for (const b of batches(subset(test, shard), 1000)) {
        const logits = (await model.evaluate(b.x, b.y)).outputs[0].data as Float32Array;
        for (let i = 0; i < b.y.data.length; i++) {
          if ((b.index * 1000 + i) * world + rank >= test.count) continue;
          const row = logits.subarray(i * 10, i * 10 + 10);
          const top = Math.max(...row);
          right += Number(row.indexOf(top) === b.y.data[i]);
          testLoss += Math.log(row.reduce((sum, v) => sum + Math.exp(v - top), 0)) + top - row[b.y.data[i]];  // cross-entropy
        }
      }
    }
    [right, testLoss] = allReduceSum([right, testLoss]);
    const accuracy = right / test.count;
    history.push({ epoch: epoch + 1, testLoss: testLoss / test.count, accuracy });
    const checkpoint = join(args.out, `epoch-${epoch + 1}.safetensors`);
    if (rank === 0) await model.saveCheckpoint(checkpoint);
    log(
      `epoch ${epoch + 1}: train loss ${(lossSum / seen).toFixed(4)}, test loss ${(testLoss / test.count).toFixed(4)}, ` +
        `test accuracy ${(accuracy * 100).toFixed(2)}%, ${seconds.toFixed(1)} s (${Math.round(seen / seconds)} images/s), checkpoint ${checkpoint}`,
    );
  }
  const plot = join(args.out, "training.svg");
  if (rank === 0) await writeFile(plot, trainingPlot({ title: "LeNet on Fashion-MNIST", steps, epochs: history }));
  log(`plot: ${plot}`);
  model.dispose();
}

main().catch((e) => {
  if (e instanceof DataError) console.error(`train: ${e.message}`);
  else if (e instanceof CompileError) console.error(formatDiagnostics(e.diagnostics));
  else console.error(`train: ${(e as Error).message}`);
  process.exit(1);
});
