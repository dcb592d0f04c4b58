import { checkedBeforeTheCall, INDEX_FAULT_ARG, indexFault, outOfRange } from "../index-faults.ts";
import type { Kernel } from "../../3-fusion/plan.ts";
import { opDef } from "../../ops/index.ts";
import { isBatch, type Dim } from "../../ir/shape.ts";
import { cCount, shapeComment, type CodegenContext } from "../context.ts";
import { arg, pointwiseView } from "./simple.ts";

// torch.cat and narrow (split, chunk) and narrow's gradient, and an int32 arange: one thread per output element, which
// finds the one input element it copies. Along the joined dim the sizes are fixed; the dims before
// it (`outer`) and after it (`inner`) are the same in every input, and either may hold the batch
// (PyTorch's recurrent states [layers, N, H] are joined along dim 0): then `inner` is a count of
// the kernel's `batch`.

/** The element count after `dim`: a number, or a C expression of `batch`. */
function innerOf(shape: readonly Dim[], dim: number): string {
  const after = shape.slice(dim + 1);
  return after.some(isBatch) ? cCount(after) : String((after as number[]).reduce((a, b) => a * b, 1));
}

/** `size` elements along the dim times `inner`: folded when both are numbers. */
function times(size: number, inner: string): string {
  if (/^\d+$/.test(inner)) return String(size * Number(inner));
  return size === 1 ? inner : `(${size} * ${inner})`;
}

export function concatKernel(ctx: CodegenContext, k: Kernel) {
  const n = k.anchor;
  const dim = n.attrs.dim as number;
  const inner = innerOf(n.shape, dim);
  const total = n.shape[dim] as number;
  const body = [`const size_t o = i / ${times(total, inner)}; const int c = (int)((i / ${inner}) % ${total}); const size_t e = i % ${inner};`];
  let offset = 0;
  n.inputs.forEach((x, j) => {
    const size = x.shape[dim] as number;
    const last = j === n.inputs.length - 1;
    // the inputs' ranges along dim are consecutive: the first whose end lies past c holds it
    body.push(`${j ? "else " : ""}${last ? "" : `if (c < ${offset + size}) `}out[i] = x${j}[(o * ${size} + (c - ${offset})) * ${inner} + e];`);
    offset += size;
  });
  const inputs = n.inputs.map((x, j) => arg(ctx, x, `x${j}`));
  return pointwiseView(ctx, k, inputs, body, `cat along dim ${dim}: ${n.inputs.map(shapeComment).join(", ")} → ${shapeComment(n)}`);
}

/** arange_int: out[i] = start + i·step, an int32 tensor (positions for an embedding). */
export function iotaKernel(ctx: CodegenContext, k: Kernel) {
  const { start, step } = k.anchor.attrs as { start: number; step: number };
  return pointwiseView(ctx, k, [], [`out[i] = (int)(${start} + (long long)i * ${step});`], `arange_int ${start} + i·${step} → ${shapeComment(k.anchor)}`);
}

/** narrow copies a window of dim out; pad_dim (its gradient) puts it back among zeros. */
export function narrowKernel(ctx: CodegenContext, k: Kernel) {
  const n = k.anchor;
  const x = n.inputs[0];
  const { dim, start, length } = opDef(n.op).attrsOf(n) as { dim: number; start: number; length: number };
  const inner = innerOf(n.shape, dim);
  const size = n.shape[dim] as number;
  const from = x.shape[dim] as number;
  const body =
    n.op === "narrow"
      ? [`const size_t o = i / ${times(size, inner)}; const size_t c = (i / ${inner}) % ${size}; const size_t e = i % ${inner};`, `out[i] = x[(o * ${from} + c + ${start}) * ${inner} + e];`]
      : [
          `const size_t o = i / ${times(size, inner)}; const int c = (int)((i / ${inner}) % ${size}) - ${start}; const size_t e = i % ${inner};`,
          `out[i] = (c >= 0 && c < ${length}) ? x[(o * ${length} + c) * ${inner} + e] : 0.0f;`,
        ];
  return pointwiseView(ctx, k, [arg(ctx, x, "x")], body, `${n.op} dim ${dim} [${start}, ${start + length}): ${shapeComment(x)} → ${shapeComment(n)}`);
}

/**
 * take (index_select, gather): each output element reads the input at its index; take_grad: each
 * input element sums dy over the positions whose index names it (deterministic, no atomics). An
 * index out of range reads 0, adds nothing and is reported (index-faults.ts); the reference refuses it.
 */
export function takeKernel(ctx: CodegenContext, k: Kernel) {
  const n = k.anchor;
  const [x, idx] = n.inputs;
  const { dim, mode, reported } = n.attrs as { dim: number; mode: "vector" | "elementwise"; reported?: boolean };
  const inner = innerOf(n.shape, dim);
  // a size along dim: fixed, or the batch where the index is as long as it (a row of a table per sample)
  const sizeAt = (d: Dim) => (typeof d === "number" ? String(d) : cCount([d]));
  const outSize = sizeAt(n.shape[dim]);
  const inSize = sizeAt(x.shape[dim]);
  const at = (j: string) => (mode === "vector" ? j : `(o * ${n.op === "take" ? outSize : inSize} + ${j}) * ${inner} + e`);
  const span = /^\d+$/.test(outSize) ? times(Number(outSize), inner) : `(${outSize} * ${inner})`;
  const head = `const size_t o = i / ${span}; const int c = (int)((i / ${inner}) % ${outSize}); const size_t e = i % ${inner};`;
  const what = n.op === "take" ? (mode === "vector" ? "index_select" : "gather") : mode === "vector" ? "index_add" : "scatter";
  // (none where the index is an input the runtime checks before the call: index-faults.ts)
  // (nor where an index_check reported a bad index first: advanced indexing's positions)
  const checks = !reported && !checkedBeforeTheCall(ctx.graph, idx, n.op === "take" ? inSize : outSize);
  const fault = (v: string, limit: string) => (checks ? [`if (${outOfRange(v, limit)}) ${indexFault(ctx.indexSites.site(n, what, limit), v)};`] : []);
  const body =
    n.op === "take"
      ? [head, `const int src = idx[${at("c")}];`, ...fault("src", inSize), `out[i] = (src >= 0 && src < ${inSize}) ? x[(o * ${inSize} + src) * ${inner} + e] : 0.0f;`]
      : [
          head,
          "float acc = 0.0f;",
          `for (int j = 0; j < (int)${inSize}; ++j) {`,
          `  const int dst = idx[${at("j")}];`,
          `  if (dst == c) acc += x[(o * ${inSize} + j) * ${inner} + e];`,
          ...fault("dst", outSize).map((check) => `  else ${check}`),
          "}",
          "out[i] = acc;",
        ];
  return pointwiseView(ctx, k, [arg(ctx, x, "x"), arg(ctx, idx, "idx"), ...(checks ? [INDEX_FAULT_ARG] : [])], body, `${n.op} (${mode}) along dim ${dim}: ${shapeComment(x)} → ${shapeComment(n)}`);
}
