import type { Init, Node } from "../ir/node.ts";
import { scalar } from "../reference/ndarray.ts";
import { defineOp, ShapeError, type TensorType } from "./op.ts";
import type { Dim } from "../ir/shape.ts";

// Sources have no inputs: their type comes from their attributes, their value from the caller.

interface SourceAttrs {
  readonly name: string;
  readonly shape: readonly Dim[];
  readonly dtype: TensorType["dtype"];
}

function sourceType(attrs: SourceAttrs): TensorType {
  return { shape: attrs.shape, dtype: attrs.dtype };
}

/** A model input (forward's parameter) or the training target. */
export const input = defineOp<SourceAttrs & { [k: string]: any }>({
  name: "input",
  family: "source",
  inputs: [],
  infer: (_, a) => sourceType(a),
  reference: (_, __, ctx) => ctx.source(ctx.node),
});

/** A trainable parameter, named as in PyTorch's state_dict ("conv1.weight"). */
export const param = defineOp<SourceAttrs & { readonly init: Init; [k: string]: any }>({
  name: "param",
  family: "source",
  inputs: [],
  infer: (_, a) => sourceType(a),
  reference: (_, __, ctx) => ctx.source(ctx.node),
});

/** A non-trainable tensor in the state_dict ("bn1.running_mean"). */
export const buffer = defineOp<SourceAttrs & { readonly init: Init; [k: string]: any }>({
  name: "buffer",
  family: "source",
  inputs: [],
  infer: (_, a) => sourceType(a),
  reference: (_, __, ctx) => ctx.source(ctx.node),
});

/**
 * A scalar constant, as in x.mul(2). `float`: written as a float literal (x.mul(2.0)), so that an
 * integer tensor times it is a float tensor, as PyTorch's (int-arithmetic.ts); the value is the same.
 */
export const constant = defineOp<{ readonly value: number; readonly float?: boolean }>({
  name: "const",
  family: "source",
  inputs: [],
  infer: (_, a) => {
    // NaN and ±Infinity are PyTorch's scalars too (x + inf, F.pad(x, p, value=-inf)); a finite
    // number past float32's range would silently become ±Infinity
    if (Number.isFinite(a.value) && !Number.isFinite(Math.fround(a.value))) throw new ShapeError(`constant ${a.value} is outside float32's range (±3.4e38)`, "invalidArgument");
    return { shape: [], dtype: "f32" };
  },
  reference: (_, a) => scalar(a.value),
});

/**
 * A scalar its reader computes, with no kernel and no buffer of its own: a constant, or the batch
 * size (factory.ts batch_size, from `batch`). The planner makes no kernel for one, and a pointwise
 * kernel writes its value into its expression.
 */
export const computedByReader = (n: Node): boolean => n.op === "const" || n.op === "batch_size";

/**
 * The seed of the backward pass, ∂L/∂loss: a scalar the harness sets before each training step
 * (each replica's share of the batch). The reference reads it from the inputs ("loss_scale"),
 * 1 when absent.
 */
export const lossScale = defineOp<{}>({
  name: "loss_scale",
  family: "source",
  inputs: [],
  infer: () => ({ shape: [], dtype: "f32" }),
  reference: (_, __, ctx) => {
    try {
      return ctx.source(ctx.node);
    } catch {
      return scalar(1);
    }
  },
});
