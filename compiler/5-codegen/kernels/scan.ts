import type { Kernel } from "../../3-fusion/plan.ts";
import { isBatch, normalizeDim } from "../../ir/shape.ts";
import { opDef } from "../../ops/index.ts";
import { cCount, shapeComment, type CodegenContext } from "../context.ts";
import { arg, pointwiseView } from "./simple.ts";

// Scans (ops/scan.ts: cumsum, cumprod, logcumsumexp, cummax/cummin and their gradients): one
// thread per line along the dim, running the op's line program over it in order — from the end
// for a reverse pass — in float, as PyTorch's kernels do, but for the running sum and product,
// which are double as PyTorch's CPU kernel's (ops/scan.ts). Lines are numbered inner index fastest,
// so adjacent threads read adjacent floats wherever the dim is not the last; along the last dim a
// thread walks its own contiguous row.

export function scanKernel(ctx: CodegenContext, k: Kernel) {
  const n = k.anchor;
  const def = opDef(n.op);
  const x = n.inputs[0];
  const a = def.attrsOf(n) as { dim: number };
  const program = def.traits!.scan!(a);
  const dim = normalizeDim(a.dim, x.shape.length)!;
  const length = x.shape[dim] as number;
  const after = x.shape.slice(dim + 1);
  // the elements after the dim: a number, or a C count of `batch`
  const inner = after.some(isBatch) ? `(size_t)(${cCount(after)})` : String((after as number[]).reduce((p, q) => p * q, 1));
  const lines = cCount([...x.shape.slice(0, dim), ...after]);
  const lineStart =
    inner === "1"
      ? [`const size_t first = i * ${length};  // line i: a row of ${length}`]
      : [`const size_t o = i / ${inner}, e = i % ${inner};  // line i: outer index o, inner index e`, `const size_t first = o * ${length} * ${inner} + e;`];
  const offsetOf = (p: string) => (inner === "1" ? `first + ${p}` : `first + (size_t)${p} * ${inner}`);
  const usesOffset = program.passes.some((pass) => pass.step.some((line) => line.includes("offset(")));
  const body = [
    ...lineStart,
    ...(usesOffset ? [`const auto offset = [&](int p) { return ${offsetOf("p")}; };  // element p of the line`] : []),
    ...program.setup,
    ...program.passes.flatMap((pass) => [
      `for (int c = 0; c < ${length}; ++c) {`,
      `    const int pos = ${pass.reverse ? `${length - 1} - c` : "c"};`,
      `    const size_t at = ${offsetOf("pos")};`,
      ...pass.step.map((line) => `    ${line}`),
      "}",
    ]),
  ];
  const inputs = n.inputs.map((input, i) => arg(ctx, input, def.inputs[i]));
  const passes = program.passes.map((p) => (p.reverse ? "from its end" : "from its start")).join(", then ");
  const summary = `${n.op} along dim ${dim} of ${shapeComment(x)}, ${passes}`;
  return pointwiseView(ctx, k, inputs, body, summary, { count: lines, note: `One thread per line of ${length} along dim ${dim}.` });
}
