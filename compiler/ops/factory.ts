import { formatShape, isBatch, type Dim } from "../ir/shape.ts";
import { nd, scalar, type NDArray } from "../reference/ndarray.ts";
import { cFloat } from "./elementwise.ts";
import { defineOp, requireFloat, ShapeError } from "./op.ts";

// Tensor factories with static shapes (torch.arange, full, eye, linspace) and the triangle masks
// (torch.tril, triu). Each element is a function of its own flat index, so every one of them is a
// pointwise op: a factory has no inputs and no buffer of its own when its one consumer is pointwise
// (the fusion planner pulls it into the consumer's kernel, which computes the constant in a
// register); otherwise it is one small kernel. Values are float32, as every tensor of a model.

/** The factory's fixed shape; the batch size cannot shape a constant. */
function fixedShape(shape: readonly Dim[], who: string): readonly number[] {
  for (const d of shape) {
    if (isBatch(d)) throw new ShapeError(`${who}: a factory's size cannot depend on the batch size`, "invalidArgument");
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`${who}: sizes must be non-negative integers, got ${formatShape(shape)}`, "invalidArgument");
  }
  return shape as readonly number[];
}

function finite(v: number, what: string, who: string): void {
  if (!Number.isFinite(Math.fround(v))) throw new ShapeError(`${who}: ${what} must be a finite float32 number, got ${v}`, "invalidArgument");
}

/** Fills `shape` with f(flat index), in float64. */
function generate(shape: readonly number[], f: (i: number) => number): NDArray {
  const out = nd(shape);
  for (let i = 0; i < out.data.length; i++) out.data[i] = f(i);
  return out;
}

/** torch.full(size, fill_value); zeros and ones are full with 0 and 1. */
export const full = defineOp<{ readonly shape: readonly Dim[]; readonly value: number }>({
  name: "full",
  family: "elementwise",
  inputs: [],
  infer: (_, a, who) => {
    // ±∞ and NaN are legitimate fills, as in PyTorch (a mask added before a softmax, torch.full(…, nan))
    return { shape: fixedShape(a.shape, who), dtype: "f32" };
  },
  reference: (_, a) => generate(a.shape as number[], () => Math.fround(a.value)),
  codegen: { kind: "pointwise", expr: (_, a) => cFloat(a.value) },
});

/** The most listed values a forward kernel computes in place (a select over the flat index); larger tables are state. */
export const INLINE_LITERAL_VALUES = 64;

/**
 * torch.tensor([...]): listed float32 values (ImageNet's mean and std, a loss's class weights). In
 * a constructor it initializes a buffer or parameter like any computed tensor; read in forward, up
 * to INLINE_LITERAL_VALUES of them are computed in the reading kernel, each element a select on its
 * flat index (the frontend refuses more: a larger table is a buffer).
 */
export const literal = defineOp<{ readonly shape: readonly Dim[]; readonly values: readonly number[] }>({
  name: "literal",
  family: "elementwise",
  inputs: [],
  infer: (_, a, who) => {
    const shape = fixedShape(a.shape, who);
    const n = shape.reduce((p, d) => p * d, 1);
    if (a.values.length !== n) throw new ShapeError(`${who}: ${a.values.length} values for shape ${formatShape(shape)}`, "invalidArgument");
    return { shape, dtype: "f32" };
  },
  reference: (_, a) => generate(a.shape as number[], (i) => Math.fround(a.values[i])),
  codegen: {
    kind: "pointwise",
    expr: (_, a, ctx) => a.values.slice(0, -1).reduceRight((rest, v, i) => `((${ctx.index}) == ${i} ? ${cFloat(v)} : ${rest})`, cFloat(a.values[a.values.length - 1] ?? 0)),
  },
});

/** torch.arange(start, end, step): ⌈(end − start)/step⌉ values start + i·step. */
export const arange = defineOp<{ readonly start: number; readonly step: number; readonly length: number }>({
  name: "arange",
  family: "elementwise",
  inputs: [],
  infer: (_, a, who) => {
    finite(a.start, "start", who);
    finite(a.step, "step", who);
    return { shape: fixedShape([a.length], who), dtype: "f32" };
  },
  reference: (_, a) => generate([a.length], (i) => a.start + i * a.step),
  codegen: { kind: "pointwise", expr: (_, a, ctx) => `(${cFloat(a.start)} + ${cFloat(a.step)} * (float)(${ctx.index}))` },
});

/**
 * torch.arange with integer arguments and dtype int32: positions for nn.Embedding. An int32
 * tensor has no place in the float pointwise kernels, so it is a small kernel of its own. Its
 * length may be the batch (torch.arange(x.size(0)), DGCNN's idx_base, `h[arange(B), idx]`): each
 * replica's own batch, as PyTorch's DataParallel gives each replica x.size(0) of its slice.
 */
export const arangeInt = defineOp<{ readonly start: number; readonly step: number; readonly length: Dim }>({
  name: "arange_int",
  family: "elementwise",
  inputs: [],
  codegen: { kind: "kernel", builder: "iota" },
  infer: (_, a, who) => {
    if (![a.start, a.step].every(Number.isInteger)) throw new ShapeError(`${who}: an int32 arange needs integer start and step, got ${a.start} and ${a.step}`, "invalidArgument");
    // a batch length is bounded by the runtime's batch limit, far inside int32 for a step of 1
    if (isBatch(a.length)) {
      if (a.start !== 0 || a.step !== 1) throw new ShapeError(`${who}: an arange over the batch runs from 0 in steps of 1`, "invalidArgument");
      return { shape: [a.length], dtype: "i32" };
    }
    if (Math.abs(a.start) + Math.abs(a.step) * a.length > 2 ** 31 - 1) throw new ShapeError(`${who}: its values pass int32's range`, "invalidArgument");
    return { shape: fixedShape([a.length], who), dtype: "i32" };
  },
  reference: (_, a, ctx) => generate([isBatch(a.length) ? a.length.batch * ctx.batch : a.length], (i) => a.start + i * a.step),
});

/**
 * c·B + d, B the batch size (x.size(0)) as a number in tensor arithmetic (d from `b - 1`): SimCLR's labels
 * `cat([arange(b) + b, arange(b)])`, `loss * b`, `b - t`. Each replica's own B, as arange(B) is:
 * PyTorch's DataParallel gives each replica x.size(0) of its slice. A 0-dim float32 holding a whole
 * number, which type promotion reads as PyTorch's Python int (int-arithmetic.ts: an int32 tensor
 * plus it stays int32, a float one float); computed in its reader's kernel from `batch`, as a
 * constant is, so it has no buffer and no gradient.
 */
export const batchSize = defineOp<{ readonly c: number; readonly d?: number }>({
  name: "batch_size",
  family: "elementwise",
  inputs: [],
  infer: (_, a, who) => {
    if (!Number.isInteger(a.c)) throw new ShapeError(`${who}: the batch size's multiple must be a whole number, got ${a.c}`, "invalidArgument");
    // c·B + d (b − 1, written in JavaScript on x.size(0)): a whole number too
    if (a.d !== undefined && !Number.isInteger(a.d)) throw new ShapeError(`${who}: the batch size's offset must be a whole number, got ${a.d}`, "invalidArgument");
    return { shape: [], dtype: "f32" };
  },
  reference: (_, a, ctx) => scalar(a.c * ctx.batch + (a.d ?? 0)),
  codegen: { kind: "pointwise", expr: (_, a) => (a.d ? `(float)(${a.c} * (long long)batch + ${a.d}LL)` : `(float)(${a.c} * (long long)batch)`) },
});

/**
 * torch.linspace(start, end, steps): PyTorch computes the first half forwards from start and the
 * second half backwards from end (so that the last value is exactly `end`); so do we.
 */
export const linspace = defineOp<{ readonly start: number; readonly end: number; readonly steps: number }>({
  name: "linspace",
  family: "elementwise",
  inputs: [],
  infer: (_, a, who) => {
    finite(a.start, "start", who);
    finite(a.end, "end", who);
    return { shape: fixedShape([a.steps], who), dtype: "f32" };
  },
  reference: (_, a) => {
    const step = a.steps > 1 ? (a.end - a.start) / (a.steps - 1) : 0;
    // one step is [start] (PyTorch); else half = ⌊steps/2⌋
    const half = a.steps === 1 ? 1 : Math.floor(a.steps / 2);
    return generate([a.steps], (i) => (i < half ? a.start + step * i : a.end - step * (a.steps - 1 - i)));
  },
  codegen: {
    kind: "pointwise",
    expr: (_, a, ctx) => {
      const step = cFloat(a.steps > 1 ? (a.end - a.start) / (a.steps - 1) : 0);
      const i = `(int)(${ctx.index})`;
      return `(${i} < ${a.steps === 1 ? 1 : Math.floor(a.steps / 2)} ? ${cFloat(a.start)} + ${step} * (float)${i} : ${cFloat(a.end)} - ${step} * (float)(${a.steps - 1} - ${i}))`;
    },
  },
});

/** torch.eye(n, m): ones on the main diagonal. */
export const eye = defineOp<{ readonly n: number; readonly m: number }>({
  name: "eye",
  family: "elementwise",
  inputs: [],
  infer: (_, a, who) => ({ shape: fixedShape([a.n, a.m], who), dtype: "f32" }),
  reference: (_, a) => generate([a.n, a.m], (i) => (Math.floor(i / a.m) === i % a.m ? 1 : 0)),
  codegen: { kind: "pointwise", expr: (_, a, ctx) => `((${ctx.index}) / ${a.m} == (${ctx.index}) % ${a.m} ? 1.0f : 0.0f)` },
});

interface TriangleAttrs {
  /** PyTorch's `diagonal`: 0 the main diagonal, k > 0 above it, k < 0 below. */
  readonly diagonal: number;
  readonly upper: boolean;
}

/**
 * torch.tril / torch.triu over the last two dims (a batch of matrices): element (r, c) is kept
 * when c − r ≤ diagonal (tril) or c − r ≥ diagonal (triu), else 0. Linear in x, so its gradient
 * is the same triangle of dy.
 */
export const triangle = defineOp<TriangleAttrs>({
  name: "triangle",
  family: "elementwise",
  inputs: ["x"],
  infer: ([x], a, who) => {
    requireFloat(x, who);
    if (x.shape.length < 2) throw new ShapeError(`${who}: input must have at least 2 dims, got ${formatShape(x.shape)}`, "shapeMismatch");
    if (x.shape.slice(-2).some(isBatch)) throw new ShapeError(`${who}: the matrix dims of ${formatShape(x.shape)} cannot be the batch`, "shapeMismatch");
    if (!Number.isInteger(a.diagonal)) throw new ShapeError(`${who}: diagonal must be an integer, got ${a.diagonal}`, "invalidArgument");
    return x;
  },
  reference: ([x], a) => {
    const [rows, cols] = x.shape.slice(-2);
    return generate(x.shape, (i) => (keep(Math.floor(i / cols) % rows, i % cols, a) ? x.data[i] : 0));
  },
  codegen: {
    kind: "pointwise",
    expr: ([x], a, ctx) => {
      const [rows, cols] = ctx.node.shape.slice(-2) as number[];
      const d = `((long long)((${ctx.index}) % ${cols}) - (long long)(((${ctx.index}) / ${cols}) % ${rows}))`;
      return `(${d} ${a.upper ? ">=" : "<="} ${a.diagonal} ? ${x} : 0.0f)`;
    },
  },
  grad: ({ node, dy, emit }) => [emit("triangle", [dy], node.attrs)],
});

function keep(row: number, col: number, a: TriangleAttrs): boolean {
  return a.upper ? col - row >= a.diagonal : col - row <= a.diagonal;
}
