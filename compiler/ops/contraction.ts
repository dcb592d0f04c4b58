import type { Node } from "../ir/node.ts";
import { batchTimes, dimEq, formatDim, formatShape, numel, shapeEq, type Dim, type Shape } from "../ir/shape.ts";
import { broadcastShape, sizeOf, stridesOf, type NDArray } from "../reference/ndarray.ts";
import { broadcastShapes } from "./elementwise.ts";
import { lastTwoSwappedPerm, permute } from "./movement.ts";
import { CompileError, diagnostic } from "../diagnostics/diagnostic.ts";
import { cDim, shapeComment } from "../5-codegen/context.ts";
import { defineOp, requireFloat, ShapeError, type DenseGemm, type GemmIndexMaps, type GemmMapOptions, type GemmRowSums, type GradContext, type TensorType, type CanonicalEmit } from "./op.ts";

// Contractions: torch.matmul and F.linear (y = x·Wᵀ + b). Reference sums in float64.

/** torch.matmul's rule: 1-D operands gain a dim that is dropped again; leading dims broadcast. */
export const matmul = defineOp<{}>({
  name: "matmul",
  // per sample: a reduction over the batch (a linear layer's weight gradient) counts once
  codegen: { kind: "gemm", maps: matmulMaps, macsPerOutput: (n) => numel([n.inputs[0].shape.at(-1)!]).c, batchedGridZ: (n) => matmulBatchDims(n), readsTransposed: true, rowSums: matmulRowSums, dense: matmulDense },
  family: "contraction",
  inputs: ["a", "b"],
  // The GEMM's columns N are a number fixed by the model (its column tiles and grid.y); a product
  // whose columns are the batch ([1, C] @ [C, Batch]: LDAM's margins picked by a transposed
  // one-hot, and its own gradient Aᵀ·dy) runs transposed, C = (Bᵀ·Aᵀ)ᵀ, with the batch as M.
  // The batch paired with itself ([Batch, K] @ [K, Batch], an in-batch similarity matrix: CLIP's
  // logits) has no GEMM (both M and N grow with it): a dot product per pair of rows (pair_dot).
  canonical: ([a, b], _, result, emit) => {
    if (b.shape.length < 2 || typeof result.shape[result.shape.length - 1] === "number") return undefined;
    if (a.shape.length > 1 && typeof a.shape[a.shape.length - 2] !== "number") {
      // leading dims of fixed size (SAINT's intersample attention: heads over [1, Batch, n·d]) pair each
      // slice's rows; broadcast leading dims are expanded to one shape first
      const lead = broadcastShapes(a.shape.slice(0, -2), b.shape.length > 2 ? b.shape.slice(0, -2) : []);
      if (a.shape.length >= 2 && b.shape.length >= 2 && lead && lead.every((d) => typeof d === "number")) {
        const full = (x: Node) => (shapeEq(x.shape.slice(0, -2), lead) ? x : emit("expand", [x], { shape: [...lead, ...x.shape.slice(-2)] }));
        return emit("pair_dot", [full(a), full(lastTwoSwapped(b, emit))], {});
      }
      throw new ShapeError(`matmul: ${formatShape(a.shape)} @ ${formatShape(b.shape)} pairs the batch with itself across leading dims that hold the batch, which has no kernel; keep the batch in the last two dims of both operands (an in-batch pair matrix [..., Batch, K] @ [..., K, Batch])`);
    }
    const bT = lastTwoSwapped(b, emit);
    if (a.shape.length === 1) return emit("matmul", [bT, a], {});
    return lastTwoSwapped(emit("matmul", [bT, lastTwoSwapped(a, emit)], {}), emit);
  },
  infer: ([a, b], _, who) => {
    requireFloat(a, who, "left operand");
    requireFloat(b, who, "right operand");
    if (a.shape.length === 0 || b.shape.length === 0)
      throw new ShapeError(`${who}: both operands need at least one dim, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
    const as = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
    const bs = b.shape.length === 1 ? [b.shape[0], 1] : b.shape;
    const k1 = as[as.length - 1];
    const k2 = bs[bs.length - 2];
    if (!dimEq(k1, k2))
      throw new ShapeError(
        `${who}: ${formatShape(a.shape)} @ ${formatShape(b.shape)} — the left operand's last dim (${formatDim(k1)}) must equal the right operand's ${b.shape.length === 1 ? "only" : "second-to-last"} dim (${formatDim(k2)})`,
      );
    const batch = broadcastShapes(as.slice(0, -2), bs.slice(0, -2));
    if (!batch)
      throw new ShapeError(`${who}: batch dims of ${formatShape(a.shape)} and ${formatShape(b.shape)} do not broadcast`);
    const shape: Dim[] = [...batch];
    if (a.shape.length > 1) shape.push(as[as.length - 2]);
    if (b.shape.length > 1) shape.push(bs[bs.length - 1]);
    return { shape, dtype: "f32" };
  },
  reference: ([a, b]) => {
    const as = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
    const bs = b.shape.length === 1 ? [b.shape[0], 1] : b.shape;
    const [n, k] = as.slice(-2);
    const m = bs[bs.length - 1];
    const batch = broadcastShape(as.slice(0, -2), bs.slice(0, -2))!;
    const nb = sizeOf(batch);
    const out = new Float64Array(nb * n * m);
    const offset = (shape: readonly number[], bi: number, matSize: number) => {
      // index of the broadcast batch element bi within an operand's own batch dims
      const own = shape.slice(0, -2);
      const st = stridesOf(own);
      const bst = stridesOf(batch);
      let o = 0;
      for (let d = 0; d < batch.length; d++) {
        const od = d - (batch.length - own.length);
        if (od < 0) continue;
        const i = Math.floor(bi / bst[d]) % batch[d];
        o += (own[od] === 1 ? 0 : i) * st[od];
      }
      return o * matSize;
    };
    for (let bi = 0; bi < nb; bi++) {
      const ao = offset(as, bi, n * k);
      const bo = offset(bs, bi, k * m);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < m; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += a.data[ao + i * k + p] * b.data[bo + p * m + j];
          out[(bi * n + i) * m + j] = s;
        }
    }
    const shape = [...batch];
    if (a.shape.length > 1) shape.push(n);
    if (b.shape.length > 1) shape.push(m);
    return { shape, data: out };
  },
  // With 1-D operands promoted to matrices (a → [1, k], b → [k, 1]) and dy reshaped to match:
  // da = dy·bᵀ, db = aᵀ·dy, each summed over the batch dims its operand was broadcast along.
  grad: (ctx) => {
    const [a, b] = ctx.node.inputs;
    const a2 = a.shape.length === 1 ? reshapeTo(ctx, a, [1, a.shape[0]]) : a;
    const b2 = b.shape.length === 1 ? reshapeTo(ctx, b, [b.shape[0], 1]) : b;
    const batch = broadcastShapes(a2.shape.slice(0, -2), b2.shape.slice(0, -2))!;
    const dy2 = reshapeTo(ctx, ctx.dy, [...batch, a2.shape[a2.shape.length - 2], b2.shape[b2.shape.length - 1]]);
    const da2 = ctx.sumTo(ctx.emit("matmul", [dy2, transposed(ctx, b2)]), a2.shape);
    const db2 = ctx.sumTo(ctx.emit("matmul", [transposed(ctx, a2), dy2]), b2.shape);
    return [reshapeTo(ctx, da2, a.shape), reshapeTo(ctx, db2, b.shape)];
  },
});

/**
 * out[..., i, j] = a[..., i]·b[..., j], the dot products of every pair of rows: a @ b.T where both M
 * and N are the batch (matmul's canonical form of an in-batch pair matrix), over equal leading dims of
 * fixed size (SAINT's heads attending across the batch), one thread per pair.
 */
export const pairDot = defineOp<{}>({
  name: "pair_dot",
  codegen: { kind: "kernel", builder: "pair_dot" },
  family: "contraction",
  inputs: ["a", "b"],
  infer: ([a, b], _, who) => {
    requireFloat(a, who, "left operand");
    requireFloat(b, who, "right operand");
    const r = a.shape.length;
    const lead = a.shape.slice(0, -2);
    if (r < 2 || b.shape.length !== r || !dimEq(a.shape[r - 1], b.shape[r - 1]) || !shapeEq(lead, b.shape.slice(0, -2)) || !lead.every((d) => typeof d === "number"))
      throw new ShapeError(`${who}: expects [..., M, K] and [..., N, K] with the same leading dims of fixed size, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
    return { shape: [...lead, a.shape[r - 2], b.shape[r - 2]], dtype: "f32" };
  },
  reference: ([a, b]) => {
    const r = a.shape.length;
    const [m, k] = a.shape.slice(-2);
    const n = b.shape[r - 2];
    const slices = a.shape.slice(0, -2).reduce((p, q) => p * q, 1);
    const out = new Float64Array(slices * m * n);
    for (let l = 0; l < slices; l++)
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += a.data[(l * m + i) * k + p] * b.data[(l * n + j) * k + p];
          out[(l * m + i) * n + j] = s;
        }
    return { shape: [...a.shape.slice(0, -2), m, n], data: out };
  },
  // da = dy·b, db = dyᵀ·a: GEMMs (batched over the leading dims) whose reduction runs over the batch and whose columns are K
  grad: (ctx) => {
    const [a, b] = ctx.node.inputs;
    return [ctx.emit("matmul", [ctx.dy, b]), ctx.emit("matmul", [transposed(ctx, ctx.dy), a])];
  },
});

/** x reshaped to `shape` (no node when it already has it). */
function reshapeTo(ctx: GradContext, x: Node, shape: Shape): Node {
  return shapeEq(x.shape, shape) ? x : ctx.emit("reshape", [x], { shape });
}

/** x with its last two dims swapped; a matrix transpose's own input where x is one. */
function lastTwoSwapped(x: Node, emit: CanonicalEmit): Node {
  if (x.op === permute.name && permute.traits?.matrixTranspose?.(permute.attrsOf(x))) return x.inputs[0];
  return emit("permute", [x], { perm: lastTwoSwappedPerm(x.shape.length) });
}

function transposed(ctx: GradContext, x: Node): Node {
  return ctx.emit("permute", [x], { perm: lastTwoSwappedPerm(x.shape.length) });
}

function describeLinearInput(x: TensorType, from?: TensorType): string {
  return from ? `from ${formatShape(from.shape)}` : `from ${formatShape(x.shape)}`;
}

/**
 * y = x·Wᵀ + b over the last dim of x. `flattenedFrom` (the frontend sets it when x came out of a
 * reshape) lets the message name the shape the user can see in their code.
 */
export const linear = defineOp<{ readonly flattenedFrom?: readonly Dim[] }>({
  name: "linear",
  codegen: { kind: "gemm", maps: linearMaps, macsPerOutput: (n) => n.inputs[1].shape[1] as number, biased: true, dense: linearDense },
  traits: { layer: true },
  family: "contraction",
  inputs: ["x", "weight", "bias?"],
  infer: ([x, w, b], a, who) => {
    requireFloat(x, who);
    if (x.shape.length === 0) throw new ShapeError(`${who} expects an input with at least one dim, got a scalar`);
    const [outF, inF] = w.shape;
    const got = x.shape[x.shape.length - 1];
    if (!dimEq(got, inF)) {
      const from = a.flattenedFrom ? { shape: a.flattenedFrom, dtype: x.dtype } : undefined;
      // x.view(-1) or x.flatten() put the batch into the features (PyTorch's x.view(-1, 800) keeps it)
      const folded = typeof got === "object" && x.shape.length === 1 ? ": the batch is folded into the features (x.view(-1) or x.flatten() of every dim); keep it first with x.flatten(1) or x.view(x.size(0), -1)" : "";
      throw new ShapeError(
        `${who} expects ${formatDim(inF)} input features, got ${formatDim(got)} ${describeLinearInput(x, from)}${folded}`,
      );
    }
    if (b && !(b.shape.length === 1 && dimEq(b.shape[0], outF)))
      throw new ShapeError(`${who}: bias must be [${formatDim(outF)}], got ${formatShape(b.shape)}`);
    return { shape: [...x.shape.slice(0, -1), outF], dtype: "f32" };
  },
  reference: ([x, w, b]) => {
    const [outF, inF] = w.shape;
    const rows = x.data.length / inF;
    const out = new Float64Array(rows * outF);
    for (let r = 0; r < rows; r++)
      for (let o = 0; o < outF; o++) {
        let s = b ? b.data[o] : 0;
        for (let i = 0; i < inF; i++) s += x.data[r * inF + i] * w.data[o * inF + i];
        out[r * outF + o] = s;
      }
    return { shape: [...x.shape.slice(0, -1), outF], data: out } satisfies NDArray;
  },
  // dx = dy·W; dW = dyᵀ·x over all rows (the leading dims flattened into one, which holds the
  // batch when x has it); db = dy summed over every dim but the last.
  grad: (ctx) => {
    const [x, w, b] = ctx.node.inputs;
    const [outF, inF] = w.shape;
    const dx = ctx.emit("matmul", [ctx.dy, w]);
    const lead = numel(x.shape.slice(0, -1));
    const rows: Dim = lead.p === 0 ? lead.c : batchTimes(lead.c);
    const dy2 = reshapeTo(ctx, ctx.dy, [rows, outF]);
    const x2 = reshapeTo(ctx, x, [rows, inF]);
    const dw = ctx.emit("matmul", [transposed(ctx, dy2), x2]);
    const leadDims = x.shape.slice(0, -1).map((_, i) => i);
    const db = b ? (leadDims.length ? ctx.emit("sum", [ctx.dy], { dims: leadDims, keepdim: false }) : ctx.dy) : null;
    return b ? [dx, dw, db] : [dx, dw];
  },
});

// ---------------------------------------------------------------------------------------------
// The CUDA GEMM's index maps: C[M, N] = A[M, K]·B[K, N] per z (the matmul batch).

/** linear: rows of x times Wᵀ, plus one bias per output feature n. */
function linearMaps(node: Node, _a: unknown, { label }: GemmMapOptions): GemmIndexMaps {
  const [x, w, bias] = node.inputs;
  const [N, K] = w.shape as number[];
  const rows = numel(x.shape.slice(0, -1));
  const M = rows.p ? (rows.c === 1 ? "batch" : `${rows.c} * batch`) : String(rows.c);
  return {
    loadA: `return a[(size_t)m * ${K} + k];`,
    loadB: `return b[(size_t)n * ${K} + k];`,
    storeIndex: `(size_t)m * ${N} + n`,
    M,
    mAt: (b) => (rows.p ? rows.c * b : rows.c),
    N,
    K,
    Z: "1",
    mDesc: `rows of ${label(x)} ${shapeComment(x)}`,
    ...(bias ? { bias: { node: bias, index: "n" } } : {}),
    ...(N % 4 === 0 ? { storeRun: "n" as const } : {}),
  };
}

/**
 * A 2-D product's row sums Σₖ A[m, k]: A summed over its columns (for the weight gradient dyᵀ·x of
 * a linear layer, the bias gradient Σ dy over the rows of dy: the fusion rule sees through the transpose).
 */
function matmulRowSums(node: Node): GemmRowSums | undefined {
  const [a, b] = node.inputs;
  if (a.shape.length !== 2 || b.shape.length !== 2) return undefined;
  return { sums: [{ source: a, dims: [1] }], index: "m" };
}

/** The leading (batch) dims of a matmul's result, which its GEMM runs over on grid.z. */
function matmulBatchDims(node: Node): readonly Dim[] {
  const [a, b] = node.inputs;
  return node.shape.slice(0, node.shape.length - (a.shape.length > 1 ? 1 : 0) - (b.shape.length > 1 ? 1 : 0));
}

function matmulMaps(node: Node, _a: unknown, { transposed }: GemmMapOptions): GemmIndexMaps {
  const [aN, bN] = node.inputs;
  const as = aN.shape.length === 1 ? [1, aN.shape[0]] : aN.shape;
  const bs = bN.shape.length === 1 ? [bN.shape[0], 1] : bN.shape;
  const rows = as[as.length - 2];
  // the reduction may run over the batch (the weight gradient of a linear layer): K is a C expression then
  const K = cDim(as[as.length - 1]);
  const N = bs[bs.length - 1];
  if (typeof N !== "number")
    throw new CompileError([diagnostic("noKernel", `matmul with a batch-dependent last dim ${shapeComment(bN)} has no kernel yet`, node.loc)]);
  const batchDims = matmulBatchDims(node);
  // Operands broadcast over the leading dims; each operand's batch stride is 0 where it has size 1.
  const zCount = batchDims.length ? batchDims.map(cDim).join(" * ") : "1";
  const offset = (shape: readonly Dim[], mat: string) => {
    const own = shape.slice(0, -2);
    if (own.length === 0) return "0";
    const terms: string[] = [];
    let stride = mat;
    let div = "1";
    for (let d = batchDims.length - 1; d >= 0; d--) {
      const od = d - (batchDims.length - own.length);
      const size = cDim(batchDims[d]);
      if (od >= 0 && !(own[od] === 1)) terms.push(`(size_t)((z / (${div})) % (${size})) * ${stride}`);
      if (od >= 0) stride = `${stride} * ${cDim(own[od])}`;
      div = `${div} * ${size}`;
    }
    return terms.length ? terms.join(" + ") : "0";
  };
  const M = typeof rows === "number" ? rows : cDim(rows);
  // A 2-D operand that is a transpose folded into this kernel (the weight gradient of a linear
  // layer: dyᵀ·x) is read from the transpose's input, A [K, M] or B [N, K] in memory.
  const aT = aN.shape.length === 2 && transposed?.(aN) === true;
  const bT = bN.shape.length === 2 && transposed?.(bN) === true;
  return {
    loadA: aT ? `return a[(size_t)k * ${M} + m];` : `return a[${offset(as, `${M} * ${K}`)} + (size_t)m * ${K} + k];`,
    loadB: bT ? `return b[(size_t)n * ${K} + k];` : `return b[${offset(bs, `${K} * ${N}`)} + (size_t)k * ${N} + n];`,
    ...(aT ? { contiguousA: "m" as const } : {}),
    storeIndex: `(size_t)z * ${M} * ${N} + (size_t)m * ${N} + n`,
    M: String(M),
    mAt: (b) => (typeof rows === "number" ? rows : b),
    N,
    K: typeof as[as.length - 1] === "number" ? (as[as.length - 1] as number) : K,
    Z: zCount,
    mDesc: `rows of ${shapeComment(aN)}`,
    // b[k·N + n]: a row of B is contiguous along n (the input and weight gradients of a linear layer)
    contiguousB: bT ? "k" : "n",
    ...(N % 4 === 0 ? { storeRun: "n" as const } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// The same GEMMs as dense operands, for a BLAS library (issue 20: 5-codegen/kernels/cublaslt.ts).

/** linear: x [rows, K] times W stored [N, K]. */
function linearDense(): DenseGemm {
  return { role: "forward", aTransposed: false, bTransposed: true, strideA: "0", strideB: "0" };
}

/**
 * matmul: each operand either has all of the result's batch dims (one matrix per z) or none (one
 * matrix for every z); a partial broadcast ([2, 1, M, K] @ [1, 3, K, N]) has no single stride.
 */
function matmulDense(node: Node, _a: unknown, { transposed }: GemmMapOptions): DenseGemm | undefined {
  const [aN, bN] = node.inputs;
  const as = aN.shape.length === 1 ? [1, aN.shape[0]] : aN.shape;
  const bs = bN.shape.length === 1 ? [bN.shape[0], 1] : bN.shape;
  const batchDims = matmulBatchDims(node);
  const stride = (shape: readonly Dim[]) => {
    const own = shape.slice(0, -2);
    if (own.length === 0) return "0";
    if (own.length !== batchDims.length || own.some((d, i) => !dimEq(d, batchDims[i]))) return undefined;
    return `(long long)${cDim(shape[shape.length - 2])} * ${cDim(shape[shape.length - 1])}`;
  };
  const strideA = stride(as);
  const strideB = stride(bs);
  if (strideA === undefined || strideB === undefined) return undefined;
  const aTransposed = aN.shape.length === 2 && transposed?.(aN) === true;
  const bTransposed = bN.shape.length === 2 && transposed?.(bN) === true;
  const role = batchDims.length ? "batched" : aTransposed ? "weight-gradient" : bN.shape.length === 2 && !bTransposed && typeof as[as.length - 2] !== "number" ? "input-gradient" : "matmul";
  return { role, aTransposed, bTransposed, strideA, strideB };
}
