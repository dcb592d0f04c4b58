import type { Kernel } from "../../3-fusion/plan.ts";
import type { Node } from "../../ir/node.ts";
import { opDef } from "../../ops/index.ts";
import { numel } from "../../ir/shape.ts";
import { CompileError, diagnostic } from "../../diagnostics/diagnostic.ts";
import { cDim, shapeComment, type CodegenContext } from "../context.ts";
import type { GemmTensorCoreView, GemmView, LaunchView } from "../view.ts";

// GEMM-shaped kernels: nn.Linear, matmul, and Conv2d as an implicit GEMM.
//   C[M, N] = A[M, K] · B[K, N], accumulated in fp32 registers.
// A tile of C per block (64×64 by default, sized to the problem by chooseTile); each thread owns a
// 4×4 sub-tile, so every value loaded from shared memory is used four times; A and B tiles of depth
// 32 (16 with tensor cores) are staged in shared memory by all threads together with two barriers
// per step. Conv2d gathers A on the fly
// (im2col without the copy). The epilogue adds the bias and applies the fused activation in
// registers; with a fused 2×2 max pool, the four rows a thread owns are one pooling window.

export const TILE = { BM: 64, BN: 64, BK: 16, TM: 4, TN: 4, THREADS: 256 } as const;

/** A block's tile of C: BM×BN outputs, one 4×4 sub-tile per thread. */
export interface Tile {
  readonly BM: number;
  readonly BN: number;
  readonly BK: number;
  readonly TM: number;
  readonly TN: number;
  readonly THREADS: number;
  /** Elements of the A (B) tile each thread stages per k-step. */
  readonly A_LOADS: number;
  readonly B_LOADS: number;
}

/**
 * Depth of the fp32 k-step: 32 halves the barriers per multiply-add against 16 (each barrier is a
 * fiber switch per thread under the CPU shim; LeNet's step took ~20% more CPU time with 16). The
 * template unrolls the k loop by 8 only: fully unrolled, 32 deep made nvcc 1.7× slower on resnet.
 * Shared memory stays within 34 KiB (256×16 tile).
 */
const FP32_BK = 32;

/** The batch size a batch-dependent M is sized for when choosing a tile (the training default). */
const NOMINAL_BATCH = 64;

/**
 * The fp32 tile for a GEMM of M×N outputs: the 64×64 tile wastes most of its work when N (or M)
 * is small — conv1's N is 20 output channels, a conv weight gradient is 20×25 — so the tile is
 * chosen from shapes of 64–256 threads to minimize the padded output area. Narrow tiles reload
 * more per FLOP ((BM+BN)/(BM·BN) values per multiply-add), hence the 4/min(BM, BN) penalty, which
 * keeps 64×64 wherever it wastes little. Each thread keeps its 4×4 sub-tile (register reuse, and
 * the fused 2×2 pool needs its four rows to be one window).
 */
export function chooseTile(M: number, N: number): Tile {
  let best: { tile: Tile; score: number } | undefined;
  for (const BM of [32, 64, 128, 256])
    for (const BN of [16, 32, 64]) {
      const THREADS = (BM / TILE.TM) * (BN / TILE.TN);
      if (THREADS < 64 || THREADS > 256) continue;
      const area = Math.ceil(M / BM) * BM * Math.ceil(N / BN) * BN;
      const score = area * (1 + 4 / Math.min(BM, BN));
      // equal waste: the larger block (fewer blocks to schedule, more reuse per staged tile)
      if (!best || score < best.score || (score === best.score && THREADS > best.tile.THREADS))
        best = { tile: { BM, BN, BK: FP32_BK, TM: TILE.TM, TN: TILE.TN, THREADS, A_LOADS: (BM * FP32_BK) / THREADS, B_LOADS: (BN * FP32_BK) / THREADS }, score };
    }
  return best!.tile;
}

/**
 * --precision tf32|bf16: the tile is computed by WMMA on tensor cores. TF32 keeps fp32's range
 * with a 10-bit mantissa (16×16×8 tiles); BF16 has an 8-bit mantissa (16×16×16 tiles). Both
 * accumulate in fp32.
 */
const TENSOR_CORES = {
  tf32: { precision: "tf32", fragK: 8, fragType: "wmma::precision::tf32", elemType: "float", convert: "wmma::__float_to_tf32" },
  bf16: { precision: "bf16", fragK: 16, fragType: "__nv_bfloat16", elemType: "__nv_bfloat16", convert: "__float2bfloat16" },
} as const;

/**
 * An operand gather split into what depends on the tile row (m of A, n of B), computed once per
 * thread before the k loop — each thread stages the same rows at every k-step — and what depends
 * on k, computed once per k-step; `value` combines the two (`r.` and `c.` fields) into the element.
 * Conv index math (divisions, padding tests) is most of the cost of an implicit GEMM on a CPU, so it
 * should not run again for every element.
 */
interface SplitGather {
  readonly rowFields: string; // "int ih, iw; size_t base;"
  readonly rowInit: string; // statements that set r.<field> from `m` (the row), z, batch
  readonly colFields: string;
  readonly colInit: string; // statements that set c.<field> from `k`, z, batch
  readonly value: string; // body returning the element, from r, c
}

interface GemmParts {
  /** C body of `float load_a(const float* a, int m, int k, int z)` (z: batch of matmul, or group). */
  readonly loadA: string;
  readonly loadB: string;
  /** The flat output index of row m, column n, batch/group z: the kernel stores `out[<it>] = v`. */
  readonly storeIndex: string;
  readonly M: string; // rows, a C expression of `batch`
  /** M at a nominal batch, for choosing the tile. */
  readonly mAt: (batch: number) => number;
  readonly N: number;
  /** A number, or a C expression of `batch` when the reduction runs over the batch. */
  readonly K: number;
  readonly Z: string; // grid z: matmul batch or conv groups
  readonly mDesc: string;
  /** Hoisted forms of loadA / loadB; without them the fp32 template calls loadA(m, k) per element. */
  readonly gatherA?: SplitGather;
  readonly gatherB?: SplitGather;
}

/** The split form of a gather that has nothing worth hoisting: call the plain load. */
function plainGather(name: string, op: "a" | "b"): SplitGather {
  return { rowFields: "int m;", rowInit: `r.m = ${op === "a" ? "m" : "n"};`, colFields: "int k;", colInit: "c.k = k;", value: `return ${name}_load_${op}(${op}, r.m, c.k, z, batch);` };
}

/**
 * The epilogue's statements on `v`, the accumulator of the element stored at `index`. Operands from
 * outside the kernel (relu_grad's y) have the output's shape and are read at that same index,
 * through the extra kernel parameters e0, e1, … (`extras`, in order).
 */
function epilogue(k: Kernel, index: string): { statements: string[]; extras: Node[] } {
  const extras: Node[] = [];
  const statements = k.epilogue.map((e, i) => {
    const lowering = opDef(e.op).lowering;
    if (lowering?.kind !== "pointwise") throw new Error(`codegen: ${e.op} cannot be a GEMM epilogue`);
    const previous = i === 0 ? k.anchor : k.epilogue[i - 1];
    const operands = e.inputs.map((input) => {
      if (input === previous) return "v";
      let at = extras.indexOf(input);
      if (at < 0) at = extras.push(input) - 1;
      return `e${at}[${index}]`;
    });
    return `v = ${lowering.expr(operands, e.attrs, { index, node: e })};`;
  });
  return { statements, extras };
}

/**
 * An implicit-GEMM gather that may fall in the zero padding, without a branch: a tap outside the
 * input reads element 0 (always in bounds) and the select discards it. Whether a tap is inside
 * follows the pixel pattern, which a CPU mispredicts often; the GPU predicates either form.
 */
function selectLoad(array: string, index: string): string[] {
  return [`const float v = ${array}[inside ? ${index} : 0];`, `return inside ? v : 0.0f;`];
}

function linearParts(ctx: CodegenContext, k: Kernel): GemmParts {
  const [x, w] = k.anchor.inputs;
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
    mDesc: `rows of ${ctx.label(x)} ${shapeComment(x)}`,
  };
}

function convParts(ctx: CodegenContext, k: Kernel): GemmParts {
  const [x, w] = k.anchor.inputs;
  const [, C, H, W] = x.shape as [unknown, number, number, number];
  const [O, Cg, KH, KW] = w.shape as number[];
  const [, , OH, OW] = k.anchor.shape as [unknown, number, number, number];
  const a = k.anchor.attrs as { stride: number[]; padding: number[]; dilation: number[]; groups: number };
  const G = a.groups;
  const Og = O / G;
  const K = Cg * KH * KW;
  const pooled = k.pool !== undefined;
  const PH = Math.floor(OH / 2);
  const PW = Math.floor(OW / 2);
  // Row m names one conv output pixel; with a fused pool, rows come in fours, one pooling window each.
  const pixel = pooled
    ? [
        `const int win = m & 3, p = m >> 2;`,
        `const int pw = p % ${PW}, ph = (p / ${PW}) % ${PH}, img = p / ${PW * PH};`,
        `const int oh = 2 * ph + (win >> 1), ow = 2 * pw + (win & 1);`,
      ]
    : [`const int ow = m % ${OW}, oh = (m / ${OW}) % ${OH}, img = m / ${OW * OH};`];
  const loadA = [
    ...pixel,
    `const int kw = k % ${KW}, kh = (k / ${KW}) % ${KH}, ci = z * ${Cg} + k / ${KW * KH};`,
    `const int ih = oh * ${a.stride[0]} - ${a.padding[0]} + kh * ${a.dilation[0]};`,
    `const int iw = ow * ${a.stride[1]} - ${a.padding[1]} + kw * ${a.dilation[1]};`,
    `const bool inside = ih >= 0 && ih < ${H} && iw >= 0 && iw < ${W};`,
    ...selectLoad("a", `(((size_t)img * ${C} + ci) * ${H} + ih) * ${W} + iw`),
  ].join("\n    ");
  const gatherA: SplitGather = {
    rowFields: "int ih0, iw0; size_t base;",
    rowInit: [...pixel, `r.ih0 = oh * ${a.stride[0]} - ${a.padding[0]}; r.iw0 = ow * ${a.stride[1]} - ${a.padding[1]};`, `r.base = (size_t)img * ${C * H * W};`].join("\n    "),
    colFields: "int dh, dw; size_t off;",
    colInit: [
      `const int kw = k % ${KW}, kh = (k / ${KW}) % ${KH}, ci = z * ${Cg} + k / ${KW * KH};`,
      `c.dh = kh * ${a.dilation[0]}; c.dw = kw * ${a.dilation[1]}; c.off = (size_t)ci * ${H * W};`,
    ].join("\n    "),
    value: [
      `const int ih = r.ih0 + c.dh, iw = r.iw0 + c.dw;`,
      `const bool inside = ih >= 0 && ih < ${H} && iw >= 0 && iw < ${W};`,
      ...selectLoad("a", `r.base + c.off + ih * ${W} + iw`),
    ].join("\n    "),
  };
  const storeIndex = pooled
    ? `((size_t)(m / ${PW * PH}) * ${O} + z * ${Og} + n) * ${PH * PW} + m % ${PH * PW}`
    : `((size_t)(m / ${OH * OW}) * ${O} + z * ${Og} + n) * ${OH * OW} + m % ${OH * OW}`;
  return {
    loadA,
    loadB: `return b[((size_t)(z * ${Og} + n)) * ${K} + k];`,
    storeIndex,
    M: pooled ? `4 * batch * ${PH * PW}` : `batch * ${OH * OW}`,
    mAt: (b) => (pooled ? 4 * b * PH * PW : b * OH * OW),
    N: Og,
    K,
    Z: String(G),
    mDesc: pooled ? `4 conv pixels per pooled pixel × batch × ${PH}×${PW}` : `batch × ${OH}×${OW} output pixels`,
    gatherA,
  };
}

function matmulParts(ctx: CodegenContext, k: Kernel): GemmParts {
  const [aN, bN] = k.anchor.inputs;
  const as = aN.shape.length === 1 ? [1, aN.shape[0]] : aN.shape;
  const bs = bN.shape.length === 1 ? [bN.shape[0], 1] : bN.shape;
  const rows = as[as.length - 2];
  // the reduction may run over the batch (the weight gradient of a linear layer): K is a C expression then
  const K = cDim(as[as.length - 1]) as unknown as number;
  const N = bs[bs.length - 1] as number;
  if (typeof N !== "number")
    throw new CompileError([diagnostic("noLowering", `matmul with a batch-dependent last dim ${shapeComment(bN)} has no kernel yet`, k.anchor.loc)]);
  const out = k.anchor.shape;
  const batchDims = out.slice(0, out.length - (aN.shape.length > 1 ? 1 : 0) - (bN.shape.length > 1 ? 1 : 0));
  // Operands broadcast over the leading dims; each operand's batch stride is 0 where it has size 1.
  const zCount = batchDims.length ? batchDims.map(cDim).join(" * ") : "1";
  const offset = (shape: readonly unknown[], mat: string) => {
    const own = shape.slice(0, -2) as (number | { batch: number })[];
    if (own.length === 0) return "0";
    const terms: string[] = [];
    let stride = mat;
    let div = "1";
    for (let d = batchDims.length - 1; d >= 0; d--) {
      const od = d - (batchDims.length - own.length);
      const size = cDim(batchDims[d] as never);
      if (od >= 0 && !(own[od] === 1)) terms.push(`(size_t)((z / (${div})) % (${size})) * ${stride}`);
      if (od >= 0) stride = `${stride} * ${cDim(own[od] as never)}`;
      div = `${div} * ${size}`;
    }
    return terms.length ? terms.join(" + ") : "0";
  };
  const M = typeof rows === "number" ? rows : cDim(rows);
  return {
    loadA: `return a[${offset(as, `${M} * ${K}`)} + (size_t)m * ${K} + k];`,
    loadB: `return b[${offset(bs, `${K} * ${N}`)} + (size_t)k * ${N} + n];`,
    storeIndex: `(size_t)z * ${M} * ${N} + (size_t)m * ${N} + n`,
    M: String(M),
    mAt: (b) => (typeof rows === "number" ? rows : b),
    N,
    K,
    Z: zCount,
    mDesc: `rows of ${shapeComment(aN)}`,
  };
}

/**
 * ∂L/∂x of conv2d as an implicit GEMM: rows are input pixels (img, ih, iw), columns the input
 * channels of a group, and the reduction runs over (o, kh, kw); dy is gathered where
 * ih + pad − kh·dil lands on a multiple of the stride.
 */
function convGradInputParts(ctx: CodegenContext, k: Kernel): GemmParts {
  const [dy, w] = k.anchor.inputs;
  const a = k.anchor.attrs as { stride: number[]; padding: number[]; dilation: number[]; groups: number; inputShape: number[] };
  const [C, H, W] = a.inputShape;
  const [O, Cg, KH, KW] = w.shape as number[];
  const [, , OH, OW] = dy.shape as [unknown, number, number, number];
  const Og = O / a.groups;
  const loadA = [
    `const int iw = m % ${W}, ih = (m / ${W}) % ${H}, img = m / ${W * H};`,
    `const int kw = k % ${KW}, kh = (k / ${KW}) % ${KH}, o = z * ${Og} + k / ${KW * KH};`,
    `const int ty = ih + ${a.padding[0]} - kh * ${a.dilation[0]}, tx = iw + ${a.padding[1]} - kw * ${a.dilation[1]};`,
    `const int oh = ty / ${a.stride[0]}, ow = tx / ${a.stride[1]};`,
    `const bool inside = ty >= 0 && tx >= 0 && ty % ${a.stride[0]} == 0 && tx % ${a.stride[1]} == 0 && oh < ${OH} && ow < ${OW};`,
    ...selectLoad("a", `(((size_t)img * ${O} + o) * ${OH} + oh) * ${OW} + ow`),
  ].join("\n    ");
  const gatherA: SplitGather = {
    rowFields: "int ih, iw; size_t base;",
    rowInit: `const int iw = m % ${W}, ih = (m / ${W}) % ${H}, img = m / ${W * H};\n    r.ih = ih; r.iw = iw; r.base = (size_t)img * ${O * OH * OW};`,
    colFields: "int th, tw; size_t off;",
    colInit: [
      `const int kw = k % ${KW}, kh = (k / ${KW}) % ${KH}, o = z * ${Og} + k / ${KW * KH};`,
      `c.th = ${a.padding[0]} - kh * ${a.dilation[0]}; c.tw = ${a.padding[1]} - kw * ${a.dilation[1]}; c.off = (size_t)o * ${OH * OW};`,
    ].join("\n    "),
    value: [
      `const int ty = r.ih + c.th, tx = r.iw + c.tw;`,
      `const int oh = ty / ${a.stride[0]}, ow = tx / ${a.stride[1]};`,
      `const bool inside = ty >= 0 && tx >= 0 && ty % ${a.stride[0]} == 0 && tx % ${a.stride[1]} == 0 && oh < ${OH} && ow < ${OW};`,
      ...selectLoad("a", `r.base + c.off + oh * ${OW} + ow`),
    ].join("\n    "),
  };
  return {
    gatherA,
    loadA,
    loadB: `return b[(((size_t)(z * ${Og} + k / ${KW * KH}) * ${Cg} + n) * ${KH} + (k / ${KW}) % ${KH}) * ${KW} + k % ${KW}];`,
    storeIndex: `((size_t)(m / ${H * W}) * ${C} + z * ${Cg} + n) * ${H * W} + m % ${H * W}`,
    M: `batch * ${H * W}`,
    mAt: (b) => b * H * W,
    N: Cg,
    K: Og * KH * KW,
    Z: String(a.groups),
    mDesc: `batch × ${H}×${W} input pixels`,
  };
}

/** ∂L/∂weight of conv2d as a GEMM whose reduction runs over every sample and output pixel. */
function convGradWeightParts(ctx: CodegenContext, k: Kernel): GemmParts {
  const [dy, x] = k.anchor.inputs;
  const a = k.anchor.attrs as { stride: number[]; padding: number[]; dilation: number[]; groups: number; weightShape: number[] };
  const [, C, H, W] = x.shape as [unknown, number, number, number];
  const [O, Cg, KH, KW] = a.weightShape;
  const [, , OH, OW] = dy.shape as [unknown, number, number, number];
  const Og = O / a.groups;
  const loadB = [
    `const int kw = n % ${KW}, kh = (n / ${KW}) % ${KH}, c = z * ${Cg} + n / ${KW * KH};`,
    `const int ow = k % ${OW}, oh = (k / ${OW}) % ${OH}, img = k / ${OW * OH};`,
    `const int ih = oh * ${a.stride[0]} - ${a.padding[0]} + kh * ${a.dilation[0]}, iw = ow * ${a.stride[1]} - ${a.padding[1]} + kw * ${a.dilation[1]};`,
    `const bool inside = ih >= 0 && ih < ${H} && iw >= 0 && iw < ${W};`,
    ...selectLoad("b", `(((size_t)img * ${C} + c) * ${H} + ih) * ${W} + iw`),
  ].join("\n    ");
  const gatherA: SplitGather = {
    rowFields: "size_t off;",
    rowInit: `r.off = (size_t)(z * ${Og} + m) * ${OH * OW};`,
    colFields: "size_t off;",
    colInit: `c.off = (size_t)(k / ${OH * OW}) * ${O * OH * OW} + k % ${OH * OW};`,
    value: "return a[r.off + c.off];",
  };
  const gatherB: SplitGather = {
    rowFields: "int dh, dw; size_t off;",
    rowInit: [
      `const int kw = n % ${KW}, kh = (n / ${KW}) % ${KH}, ci = z * ${Cg} + n / ${KW * KH};`,
      `r.dh = kh * ${a.dilation[0]} - ${a.padding[0]}; r.dw = kw * ${a.dilation[1]} - ${a.padding[1]}; r.off = (size_t)ci * ${H * W};`,
    ].join("\n    "),
    colFields: "int ih0, iw0; size_t off;",
    colInit: [
      `const int ow = k % ${OW}, oh = (k / ${OW}) % ${OH}, img = k / ${OW * OH};`,
      `c.ih0 = oh * ${a.stride[0]}; c.iw0 = ow * ${a.stride[1]}; c.off = (size_t)img * ${C * H * W};`,
    ].join("\n    "),
    value: [
      `const int ih = c.ih0 + r.dh, iw = c.iw0 + r.dw;`,
      `const bool inside = ih >= 0 && ih < ${H} && iw >= 0 && iw < ${W};`,
      ...selectLoad("b", `c.off + r.off + ih * ${W} + iw`),
    ].join("\n    "),
  };
  return {
    gatherA,
    gatherB,
    loadA: `return a[(((size_t)(k / ${OH * OW}) * ${O} + z * ${Og} + m) * ${OH * OW}) + k % ${OH * OW}];`,
    loadB,
    storeIndex: `((size_t)(z * ${Og} + m)) * ${Cg * KH * KW} + n`,
    M: String(Og),
    mAt: () => Og,
    N: Cg * KH * KW,
    K: `(batch * ${OH * OW})` as unknown as number,
    Z: String(a.groups),
    mDesc: `${Og} output channels (reduction over batch × ${OH}×${OW})`,
  };
}

const partsByOp: Record<string, (ctx: CodegenContext, k: Kernel) => GemmParts> = {
  conv2d: convParts,
  linear: linearParts,
  matmul: matmulParts,
  conv2d_grad_input: convGradInputParts,
  conv2d_grad_weight: convGradWeightParts,
};

export function gemmKernel(ctx: CodegenContext, k: Kernel): { kernel: GemmView | GemmTensorCoreView; launch: LaunchView } {
  const parts = partsByOp[k.anchor.op](ctx, k);
  const bias = k.anchor.op === "linear" || k.anchor.op === "conv2d" ? k.anchor.inputs[2] : undefined;
  const [a, b] = k.anchor.inputs;
  const biasIndex = k.anchor.op === "conv2d" ? `z * ${parts.N} + n` : "n";
  const summary = `${k.nodes.map((n) => n.op).join(" + ")}: ${shapeComment(a)} → ${shapeComment(k.output)}`;
  const { statements: activation, extras } = epilogue(k, parts.storeIndex);
  const tc = ctx.precision !== "fp32";
  // the tensor-core template has its own fixed 64×64 tile of 4 warps
  const fp32Tile = tc ? undefined : chooseTile(parts.mAt(NOMINAL_BATCH), parts.N);
  const tile = fp32Tile ?? TILE;
  const common = {
    name: k.name,
    summary,
    source: ctx.source(k),
    rules: k.rules.join(", ") || "none",
    N: parts.N,
    K: parts.K,
    mDesc: parts.mDesc,
    loadA: parts.loadA,
    loadB: parts.loadB,
    store: `out[${parts.storeIndex}] = v;`,
    hasBias: bias !== undefined,
    biasIndex,
    activation,
    extraParams: extras.map((_, i) => `const float* __restrict__ e${i},`),
    pooled: k.pool !== undefined,
    scalarParams: "int M, int batch",
  };
  const kernel: GemmView | GemmTensorCoreView = !fp32Tile
    ? { template: "gemm_tc", ...common, BM: TILE.BM, BN: TILE.BN, BK: TILE.BK, ...TENSOR_CORES[ctx.precision as "tf32" | "bf16"] }
    : {
        template: "gemm",
        ...common,
        ...fp32Tile,
        ROWS_STEP: fp32Tile.THREADS / fp32Tile.BK,
        gatherA: parts.gatherA ?? plainGather(k.name, "a"),
        gatherB: parts.gatherB ?? plainGather(k.name, "b"),
      };
  const args = [
    { decl: "const float* __restrict__ a", value: ctx.pointer(a), comment: `${ctx.label(a)} ${shapeComment(a)}` },
    { decl: "const float* __restrict__ b", value: ctx.pointer(b), comment: `${ctx.label(b)} ${shapeComment(b)}` },
    ...(bias ? [{ decl: "const float* __restrict__ bias", value: ctx.pointer(bias), comment: `${ctx.label(bias)} ${shapeComment(bias)}` }] : []),
    ...extras.map((e, i) => ({ decl: `const float* __restrict__ e${i}`, value: ctx.pointer(e), comment: `${ctx.label(e)} ${shapeComment(e)} (epilogue operand)` })),
    { decl: "float* __restrict__ out", value: ctx.pointer(k.output), comment: `${shapeComment(k.output)}` },
  ];
  const launch: LaunchView = {
    name: k.name,
    kernel: `${k.name}_kernel`,
    // M tiles on x (up to 2^31-1): M grows with the batch; N is fixed and small enough for y's 65,535
    grid: `dim3((unsigned)((M + ${tile.BM - 1}) / ${tile.BM}), ${Math.ceil(parts.N / tile.BN)}, ${parts.Z})`,
    block: `dim3(${tc ? 128 : tile.THREADS})`,
    sharedBytes: "0",
    args,
    scalars: [`const int M = ${parts.M};`],
    scalarArgs: "M, batch",
    summary,
    source: kernel.source,
  };
  return { kernel, launch };
}

export function isGemm(n: Node): boolean {
  return n.op === "linear" || n.op === "conv2d" || n.op === "matmul";
}
