import type { Node } from "../ir/node.ts";
import { BATCH_GROUP_HINT, dimEq, formatShape, isBatch, type Dim } from "../ir/shape.ts";
import { nd, stridesOf } from "../reference/ndarray.ts";
import { defineOp, requireFloat, ShapeError, type OpDef, type TensorType } from "./op.ts";

// Joins and slices along one dim: torch.cat, and narrow (what split and chunk return) with its
// gradient pad_dim. torch.stack is cat of unsqueezed tensors, in the frontend. Each output element
// is a copy of one input element, so each is a one-thread-per-element kernel; the dim joined or
// sliced must be a fixed size (not the batch, which is known only at run time and split across
// devices). The dims before it are one "outer" count and those after it one "inner" count, and
// either may hold the batch: PyTorch's recurrent states [layers, N, H] are joined and sliced along
// dim 0 with the batch after it.

/** cat takes up to this many tensors (the IR lists an op's inputs; 64 covers any port we know). */
export const MAX_CAT_INPUTS = 64;

/** A join or slice at `dim`: a dim of the shape, of fixed size. */
export function checkJoinDim(shape: readonly Dim[], dim: number, who: string, verb = "join or slice"): void {
  if (!Number.isInteger(dim) || dim < 0 || dim >= shape.length) throw new ShapeError(`${who}: dim ${dim} is out of range for ${formatShape(shape)}`, "invalidArgument");
  if (isBatch(shape[dim]))
    throw new ShapeError(`${who}: cannot ${verb} along dim ${dim} of ${formatShape(shape)}: it is the batch, whose size is known only at run time (it is split across devices): ${BATCH_GROUP_HINT}`, "shapeMismatch");
}

/** Outer count, size of `dim`, inner count of a concrete shape. */
export function around(shape: readonly number[], dim: number): [number, number, number] {
  const outer = shape.slice(0, dim).reduce((a, b) => a * b, 1);
  return [outer, shape[dim], stridesOf(shape)[dim]];
}

interface ConcatAttrs {
  readonly dim: number;
}

/**
 * Where one tensor has the batch and the other a number in the same dim: a tensor built for a fixed
 * batch size (the Relation Network's coord_tensor = torch.FloatTensor(args.batch_size, 25, 2)), which
 * PyTorch joins only while the batch has that size.
 */
function fixedBatchHint(a: readonly Dim[], b: readonly Dim[], dim: number): string {
  if (a.length !== b.length) return "";
  const at = a.findIndex((d, i) => i !== dim && isBatch(d) !== isBatch(b[i]) && (typeof d === "number" || typeof b[i] === "number"));
  if (at < 0) return "";
  const fixed = typeof a[at] === "number" ? a[at] : b[at];
  return `; dim ${at} is the batch in one and ${fixed} in the other, a tensor made for a fixed batch size, which PyTorch joins only while the batch has that size: make it without that dim and expand it to the batch (t.unsqueeze(${at}).expand(…, x.size(0), …)), or take t.narrow(${at}, 0, 1).expand(…) of the one you have`;
}

/** torch.cat(tensors, dim): every shape equal except along `dim`, whose sizes add up. */
export const concat: OpDef<ConcatAttrs> = defineOp<ConcatAttrs>({
  name: "concat",
  family: "movement",
  inputs: ["x0", ...Array.from({ length: MAX_CAT_INPUTS - 1 }, (_, i) => `x${i + 1}?`)],
  codegen: { kind: "kernel", builder: "concat" },
  infer: (ins, a, who) => {
    if (ins.length === 0) throw new ShapeError(`${who}: expected a non-empty list of tensors`, "invalidArgument");
    if (ins.length > MAX_CAT_INPUTS) throw new ShapeError(`${who}: at most ${MAX_CAT_INPUTS} tensors, got ${ins.length}`, "invalidArgument");
    const first = ins[0];
    // int32 too when every tensor is (token ids joined): a copy; mixing dtypes is refused
    const ints = ins.every((t) => t.dtype === "i32");
    if (!ints) ins.forEach((t, k) => requireFloat(t, who, `tensor ${k}`));
    checkJoinDim(first.shape, a.dim, who);
    let size = 0;
    ins.forEach((t: TensorType, k) => {
      const same = t.shape.length === first.shape.length && t.shape.every((d, i) => i === a.dim || dimEq(d, first.shape[i]));
      if (!same)
        throw new ShapeError(`${who}: sizes of tensors must match except in dimension ${a.dim}: tensor 0 is ${formatShape(first.shape)}, tensor ${k} is ${formatShape(t.shape)}${fixedBatchHint(first.shape, t.shape, a.dim)}`);
      checkJoinDim(t.shape, a.dim, who);
      size += t.shape[a.dim] as number;
    });
    return { shape: first.shape.map((d, i) => (i === a.dim ? size : d)), dtype: ints ? "i32" : "f32" };
  },
  reference: (ins, a) => {
    const shape = ins[0].shape.map((d, i) => (i === a.dim ? ins.reduce((s, t) => s + t.shape[a.dim], 0) : d));
    const out = nd(shape);
    const [outer, total, inner] = around(shape, a.dim);
    let offset = 0;
    for (const t of ins) {
      const size = t.shape[a.dim];
      for (let o = 0; o < outer; o++)
        for (let c = 0; c < size; c++)
          for (let e = 0; e < inner; e++) out.data[(o * total + offset + c) * inner + e] = t.data[(o * size + c) * inner + e];
      offset += size;
    }
    return out;
  },
  // each input gets its own slice of dy back
  grad: ({ node, dy, emit }) => {
    let start = 0;
    return node.inputs.map((x: Node) => {
      const length = x.shape[concat.attrsOf(node).dim] as number;
      const g = emit("narrow", [dy], { dim: concat.attrsOf(node).dim, start, length });
      start += length;
      return g;
    });
  },
});

interface NarrowAttrs {
  readonly dim: number;
  readonly start: number;
  readonly length: number;
}

/** x.narrow(dim, start, length): elements start … start + length − 1 along dim (a piece of split/chunk). */
export const narrow: OpDef<NarrowAttrs> = defineOp<NarrowAttrs>({
  name: "narrow",
  family: "movement",
  inputs: ["x"],
  codegen: { kind: "kernel", builder: "narrow" },
  infer: ([x], a, who) => {
    // int32 too: a copy (BERT's position_ids[:, :seq_length] sliced from an int32 buffer)
    if (x.dtype !== "i32") requireFloat(x, who);
    checkJoinDim(x.shape, a.dim, who);
    const size = x.shape[a.dim] as number;
    if (!Number.isInteger(a.start) || !Number.isInteger(a.length) || a.start < 0 || a.length < 1 || a.start + a.length > size)
      throw new ShapeError(`${who}: [${a.start}, ${a.start + a.length}) is not inside dim ${a.dim} of size ${size}`, "invalidArgument");
    return { shape: x.shape.map((d, i) => (i === a.dim ? a.length : d)), dtype: x.dtype };
  },
  reference: ([x], a) => {
    const shape = x.shape.map((d, i) => (i === a.dim ? a.length : d));
    const [outer, size, inner] = around(x.shape, a.dim);
    const out = nd(shape);
    for (let o = 0; o < outer; o++)
      for (let c = 0; c < a.length; c++)
        for (let e = 0; e < inner; e++) out.data[(o * a.length + c) * inner + e] = x.data[(o * size + a.start + c) * inner + e];
    return out;
  },
  grad: ({ node, dy, emit }) => [emit("pad_dim", [dy], { ...node.attrs, size: node.inputs[0].shape[narrow.attrsOf(node).dim] })],
});

/** narrow's gradient: dy placed at start … start + length − 1 of a dim of `size`, zeros elsewhere. */
export const padDim: OpDef<NarrowAttrs & { readonly size: number }> = defineOp<NarrowAttrs & { readonly size: number }>({
  name: "pad_dim",
  family: "movement",
  inputs: ["dy"],
  codegen: { kind: "kernel", builder: "narrow" },
  infer: ([dy], a, who) => {
    requireFloat(dy, who);
    checkJoinDim(dy.shape, a.dim, who);
    if (dy.shape[a.dim] !== a.length || a.start < 0 || a.start + a.length > a.size)
      throw new ShapeError(`${who}: dy's dim ${a.dim} must be ${a.length} and fit at ${a.start} in ${a.size}, got ${formatShape(dy.shape)}`);
    return { shape: dy.shape.map((d, i) => (i === a.dim ? a.size : d)), dtype: "f32" };
  },
  reference: ([dy], a) => {
    const shape = dy.shape.map((d, i) => (i === a.dim ? a.size : d));
    const [outer, , inner] = around(shape, a.dim);
    const out = nd(shape);
    for (let o = 0; o < outer; o++)
      for (let c = 0; c < a.length; c++)
        for (let e = 0; e < inner; e++) out.data[(o * a.size + a.start + c) * inner + e] = dy.data[(o * a.length + c) * inner + e];
    return out;
  },
  grad: ({ node, dy, emit }) => {
    const { dim, start, length } = padDim.attrsOf(node);
    return [emit("narrow", [dy], { dim, start, length })];
  },
});

