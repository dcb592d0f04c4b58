import { batchTimes, formatDim, formatShape, isBatch, MAX_BATCH_DIMS, numel, type Dim } from "../ir/shape.ts";
import { permute as permuteArray, zipBroadcast } from "../reference/ndarray.ts";
import { defineOp, ShapeError, type OpDef } from "./op.ts";

/** The movement ops that pass every value of their input on (a view, a permute, an expand), unlike a slice: what an index's values are seen through. */
export const KEEPS_EVERY_VALUE: ReadonlySet<string> = new Set(["reshape", "permute", "expand"]);

// Movement ops change how elements are indexed, never their values. view, reshape, flatten,
// squeeze and unsqueeze all become `reshape`; transpose and permute become `permute`.

/**
 * Resolves a requested shape with at most one -1 against the input's element count c·Batch^p.
 * Requested dims may themselves be k·Batch (from x.size(0)).
 */
export function resolveReshape(input: readonly Dim[], requested: readonly Dim[], who: string): Dim[] {
  const total = numel(input);
  const holes = requested.filter((d) => d === -1).length;
  if (holes > 1) throw new ShapeError(`${who}: only one dimension can be -1`, "invalidArgument");
  for (const d of requested)
    if (typeof d === "number" && (d < -1 || !Number.isInteger(d)))
      throw new ShapeError(`${who}: invalid size ${d}`, "invalidArgument");
  const known = numel(requested.filter((d) => d !== -1));
  const asked = `${who}(${requested.map(formatDim).join(", ")})`;
  const sizes = `${formatShape(input)} (${describeCount(total.c, total.p)} elements)`;
  if (holes === 0) {
    if (known.c !== total.c || known.p !== total.p) throw new ShapeError(`${asked} cannot reshape ${sizes}: the sizes hold ${describeCount(known.c, known.p)}`);
    return [...requested];
  }
  const p = total.p - known.p;
  if (p < 0 || p > 1 || known.c === 0 || total.c % known.c !== 0)
    throw new ShapeError(`${asked} cannot reshape ${sizes}: ${describeCount(total.c, total.p)} is not a multiple of ${describeCount(known.c, known.p)}${p === 1 && splitsBatch(requested, total.c) ? splitsTheBatch : ""}`);
  const c = total.c / known.c;
  const hole: Dim = p === 1 ? batchTimes(c) : c;
  return requested.map((d) => (d === -1 ? hole : d));
}

/**
 * Whether the sizes before the -1 would take a factor of the batch: those after it fit in one
 * sample's elements (c of c·Batch) and those before it ask for more (view(group, -1, …)).
 */
function splitsBatch(requested: readonly Dim[], perSample: number): boolean {
  const hole = requested.indexOf(-1);
  const product = (dims: readonly Dim[]) => dims.reduce<number>((a, d) => a * (typeof d === "number" ? d : NaN), 1);
  const before = product(requested.slice(0, hole));
  return before > 1 && perSample % product(requested.slice(hole + 1)) === 0;
}

/** Why a view whose -1 would hold a fraction of the batch (view(group, -1, …)) has no size. */
const splitsTheBatch =
  " (the sizes would split the batch into groups, as StyleGAN2's minibatch stddev view(group, -1, …) does; the batch is split across devices and each device's share is known only at run time, so it stays one dim)";

function describeCount(c: number, p: number): string {
  const batch = p === 1 ? "Batch" : `Batch^${p}`; // p = 2: the batch size given for two dims
  return p === 0 ? String(c) : c === 1 ? batch : `${c}*${batch}`;
}

export const reshape = defineOp<{ readonly shape: readonly Dim[] }>({
  name: "reshape",
  traits: { view: true },
  family: "movement",
  inputs: ["x"],
  infer: ([x], a, who) => {
    const shape = resolveReshape(x.shape, a.shape, who);
    if (shape.filter(isBatch).length > MAX_BATCH_DIMS)
      throw new ShapeError(`${who}: the result ${formatShape(shape)} has more than ${MAX_BATCH_DIMS} batch dimensions`);
    return { shape, dtype: x.dtype };
  },
  reference: ([x], _, ctx) => ({ shape: concreteOf(ctx.node.shape, x.data.length, ctx.node.inputs[0].shape, x.shape), data: x.data }),
  grad: ({ node, dy, emit }) => [emit("reshape", [dy], { shape: node.inputs[0].shape })],
});

/** The node's symbolic shape made concrete with the batch size implied by its input. */
function concreteOf(shape: readonly Dim[], _n: number, inShape: readonly Dim[], inConcrete: readonly number[]): number[] {
  const batch = batchSizeOf(inShape, inConcrete);
  return shape.map((d) => (typeof d === "number" ? d : d.batch * batch));
}

export function batchSizeOf(shape: readonly Dim[], concrete: readonly number[]): number {
  const i = shape.findIndex(isBatch);
  if (i < 0) return 1;
  return concrete[i] / (shape[i] as { batch: number }).batch;
}

/** The permutation that swaps a rank-r tensor's last two dims (a batched matrix transpose). */
export function lastTwoSwappedPerm(r: number): number[] {
  return Array.from({ length: r }, (_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i));
}

export const permute: OpDef<{ readonly perm: readonly number[] }> = defineOp<{ readonly perm: readonly number[] }>({
  name: "permute",
  codegen: { kind: "kernel", builder: "permute" },
  // a matrix transpose costs nothing where a GEMM reads it: it swaps the GEMM's load indices
  traits: { matrixTranspose: (a) => a.perm.length === 2 && a.perm[0] === 1 && a.perm[1] === 0 },
  family: "movement",
  inputs: ["x"],
  infer: ([x], a, who) => {
    const rank = x.shape.length;
    const sorted = [...a.perm].sort((p, q) => p - q);
    if (a.perm.length !== rank || sorted.some((d, i) => d !== i))
      throw new ShapeError(
        `${who}: [${a.perm.join(", ")}] is not a permutation of the ${rank} dims of ${formatShape(x.shape)}`,
        "invalidArgument",
      );
    return { shape: a.perm.map((p) => x.shape[p]), dtype: x.dtype };
  },
  reference: ([x], a) => permuteArray(x, a.perm),
  // the inverse permutation: output dim i came from input dim perm[i]
  grad: ({ node, dy, emit }) => {
    const perm = permute.attrsOf(node).perm;
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [emit("permute", [dy], { perm: inverse })];
  },
});

/**
 * Broadcasts x to `shape` (trailing dims aligned; a 1 stretches), as torch.expand. It is the
 * gradient of a reduction; on the device it is a pointwise copy through a broadcast index.
 */
export const expand = defineOp<{ readonly shape: readonly Dim[] }>({
  name: "expand",
  family: "movement",
  inputs: ["x"],
  infer: ([x], a, who) => {
    const out = a.shape;
    const ok = x.shape.length <= out.length && x.shape.every((d, i) => {
      const o = out[out.length - x.shape.length + i];
      return d === 1 || JSON.stringify(d) === JSON.stringify(o);
    });
    if (!ok) throw new ShapeError(`${who}: cannot expand ${formatShape(x.shape)} to ${formatShape(out)}`);
    return { shape: out, dtype: x.dtype };
  },
  reference: ([x], _, ctx) => {
    const shape = ctx.node.shape.map((d) => (typeof d === "number" ? d : d.batch * ctx.batch));
    return zipBroadcast(x, { shape, data: new Float64Array(shape.reduce((p, q) => p * q, 1)) }, (v) => v);
  },
  codegen: { kind: "pointwise", expr: ([x]) => x },
  grad: ({ node, dy, sumTo }) => [sumTo(dy, node.inputs[0].shape)],
});
