import type { Kernel } from "../../3-fusion/plan.ts";
import { isBatch, normalizeDim } from "../../ir/shape.ts";
import { opDef } from "../../ops/index.ts";
import type { ScanAttrs } from "../../ops/scan.ts";
import { cCount, shapeComment, type CodegenContext } from "../context.ts";
import { arg, pointwiseView } from "./simple.ts";

// cumsum (ops/scan.ts): one thread per line along the dim, summing it in order (from the end for
// the gradient's reverse sum), in float as PyTorch's kernel does. Lines are numbered inner index
// fastest, so adjacent threads read adjacent floats wherever the dim is not the last; along the
// last dim a thread walks its own contiguous row.

export function scanKernel(ctx: CodegenContext, k: Kernel) {
  const n = k.anchor;
  const x = n.inputs[0];
  const a = opDef(n.op).attrsOf(n) as ScanAttrs;
  const dim = normalizeDim(a.dim, x.shape.length)!;
  const length = x.shape[dim] as number;
  const after = x.shape.slice(dim + 1);
  // the elements after the dim: a number, or a C count of `batch`
  const inner = after.some(isBatch) ? `(size_t)(${cCount(after)})` : String((after as number[]).reduce((p, q) => p * q, 1));
  const lines = cCount([...x.shape.slice(0, dim), ...after]);
  const step = a.reverse ? `(${length - 1} - c)` : "c";
  const lineStart =
    inner === "1"
      ? [`const size_t first = i * ${length};  // line i: a row of ${length}`]
      : [`const size_t o = i / ${inner}, e = i % ${inner};  // line i: outer index o, inner index e`, `const size_t first = o * ${length} * ${inner} + e;`];
  const body = [
    ...lineStart,
    "float s = 0.0f;",
    `for (int c = 0; c < ${length}; ++c) {`,
    `    const size_t at = first + ${inner === "1" ? step : `(size_t)${step} * ${inner}`};`,
    "    s += x[at];",
    "    out[at] = s;",
    "}",
  ];
  const summary = `cumsum along dim ${dim}${a.reverse ? " from its end" : ""} of ${shapeComment(x)}`;
  return pointwiseView(ctx, k, [arg(ctx, x, "x")], body, summary, { count: lines, note: `One thread per line of ${length} along dim ${dim}.` });
}
