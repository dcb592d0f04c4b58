import { dimEq, formatShape } from "../ir/shape.ts";
import type { NDArray } from "../reference/ndarray.ts";
import { broadcastShapes } from "./elementwise.ts";
import { logSumExp } from "./norm.ts";
import { defineOp, requireFloat, ShapeError, type TensorType } from "./op.ts";

// Losses, PyTorch's definitions. reduction: "mean" (default) | "sum" | "none".

type Reduction = "mean" | "sum" | "none";

function reduced(values: Float64Array, r: Reduction, shape: readonly number[]): NDArray {
  if (r === "none") return { shape, data: values };
  const s = values.reduce((a, b) => a + b, 0);
  return { shape: [], data: Float64Array.of(r === "sum" ? s : s / values.length) };
}

/** input [N, C] scores, target [N] int32 class indices. */
function classification(who: string, input: TensorType, target: TensorType, r: Reduction): TensorType {
  requireFloat(input, who);
  if (input.shape.length !== 2)
    throw new ShapeError(`${who} expects input [N, C], got ${formatShape(input.shape)}`);
  if (target.dtype !== "i32")
    throw new ShapeError(`${who} expects int32 class indices as target, got ${target.dtype}`, "dtypeMismatch");
  if (target.shape.length !== 1 || !dimEq(target.shape[0], input.shape[0]))
    throw new ShapeError(
      `${who} expects target [${formatShape([input.shape[0]]).slice(1, -1)}] for input ${formatShape(input.shape)}, got ${formatShape(target.shape)}`,
    );
  return { shape: r === "none" ? [input.shape[0]] : [], dtype: "f32" };
}

function classIndex(t: number, classes: number, who: string): number {
  if (!Number.isInteger(t) || t < 0 || t >= classes) throw new RangeError(`${who}: target ${t} is out of range [0, ${classes})`);
  return t;
}

/** loss_i = −(1−ε)·log p[i, y_i] − (ε/C)·Σ_c log p[i, c], with p = softmax(input[i]). */
export const crossEntropy = defineOp<{ readonly reduction: Reduction; readonly labelSmoothing: number }>({
  name: "cross_entropy",
  lowering: { kind: "kernel", template: "loss" },
  family: "loss",
  inputs: ["input", "target"],
  infer: ([i, t], a, who) => {
    if (!(a.labelSmoothing >= 0 && a.labelSmoothing <= 1))
      throw new ShapeError(`${who}: labelSmoothing must be in [0, 1], got ${a.labelSmoothing}`, "invalidArgument");
    return classification(who, i, t, a.reduction);
  },
  reference: ([input, target], a) => {
    const [n, c] = input.shape;
    const eps = a.labelSmoothing;
    const losses = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const row = input.data.subarray(i * c, (i + 1) * c);
      const lse = logSumExp(row);
      const y = classIndex(target.data[i], c, "cross_entropy");
      let smooth = 0;
      for (let k = 0; k < c; k++) smooth += lse - row[k];
      losses[i] = (1 - eps) * (lse - row[y]) + (eps / c) * smooth;
    }
    return reduced(losses, a.reduction, [n]);
  },
});

/** loss_i = −input[i, y_i]; input is expected to hold log-probabilities. */
export const nllLoss = defineOp<{ readonly reduction: Reduction }>({
  name: "nll_loss",
  lowering: { kind: "kernel", template: "loss" },
  family: "loss",
  inputs: ["input", "target"],
  infer: ([i, t], a, who) => classification(who, i, t, a.reduction),
  reference: ([input, target], a) => {
    const [n, c] = input.shape;
    const losses = new Float64Array(n);
    for (let i = 0; i < n; i++) losses[i] = -input.data[i * c + classIndex(target.data[i], c, "nll_loss")];
    return reduced(losses, a.reduction, [n]);
  },
});

/** loss = (input − target)², same shapes (PyTorch warns on broadcasting; tsdp refuses it). */
export const mseLoss = defineOp<{ readonly reduction: Reduction }>({
  name: "mse_loss",
  lowering: { kind: "kernel", template: "loss" },
  family: "loss",
  inputs: ["input", "target"],
  infer: ([i, t], a, who) => {
    requireFloat(i, who);
    requireFloat(t, who, "target");
    if (i.shape.length !== t.shape.length || !broadcastShapes(i.shape, t.shape) || !i.shape.every((d, k) => dimEq(d, t.shape[k])))
      throw new ShapeError(`${who} expects input and target of the same shape, got ${formatShape(i.shape)} and ${formatShape(t.shape)}`);
    return { shape: a.reduction === "none" ? i.shape : [], dtype: "f32" };
  },
  reference: ([input, target], a) =>
    reduced(input.data.map((v, k) => (v - target.data[k]) ** 2), a.reduction, input.shape),
});
