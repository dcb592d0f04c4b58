import type { Kernel } from "../../3-fusion/plan.ts";
import { opDef } from "../../ops/index.ts";
import { cDim, shapeComment, type CodegenContext } from "../context.ts";
import type { RowProgram } from "../../ops/op.ts";
import type { Dim } from "../../ir/shape.ts";
import type { ArgView, LaunchView, RowPassView, RowwiseView } from "../view.ts";
import { SUM_RUN } from "./blockwise.ts";

// Row-wise kernels: one warp per row; lanes stride over the row and combine by shuffles, so a row
// of any length takes one pass per reduction and one to write. What a row computes (softmax,
// log-softmax, layer norm) is the op's RowProgram (compiler/ops/norm.ts); this builder and
// rowwise.cu.hbs only lay out the rows.

const ROWS_PER_BLOCK = 8;

/** The product of fixed dims. */
const product = (dims: readonly Dim[]) => (dims as number[]).reduce((p, q) => p * q, 1);

/**
 * A pass as C: `acc = fold` per element; a sum (`acc + term`) whose lanes take more than SUM_RUN
 * elements each (rows over 32,768: a vocabulary's softmax) adds them in runs, as reduce.cu.hbs's
 * sums do, so a long row's total does not drift.
 */
function passView(p: RowProgram["passes"][number], length: number): RowPassView {
  const term = p.fold.startsWith(`${p.acc} + `) ? p.fold.slice(p.acc.length + 3) : undefined;
  if (term === undefined || Math.ceil(length / 32) <= SUM_RUN) return { init: [`float ${p.acc} = ${p.identity};`], step: [`${p.acc} = ${p.fold};`], after: p.after };
  const [run, count] = [`${p.acc}_run`, `${p.acc}_in_run`];
  return {
    init: [`float ${p.acc} = ${p.identity};`, `float ${run} = ${p.identity};  // the current run of up to ${SUM_RUN} elements (SUM_RUN: a long row's rounding)`, `int ${count} = 0;`],
    step: [`${run} = ${run} + ${term};`, `if (++${count} == ${SUM_RUN}) { ${p.acc} += ${run}; ${run} = ${p.identity}; ${count} = 0; }`],
    after: [`${p.acc} += ${run};`, ...p.after],
  };
}

export function rowwiseKernel(ctx: CodegenContext, k: Kernel): { kernel: RowwiseView; launch: LaunchView } {
  const n = k.anchor;
  const op = opDef(n.op);
  if (op.codegen?.kind !== "kernel" || op.codegen.builder !== "rowwise") throw new Error(`codegen: ${n.op} is not row-wise`);
  const row = op.codegen.row(n, op.attrsOf(n));
  const x = n.inputs[0];
  const outer = row.outer.map(cDim).join(" * ") || "1";
  const args: ArgView[] = [{ decl: "const float* __restrict__ x", value: ctx.pointer(x), comment: `${ctx.label(x)} ${shapeComment(x)}` }];
  for (const [name, at] of [["weight", row.weight], ["bias", row.bias]] as const)
    if (at !== undefined) args.push({ decl: `const float* __restrict__ ${name}`, value: ctx.pointer(n.inputs[at]), comment: ctx.label(n.inputs[at]) });
  args.push({ decl: "float* __restrict__ out", value: ctx.pointer(k.output), comment: shapeComment(k.output) });
  const summary = `${n.op} over rows of ${row.length}: ${shapeComment(x)}`;
  // a row of a dim before the batch (softmax over dim 1 of [3, 4, Batch]) strides over it: a parameter
  const innerExpr = row.inner.map(cDim).join(" * ") || "1";
  const symbolic = row.inner.some((d) => typeof d !== "number");
  const kernel: RowwiseView = {
    template: "rowwise",
    name: k.name,
    summary,
    source: ctx.source(k),
    rules: k.rules.join(", ") || "none",
    params: args.map((a) => a.decl).join(", "),
    length: row.length,
    inner: symbolic ? "inner" : String(product(row.inner)),
    sizeParams: symbolic ? "size_t rows, size_t inner" : "size_t rows",
    passes: row.passes.map((p) => passView(p, row.length)),
    write: row.write,
    rowsPerBlock: ROWS_PER_BLOCK,
  };
  const rows = `((size_t)${outer} * ${innerExpr})`;
  const launch: LaunchView = {
    name: k.name,
    kernel: `${k.name}_kernel`,
    grid: `dim3((unsigned)((${rows} + ${ROWS_PER_BLOCK - 1}) / ${ROWS_PER_BLOCK}))`,
    block: `dim3(${ROWS_PER_BLOCK * 32})`,
    sharedBytes: "0",
    args,
    scalars: [`const size_t rows = ${rows};`, ...(symbolic ? [`const size_t inner = (size_t)${innerExpr};`] : [])],
    scalarArgs: symbolic ? "rows, inner" : "rows",
    summary,
    source: kernel.source,
  };
  return { kernel, launch };
}
