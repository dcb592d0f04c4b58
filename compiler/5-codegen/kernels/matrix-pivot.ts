import type { Kernel } from "../../3-fusion/plan.ts";
import { fail } from "../../diagnostics/diagnostic.ts";
import { opDef } from "../../ops/index.ts";
import { cCount, shapeComment, type CodegenContext } from "../context.ts";
import type { ArgView, LaunchView, MatrixPivotView } from "../view.ts";

// Square matrices (ops/linalg.ts: inverse, log|det|, the determinant's sign): one block per
// matrix, which it holds in shared memory for a Gauss–Jordan elimination with partial pivoting
// (matrix_pivot.cu.hbs). What each op writes from the eliminated matrix is its `finish`.

/** The largest n: an n×(n + 1) float matrix and three rows of n in one block's 48 KB of static shared memory. */
export const MAX_PIVOT_MATRIX = 96;
const THREADS = 256;

export function matrixPivotKernel(ctx: CodegenContext, k: Kernel): { kernel: MatrixPivotView; launch: LaunchView } {
  const node = k.anchor;
  const op = opDef(node.op);
  if (op.codegen?.kind !== "kernel" || op.codegen.builder !== "matrix_pivot") throw new Error(`codegen: ${node.op} is not a matrix elimination`);
  const a = node.inputs[0];
  const n = a.shape[a.shape.length - 1] as number;
  if (n > MAX_PIVOT_MATRIX)
    fail("noKernel", `${node.op} of ${n}×${n} matrices has no kernel yet: tsdp's holds a matrix in one block's shared memory, up to ${MAX_PIVOT_MATRIX}×${MAX_PIVOT_MATRIX}`, node.loc);
  const args: ArgView[] = [
    { decl: "const float* __restrict__ a", value: ctx.pointer(a), comment: `${ctx.label(a)} ${shapeComment(a)}` },
    { decl: "float* __restrict__ out", value: ctx.pointer(k.output), comment: shapeComment(k.output) },
  ];
  const matrices = cCount(a.shape.slice(0, -2));
  const summary = `${node.op} of ${n}×${n} matrices: ${shapeComment(a)} → ${shapeComment(k.output)}`;
  const kernel: MatrixPivotView = {
    template: "matrix_pivot",
    name: k.name,
    summary,
    source: ctx.source(k),
    rules: k.rules.join(", ") || "none",
    params: args.map((x) => x.decl).join(", "),
    N: n,
    NN: n * n,
    LD: n + 1,
    threads: THREADS,
    finish: op.codegen.finish(n),
  };
  const launch: LaunchView = {
    name: k.name,
    kernel: `${k.name}_kernel`,
    grid: "dim3((unsigned)matrices)",
    block: `dim3(${THREADS})`,
    sharedBytes: "0",
    args,
    scalars: [`const size_t matrices = ${matrices};`],
    scalarArgs: "matrices",
    summary,
    source: kernel.source,
  };
  return { kernel, launch };
}
