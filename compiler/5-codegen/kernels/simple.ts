import { checkedBeforeTheCall, INDEX_FAULT_ARG, indexFault, outOfRange } from "../index-faults.ts";
import type { Kernel } from "../../3-fusion/plan.ts";
import type { Node } from "../../ir/node.ts";
import type { Dim } from "../../ir/shape.ts";
import { opDef } from "../../ops/index.ts";
import { maxPool2dPick } from "../../ops/pool.ts";
import { cCount, cDim, cType, shapeComment, type CodegenContext } from "../context.ts";
import type { ArgView, LaunchView, PerElementView } from "../view.ts";
import { reduceOver } from "./blockwise.ts";

// Kernels with one thread per output element (grid-stride): standalone pooling, adaptive
// average pooling, embedding gathers and permutes. Each computes its output from a few inputs,
// so there is nothing to share between threads; the view gives the body that maps the flat
// output index `i` to the value.

const THREADS = 256;

export function arg(ctx: CodegenContext, n: Node, name: string): ArgView {
  return { decl: `const ${cType(n)}* __restrict__ ${name}`, value: ctx.pointer(n), comment: `${ctx.label(n)} ${shapeComment(n)}` };
}

/**
 * A grid-stride kernel whose thread i runs `body`: one per output element, or `threads.count` of
 * them, each doing what `threads.note` says (a scan's line).
 */
export function pointwiseView(
  ctx: CodegenContext,
  k: Kernel,
  inputs: ArgView[],
  body: string[],
  summary: string,
  threads?: { readonly count: string; readonly note: string },
): { kernel: PerElementView; launch: LaunchView } {
  const args = [...inputs, { decl: `${cType(k.output)}* __restrict__ out`, value: ctx.pointer(k.output), comment: shapeComment(k.output) }];
  const count = threads?.count ?? cCount(k.output.shape);
  const kernel: PerElementView = {
    template: "per_element",
    name: k.name,
    summary,
    source: ctx.source(k),
    rules: k.rules.join(", ") || "none",
    ...(threads ? { note: threads.note } : {}),
    params: args.map((a) => a.decl).join(", "),
    count,
    body,
  };
  return { kernel, launch: gridStrideLaunch(k, kernel, args, count) };
}

/** A grid-stride launch of 256-thread blocks over `count` threads (at most 65,535 blocks). */
export function gridStrideLaunch(k: Kernel, kernel: { readonly summary: string; readonly source: readonly string[] }, args: ArgView[], count: string): LaunchView {
  return {
    name: k.name,
    kernel: `${k.name}_kernel`,
    grid: `dim3((unsigned)std::min<size_t>((${count} + ${THREADS - 1}) / ${THREADS}, 65535))`,
    block: `dim3(${THREADS})`,
    sharedBytes: "0",
    args,
    scalars: [],
    summary: kernel.summary,
    source: kernel.source,
    scalarArgs: "batch",
  };
}

/**
 * The loops over output (oh, ow)'s window of an H×W plane: `visit` runs at each in-bounds (h, w), the
 * padding skipped (a pool's scan, the first maximum's search).
 */
function windowScan(a: { readonly kernel: readonly number[]; readonly stride: readonly number[]; readonly padding: readonly number[] }, H: number, W: number, visit: readonly string[]): string[] {
  return [
    `for (int kh = 0; kh < ${a.kernel[0]}; ++kh) {`,
    `    const int h = oh * ${a.stride[0]} - ${a.padding[0]} + kh;`,
    `    if (h < 0 || h >= ${H}) continue;`,
    `    for (int kw = 0; kw < ${a.kernel[1]}; ++kw) {`,
    `        const int w = ow * ${a.stride[1]} - ${a.padding[1]} + kw;`,
    `        if (w < 0 || w >= ${W}) continue;`,
    ...visit.map((line) => `        ${line}`),
    `    }`,
    `}`,
  ];
}

export function poolKernel(ctx: CodegenContext, k: Kernel) {
  const n = k.anchor;
  const x = n.inputs[0];
  const [, , H, W] = x.shape as [Dim, number, number, number];
  const [, , OH, OW] = n.shape as [Dim, number, number, number];
  const body = [`const int ow = i % ${OW}, oh = (i / ${OW}) % ${OH}; const size_t plane = i / ${OH * OW};`, `const float* in = x + plane * ${H * W};`];
  const op = opDef(n.op);
  const pool = op.traits?.pool;
  // adaptive pooling to 1×1 (a ResNet's global average pool) is a mean over each contiguous plane: a
  // warp per plane reads it in whole sectors, where a thread per plane read its own (lanes H·W apart)
  if (!pool && OH === 1 && OW === 1) return reduceOver(ctx, k, x, [2, 3], "mean", `${n.op} to 1×1, a mean over each ${H}×${W} plane of ${shapeComment(x)}`);
  if (!pool) {
    // adaptive pooling: window [⌊o·in/out⌋, ⌈(o+1)·in/out⌉) per dim, as PyTorch
    body.push(
      `const int h0 = (oh * ${H}) / ${OH}, h1 = ((oh + 1) * ${H} + ${OH - 1}) / ${OH};`,
      `const int w0 = (ow * ${W}) / ${OW}, w1 = ((ow + 1) * ${W} + ${OW - 1}) / ${OW};`,
      `float s = 0.0f;`,
      `for (int h = h0; h < h1; ++h) for (int w = w0; w < w1; ++w) s += in[h * ${W} + w];`,
      `out[i] = s / (float)((h1 - h0) * (w1 - w0));`,
    );
  } else {
    const a = pool.window(op.attrsOf(n));
    const r = pool.reduction.c;
    body.push(
      `float acc = ${r.identity};`,
      ...windowScan(a, H, W, [`const float v = in[h * ${W} + w]; ${r.combine("acc", "v")}`]),
      // count_include_pad = true: the divisor is the full window
      `out[i] = ${r.finish ? r.finish("acc", `${a.kernel[0] * a.kernel[1]}.0f`) : "acc"};`,
    );
  }
  return pointwiseView(ctx, k, [arg(ctx, x, "x")], body, `${n.op}: ${shapeComment(x)} → ${shapeComment(n)}`);
}

/**
 * max_pool2d_pick: thread i is output element (plane, oh, ow); it scans the window of x as the
 * forward pool does (the first maximum in scan order, a NaN winning) and reads g where it stopped.
 */
export function poolPickKernel(ctx: CodegenContext, k: Kernel) {
  const n = k.anchor;
  const [g, x] = n.inputs;
  const [, , H, W] = x.shape as [Dim, number, number, number];
  const [, , OH, OW] = n.shape as [Dim, number, number, number];
  const a = maxPool2dPick.attrsOf(n);
  const body = [
    `const int ow = i % ${OW}, oh = (i / ${OW}) % ${OH}; const size_t plane = i / ${OH * OW};`,
    `const float* in = x + plane * ${H * W};`,
    `int best = -1; float m = 0.0f;`,
    ...windowScan(a, H, W, [`const float v = in[h * ${W} + w];`, `if (best < 0 || v > m || v != v) { best = h * ${W} + w; m = v; }`]),
    // padding is at most half the kernel (poolInfer), so every window holds an element of x
    `out[i] = g[plane * ${H * W} + best];`,
  ];
  return pointwiseView(ctx, k, [arg(ctx, g, "g"), arg(ctx, x, "x")], body, `${n.op}: g ${shapeComment(g)} at the maxima of x ${shapeComment(x)} → ${shapeComment(n)}`);
}

export function embeddingKernel(ctx: CodegenContext, k: Kernel) {
  const [idx, w] = k.anchor.inputs;
  const [num, dim] = w.shape as number[];
  // an index out of range reads nothing and is reported (index-faults.ts); an input's are checked before the call
  const checks = !checkedBeforeTheCall(ctx.graph, idx, num);
  const body = [
    `const int row = idx[i / ${dim}];`,
    ...(checks ? [`if (${outOfRange("row", num)}) ${indexFault(ctx.indexSites.site(k.anchor, "embedding", num), "row")};`] : []),
    `out[i] = (row >= 0 && row < ${num}) ? weight[(size_t)row * ${dim} + i % ${dim}] : 0.0f;`,
  ];
  return pointwiseView(ctx, k, [arg(ctx, idx, "idx"), arg(ctx, w, "weight"), ...(checks ? [INDEX_FAULT_ARG] : [])], body, `embedding: ${shapeComment(idx)} → ${shapeComment(k.anchor)}`);
}

/**
 * pair_dot: thread i is the pair (row i / N mod M of a, row i mod N of b) of slice i / (M·N) over
 * the leading dims, M and N the batch or a multiple of it, and sums their K products in order, as
 * the reference does.
 */
export function pairDotKernel(ctx: CodegenContext, k: Kernel) {
  const [a, b] = k.anchor.inputs;
  const r = a.shape.length;
  const [M, N, K] = [cDim(a.shape[r - 2]), cDim(b.shape[r - 2]), cDim(a.shape[r - 1])];
  const body = [
    `const size_t slice = i / ((size_t)${M} * ${N}), row = i / (size_t)${N} % ${M}, col = i % (size_t)${N};`,
    "float acc = 0.0f;",
    `for (size_t p = 0; p < (size_t)${K}; ++p) acc = fmaf(a[(slice * ${M} + row) * ${K} + p], b[(slice * ${N} + col) * ${K} + p], acc);`,
    "out[i] = acc;",
  ];
  return pointwiseView(ctx, k, [arg(ctx, a, "a"), arg(ctx, b, "b")], body, `pair_dot: ${shapeComment(a)} · ${shapeComment(b)}ᵀ → ${shapeComment(k.anchor)}`);
}

export function permuteKernel(ctx: CodegenContext, k: Kernel) {
  const x = k.anchor.inputs[0];
  const perm = k.anchor.attrs.perm as number[];
  const out = k.anchor.shape;
  const inStrides: string[] = [];
  for (let d = 0; d < x.shape.length; d++) inStrides.push(x.shape.slice(d + 1).map(cDim).join(" * ") || "1");
  const body: string[] = ["size_t rest = i, src = 0;"];
  for (let d = out.length - 1; d >= 0; d--) {
    body.push(`{ const size_t c = rest % (size_t)${cDim(out[d])}; rest /= (size_t)${cDim(out[d])}; src += c * (size_t)(${inStrides[perm[d]]}); }`);
  }
  body.push("out[i] = x[src];");
  return pointwiseView(ctx, k, [arg(ctx, x, "x")], body, `permute [${perm.join(", ")}]: ${shapeComment(x)} → ${shapeComment(k.anchor)}`);
}

