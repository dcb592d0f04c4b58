import { dimEq, formatShape } from "../ir/shape.ts";
import { defineOp, requireFloat, requireIndices, ShapeError, type OpDef } from "./op.ts";

/** paddingIdx as a row number (nn.Embedding accepts a negative one, counted from the end). */
function paddingRow(paddingIdx: number | null, num: number): number | null {
  return paddingIdx === null ? null : paddingIdx < 0 ? paddingIdx + num : paddingIdx;
}

/** nn.Embedding: row `indices[i]` of weight [num, dim] for every index; result [...indices, dim]. */
export const embedding = defineOp<{ readonly paddingIdx: number | null }>({
  name: "embedding",
  codegen: { kind: "kernel", builder: "embedding" },
  family: "gather",
  inputs: ["indices", "weight"],
  traits: { indexes: (node, input) => (input === 0 && typeof node.inputs[1].shape[0] === "number" ? { limit: node.inputs[1].shape[0] } : undefined) },
  infer: ([idx, w], _, who) => {
    requireIndices(idx, who);
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
  // no gradient for the indices; the weight's is dy scattered back onto the rows it came from
  grad: ({ node, dy, emit }) => {
    const [indices, weight] = node.inputs;
    return [null, emit("embedding_grad", [dy, indices], { numEmbeddings: weight.shape[0], paddingIdx: node.attrs.paddingIdx ?? null })];
  },
});

/**
 * ∂loss/∂weight of embedding: dweight[k] = Σ dy[i] over the positions i with indices[i] = k,
 * as PyTorch's embedding_backward; the padding row gets no gradient. Result [numEmbeddings, dim].
 */
export const embeddingGrad: OpDef<{ readonly numEmbeddings: number; readonly paddingIdx: number | null }> = defineOp<{ readonly numEmbeddings: number; readonly paddingIdx: number | null }>({
  name: "embedding_grad",
  codegen: { kind: "kernel", builder: "embedding_grad" },
  family: "gather",
  inputs: ["dy", "indices"],
  infer: ([dy, idx], a, who) => {
    requireFloat(dy, who, "gradient");
    requireIndices(idx, who);
    if (dy.shape.length !== idx.shape.length + 1 || !idx.shape.every((d, i) => dimEq(d, dy.shape[i])))
      throw new ShapeError(`${who} expects dy [...indices, dim] for indices ${formatShape(idx.shape)}, got ${formatShape(dy.shape)}`);
    if (!(Number.isInteger(a.numEmbeddings) && a.numEmbeddings > 0))
      throw new ShapeError(`${who}: numEmbeddings must be a positive integer, got ${a.numEmbeddings}`, "invalidArgument");
    return { shape: [a.numEmbeddings, dy.shape[dy.shape.length - 1]], dtype: "f32" };
  },
  reference: ([dy, idx], a) => {
    const num = a.numEmbeddings;
    const dim = dy.shape[dy.shape.length - 1];
    const pad = paddingRow(a.paddingIdx, num);
    const out = new Float64Array(num * dim);
    idx.data.forEach((k, i) => {
      if (!Number.isInteger(k) || k < 0 || k >= num) throw new RangeError(`embedding index ${k} is out of range [0, ${num})`);
      if (k === pad) return;
      for (let j = 0; j < dim; j++) out[k * dim + j] += dy.data[i * dim + j];
    });
    return { shape: [num, dim], data: out };
  },
  // linear in dy: its transpose reads each position's row of the upstream gradient back (embedding
  // again), 0 at the padding row's positions, which got nothing; the indices have no gradient
  grad: ({ node, dy, emit }) => {
    const [, indices] = node.inputs;
    const { numEmbeddings, paddingIdx } = embeddingGrad.attrsOf(node);
    const rows = emit("embedding", [indices, dy], { paddingIdx: null });
    const pad = paddingRow(paddingIdx, numEmbeddings);
    if (pad === null) return [rows, null];
    const kept = emit("ne", [emit("reshape", [indices], { shape: [...indices.shape, 1] }), emit("arange_int", [], { start: pad, step: 1, length: 1 })]);
    return [emit("mul", [rows, kept]), null];
  },
});
