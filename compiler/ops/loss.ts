import type { Node } from "../ir/node.ts";
import { dimEq, formatShape, numel, shapeEq } from "../ir/shape.ts";
import type { NDArray } from "../reference/ndarray.ts";
import { broadcastShapes, cFloat } from "./elementwise.ts";
import { shiftedSum } from "./norm.ts";
import { defineOp, requireFloat, ShapeError, type Classes, type GradContext, type IndexRange, type OpDef, type TensorType } from "./op.ts";

// Losses, PyTorch's definitions. reduction: "mean" (default) | "sum" | "none".

type Reduction = "mean" | "sum" | "none";

function reduced(values: Float64Array, r: Reduction, shape: readonly number[]): NDArray {
  if (r === "none") return { shape, data: values };
  const s = values.reduce((a, b) => a + b, 0);
  return { shape: [], data: Float64Array.of(r === "sum" ? s : s / values.length) };
}

/** input [N, C] scores, target [N] int32 class indices. */
function classification(who: string, input: TensorType, target: TensorType, r: Reduction, a: IgnoreAttrs = {}): TensorType {
  if (a.ignoreIndex !== undefined && (!Number.isInteger(a.ignoreIndex) || r === "mean"))
    throw new ShapeError(`${who}: ignoreIndex ${a.ignoreIndex} with reduction ${r}: an integer, with "sum" or "none" (a mean over the targets not ignored is lowered to their sum over their count)`, "invalidArgument");
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

/**
 * The shape rule of the classification losses' gradients (dy, input, target) → ∂loss/∂input:
 * dy is the loss's shape ([] reduced, [N] for reduction "none").
 */
function classificationGrad(who: string, ins: readonly TensorType[], r: Reduction, a: IgnoreAttrs = {}): TensorType {
  const [dy, input, target] = ins;
  requireFloat(dy, who, "gradient");
  const loss = classification(who, input, target, r, a);
  if (!shapeEq(dy.shape, loss.shape))
    throw new ShapeError(`${who} expects dy ${formatShape(loss.shape)} (reduction ${r}), got ${formatShape(dy.shape)}`);
  return input;
}

/** The factor of row i's gradient: dy[i] for reduction "none", dy for "sum", dy/N for "mean". */
function rowScale(dy: NDArray, r: Reduction, n: number): (i: number) => number {
  if (r === "none") return (i) => dy.data[i];
  const s = r === "mean" ? dy.data[0] / n : dy.data[0];
  return () => s;
}

/**
 * ignoreIndex (PyTorch's ignore_index): a target equal to it is no class — its row's loss is 0 and
 * its gradient 0; "mean" over such targets is lowered by the frontend to the sum divided by the
 * count of the others (functional.ts), so the ops here see "sum" or "none".
 */
type IgnoreAttrs = { readonly ignoreIndex?: number };
type CrossEntropyAttrs = { readonly reduction: Reduction; readonly labelSmoothing: number } & IgnoreAttrs;
const ignored = (a: IgnoreAttrs, t: number) => a.ignoreIndex !== undefined && t === a.ignoreIndex;
/** C: the loss or gradient expression, 0 where the row's target is ignored. */
const unlessIgnored = (a: IgnoreAttrs, expr: string) => (a.ignoreIndex === undefined ? expr : `(y == ${a.ignoreIndex} ? 0.0f : ${expr})`);

/**
 * Said of a −100 class target where the loss declares no ignoreIndex: PyTorch's cross_entropy and
 * nll_loss ignore −100 by default (a Hugging Face collator's padding), tsdp only what is declared.
 */
export const TORCH_IGNORES_HINT = "PyTorch's cross-entropy and NLL ignore -100 by default: pass ignoreIndex: -100 to the loss to ignore it here";

function classIndex(t: number, classes: number, who: string, a: IgnoreAttrs): number {
  const hint = t === -100 && a.ignoreIndex === undefined ? `; ${TORCH_IGNORES_HINT}` : "";
  if (!Number.isInteger(t) || t < 0 || t >= classes) throw new RangeError(`${who}: target ${t} is out of range [0, ${classes})${hint}`);
  return t;
}

/** ε/C as a C float: a constant, or computed where the classes are the batch's samples. */
function smoothingShare(eps: number, C: Classes): string {
  return typeof C === "number" ? cFloat(eps / C) : `(${cFloat(eps)} / (float)(${C}))`;
}

/** A classification loss's target (input 1) indexes the input's classes (dim 1), its ignoreIndex excepted. */
function classIndexes(node: Node, input: number): IndexRange | undefined {
  const classes = node.inputs[0].shape[1];
  if (input !== 1 || typeof classes !== "number") return undefined;
  const ignore = (node.attrs as IgnoreAttrs).ignoreIndex;
  // PyTorch's cross_entropy and nll_loss ignore −100 by default; tsdp's ignore only what is declared
  return ignore === undefined ? { limit: classes, torchIgnores: -100 } : { limit: classes, ignore };
}

/** loss_i = −(1−ε)·log p[i, y_i] − (ε/C)·Σ_c log p[i, c], with p = softmax(input[i]). */
export const crossEntropy = defineOp<{ readonly reduction: Reduction; readonly labelSmoothing: number } & IgnoreAttrs>({
  name: "cross_entropy",
  traits: { indexes: classIndexes },
  codegen: {
    kind: "kernel",
    builder: "loss",
    loss: {
      perElement: false,
      statements: (a, C) => {
        const smoothing = cFloat(a.labelSmoothing);
        // without smoothing there is no Σ_c (x[c] − m) to add: a class masked to −∞ that is not
        // the target would make it −∞, and 0·(−∞) a NaN loss where PyTorch's is finite
        const smoothed = a.labelSmoothing !== 0;
        return [
          "// −log softmax(x)[y] = log s − (x[y] − m), s = Σ_c e^(x[c] − m), as PyTorch's log_softmax: m is",
          "// never added to log s, whose digits a large m would round away (fuzz seed 70006)" + (smoothed ? "; label" : ""),
          ...(smoothed ? ["// smoothing ε adds ε/C·Σ_c (log s − (x[c] − m))"] : []),
          "float m = -INFINITY;",
          `for (int c = lane; c < ${C}; c += 32) m = tsdp_max(m, x[c]);`,
          "m = tsdp_warp_max(m);",
          ...(smoothed
            ? ["float s = 0.0f, xs = 0.0f;", `for (int c = lane; c < ${C}; c += 32) { s += expf(x[c] - m); xs += x[c] - m; }`, "s = tsdp_warp_sum(s);", "xs = tsdp_warp_sum(xs);"]
            : ["float s = 0.0f;", `for (int c = lane; c < ${C}; c += 32) s += expf(x[c] - m);`, "s = tsdp_warp_sum(s);"]),
          "const float ls = logf(s);",
          `const float picked = (y >= 0 && y < ${C}) ? x[y] - m : NAN;  // a bad label is refused (runtime) or reported (index-faults.ts)`,
          `const float loss = ${unlessIgnored(a, smoothed ? `(1.0f - ${smoothing}) * (ls - picked) + (${smoothing} / ${C}) * (${C} * ls - xs)` : "ls - picked")};`,
        ];
      },
    },
  },
  family: "loss",
  inputs: ["input", "target"],
  infer: ([i, t], a, who) => {
    if (!(a.labelSmoothing >= 0 && a.labelSmoothing <= 1))
      throw new ShapeError(`${who}: labelSmoothing must be in [0, 1], got ${a.labelSmoothing}`, "invalidArgument");
    return classification(who, i, t, a.reduction, a);
  },
  reference: ([input, target], a) => {
    const [n, c] = input.shape;
    const eps = a.labelSmoothing;
    const losses = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (ignored(a, target.data[i])) continue;
      const row = input.data.subarray(i * c, (i + 1) * c);
      // log s − (x[y] − m), as the kernel: m + log s is never formed (norm.ts shiftedSum)
      const { m, s } = shiftedSum(row);
      const ls = Math.log(s);
      const y = classIndex(target.data[i], c, "cross_entropy", a);
      // PyTorch adds the smoothing term only when ε > 0: a −∞ logit makes it +∞, and 0·∞ NaN
      let smooth = 0;
      if (eps !== 0) for (let k = 0; k < c; k++) smooth += ls - (row[k] - m);
      losses[i] = (1 - eps) * (ls - (row[y] - m)) + (eps === 0 ? 0 : (eps / c) * smooth);
    }
    return reduced(losses, a.reduction, [n]);
  },
  grad: ({ node, dy, emit }) => [emit("cross_entropy_grad", [dy, ...node.inputs], node.attrs), null],
});

/**
 * ∂loss/∂input of cross_entropy, given dy: row i is (softmax(input[i]) − q_i)·dy_i with
 * q_i = (1−ε)·onehot(y_i) + ε/C, dy_i as rowScale (÷N for "mean", N the run's batch rows).
 */
export const crossEntropyGrad: OpDef<CrossEntropyAttrs> = defineOp<CrossEntropyAttrs>({
  name: "cross_entropy_grad",
  codegen: {
    kind: "kernel",
    builder: "classification_grad",
    // (softmax − ((1−ε)·onehot + ε/C))·dy; the row's max and Σ exp are taken once per row, so a
    // row costs O(C) rather than O(C²) (a thread per element recomputing them was ~16 ms per step
    // at 4096 classes)
    grad: (a, C) => ({
      row: [
        "float m = -INFINITY;",
        `for (int j = lane; j < ${C}; j += 32) m = tsdp_max(m, x[j]);`,
        "m = tsdp_warp_max(m);",
        "float z = 0.0f;",
        `for (int j = lane; j < ${C}; j += 32) z += expf(x[j] - m);`,
        "z = tsdp_warp_sum(z);",
      ],
      element: unlessIgnored(a, `(expf(x[c] - m) / z - ((c == y ? ${cFloat(1 - a.labelSmoothing)} : 0.0f) + ${smoothingShare(a.labelSmoothing, C)})) * s`),
    }),
  },
  family: "loss",
  inputs: ["dy", "input", "target"],
  infer: (ins, a, who) => classificationGrad(who, ins, a.reduction, a),
  reference: ([dy, input, target], a) => {
    const [n, c] = input.shape;
    const eps = a.labelSmoothing;
    const scale = rowScale(dy, a.reduction, n);
    const out = new Float64Array(n * c);
    for (let i = 0; i < n; i++) {
      if (ignored(a, target.data[i])) continue;
      const row = input.data.subarray(i * c, (i + 1) * c);
      const { m, s } = shiftedSum(row);
      const y = classIndex(target.data[i], c, "cross_entropy", a);
      const g = scale(i);
      for (let k = 0; k < c; k++) out[i * c + k] = (Math.exp(row[k] - m) / s - ((k === y ? 1 - eps : 0) + eps / c)) * g;
    }
    return { shape: input.shape, data: out };
  },
  // Its own gradient (double backprop of a classification loss, MAML's inner step on a classifier):
  // (softmax(x) − q)·s, q = (1−ε)·onehot(y) + ε/C, composed (composedRowGradient)
  grad: (ctx): (Node | null)[] => {
    const a = crossEntropyGrad.attrsOf(ctx.node);
    const smoothed = (onehot: Node) => ctx.emit("add", [ctx.emit("mul", [onehot, ctx.constant(1 - a.labelSmoothing)]), ctx.constant(a.labelSmoothing / (ctx.node.inputs[1].shape[1] as number))]);
    return composedRowGradient(ctx, a, (onehot) => ctx.emit("sub", [ctx.emit("softmax", [ctx.node.inputs[1]], { dim: 1 }), smoothed(onehot)]));
  },
});

/** loss_i = −input[i, y_i]; input is expected to hold log-probabilities. */
export const nllLoss = defineOp<{ readonly reduction: Reduction } & IgnoreAttrs>({
  name: "nll_loss",
  traits: { indexes: classIndexes },
  // the runtime rejects bad labels first; a label out of range still gives NaN, never a stray read
  codegen: { kind: "kernel", builder: "loss", loss: { perElement: false, statements: (a, C) => [`const float loss = ${unlessIgnored(a, `((y >= 0 && y < ${C}) ? -x[y] : NAN)`)};`] } },
  family: "loss",
  inputs: ["input", "target"],
  infer: ([i, t], a, who) => classification(who, i, t, a.reduction, a),
  reference: ([input, target], a) => {
    const [n, c] = input.shape;
    const losses = new Float64Array(n);
    for (let i = 0; i < n; i++) if (!ignored(a, target.data[i])) losses[i] = -input.data[i * c + classIndex(target.data[i], c, "nll_loss", a)];
    return reduced(losses, a.reduction, [n]);
  },
  grad: ({ node, dy, emit }) => [emit("nll_loss_grad", [dy, ...node.inputs], node.attrs), null],
});

/** ∂loss/∂input of nll_loss, given dy: −dy_i at [i, y_i] (dy_i as rowScale), 0 elsewhere. */
export const nllLossGrad: OpDef<{ readonly reduction: Reduction } & IgnoreAttrs> = defineOp<{ readonly reduction: Reduction } & IgnoreAttrs>({
  name: "nll_loss_grad",
  codegen: { kind: "kernel", builder: "classification_grad", grad: (a) => ({ row: [], element: unlessIgnored(a, "(c == y ? -s : 0.0f)") }) },
  family: "loss",
  inputs: ["dy", "input", "target"],
  infer: (ins, a, who) => classificationGrad(who, ins, a.reduction, a),
  reference: ([dy, input, target], a) => {
    const [n, c] = input.shape;
    const scale = rowScale(dy, a.reduction, n);
    const out = new Float64Array(n * c);
    for (let i = 0; i < n; i++) if (!ignored(a, target.data[i])) out[i * c + classIndex(target.data[i], c, "nll_loss", a)] = -scale(i);
    return { shape: input.shape, data: out };
  },
  // −onehot(y)·s, composed (composedRowGradient): linear in dy, and no function of the input
  grad: (ctx): (Node | null)[] => composedRowGradient(ctx, nllLossGrad.attrsOf(ctx.node), (onehot) => ctx.emit("neg", [onehot])),
});

/**
 * The own gradient of a classification gradient op (dy, input, target) → [N, C], for a gradient
 * taken in forward with createGraph and differentiated by the step (double backprop of a
 * classifier's loss, MAML's inner step): its value composed of differentiable ops — `row(onehot)`
 * times each row's scale (dy, ÷N for "mean", per row for "none"), 0 on an ignored row, as the
 * reference computes it — and the sweep's vector-Jacobian product through that.
 */
function composedRowGradient(ctx: GradContext, a: { readonly reduction: Reduction } & IgnoreAttrs, row: (onehot: Node) => Node): (Node | null)[] {
  const { emit } = ctx;
  const [dy, x, target] = ctx.node.inputs;
  const [n, c] = x.shape;
  const rows = emit("reshape", [target], { shape: [n, 1] });
  const onehot = emit("eq", [rows, emit("arange_int", [], { start: 0, step: 1, length: c })]);
  const perRow = a.reduction === "none" ? emit("reshape", [dy], { shape: [n, 1] }) : dy;
  const scale = a.reduction === "mean" ? emit("div_count", [ctx.expand(perRow, [n, 1])], { ...numel([n]) }) : perRow;
  let dx = emit("mul", [row(onehot), scale]);
  if (a.ignoreIndex !== undefined) dx = emit("mul", [dx, emit("ne", [rows, emit("arange_int", [], { start: a.ignoreIndex, step: 1, length: 1 })])]);
  return [...ctx.vjp(dx, ctx.dy, [dy, x]), null];
}

/** loss = (input − target)², same shapes (the frontend expands shapes that broadcast first, as PyTorch; functional.ts loss). */
export const mseLoss = defineOp<{ readonly reduction: Reduction }>({
  name: "mse_loss",
  codegen: { kind: "kernel", builder: "loss", loss: { perElement: true, statements: () => ["const float d = input[e] - target[e];", "const float loss = d * d;"] } },
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
  // ∂/∂input = 2·(input − target)·dy (÷ the element count for "mean"); ∂/∂target is its negative
  grad: ({ node, dy, emit, constant }) => {
    const [input, target] = node.inputs;
    const g = emit("mul", [emit("mul", [emit("sub", [input, target]), constant(2)]), dy]);
    const gi = node.attrs.reduction === "mean" ? emit("div_count", [g], { ...numel(input.shape) }) : g;
    return [gi, emit("neg", [gi])];
  },
});
