import type { Kernel } from "../../3-fusion/plan.ts";
import type { Node } from "../../ir/node.ts";
import { fail } from "../../diagnostics/diagnostic.ts";
import { opDef } from "../../ops/index.ts";
import type { SplitGather } from "../../ops/op.ts";
import { shapeComment, type CodegenContext } from "../context.ts";
import type { GemmTensorCoreView, GemmView, LaunchView } from "../view.ts";

// GEMM-shaped kernels: every op whose codegen is "gemm" (nn.Linear, matmul, Conv2d as an
// implicit GEMM, its gradients, ConvTranspose2d). The op gives its index maps and bias.
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
    const codegen = opDef(e.op).codegen;
    if (codegen?.kind !== "pointwise") throw new Error(`codegen: ${e.op} cannot be a GEMM epilogue`);
    const previous = i === 0 ? k.anchor : k.epilogue[i - 1];
    const operands = e.inputs.map((input) => {
      if (input === previous) return "v";
      let at = extras.indexOf(input);
      if (at < 0) at = extras.push(input) - 1;
      return `e${at}[${index}]`;
    });
    return `v = ${codegen.expr(operands, e.attrs, { index, node: e })};`;
  });
  return { statements, extras };
}

/** CUDA's limit on gridDim.y and gridDim.z. */
const MAX_GRID_YZ = 65_535;

export function gemmKernel(ctx: CodegenContext, k: Kernel): { kernel: GemmView | GemmTensorCoreView; launch: LaunchView } {
  const op = opDef(k.anchor.op);
  if (op.codegen?.kind !== "gemm") throw new Error(`codegen: ${k.anchor.op} is not GEMM-like`);
  const parts = op.codegen.maps(k.anchor, op.attrsOf(k.anchor), { pooled: k.pool !== undefined, label: (n) => ctx.label(n) });
  const bias = parts.bias?.node;
  const [a, b] = k.anchor.inputs;
  const biasIndex = parts.bias?.index ?? "n";
  const summary = `${k.nodes.map((n) => n.op).join(" + ")}: ${shapeComment(a)} → ${shapeComment(k.output)}`;
  const { statements: activation, extras } = epilogue(k, parts.storeIndex);
  const tc = ctx.precision !== "fp32";
  // the tensor-core template has its own fixed 64×64 tile of 4 warps
  const fp32Tile = tc ? undefined : chooseTile(parts.mAt(NOMINAL_BATCH), parts.N);
  const tile = fp32Tile ?? TILE;
  // N-tiles go on grid.y and the matmul batch or conv groups on grid.z, both capped at 65,535 blocks
  // by CUDA; both are fixed by the model (a batch-dependent grid.z is bounded per device by
  // maxSamplesPerDevice instead), so a layer past them is refused here, where its line is known.
  const columnTiles = Math.ceil(parts.N / tile.BN);
  if (columnTiles > MAX_GRID_YZ)
    fail("gridTooLarge", `${summary}: its ${parts.N} output columns make ${columnTiles} column tiles of ${tile.BN}, past the ${MAX_GRID_YZ} blocks CUDA allows in grid.y`, k.anchor.loc);
  if (/^\d+$/.test(parts.Z) && Number(parts.Z) > MAX_GRID_YZ)
    fail("gridTooLarge", `${summary}: its ${parts.Z} matrix products (matmul batch or conv groups) are ${parts.Z} blocks in grid.z, past the ${MAX_GRID_YZ} CUDA allows`, k.anchor.loc);
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
    // M tiles on x (up to 2^31-1): M grows with the batch; N is fixed and checked against y's 65,535 above
    grid: `dim3((unsigned)((M + ${tile.BM - 1}) / ${tile.BM}), ${columnTiles}, ${parts.Z})`,
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
