import { formatShape } from "../ir/shape.ts";
import { defineOp, ShapeError } from "./op.ts";

/** nn.Embedding: row `indices[i]` of weight [num, dim] for every index; result [...indices, dim]. */
export const embedding = defineOp<{ readonly paddingIdx: number | null }>({
  name: "embedding",
  lowering: { kind: "kernel", template: "embedding" },
  family: "gather",
  inputs: ["indices", "weight"],
  infer: ([idx, w], _, who) => {
    if (idx.dtype !== "i32")
      throw new ShapeError(`${who} expects int32 indices, got ${idx.dtype} ${formatShape(idx.shape)}`, "dtypeMismatch");
    return { shape: [...idx.shape, w.shape[1]], dtype: "f32" };
  },
  reference: ([idx, w]) => {
    const [num, dim] = w.shape;
    const out = new Float64Array(idx.data.length * dim);
    idx.data.forEach((k, i) => {
      if (!Number.isInteger(k) || k < 0 || k >= num) throw new RangeError(`embedding index ${k} is out of range [0, ${num})`);
      out.set(w.data.subarray(k * dim, (k + 1) * dim), i * dim);
    });
    return { shape: [...idx.shape, dim], data: out };
  },
});
