import { formatShape, isBatch, normalizeDim } from "../ir/shape.ts";
import { alongDim } from "./norm.ts";
import { defineOp, requireFloat, ShapeError, type OpDef } from "./op.ts";

// torch.cumsum(x, dim): running sums along a fixed-size dim (Hugging Face's RoBERTa numbers its
// positions with `mask.cumsum(1) * mask + padding_idx`). `reverse` sums from the dim's end, which
// is cumsum's gradient: ∂L/∂x_i = Σ_{j ≥ i} ∂L/∂y_j. Along the batch dim a running sum would cross
// the devices the batch is split over, so that dim is refused.

export interface ScanAttrs {
  readonly dim: number;
  readonly reverse: boolean;
}

export const cumsum: OpDef<ScanAttrs> = defineOp<ScanAttrs>({
  name: "cumsum",
  family: "reduce",
  codegen: { kind: "kernel", builder: "scan" },
  inputs: ["x"],
  infer: ([x], a, who) => {
    requireFloat(x, who);
    const dim = normalizeDim(a.dim, x.shape.length);
    if (dim === undefined) throw new ShapeError(`${who}: dim ${a.dim} is out of range for ${formatShape(x.shape)}`, "invalidArgument");
    if (isBatch(x.shape[dim]))
      throw new ShapeError(`${who}: dim ${a.dim} of ${formatShape(x.shape)} is the batch, which is split across devices (a running sum over samples would cross them)`, "shapeMismatch");
    return x;
  },
  reference: ([x], a) =>
    alongDim(x, normalizeDim(a.dim, x.shape.length)!, (v) => {
      const out = new Float64Array(v.length);
      let s = 0;
      for (let k = 0; k < v.length; k++) {
        const at = a.reverse ? v.length - 1 - k : k;
        s += v[at];
        out[at] = s;
      }
      return out;
    }),
  grad: ({ node, dy, emit }) => {
    const a = cumsum.attrsOf(node);
    return [emit("cumsum", [dy], { dim: a.dim, reverse: !a.reverse })];
  },
});
