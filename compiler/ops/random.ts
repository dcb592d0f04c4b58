import { formatShape, isBatch, numel, type Dim } from "../ir/shape.ts";
import { defineOp, requireFloat, ShapeError, type OpDef } from "./op.ts";

interface DropoutAttrs {
  readonly p: number;
  readonly mode: "train" | "always";
  /** The node whose random stream draws the mask: this node's own id by default; a gradient names its forward node. */
  readonly stream?: number;
}

/**
 * Inverted dropout: in train mode each element is zeroed with probability p and the survivors
 * are scaled by 1/(1−p), so eval mode is the identity. mode "train" follows m.train()/m.eval()
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
    if (a.p === 1) return { shape: x.shape, data: new Float64Array(x.data.length) };
    const u = ctx.uniform(x.data.length, a.stream ?? ctx.node.id);
    const scale = 1 / (1 - a.p);
    return { shape: x.shape, data: x.data.map((v, i) => (u[i] < a.p ? 0 : v * scale)) };
  },
  // The same Philox stream as the reference: counter (i, step, draw, 0), key (seed, stream id).
  codegen: {
    kind: "pointwise",
    // element i of a replica's chunk is element i + sample0·(elements per sample) of the whole
    // batch, so N replicas draw the same mask as one device on the whole batch
    expr: ([x], a, ctx) =>
      `tsdp_dropout(${x}, ${ctx.index} + sample0 * ${numel(ctx.node.shape).c}, ${a.p}, ${a.mode === "always" ? 1 : "training"}, seed, step, draw, ${a.stream ?? ctx.node.id}u)`,
  },
  // The same mask, applied to dy: dropout of dy drawing from the forward node's stream.
  grad: ({ node, dy, emit }) => [emit("dropout", [dy], { ...node.attrs, stream: dropout.attrsOf(node).stream ?? node.id })],
});

interface SampleAttrs {
  /** The batch dim, if any, is the first: each replica's samples are then the whole batch's rows sample0… */
  readonly shape: readonly Dim[];
  readonly distribution: "uniform" | "normal";
}

/** 24 random bits as a float32 in [0, 1): every value exactly representable, none rounded up to 1. */
const unit24 = (u: number) => Math.floor(u * 16777216) / 16777216;

/**
 * Random numbers drawn in forward (torch.rand / randn / rand_like / randn_like, and bernoulli built
 * on rand): uniform in [0, 1) from the top 24 bits of Philox's first word, or standard normal by
 * Box–Muller on the first two words, u₁ ∈ (0, 1] and u₂ ∈ [0, 1): z = √(−2 ln u₁)·cos(2π u₂). A
 * fresh draw on every call (train or eval, as PyTorch's), no gradient; element i of a replica's
 * rows is element i + sample0·(elements per sample) of the whole batch, so N replicas draw what
 * one device draws.
 */
export const sample: OpDef<SampleAttrs> = defineOp<SampleAttrs>({
  name: "sample",
  traits: { random: true, drawsInEval: () => true },
  family: "random",
  inputs: [],
  infer: (_, a, who) => {
    a.shape.forEach((d, i) => {
      if (isBatch(d) && (i > 0 || d.batch !== 1))
        throw new ShapeError(`${who}: the batch size may only be the first dim of a random tensor, as x.size(0), got ${formatShape(a.shape)}`, "invalidArgument");
      if (!isBatch(d) && (!Number.isInteger(d) || d < 0)) throw new ShapeError(`${who}: sizes must be non-negative integers, got ${formatShape(a.shape)}`, "invalidArgument");
    });
    return { shape: a.shape, dtype: "f32" };
  },
  reference: (_, a, ctx) => {
    const shape = a.shape.map((d) => (isBatch(d) ? ctx.batch : d));
    const n = shape.reduce((p, d) => p * d, 1);
    const first = ctx.uniform(n);
    if (a.distribution === "uniform") return { shape, data: first.map(unit24) };
    const second = ctx.uniform(n, undefined, 1);
    return { shape, data: first.map((u, i) => Math.sqrt(-2 * Math.log(unit24(u) + 2 ** -24)) * Math.cos(2 * Math.PI * unit24(second[i]))) };
  },
  codegen: {
    kind: "pointwise",
    expr: (_, a, ctx) => {
      const i = isBatch(ctx.node.shape[0] ?? 0) ? `${ctx.index} + sample0 * ${numel(ctx.node.shape).c}` : ctx.index;
      return `tsdp_sample_${a.distribution}(${i}, seed, step, draw, ${ctx.node.id}u)`;
    },
  },
});
