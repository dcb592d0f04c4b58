import { checkedBeforeTheCall, INDEX_FAULT_ARG, indexFault, outOfRange } from "../index-faults.ts";
import { imagesOf } from "../../ir/shape.ts";
import type { Kernel } from "../../3-fusion/plan.ts";
import { cFloat } from "../../ops/elementwise.ts";
import { opDef } from "../../ops/index.ts";
import { embeddingGrad } from "../../ops/gather.ts";
import { layerNormGradInput } from "../../ops/norm.ts";
import { adaptiveAvgPool2dGrad } from "../../ops/pool.ts";
import { maxReduction } from "../../ops/reduce.ts";
import type { Node } from "../../ir/node.ts";
import { cCount, cDim, classesOf, cType, shapeComment, type CodegenContext } from "../context.ts";
import type { ArgView, BatchNormGradView, ClassificationGradView, LaunchView, LayerNormGradView, PerElementView, PoolWindowGradView } from "../view.ts";
import type { PoolWindow } from "../../ops/op.ts";
import { batchNormSplit, splitsBatchNorm } from "./batch-norm-split.ts";
import { gridStrideLaunch } from "./simple.ts";

// Kernels of the backward ops that are not GEMMs: pooling gradients and the embedding gradient
// gather per input element (no atomics, so results are deterministic); loss gradients and the
// normalization gradients reduce per row (a warp) or per channel (a block).

/** Warp-per-row kernels: 8 warps, 256 threads a block. */
const ROWS_PER_BLOCK = 8;

function arg(ctx: CodegenContext, n: Node, name: string): ArgView {
  return { decl: `const ${cType(n)}* __restrict__ ${name}`, value: ctx.pointer(n), comment: `${ctx.label(n)} ${shapeComment(n)}` };
}

/**
 * A kernel with a thread per output element: `body` leaves the element's value in `acc`; the
 * kernel's epilogue (element-epilogue fusion: relu_grad after a pooling gradient) is applied to it
 * before the one store, its other operands read at the element's index `i` (they have the output's
 * shape) through the parameters e0, e1, … (or, for an operand the kernel already reads, `named`'s
 * expression of its value).
 */
function gather(ctx: CodegenContext, k: Kernel, inputs: ArgView[], body: string[], summary: string, named = new Map<Node, string>()): { kernel: PerElementView; launch: LaunchView } {
  const { statements, args } = elementEpilogue(ctx, k, inputs, named);
  const count = cCount(k.output.shape);
  const kernel: PerElementView = {
    template: "per_element", name: k.name, summary: summary + fusedNote(k), source: ctx.source(k), rules: k.rules.join(", ") || "none",
    params: args.map((a) => a.decl).join(", "), count, body: [...body, ...statements, "out[i] = acc;"],
  };
  return { kernel, launch: gridStrideLaunch(k, kernel, args, count) };
}

/**
 * The kernel's element epilogue (element-epilogue fusion: relu_grad after a pooling gradient) as
 * statements on `acc` at the element's flat index `i`: operands the kernel already holds are given by
 * `named` (storage → their value at the element: relu_grad's y is max_pool2d_grad's x), the others
 * read at `i` through the extra parameters e0, e1, … (they have the output's shape), which follow
 * `inputs` in the kernel's arguments, before `out`.
 */
function elementEpilogue(ctx: CodegenContext, k: Kernel, inputs: ArgView[], named: Map<Node, string>): { statements: string[]; args: ArgView[] } {
  const extras: Node[] = [];
  const statements = k.epilogue.map((e, j) => {
    const codegen = opDef(e.op).codegen;
    if (codegen?.kind !== "pointwise") throw new Error(`codegen: ${e.op} cannot be an element epilogue`);
    const previous = j === 0 ? k.anchor : k.epilogue[j - 1];
    const operands = e.inputs.map((input) => {
      if (input === previous) return "acc";
      // an operand the kernel already reads is not passed twice
      const value = named.get(ctx.plan.storageOf(input));
      if (value) return value;
      let at = extras.indexOf(input);
      if (at < 0) at = extras.push(input) - 1;
      return `e${at}[i]`;
    });
    return `acc = ${codegen.expr(operands, e.attrs, { index: "i", node: e })};`;
  });
  const args = [...inputs, ...extras.map((e, j) => arg(ctx, e, `e${j}`)), { decl: `float* __restrict__ out`, value: ctx.pointer(k.output), comment: shapeComment(k.output) }];
  return { statements, args };
}

const fusedNote = (k: Kernel) => (k.epilogue.length ? `, then ${k.epilogue.map((e) => e.op).join(", ")}` : "");

/**
 * A max pool's gradient whose windows tile its input (stride = kernel, no padding, sizes divisible:
 * LeNet's 2×2 pools): a thread per window (pool_window_grad.cu.hbs), or undefined where they do not.
 */
function windowMaxPoolGrad(ctx: CodegenContext, k: Kernel, w: PoolWindow, H: number, W: number, OH: number, OW: number): { kernel: PoolWindowGradView; launch: LaunchView } | undefined {
  const n = k.anchor;
  const [KH, KW] = w.kernel;
  const tiles = w.stride[0] === KH && w.stride[1] === KW && w.padding[0] === 0 && w.padding[1] === 0 && H === OH * KH && W === OW * KW;
  if (!tiles) return undefined;
  const x = n.inputs[1];
  const { statements, args } = elementEpilogue(ctx, k, [arg(ctx, n.inputs[0], "dy"), arg(ctx, x, "x")], new Map([[ctx.plan.storageOf(x), "v[r][c]"]]));
  const planes = cCount(n.inputs[0].shape.slice(0, 2));
  const windows = `((size_t)${planes} * ${OH * OW})`;
  const kernel: PoolWindowGradView = {
    template: "pool_window_grad", name: k.name, summary: `${n.op}: ${shapeComment(n.inputs[0])} → ${shapeComment(n)}${fusedNote(k)}`, source: ctx.source(k),
    rules: k.rules.join(", ") || "none", params: args.map((a) => a.decl).join(", "),
    windows, OH, OW, H, W, KH, KW,
    rows: Array.from({ length: KH }, (_, r) => r),
    // W = OW·KW is even and each window starts at an even column: every row pair is 8-byte aligned
    pairs: KW === 2,
    epilogue: statements,
    epilogueIndex: statements.some((s) => /\bi\b/.test(s)),
  };
  return { kernel, launch: gridStrideLaunch(k, kernel, args, windows) };
}

export function poolGradKernel(ctx: CodegenContext, k: Kernel) {
  const n = k.anchor;
  const dy = n.inputs[0];
  const [, , OH, OW] = dy.shape as [unknown, number, number, number];
  const op = opDef(n.op);
  // a window pool's gradient, or else adaptive average pooling's
  const pool = op.traits?.poolGradient;
  const [H, W] = pool ? pool.inputSize(n, op.attrsOf(n)) : adaptiveAvgPool2dGrad.attrsOf(n).inputSize;
  const toMaximum = pool?.reduction === maxReduction;
  const body = [`const int iw = i % ${W}, ih = (i / ${W}) % ${H}; const size_t plane = i / ${H * W};`, `const float* g = dy + plane * ${OH * OW};`, "float acc = 0.0f;"];
  if (!pool) {
    // window o covers [⌊o·in/out⌋, ⌈(o+1)·in/out⌉): visit the windows that contain (ih, iw)
    body.push(
      `for (int oh = 0; oh < ${OH}; ++oh) {`,
      `    const int h0 = (oh * ${H}) / ${OH}, h1 = ((oh + 1) * ${H} + ${OH - 1}) / ${OH};`,
      `    if (ih < h0 || ih >= h1) continue;`,
      `    for (int ow = 0; ow < ${OW}; ++ow) {`,
      `        const int w0 = (ow * ${W}) / ${OW}, w1 = ((ow + 1) * ${W} + ${OW - 1}) / ${OW};`,
      `        if (iw >= w0 && iw < w1) acc += g[oh * ${OW} + ow] / (float)((h1 - h0) * (w1 - w0));`,
      `    }`,
      `}`,
    );
  } else {
    const a = pool.window(op.attrsOf(n));
    const windowed = toMaximum ? windowMaxPoolGrad(ctx, k, a, H, W, OH, OW) : undefined;
    if (windowed) return windowed;
    const [kh, kw] = a.kernel;
    const [sh, sw] = a.stride;
    const [ph, pw] = a.padding;
    body.push(
      // the windows whose span [o·s − p, o·s − p + k) holds (ih, iw)
      `const int oh0 = max(0, (ih + ${ph} - ${kh} + ${sh}) / ${sh}), oh1 = min(${OH - 1}, (ih + ${ph}) / ${sh});`,
      `const int ow0 = max(0, (iw + ${pw} - ${kw} + ${sw}) / ${sw}), ow1 = min(${OW - 1}, (iw + ${pw}) / ${sw});`,
      `for (int oh = oh0; oh <= oh1; ++oh)`,
      `    for (int ow = ow0; ow <= ow1; ++ow) {`,
    );
    if (toMaximum)
      body.push(
        // the forward's choice: the first maximum of the window in scan order
        `        const float* in = x + plane * ${H * W};`,
        `        int best = -1; float m = 0.0f;`,
        `        for (int y = oh * ${sh} - ${ph}; y < oh * ${sh} - ${ph} + ${kh}; ++y) {`,
        `            if (y < 0 || y >= ${H}) continue;`,
        `            for (int xx = ow * ${sw} - ${pw}; xx < ow * ${sw} - ${pw} + ${kw}; ++xx) {`,
        `                if (xx < 0 || xx >= ${W}) continue;`,
        `                const float v = in[y * ${W} + xx];`,
        `                if (best < 0 || v > m || v != v) { best = y * ${W} + xx; m = v; }`,
        `            }`,
        `        }`,
        `        if (best == ih * ${W} + iw) acc += g[oh * ${OW} + ow];`,
        `    }`,
      );
    else body.push(`        acc += g[oh * ${OW} + ow];`, `    }`, `acc *= ${cFloat(1 / (kh * kw))};  // count_include_pad: every window divides by kh·kw`);
  }
  const inputs = [arg(ctx, dy, "dy"), ...(toMaximum ? [arg(ctx, n.inputs[1], "x")] : [])];
  // x has the output's shape, so the epilogue may read it at the element's index
  const named = new Map(toMaximum ? [[ctx.plan.storageOf(n.inputs[1]), "x[i]"]] : []);
  return gather(ctx, k, inputs, body, `${n.op}: ${shapeComment(dy)} → ${shapeComment(n)}`, named);
}

/** A warp per row: the row's statistics once, then each class (classification_grad.cu.hbs). */
export function classificationGradKernel(ctx: CodegenContext, k: Kernel): { kernel: ClassificationGradView; launch: LaunchView } {
  const n = k.anchor;
  const op = opDef(n.op);
  if (op.codegen?.kind !== "kernel" || op.codegen.builder !== "classification_grad") throw new Error(`codegen: ${n.op} is not a classification gradient`);
  const [dy, input, target] = n.inputs;
  const C = classesOf(input.shape[1]);
  const reduction = n.attrs.reduction as string;
  const rows = cDim(input.shape[0]);
  const scale = reduction === "none" ? "dy[row]" : reduction === "mean" ? `dy[0] / (float)${rows}` : "dy[0]";
  const program = op.codegen.grad(op.attrsOf(n), C);
  const args = [arg(ctx, dy, "dy"), arg(ctx, input, "input"), arg(ctx, target, "target"), { decl: "float* __restrict__ out", value: ctx.pointer(k.output), comment: shapeComment(k.output) }];
  const summary = `${n.op} over ${shapeComment(input)}`;
  const kernel: ClassificationGradView = {
    template: "classification_grad", name: k.name, summary, source: ctx.source(k), rules: "none", params: args.map((a) => a.decl).join(", "),
    classes: C, rows: `(size_t)${rows}`, rowsPerBlock: ROWS_PER_BLOCK, scale, rowStatements: program.row, element: program.element,
  };
  const launch: LaunchView = {
    name: k.name, kernel: `${k.name}_kernel`, grid: `dim3((unsigned)(((size_t)${rows} + ${ROWS_PER_BLOCK - 1}) / ${ROWS_PER_BLOCK}))`, block: `dim3(${ROWS_PER_BLOCK * 32})`,
    sharedBytes: "0", args, scalars: [], summary, source: kernel.source, scalarArgs: "batch",
  };
  return { kernel, launch };
}

export function embeddingGradKernel(ctx: CodegenContext, k: Kernel) {
  const n = k.anchor;
  const [dy, idx] = n.inputs;
  const a = embeddingGrad.attrsOf(n);
  const num = a.numEmbeddings;
  const dim = dy.shape[dy.shape.length - 1] as number;
  const pad = a.paddingIdx === null ? -1 : (a.paddingIdx + num) % num;
  const positions = cCount(idx.shape);
  // (none where the ids are an input the runtime checks before the call: index-faults.ts)
  const checks = !checkedBeforeTheCall(ctx.graph, idx, num);
  const body = [
    `const int row = (int)(i / ${dim}), col = (int)(i % ${dim});`,
    `float acc = 0.0f;`,
    // each weight element sums dy over the positions that looked its row up (deterministic, no atomics)
    `if (row != ${pad}) for (size_t p = 0; p < ${positions}; ++p) {`,
    `  const int at = idx[p];`,
    `  if (at == row) acc += dy[p * ${dim} + col];`,
    ...(checks ? [`  else if (${outOfRange("at", num)}) ${indexFault(ctx.indexSites.site(n, "embedding", num), "at")};`] : []),
    `}`,
  ];
  return gather(ctx, k, [arg(ctx, dy, "dy"), arg(ctx, idx, "idx"), ...(checks ? [INDEX_FAULT_ARG] : [])], body, `embedding_grad: ${shapeComment(dy)} → [${num}, ${dim}]`);
}

/** Block per channel: batch_norm_grad_input and batch_norm_xhat. */
export function batchNormGradKernel(ctx: CodegenContext, k: Kernel) {
  const n = k.anchor;
  const a = n.attrs as { eps: number; affine: boolean; track: boolean };
  const codegen = opDef(n.op).codegen;
  if (codegen?.kind !== "kernel" || codegen.builder !== "batch_norm_grad") throw new Error(`codegen: ${n.op} is not a batch norm gradient`);
  const xhatOnly = codegen.xhatOnly;
  const ins = n.inputs;
  const x = xhatOnly ? ins[0] : ins[1];
  let i = xhatOnly ? 1 : 2;
  const dy = xhatOnly ? [] : [arg(ctx, ins[0], "dy")];
  const hasWeight = !xhatOnly && a.affine;
  const weight = hasWeight ? [arg(ctx, ins[i++], "weight")] : [];
  const running = a.track ? [arg(ctx, ins[i++], "running_mean"), arg(ctx, ins[i++], "running_var")] : [];
  const out = { decl: "float* __restrict__ out", value: ctx.pointer(k.output), comment: shapeComment(k.output) };
  const C = x.shape[1] as number;
  const inner = (x.shape.slice(2) as number[]).reduce((p, q) => p * q, 1);
  const summary = `${n.op} over ${C} channels of ${shapeComment(x)}`;
  const eps = cFloat(a.eps);
  const view = (args: readonly ArgView[]): BatchNormGradView => ({
    template: "batch_norm_grad", name: k.name, summary, source: ctx.source(k), rules: "none",
    params: args.map((v) => v.decl).join(", "), C, inner, eps, track: a.track, hasWeight, xhatOnly,
  });
  // the kernel's `batch` is the image count N of x [N, C, …]: the batch, a multiple of it, or fixed
  const launchOf = (args: readonly ArgView[], grid: string) => ({ name: k.name, kernel: `${k.name}_kernel`, grid, block: "dim3(256)", sharedBytes: "0", args, scalars: [], summary, source: ctx.source(k), scalarArgs: `${imagesOf(x.shape[0]).c}, r->training` });
  if (splitsBatchNorm(ctx, C)) {
    // the GPU shape with few channels: statistics and sums over many blocks per channel, then an elementwise pass
    const s = batchNormSplit(ctx, k, x, { eps, track: a.track, statsArgs: [arg(ctx, x, "x"), ...running], ...(xhatOnly ? {} : { sums: { args: [...dy, arg(ctx, x, "x"), ...weight], hasWeight } }) });
    const args = [...dy, arg(ctx, x, "x"), ...weight, out];
    return { kernel: { ...view(args), split: s.view.split }, launch: { ...launchOf([...args, s.partsArg], s.launch.grid), ...s.launch }, extra: [s.view] };
  }
  const args = [...dy, arg(ctx, x, "x"), ...weight, ...running, out];
  return { kernel: view(args), launch: launchOf(args, `dim3(${C})`) };
}

/** Warp per row: layer_norm_grad_input. */
export function layerNormGradKernel(ctx: CodegenContext, k: Kernel) {
  const n = k.anchor;
  const [dy, x, weight] = n.inputs;
  const a = layerNormGradInput.attrsOf(n);
  const normalized = a.normalizedShape;
  const length = normalized.reduce((p, q) => p * q, 1);
  const rows = `((size_t)${x.shape.slice(0, x.shape.length - normalized.length).map(cDim).join(" * ") || "1"})`;
  const hasWeight = a.hasWeight;
  const args = [arg(ctx, dy, "dy"), arg(ctx, x, "x"), ...(hasWeight ? [arg(ctx, weight, "weight")] : []), { decl: "float* __restrict__ out", value: ctx.pointer(k.output), comment: shapeComment(k.output) }];
  const summary = `layer_norm_grad_input over rows of ${length}: ${shapeComment(x)}`;
  const kernel: LayerNormGradView = { template: "layer_norm_grad", name: k.name, summary, source: ctx.source(k), rules: "none", params: args.map((v) => v.decl).join(", "), length, eps: cFloat(a.eps), hasWeight };
  const launch = { name: k.name, kernel: `${k.name}_kernel`, grid: `dim3((unsigned)((${rows} + 7) / 8))`, block: "dim3(256)", sharedBytes: "0", args, scalars: [`const size_t rows = ${rows};`], summary, source: kernel.source, scalarArgs: "rows" };
  return { kernel, launch };
}
