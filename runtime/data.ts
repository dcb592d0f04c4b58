import { readRegularFile } from "./build-directory.ts";
import { describeValue, printable } from "./errors.ts";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { hash32, uniforms } from "../compiler/reference/rng.ts";
import { tensor, type Tensor } from "./tensor.ts";
import { checkSeed } from "./seed.ts";

// Fashion-MNIST (and MNIST-format) data: IDX files, gzip-compressed, as Debian's
// dataset-fashion-mnist installs them. Images become float32 [N, 1, 28, 28] normalized with the
// dataset's mean and standard deviation; labels int32 [N].

export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";
/** Mean and standard deviation of Fashion-MNIST's training pixels (scaled to [0, 1]). */
export const FASHION_MNIST_NORMALIZE = { mean: 0.286, std: 0.353 } as const;

const FILES = {
  train: ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"],
  test: ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"],
} as const;

export interface Dataset {
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly count: number;
  /** Shape of one sample: [1, rows, cols]. */
  readonly sample: readonly [number, number, number];
}

export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataError";
  }
}

const howToGet = (dir: string) =>
  `Fashion-MNIST was not found in ${dir}. Install it with \`apt-get install dataset-fashion-mnist\` ` +
  `(Debian, as root), or pass --data <dir> with ${[...FILES.train, ...FILES.test].join(", ")}.`;

/** The most bytes an IDX file may hold, compressed or not: Fashion-MNIST's largest is 47 MB. */
const MAX_DATA_BYTES = 1 << 30;

async function readIdx(path: string, dir: string): Promise<{ dims: number[]; data: Uint8Array }> {
  let raw: Buffer;
  try {
    // a regular file (a FIFO or /dev/zero given as the data hung or filled memory), of a dataset's size
    raw = readRegularFile(path, MAX_DATA_BYTES);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(code === "ENOENT" ? howToGet(dir) : `cannot read ${printable(path)}: ${printable((e as Error).message)}`);
  }
  let bytes: Buffer;
  try {
    bytes = path.endsWith(".gz") ? gunzipSync(raw, { maxOutputLength: MAX_DATA_BYTES }) : raw;
  } catch (e) {
    throw new DataError(`${path} is not a valid gzip file (${(e as Error).message}); it may be truncated: reinstall the dataset`);
  }
  // IDX: two zero bytes, a type byte (0x08 = unsigned byte), the number of dims, then each dim as a big-endian u32
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08)
    throw new DataError(`${path} is not an IDX file of unsigned bytes (it starts with ${[...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ")})`);
  const rank = bytes[3];
  if (rank < 1 || rank > 4 || bytes.length < 4 + 4 * rank) throw new DataError(`${path}: a corrupt IDX header (rank ${rank})`);
  const dims = Array.from({ length: rank }, (_, i) => bytes.readUInt32BE(4 + 4 * i));
  const count = dims.reduce((a, b) => a * b, 1);
  const data = bytes.subarray(4 + 4 * rank);
  if (data.length !== count)
    throw new DataError(`${path}: the header promises ${dims.join("×")} = ${count} values, the file holds ${data.length}; it is truncated or corrupt: reinstall the dataset`);
  return { dims, data };
}

/**
 * loadFashionMnist's split and normalization, checked before any file is read: "valid" failed as
 * "FILES[split] is not iterable", and a std of 0 or NaN made every pixel ±Infinity or NaN, silently.
 */
function checkLoadArguments(split: unknown, normalize: unknown): void {
  if (split !== "train" && split !== "test") throw new TypeError(`loadFashionMnist: split must be "train" or "test", got ${describeValue(split)}`);
  const { mean, std } = (typeof normalize === "object" && normalize !== null ? normalize : {}) as { mean?: unknown; std?: unknown };
  if (typeof mean !== "number" || !Number.isFinite(mean) || typeof std !== "number" || !Number.isFinite(std) || !(std > 0))
    throw new RangeError(`loadFashionMnist: normalize must be { mean, std } with a finite mean and a finite std > 0, got { mean: ${describeValue(mean)}, std: ${describeValue(std)} }`);
}

/** Reads one split, normalizing the pixels. */
export async function loadFashionMnist(split: "train" | "test", dir = FASHION_MNIST_DIR, normalize: { readonly mean: number; readonly std: number } = FASHION_MNIST_NORMALIZE): Promise<Dataset> {
  checkLoadArguments(split, normalize);
  const [imageFile, labelFile] = FILES[split];
  const [images, labels] = await Promise.all([readIdx(join(dir, imageFile), dir), readIdx(join(dir, labelFile), dir)]);
  if (images.dims.length !== 3) throw new DataError(`${join(dir, imageFile)}: expected images [N, rows, cols], got ${images.dims.join("×")}`);
  if (labels.dims.length !== 1 || labels.dims[0] !== images.dims[0])
    throw new DataError(`${join(dir, labelFile)}: expected ${images.dims[0]} labels, got ${labels.dims.join("×")}`);
  const [count, rows, cols] = images.dims;
  const pixels = new Float32Array(images.data.length);
  const scale = 1 / (255 * normalize.std);
  const shift = normalize.mean / normalize.std;
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i] * scale - shift;
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    y[i] = labels.data[i];
    if (y[i] > 9) throw new DataError(`${join(dir, labelFile)}: label ${y[i]} at ${i} is not a class 0–9`);
  }
  return { images: pixels, labels: y, count, sample: [1, rows, cols] };
}

/**
 * A count or size the helpers take: an integer from `min` up. Refused otherwise, naming the call:
 * take(ds, -1) made a dataset of count -1, batches(ds, 0) yielded empty batches forever.
 */
function checkCount(where: string, what: string, n: unknown, min: number): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > MAX_SAMPLES) throw new RangeError(`${where}: ${what} must be an integer from ${min} to ${MAX_SAMPLES}, got ${typeof n === "number" ? n : describeValue(n)}`);
  return n;
}

/** The most samples an order or a dataset may hold: a Uint32Array's indices. */
const MAX_SAMPLES = 2 ** 32 - 1;

/** Refuses an index past the dataset, which would read no sample and label 0 (a subarray past the end is empty). */
function checkIndex(where: string, src: number, i: number, count: number): void {
  if (!(src < count)) throw new RangeError(`${where}: index ${src} at position ${i} is past the dataset's ${count} samples`);
  // an order or indices of another array type: 0.5 read a sample from the middle of two and label 0
  if (!Number.isInteger(src) || src < 0) throw new RangeError(`${where}: index ${src} at position ${i} is not a sample's index (an integer from 0 to ${count - 1})`);
}

/**
 * A dataset whose arrays hold `count` samples of `sample`'s size: one built by hand with a count
 * past its arrays gave batches of short or empty images and labels 0, with no error.
 */
function checkDataset(where: string, ds: Dataset): number {
  const per = ds.sample[0] * ds.sample[1] * ds.sample[2];
  if (!Number.isInteger(ds.count) || ds.count < 0 || !Number.isInteger(per) || per < 1 || ds.images.length !== ds.count * per || ds.labels.length !== ds.count)
    throw new RangeError(
      `${where}: the dataset's arrays do not hold its count: ${ds.count} samples of [${ds.sample.join(", ")}] need ${ds.count * per} image values and ${ds.count} labels, it has ${ds.images.length} and ${ds.labels.length}`,
    );
  return per;
}

/** The first `n` samples of a dataset (for quick runs; all of them where it has fewer). */
export function take(ds: Dataset, n: number): Dataset {
  const per = checkDataset("take", ds);
  const k = Math.min(checkCount("take", "n", n, 0), ds.count);
  return { images: ds.images.subarray(0, k * per), labels: ds.labels.subarray(0, k), count: k, sample: ds.sample };
}

/** A permutation of 0..n-1 for an epoch, reproducible from (seed, epoch); the seed as load takes it. */
export function epochOrder(n: number, seed: number | bigint, epoch: number): Uint32Array {
  checkCount("epochOrder", "n", n, 0);
  // the epoch names the shuffle: an undefined or NaN one gave the same order every epoch
  checkCount("epochOrder", "epoch", epoch, 0);
  const keys = uniforms(n, checkSeed(seed, "epochOrder"), hash32(`epoch ${epoch}`));
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  // Fisher–Yates with the counter-based stream
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(keys[i] * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

export interface Batch {
  readonly x: Tensor<Float32Array>;
  readonly y: Tensor<Int32Array>;
  readonly index: number;
  readonly count: number;
}

/**
 * Batches of an epoch: the dataset in order, or the samples `order` lists (a permutation, or any
 * indices: a subset, or repeats, as a PyTorch sampler's), `size` at a time; the last may be smaller,
 * unless `dropLast` (DataLoader's drop_last=True) leaves out a last batch of fewer than `size`.
 */
export function* batches(ds: Dataset, size: number, order?: Uint32Array, options: { readonly dropLast?: boolean } = {}): Generator<Batch> {
  checkCount("batches", "size", size, 1);
  const per = checkDataset("batches", ds);
  const dropLast = checkDropLast("batches", options);
  const length = order ? order.length : ds.count;
  const total = dropLast ? Math.floor(length / size) : Math.ceil(length / size);
  for (let b = 0; b < total; b++) {
    const start = b * size;
    const n = Math.min(size, length - start);
    const x = new Float32Array(n * per);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const src = order ? order[start + i] : start + i;
      checkIndex("batches", src, start + i, ds.count);
      x.set(ds.images.subarray(src * per, (src + 1) * per), i * per);
      y[i] = ds.labels[src];
    }
    yield { x: tensor(x, [n, ...ds.sample]), y: tensor(y, [n]), index: b, count: total };
  }
}

/** The options object's dropLast: a boolean, false when not given. */
function checkDropLast(where: string, options: unknown): boolean {
  if (typeof options !== "object" || options === null) throw new TypeError(`${where}: options must be an object { dropLast? }, got ${describeValue(options)}`);
  const { dropLast = false } = options as { dropLast?: unknown };
  if (typeof dropLast !== "boolean") throw new TypeError(`${where}: dropLast must be true or false, got ${describeValue(dropLast)}`);
  return dropLast;
}

/**
 * DistributedSampler's shard of an epoch (PyTorch's rule): the order is padded to a multiple of
 * `worldSize` by repeating its first indices, and rank r takes positions r, r + worldSize, …, so
 * every rank gets ⌈n / worldSize⌉ samples, the shards are disjoint apart from the padding, and
 * together they cover the epoch. With `dropLast` (DistributedSampler's drop_last=True) the order's
 * tail past the last multiple of `worldSize` is left out instead: ⌊n / worldSize⌋ samples each, no
 * repeats. Every rank must pass the same order (the same seed and epoch).
 */
export function distributedShard(order: Uint32Array, rank: number, worldSize: number, options: { readonly dropLast?: boolean } = {}): Uint32Array {
  if (!Number.isInteger(worldSize) || worldSize < 1) throw new RangeError(`distributedShard: worldSize must be a positive integer, got ${worldSize}`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) throw new RangeError(`distributedShard: rank must be an integer in [0, ${worldSize}), got ${rank}`);
  const dropLast = checkDropLast("distributedShard", options);
  if (order.length === 0) return new Uint32Array(0);
  const perRank = dropLast ? Math.floor(order.length / worldSize) : Math.ceil(order.length / worldSize);
  const shard = new Uint32Array(perRank);
  for (let i = 0; i < perRank; i++) shard[i] = order[(rank + i * worldSize) % order.length];
  return shard;
}

/** The samples of a dataset at the given indices, in that order (a rank's shard as a dataset). */
export function subset(ds: Dataset, indices: Uint32Array): Dataset {
  const per = checkDataset("subset", ds);
  const images = new Float32Array(indices.length * per);
  const labels = new Int32Array(indices.length);
  indices.forEach((src, i) => {
    checkIndex("subset", src, i, ds.count);
    images.set(ds.images.subarray(src * per, (src + 1) * per), i * per);
    labels[i] = ds.labels[src];
  });
  return { images, labels, count: indices.length, sample: ds.sample };
}
