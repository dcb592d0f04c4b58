import type { Node } from "../ir/node.ts";
import { formatShape, shapeEq, type Dim } from "../ir/shape.ts";
import { nd, zipBroadcast, type NDArray } from "../reference/ndarray.ts";
import { broadcastShapes, cFloat } from "./elementwise.ts";
import { defineOp, requireFloat, ShapeError, type OpDef, type TensorType } from "./op.ts";

// Selection by a mask: comparisons (x.gt(y) …), torch.where and Tensor.masked_fill.
//
// A boolean tensor is a float32 tensor of 0s and 1s, and a condition is "≠ 0". A separate bool
// dtype would need its own buffers, kernels and runtime conversions for what is, in a model, only
// ever an operand of where/masked_fill/mul; as floats, a mask is an ordinary pointwise value that
// fuses into its consumer (tril(ones) → masked_fill → softmax's input is one kernel) and a
// comparison's result can be multiplied like PyTorch's `mask.float()`. PyTorch accepts such a float
// mask nowhere but computes the same result from the equivalent bool mask.

/** Broadcasts a concrete array to `shape`. */
function broadcastTo(x: NDArray, shape: readonly number[]): NDArray {
  return zipBroadcast(x, nd(shape), (v) => v);
}

/**
 * A comparison's operands: float32 or int32, either side (token ids against a padding id, an
 * arange of positions against sequence lengths, argmax's indices against labels), broadcast
 * together. The mask is float32 either way. Kernels read an int32 operand as float, exact below
 * 2²⁴ (every vocabulary and sequence length; to_float's bound too).
 */
function comparedShape(a: TensorType, b: TensorType, who: string): TensorType {
  const numeric = (t: TensorType, what: string) => {
    if (t.dtype !== "f32" && t.dtype !== "i32") throw new ShapeError(`${who} compares float32 or int32 tensors; its ${what} is ${t.dtype}`, "dtypeMismatch");
  };
  numeric(a, "left operand");
  numeric(b, "right operand");
  const shape = broadcastShapes(a.shape, b.shape);
  if (!shape) throw new ShapeError(`${who}: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} do not broadcast (each trailing dim must be equal or 1)`);
  return { shape, dtype: "f32" };
}

function comparison(name: string, symbol: string, f: (x: number, y: number) => boolean): OpDef<{}> {
  return defineOp<{}>({
    name,
    family: "elementwise",
    inputs: ["a", "b"],
    infer: ([a, b], _, who) => comparedShape(a, b, who),
    reference: ([a, b]) => zipBroadcast(a, b, (x, y) => (f(x, y) ? 1 : 0)),
    codegen: { kind: "pointwise", expr: ([a, b]) => `(${a} ${symbol} ${b} ? 1.0f : 0.0f)` },
    // piecewise constant: no gradient flows through a comparison (PyTorch's bool has none)
    grad: () => [null, null],
  });
}

export const gt = comparison("gt", ">", (x, y) => x > y);
export const ge = comparison("ge", ">=", (x, y) => x >= y);
export const lt = comparison("lt", "<", (x, y) => x < y);
export const le = comparison("le", "<=", (x, y) => x <= y);
export const eq = comparison("eq", "==", (x, y) => x === y);
export const ne = comparison("ne", "!=", (x, y) => x !== y);

/**
 * x.masked_fill(mask, value): `value` where mask ≠ 0, else x. The mask broadcasts to x's shape (as
 * PyTorch requires), so the result has x's shape. A value of −∞ then softmax is the attention mask:
 * exp(−∞ − max) is exactly 0, so masked positions get probability 0, as in PyTorch.
 */
export const maskedFill: OpDef<{ readonly value: number }> = defineOp<{ readonly value: number }>({
  name: "masked_fill",
  family: "elementwise",
  inputs: ["x", "mask"],
  infer: ([x, mask], a, who) => {
    requireFloat(x, who);
    requireFloat(mask, who, "mask");
    const shape = broadcastShapes(x.shape, mask.shape);
    if (!shape || !shapeEq(shape, x.shape))
      throw new ShapeError(`${who}: the mask ${formatShape(mask.shape)} does not broadcast to the input's shape ${formatShape(x.shape)}`);
    return x;
  },
  reference: ([x, mask], a) => zipBroadcast(x, mask, (v, m) => (m !== 0 ? a.value : v)),
  codegen: { kind: "pointwise", expr: ([x, mask], a) => `(${mask} != 0.0f ? ${cFloat(a.value)} : ${x})` },
  // the filled positions do not depend on x
  grad: ({ node, dy, emit }) => [emit("masked_fill", [dy, node.inputs[1]], { value: 0 }), null],
});

/** torch.where(cond, a, b): a where cond ≠ 0, else b; all three broadcast together. */
export const where = defineOp<{}>({
  name: "where",
  family: "elementwise",
  inputs: ["cond", "a", "b"],
  infer: ([cond, a, b], _, who) => {
    requireFloat(cond, who, "condition");
    requireFloat(a, who, "second operand");
    requireFloat(b, who, "third operand");
    const ab = broadcastShapes(a.shape, b.shape);
    const shape = ab && broadcastShapes(cond.shape, ab);
    if (!shape)
      throw new ShapeError(`${who}: shapes ${formatShape(cond.shape)}, ${formatShape(a.shape)} and ${formatShape(b.shape)} do not broadcast (each trailing dim must be equal or 1)`);
    return { shape: shape as Dim[], dtype: "f32" };
  },
  reference: ([cond, a, b]) => {
    const shape = zipBroadcast(zipBroadcast(cond, a, () => 0), b, () => 0).shape;
    const [c, x, y] = [cond, a, b].map((t) => broadcastTo(t, shape));
    return nd(shape, c.data.map((v, i) => (v !== 0 ? x.data[i] : y.data[i])));
  },
  codegen: { kind: "pointwise", expr: ([c, a, b]) => `(${c} != 0.0f ? ${a} : ${b})` },
  // each branch gets dy where it was chosen, summed over the dims it was broadcast along
  grad: ({ node, dy, emit, constant, sumTo }) => {
    const [cond, a, b] = node.inputs as [Node, Node, Node];
    const zero = constant(0);
    return [null, sumTo(emit("where", [cond, dy, zero]), a.shape), sumTo(emit("where", [cond, zero, dy]), b.shape)];
  },
});

/**
 * The train-mode value where the model is in train mode, else the eval-mode one: what model code
 * that branches on this.training computes (timm's drop path returns x unchanged in eval mode). The
 * frontend evaluates such code once per mode and joins the results here; the mode is the run's, as
 * dropout's. Both operands broadcast together, as torch.where's.
 */
export const modeSelect = defineOp<{}>({
  name: "mode_select",
  family: "elementwise",
  traits: { readsMode: true, evalModeInput: 1 },
  inputs: ["train", "eval"],
  infer: ([a, b], _, who) => {
    requireFloat(a, who, "train-mode value");
    requireFloat(b, who, "eval-mode value");
    const shape = broadcastShapes(a.shape, b.shape);
    if (!shape) throw new ShapeError(`${who}: the train-mode value ${formatShape(a.shape)} and the eval-mode one ${formatShape(b.shape)} do not broadcast`);
    return { shape: shape as Dim[], dtype: "f32" };
  },
  reference: ([a, b], _, ctx) => {
    const shape = zipBroadcast(a, b, () => 0).shape;
    return broadcastTo(ctx.training ? a : b, shape);
  },
  codegen: { kind: "pointwise", expr: ([a, b]) => `(training ? ${a} : ${b})` },
  // dy reaches the value of the mode the run is in
  grad: ({ node, dy, emit, constant, sumTo }) => {
    const [a, b] = node.inputs as [Node, Node];
    const zero = constant(0);
    return [sumTo(emit("mode_select", [dy, zero]), a.shape), sumTo(emit("mode_select", [zero, dy]), b.shape)];
  },
});
