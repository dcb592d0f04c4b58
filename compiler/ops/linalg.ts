import type { Node } from "../ir/node.ts";
import { formatShape, isBatch, type Dim } from "../ir/shape.ts";
import { sizeOf, type NDArray } from "../reference/ndarray.ts";
import { eliminate, householderQr } from "../reference/linalg.ts";
import { lastTwoSwappedPerm } from "./movement.ts";
import { defineOp, requireFloat, ShapeError, type GradContext, type TensorType } from "./op.ts";

// Square matrices: torch.linalg.inv and the two parts of torch.linalg.slogdet, over the last two
// dims [..., n, n] (the leading ones, the batch among them, are a stack of matrices). All three
// are one Gauss–Jordan elimination with partial pivoting (reference/linalg.ts; the kernel:
// templates/kernels/matrix_pivot.cu.hbs, one block per matrix), each writing its own result.
// det, logdet and solve are compositions of these (1-frontend/matrix-functions.ts).
//
// Gradients (PyTorch's, for an invertible A):
//   X = A⁻¹:          ∂L/∂A = −Xᵀ·(∂L/∂X)·Xᵀ
//   l = log|det A|:   ∂L/∂A = ∂L/∂l · A⁻ᵀ
//   sign(det A):      none (piecewise constant)

/** The n of [..., n, n]: a number (the kernel holds a matrix per block), the batch only before. */
function squareOf(x: TensorType, who: string): number {
  requireFloat(x, who);
  const r = x.shape.length;
  if (r < 2) throw new ShapeError(`${who}: expects a square matrix or a stack of them [..., n, n], got ${formatShape(x.shape)}`);
  const [rows, cols] = [x.shape[r - 2], x.shape[r - 1]];
  if (isBatch(rows) || isBatch(cols))
    throw new ShapeError(`${who}: the matrices' own dims ${formatShape(x.shape.slice(-2))} hold the batch; each sample's matrix goes in the last two dims, the batch before them`);
  if (rows !== cols) throw new ShapeError(`${who}: expects square matrices, got ${formatShape(x.shape)} (${rows}×${cols})`);
  return rows as number;
}

/** Each matrix of x [..., n, n] through `each`, into `width` values per matrix. */
function perMatrix(x: NDArray, width: number, each: (offset: number, n: number, out: Float64Array, at: number) => void): Float64Array {
  const n = x.shape[x.shape.length - 1];
  const count = sizeOf(x.shape.slice(0, -2));
  const out = new Float64Array(count * width);
  for (let z = 0; z < count; z++) each(z * n * n, n, out, z * width);
  return out;
}

/** x with its last two dims swapped. */
function transposedLast(emit: GradContext["emit"], x: Node): Node {
  return emit("permute", [x], { perm: lastTwoSwappedPerm(x.shape.length) });
}

export const inverse = defineOp<{}>({
  name: "inverse",
  family: "linalg",
  // row i of the inverse is row i of the eliminated matrix, its columns in the order the row swaps left
  codegen: { kind: "kernel", builder: "matrix_pivot", finish: (n) => [`for (int e = threadIdx.x; e < ${n * n}; e += blockDim.x) out[(size_t)z * ${n * n} + e] = singular ? NAN : m[e / ${n}][col[e % ${n}]];`] },
  inputs: ["a"],
  infer: ([a], _, who) => (squareOf(a, who), { shape: a.shape, dtype: "f32" }),
  reference: ([a]) => {
    const n = a.shape[a.shape.length - 1];
    return { shape: a.shape, data: perMatrix(a, n * n, (offset, size, out, at) => out.set(eliminate(a.data, offset, size).inverse, at)) };
  },
  grad: ({ node, dy, emit, constant }) => {
    const xT = transposedLast(emit, node);
    return [emit("mul", [emit("matmul", [emit("matmul", [xT, dy]), xT]), constant(-1)])];
  },
});

export const logabsdet = defineOp<{}>({
  name: "logabsdet",
  family: "linalg",
  codegen: { kind: "kernel", builder: "matrix_pivot", finish: () => ["if (threadIdx.x == 0) out[z] = singular ? -INFINITY : logAbsDet;"] },
  inputs: ["a"],
  infer: ([a], _, who) => (squareOf(a, who), { shape: a.shape.slice(0, -2), dtype: "f32" }),
  reference: ([a]) => ({ shape: a.shape.slice(0, -2), data: perMatrix(a, 1, (offset, n, out, at) => (out[at] = eliminate(a.data, offset, n).logAbsDet)) }),
  grad: ({ node, dy, emit }) => {
    const a = node.inputs[0];
    const column: Dim[] = [...dy.shape, 1, 1];
    return [emit("mul", [transposedLast(emit, emit("inverse", [a])), emit("reshape", [dy], { shape: column })])];
  },
});

export const detSign = defineOp<{}>({
  name: "det_sign",
  family: "linalg",
  codegen: { kind: "kernel", builder: "matrix_pivot", finish: () => ["if (threadIdx.x == 0) out[z] = singular ? 0.0f : sign;"] },
  inputs: ["a"],
  infer: ([a], _, who) => (squareOf(a, who), { shape: a.shape.slice(0, -2), dtype: "f32" }),
  reference: ([a]) => ({ shape: a.shape.slice(0, -2), data: perMatrix(a, 1, (offset, n, out, at) => (out[at] = eliminate(a.data, offset, n).sign)) }),
  grad: () => [null],
});

/**
 * torch.linalg.qr's factors (mode "reduced") of [..., m, n]: Q [..., m, k] or R [..., k, n],
 * k = min(m, n). For constructors only (an orthogonal initial weight): no kernel, no gradient.
 */
export const qr = defineOp<{ readonly factor: "q" | "r" }>({
  name: "qr",
  family: "linalg",
  inputs: ["a"],
  infer: ([a], { factor }, who) => {
    requireFloat(a, who);
    const r = a.shape.length;
    if (r < 2) throw new ShapeError(`${who}: expects a matrix or a stack of them [..., m, n], got ${formatShape(a.shape)}`);
    if (a.shape.some(isBatch)) throw new ShapeError(`${who}: ${formatShape(a.shape)} holds the batch; tsdp computes a QR factorization in a constructor only (an initial weight), not per sample`);
    const [m, n] = a.shape.slice(-2) as number[];
    const k = Math.min(m, n);
    return { shape: [...a.shape.slice(0, -2), ...(factor === "q" ? [m, k] : [k, n])], dtype: "f32" };
  },
  reference: ([a], { factor }) => {
    const [m, n] = a.shape.slice(-2);
    const k = Math.min(m, n);
    const width = factor === "q" ? m * k : k * n;
    const count = sizeOf(a.shape.slice(0, -2));
    const out = new Float64Array(count * width);
    for (let z = 0; z < count; z++) out.set(householderQr(a.data, z * m * n, m, n)[factor], z * width);
    return { shape: [...a.shape.slice(0, -2), ...(factor === "q" ? [m, k] : [k, n])], data: out };
  },
});
