import type { Kernel } from "../../3-fusion/plan.ts";
import { cFloat } from "../../ops/elementwise.ts";
import { normalizeDim } from "../../ir/shape.ts";
import { cDim, shapeComment, type CodegenContext } from "../context.ts";
import type { ArgView, LaunchView, RowPassView, RowwiseView } from "../view.ts";

// Row-wise kernels: softmax and log-softmax along a dim, and layer norm over the trailing dims.
// One warp per row; lanes stride over the row and combine by shuffles, so a row of any length
// takes one pass to reduce and one to write (log-sum-exp with the row maximum subtracted).

const ROWS_PER_BLOCK = 8;

/**
 * What each row-wise op computes, for rowwise.cu.hbs: reductions over the row (each element is
 * `xk`), each followed by statements deriving its statistic, then each element's output.
 */
function rowProgram(op: string, length: number, eps: string, hasWeight: boolean, hasBias: boolean): Pick<RowwiseView, "passes" | "write"> {
  if (op === "layer_norm") {
    let write = "(xk - mean) * rstd";
    if (hasWeight) write = `(${write}) * weight[k]`;
    if (hasBias) write = `${write} + bias[k]`;
    return {
      passes: [
        { acc: "sum", identity: "0.0f", fold: "sum + xk", after: [`const float mean = tsdp_warp_sum(sum) / ${length};`] },
        // biased variance, as PyTorch's layer_norm
        { acc: "sq", identity: "0.0f", fold: "sq + (xk - mean) * (xk - mean)", after: [`const float rstd = rsqrtf(tsdp_warp_sum(sq) / ${length} + ${eps});`] },
      ],
      write,
    };
  }
  // softmax and log-softmax: log-sum-exp with the row maximum subtracted
  const passes: RowPassView[] = [
    { acc: "m", identity: "-INFINITY", fold: "fmaxf(m, xk)", after: ["m = tsdp_warp_max(m);"] },
    { acc: "s", identity: "0.0f", fold: "s + expf(xk - m)", after: ["s = tsdp_warp_sum(s);", op === "log_softmax" ? "const float lse = m + logf(s);" : "const float inv = 1.0f / s;"] },
  ];
  return { passes, write: op === "log_softmax" ? "xk - lse" : "expf(xk - m) * inv" };
}

export function rowwiseKernel(ctx: CodegenContext, k: Kernel): { kernel: RowwiseView; launch: LaunchView } {
  const n = k.anchor;
  const x = n.inputs[0];
  const shape = x.shape;
  let outer: string;
  let length: number;
  let inner: number;
  if (n.op === "layer_norm") {
    const normalized = n.attrs.normalizedShape as number[];
    length = normalized.reduce((a, b) => a * b, 1);
    inner = 1;
    outer = shape.slice(0, shape.length - normalized.length).map(cDim).join(" * ") || "1";
  } else {
    const dim = normalizeDim(n.attrs.dim as number, shape.length)!;
    length = shape[dim] as number;
    inner = (shape.slice(dim + 1) as number[]).reduce((a, b) => a * b, 1);
    outer = shape.slice(0, dim).map(cDim).join(" * ") || "1";
  }
  const args: ArgView[] = [{ decl: "const float* __restrict__ x", value: ctx.pointer(x), comment: `${ctx.label(x)} ${shapeComment(x)}` }];
  const hasWeight = n.op === "layer_norm" && Boolean(n.attrs.hasWeight);
  const hasBias = n.op === "layer_norm" && Boolean(n.attrs.hasBias);
  if (hasWeight) args.push({ decl: "const float* __restrict__ weight", value: ctx.pointer(n.inputs[1]), comment: ctx.label(n.inputs[1]) });
  if (hasBias) {
    const b = n.inputs[hasWeight ? 2 : 1];
    args.push({ decl: "const float* __restrict__ bias", value: ctx.pointer(b), comment: ctx.label(b) });
  }
  args.push({ decl: "float* __restrict__ out", value: ctx.pointer(k.output), comment: shapeComment(k.output) });
  const summary = `${n.op} over rows of ${length}: ${shapeComment(x)}`;
  const kernel: RowwiseView = {
    template: "rowwise",
    name: k.name,
    summary,
    source: ctx.source(k),
    rules: k.rules.join(", ") || "none",
    params: args.map((a) => a.decl).join(", "),
    length,
    inner,
    ...rowProgram(n.op, length, n.op === "layer_norm" ? cFloat(n.attrs.eps as number) : "0.0f", hasWeight, hasBias),
    rowsPerBlock: ROWS_PER_BLOCK,
  };
  const rows = `((size_t)${outer} * ${inner})`;
  const launch: LaunchView = {
    name: k.name,
    kernel: `${k.name}_kernel`,
    grid: `dim3((unsigned)((${rows} + ${ROWS_PER_BLOCK - 1}) / ${ROWS_PER_BLOCK}))`,
    block: `dim3(${ROWS_PER_BLOCK * 32})`,
    sharedBytes: "0",
    args,
    scalars: [`const size_t rows = ${rows};`],
    scalarArgs: "rows",
    summary,
    source: kernel.source,
  };
  return { kernel, launch };
}
