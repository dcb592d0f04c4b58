import { formatShape, isBatch, numel, type Dim } from "../ir/shape.ts";
import { defineOp, requireFloat, ShapeError, type OpDef, type RefContext } from "./op.ts";

/**
 * Where element `index` (a C expression over the node's flat index) of a random node of `shape`
 * draws: its place in the whole batch, counted batch-major — ((b + k·sample0)·outer + o)·inner + r
 * for the element (o, b, r) around a batch dim of k·B rows — so that each replica draws for its
 * rows what one device draws for them, wherever the batch dim is (a sequence-first [T, B, H]
 * too); with no batch dim, the index itself: every replica draws the one device's numbers (a
 * dropout on a weight). Batch first, it is index + k·sample0·inner, the element's flat index in
 * the whole batch. `counterOrder` is the reference's side of the same map.
 */
function counterIndex(shape: readonly Dim[], index: string): string {
  const d = shape.findIndex(isBatch);
  if (d < 0) return index;
  const k = (shape[d] as { batch: number }).batch;
  const inner = numel(shape.slice(d + 1)).c;
  if (d === 0) return `${index} + sample0 * ${k * inner}`;
  const outer = numel(shape.slice(0, d)).c;
  const rows = k === 1 ? "(size_t)batch" : `(${k} * (size_t)batch)`;
  const i = `(${index})`;
  return `(((${i} / ${inner}) % ${rows} + ${k} * sample0) * ${outer} + ${i} / (${rows} * ${inner})) * ${inner} + ${i} % ${inner}`;
}

/** For the reference (sample0 = 0, the whole batch): the counter of row-major element j, or undefined where it is j. */
function counterOrder(shape: readonly Dim[], batch: number): ((j: number) => number) | undefined {
  const d = shape.findIndex(isBatch);
  if (d <= 0) return undefined;
  const rows = (shape[d] as { batch: number }).batch * batch;
  const inner = numel(shape.slice(d + 1)).c;
  const outer = numel(shape.slice(0, d)).c;
  return (j) => ((Math.floor(j / inner) % rows) * outer + Math.floor(j / (rows * inner))) * inner + (j % inner);
}

/** `count` uniforms of a node's stream, element j's at its counter (counterOrder). */
function drawn(shape: readonly Dim[], ctx: RefContext, count: number, stream?: number, word?: number): Float64Array {
  const u = ctx.uniform(count, stream, word);
  const order = counterOrder(shape, ctx.batch);
  return order ? Float64Array.from({ length: count }, (_, j) => u[order(j)]) : u;
}

interface DropoutAttrs {
  readonly p: number;
  readonly mode: "train" | "always";
  /** The node whose random stream draws the mask: this node's own id by default; a gradient names its forward node. */
  readonly stream?: number;
}

/**
 * Inverted dropout: in train mode each element is multiplied by 0 with probability p and the
 * survivors by 1/(1−p), so eval mode is the identity. mode "train" follows m.train()/m.eval()
 * (nn.Dropout, F.dropout(x, p, this.training)); "always" is F.dropout's default training=true.
 */
export const dropout: OpDef<DropoutAttrs> = defineOp<DropoutAttrs>({
  name: "dropout",
  traits: { random: true, drawsInEval: (a) => a.mode === "always" },
  family: "random",
  inputs: ["x"],
  infer: ([x], a, who) => {
    requireFloat(x, who);
    if (!(a.p >= 0 && a.p <= 1)) throw new ShapeError(`${who}: p must be between 0 and 1, got ${a.p}`, "invalidArgument");
    return x;
  },
  reference: ([x], a, ctx) => {
    if (!(a.mode === "always" || ctx.training) || a.p === 0) return x;
    // x · 0 where dropped, as PyTorch's input · mask · scale (and input · 0 at p = 1): NaN and ∞ stay NaN
    if (a.p === 1) return { shape: x.shape, data: x.data.map((v) => v * 0) };
    const u = drawn(ctx.node.shape, ctx, x.data.length, a.stream ?? ctx.node.id);
    const scale = 1 / (1 - a.p);
    return { shape: x.shape, data: x.data.map((v, i) => v * (u[i] < a.p ? 0 : scale)) };
  },
  // The same Philox stream as the reference: counter (i, step, draw, 0), key (seed, stream id).
  codegen: {
    kind: "pointwise",
    // each element draws at its place in the whole batch, so N replicas draw one device's mask
    expr: ([x], a, ctx) =>
      `tsdp_dropout(${x}, ${counterIndex(ctx.node.shape, ctx.index)}, ${a.p}, ${a.mode === "always" ? 1 : "training"}, seed, step, draw, ${a.stream ?? ctx.node.id}u)`,
  },
  // The same mask, applied to dy: dropout of dy drawing from the forward node's stream.
  grad: ({ node, dy, emit }) => [emit("dropout", [dy], { ...node.attrs, stream: dropout.attrsOf(node).stream ?? node.id })],
});

interface SampleAttrs {
  /** At most one batch dim, anywhere (counterIndex places each replica's rows). */
  readonly shape: readonly Dim[];
  readonly distribution: "uniform" | "normal" | "integer";
  /** "integer": low + (the 32 random bits mod range), an integer in [low, low + range) held as a float. */
  readonly low?: number;
  readonly range?: number;
}

/** Integers a float32 holds exactly: an integer draw stays within them (kernels hold int32 values as floats). */
const EXACT_INTEGERS = 2 ** 24;

/** 24 random bits as a float32 in [0, 1): every value exactly representable, none rounded up to 1. */
const unit24 = (u: number) => Math.floor(u * 16777216) / 16777216;

/**
 * Random numbers drawn in forward (torch.rand / randn / rand_like / randn_like, and bernoulli built
 * on rand): uniform in [0, 1) from the top 24 bits of Philox's first word, or standard normal by
 * Box–Muller on the first two words, u₁ ∈ (0, 1] and u₂ ∈ [0, 1): z = √(−2 ln u₁)·cos(2π u₂); or
 * torch.randint's integers, low + (first word mod range), as PyTorch's CUDA kernel takes 32 random
 * bits modulo a range below 2³² (⌊u·range⌋ of a 24-bit u missed values and reached `high`). A
 * fresh draw on every call (train or eval, as PyTorch's), no gradient; each element draws at its
 * place in the whole batch (counterIndex), so N replicas draw what one device draws.
 */
export const sample: OpDef<SampleAttrs> = defineOp<SampleAttrs>({
  name: "sample",
  traits: { random: true, drawsInEval: () => true },
  family: "random",
  inputs: [],
  infer: (_, a, who) => {
    if (a.shape.filter(isBatch).length > 1) throw new ShapeError(`${who}: a random tensor may have one batch dim, got ${formatShape(a.shape)}`, "invalidArgument");
    for (const d of a.shape)
      if (!isBatch(d) && (!Number.isInteger(d) || d < 0)) throw new ShapeError(`${who}: sizes must be non-negative integers, got ${formatShape(a.shape)}`, "invalidArgument");
    if (a.distribution === "integer") {
      const [low, range] = [a.low ?? 0, a.range ?? 0];
      if (!Number.isInteger(low) || !Number.isInteger(range) || range < 1 || low < -EXACT_INTEGERS || low + range > EXACT_INTEGERS)
        throw new ShapeError(`${who}: [${low}, ${low + range}) reaches past ±2²⁴ (16,777,216): int32 values are held in float32 in the kernels, exact only within it`, "invalidArgument");
    }
    return { shape: a.shape, dtype: "f32" };
  },
  reference: (_, a, ctx) => {
    const shape = a.shape.map((d) => (isBatch(d) ? d.batch * ctx.batch : d));
    const n = shape.reduce((p, d) => p * d, 1);
    const first = drawn(a.shape, ctx, n);
    if (a.distribution === "uniform") return { shape, data: first.map(unit24) };
    // the 32 bits themselves: u is bits / 2³², exact in a double
    if (a.distribution === "integer") return { shape, data: first.map((u) => a.low! + ((u * 4294967296) % a.range!)) };
    const second = drawn(a.shape, ctx, n, undefined, 1);
    return { shape, data: first.map((u, i) => Math.sqrt(-2 * Math.log(unit24(u) + 2 ** -24)) * Math.cos(2 * Math.PI * unit24(second[i]))) };
  },
  codegen: {
    kind: "pointwise",
    expr: (_, a, ctx) =>
      a.distribution === "integer"
        ? `tsdp_sample_integer(${counterIndex(ctx.node.shape, ctx.index)}, seed, step, draw, ${ctx.node.id}u, ${a.low}, ${a.range}u)`
        : `tsdp_sample_${a.distribution}(${counterIndex(ctx.node.shape, ctx.index)}, seed, step, draw, ${ctx.node.id}u)`,
  },
});
