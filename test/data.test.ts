// The Fashion-MNIST job: the data module on the real files and on broken ones, a short training
// run (CI's version of the main job), checkpoints that reload to the same accuracy, resuming,
// and the training script's handling of missing data.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { batches, DataError, epochOrder, loadFashionMnist, subset, take } from "../runtime/data.ts";
import { load } from "../runtime/index.ts";
import { yieldToRunner, scratchDir } from "./helpers.ts";

const tmp = () => scratchDir("tsdp-data-");

// The main job as `npm start` and users build it: at -O3, not the suite's -O1 (vitest.config.ts).
// Its children (train.ts, tsdp launch) inherit this environment.
delete process.env.TSDP_CPU_OPT_LEVEL;

describe("Fashion-MNIST files", () => {
  it("reads both splits: 60,000 and 10,000 normalized 28×28 images with labels 0–9", async () => {
    const [train, test] = await Promise.all([loadFashionMnist("train"), loadFashionMnist("test")]);
    expect([train.count, test.count]).toEqual([60_000, 10_000]);
    expect(train.sample).toEqual([1, 28, 28]);
    expect(train.images.length).toBe(60_000 * 784);
    // normalized with mean 0.2860 and std 0.3530: the training pixels' mean is ≈ 0, std ≈ 1
    let s = 0, q = 0;
    for (const v of train.images) (s += v), (q += v * v);
    const mean = s / train.images.length;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(Math.sqrt(q / train.images.length - mean * mean) - 1)).toBeLessThan(0.01);
    const counts = new Array(10).fill(0);
    for (const y of train.labels) counts[y]++;
    expect(counts).toEqual(new Array(10).fill(6000));
  });

  it("takes a seed as load does: a non-negative integer below 2^64, all of its bits", () => {
    for (const bad of [1.5, Number.NaN, -1]) expect(() => epochOrder(10, bad, 0)).toThrow(/epochOrder: seed must be a non-negative integer/);
    expect(() => epochOrder(10, 1n << 64n, 0)).toThrow(/epochOrder: a bigint seed must be in \[0, 2\^64\)/);
    expect(Array.from(epochOrder(50, 2 ** 32, 0))).toEqual(Array.from(epochOrder(50, 1n << 32n, 0)));
    expect(Array.from(epochOrder(50, 2 ** 32 + 1, 0))).not.toEqual(Array.from(epochOrder(50, 1, 0)));
  });

  it("keeps a smaller last batch, as DataLoader's default, and leaves it out with dropLast (drop_last=True)", () => {
    const ds = { images: Float32Array.from({ length: 5 * 4 }, (_, i) => i), labels: Int32Array.from([0, 1, 2, 3, 4]), count: 5, sample: [1, 2, 2] as const };
    const labels = (bs: Iterable<{ y: { data: Int32Array } }>) => [...bs].map((b) => Array.from(b.y.data));
    expect(labels(batches(ds, 2))).toEqual([[0, 1], [2, 3], [4]]);
    expect(labels(batches(ds, 2, undefined, { dropLast: true }))).toEqual([[0, 1], [2, 3]]);
    expect([...batches(ds, 2, undefined, { dropLast: true })].map((b) => b.count)).toEqual([2, 2]);
    expect(labels(batches(ds, 5, undefined, { dropLast: true }))).toEqual([[0, 1, 2, 3, 4]]);
    expect(labels(batches(ds, 6, Uint32Array.from([4, 1, 4]), { dropLast: true }))).toEqual([]);
    expect(labels(batches(ds, 2, Uint32Array.from([4, 1, 4]), { dropLast: true }))).toEqual([[4, 1]]);
    expect(() => [...batches(ds, 2, undefined, { dropLast: "yes" } as never)]).toThrow('batches: dropLast must be true or false, got the string "yes"');
  });

  it("refuses counts, sizes and indices that are not a dataset's (types59: take(ds, -1) made count -1, batches(ds, 0) never ended)", () => {
    const ds = { images: Float32Array.from({ length: 5 * 4 }, (_, i) => i), labels: Int32Array.from([0, 1, 2, 3, 4]), count: 5, sample: [1, 2, 2] as const };
    for (const bad of [-1, 2.5, Number.NaN]) expect(() => take(ds, bad)).toThrow(new RangeError(`take: n must be an integer from 0 to 4294967295, got ${bad}`));
    expect(take(ds, 9).count).toBe(5);
    for (const bad of [0, -2, 1.5]) expect(() => [...batches(ds, bad)]).toThrow(/^batches: size must be an integer from 1/);
    // an order is a sampler's indices: shorter than the dataset (a subset) or with repeats, each checked
    const picked = [...batches(ds, 2, Uint32Array.from([4, 1, 4]))];
    expect(picked.map((b) => Array.from(b.y.data))).toEqual([[4, 1], [4]]);
    expect(Array.from(picked[1].x.data)).toEqual([16, 17, 18, 19]);
    expect(() => [...batches(ds, 2, Uint32Array.from([4, 3, 2, 1, 9]))]).toThrow("batches: index 9 at position 4 is past the dataset's 5 samples");
    expect(() => subset(ds, Uint32Array.from([1, 5]))).toThrow("subset: index 5 at position 1 is past the dataset's 5 samples");
    expect(() => epochOrder(-1, 0, 0)).toThrow(/^epochOrder: n must be an integer from 0/);
    expect(Array.from(subset(ds, Uint32Array.from([4, 0])).labels)).toEqual([4, 0]);
    // probe62: what passed in silence — an index between two samples, a count past the arrays, no epoch
    expect(() => subset(ds, Float64Array.from([0.5]) as unknown as Uint32Array)).toThrow("subset: index 0.5 at position 0 is not a sample's index (an integer from 0 to 4)");
    expect(() => [...batches({ ...ds, count: 100 }, 2)]).toThrow("batches: the dataset's arrays do not hold its count: 100 samples of [1, 2, 2] need 400 image values and 100 labels, it has 20 and 5");
    expect(() => take({ ...ds, sample: [1, 20, 20] }, 1)).toThrow(/^take: the dataset's arrays do not hold its count/);
    for (const epoch of [Number.NaN, -1, 1.5, undefined]) expect(() => epochOrder(10, 0, epoch as number)).toThrow(/^epochOrder: epoch must be an integer from 0/);
  });

  it("shuffles each epoch reproducibly, and batches keep images with their labels", async () => {
    const a = epochOrder(1000, 1, 0);
    expect([...a].sort((p, q) => p - q)).toEqual([...Array(1000).keys()]);
    expect(Array.from(epochOrder(1000, 1, 0))).toEqual(Array.from(a));
    expect(Array.from(epochOrder(1000, 1, 1))).not.toEqual(Array.from(a));
    const ds = take(await loadFashionMnist("test"), 100);
    const order = epochOrder(100, 3, 0);
    const list = [...batches(ds, 32, order)];
    expect(list.map((b) => b.y.data.length)).toEqual([32, 32, 32, 4]);
    expect(list[1].y.data[5]).toBe(ds.labels[order[37]]);
    expect(Array.from(list[1].x.data.subarray(5 * 784, 6 * 784))).toEqual(Array.from(ds.images.subarray(order[37] * 784, order[37] * 784 + 784)));
  });

  it("says how to get the data when it is missing, and names a broken file", async () => {
    await expect(loadFashionMnist("train", "/nonexistent")).rejects.toThrow(/apt-get install dataset-fashion-mnist/);
    const dir = tmp();
    const files = { train: ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"] };
    const labels = gzipSync(Buffer.from([0, 0, 8, 1, 0, 0, 0, 2, 3, 4]));
    writeFileSync(join(dir, files.train[1]), labels);
    writeFileSync(join(dir, files.train[0]), Buffer.from("not gzip at all"));
    await expect(loadFashionMnist("train", dir)).rejects.toThrow(DataError);
    await expect(loadFashionMnist("train", dir)).rejects.toThrow(/not a valid gzip file/);
    writeFileSync(join(dir, files.train[0]), gzipSync(Buffer.from([1, 2, 3, 4, 5])));
    await expect(loadFashionMnist("train", dir)).rejects.toThrow(/not an IDX file/);
    // a header for 2 images of 28×28 with only part of the pixels
    const header = Buffer.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28]);
    writeFileSync(join(dir, files.train[0]), gzipSync(Buffer.concat([header, Buffer.alloc(1000)])));
    await expect(loadFashionMnist("train", dir)).rejects.toThrow(/promises 2×28×28 = 1568 values, the file holds 1000; it is truncated/);
  });

  it("refuses a split other than train and test, and a normalization that is not a finite mean and std > 0, before reading (probe62: std 0 gave ±Infinity pixels in silence)", async () => {
    await expect(loadFashionMnist("valid" as "train", "/nonexistent")).rejects.toThrow(`loadFashionMnist: split must be "train" or "test", got the string "valid"`);
    for (const normalize of [{ mean: 0.2, std: 0 }, { mean: 0.2, std: Number.NaN }, { mean: Number.POSITIVE_INFINITY, std: 1 }, { mean: 0.2, std: -1 }])
      // a normalization of one's own type-checks (the parameter was typed as the default's literal 0.286 / 0.353)
      await expect(loadFashionMnist("train", "/nonexistent", normalize)).rejects.toThrow(/loadFashionMnist: normalize must be \{ mean, std \} with a finite mean and a finite std > 0/);
    await expect(loadFashionMnist("train", "/nonexistent", null as unknown as { mean: number; std: number })).rejects.toThrow(/got \{ mean: undefined, std: undefined \}/);
  });
});

describe("training LeNet on Fashion-MNIST (a short run: 4,000 images, one epoch)", () => {
  it("the loss falls and the test accuracy beats chance (10%) by far (> 50%), and a checkpoint reloads to the same accuracy", async () => {
    const { build } = await compile("examples/lenet/model.ts", { target: "cpu", outDir: join("build", "test-data", "lenet") });
    expect(build.command.filter((a) => a.startsWith("-O"))).toEqual(["-O3"]); // the build users get
    const m = await load(build.outDir);
    const train = take(await loadFashionMnist("train"), 4000);
    const test = take(await loadFashionMnist("test"), 2000);
    const losses: number[] = [];
    for (const b of batches(train, 64, epochOrder(train.count, 0, 0))) {
      losses.push(m.trainStepSync(b.x, b.y, { lr: 0.01, momentum: 0.9 }));
      await yieldToRunner();
    }
    const first = losses.slice(0, 10).reduce((a, b) => a + b) / 10;
    const last = losses.slice(-10).reduce((a, b) => a + b) / 10;
    expect(last).toBeLessThan(first * 0.7);
    m.eval();
    const evaluate = (model: typeof m) => {
      let right = 0, loss = 0;
      for (const b of batches(test, 500)) {
        const r = model.evaluateSync(b.x, b.y);
        right += Math.round(r.accuracy! * b.y.data.length);
        loss += r.loss * b.y.data.length;
      }
      return { accuracy: right / test.count, loss: loss / test.count };
    };
    const result = evaluate(m);
    expect(result.accuracy).toBeGreaterThan(0.5);
    const file = join(tmp(), "lenet.safetensors");
    await m.saveCheckpoint(file);
    const again = await load(build.outDir, { checkpoint: file });
    again.eval();
    expect(evaluate(again)).toEqual(result);
    expect(again.steps).toBe(m.steps);
    m.dispose();
    again.dispose();
  }, 600_000);
});

describe("examples/lenet/train.ts", () => {
  // asynchronous, so that the test worker stays responsive while the script trains
  const script = (args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", "examples/lenet/train.ts", ...args]);
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.on("close", (status) => resolve({ status, stdout, stderr }));
    });

  it("trains, checkpoints each epoch, writes a plot, and a resumed run continues from the saved epoch", async () => {
    const out = tmp();
    const first = await script(["--epochs", "1", "--limit", "640", "--out", out]);
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/epoch 1: train loss [\d.]+, test loss [\d.]+, test accuracy [\d.]+%, [\d.]+ s \(\d+ images\/s\)/);
    // --limit cuts the evaluation too: 640 test images, not all 10,000
    expect(first.stdout).toContain("640 training images, 640 test images");
    expect(first.stdout).toContain(`plot: ${join(out, "training.svg")}`);
    const resumed = await script(["--epochs", "1", "--limit", "640", "--out", out, "--resume", join(out, "epoch-1.safetensors")]);
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toMatch(/resumed from .*epoch-1\.safetensors at epoch 2/);
    expect(resumed.stdout).toMatch(/epoch 2: train loss/);
  }, 600_000);

  it("runs unchanged under tsdp launch: rank 0 alone prints and writes, the ranks' evaluation summed, and every rank resumes", async () => {
    const out = tmp();
    const launch = (extra: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ["bin/tsdp.js", "launch", "--nproc", "2", "--timeout", "120", "examples/lenet/train.ts", "--epochs", "1", "--limit", "300", "--batch", "32", "--out", out, ...extra]);
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("close", (status) => resolve({ status, stdout, stderr }));
      });
    const first = await launch([]);
    expect(first.status, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toContain("2 processes (DistributedDataParallel), batch 32 each");
    // one summary line (rank 0's), over all 300 test images: the accuracy is a multiple of 1/300
    const summary = [...first.stdout.matchAll(/epoch 1: .*test accuracy ([\d.]+)%/g)];
    expect(summary).toHaveLength(1);
    expect(Math.abs(Number(summary[0][1]) * 3 - Math.round(Number(summary[0][1]) * 3))).toBeLessThan(0.02);
    expect(first.stdout).not.toMatch(/\[rank 1\]/);
    expect(first.stdout).toContain(`plot: ${join(out, "training.svg")}`);
    const resumed = await launch(["--resume", join(out, "epoch-1.safetensors")]);
    expect(resumed.status, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resumed from .*epoch-1\.safetensors at epoch 2/);
    expect(resumed.stdout).toMatch(/epoch 2: train loss/);
  }, 600_000);

  it("explains missing data in one message, without a stack trace", async () => {
    const r = await script(["--data", "/nonexistent", "--epochs", "1"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Fashion-MNIST was not found in \/nonexistent\. Install it with `apt-get install dataset-fashion-mnist`/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});

