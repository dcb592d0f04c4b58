import type { Kernel } from "../../3-fusion/plan.ts";
import { cFloat } from "../../ops/elementwise.ts";
import type { Node } from "../../ir/node.ts";
import { opDef } from "../../ops/index.ts";
import { batchNorm } from "../../ops/norm.ts";
import { reducedDims } from "../../ops/reduce.ts";
import { cCount, cDim, cType, shapeComment, type CodegenContext } from "../context.ts";
import type { ArgView, KernelView, LaunchView } from "../view.ts";

// Kernels that reduce: batch norm (a block per channel), reductions over any dims (a warp per
// output element) and the losses (one block over the whole batch). Sums are fp32, combined by
// warp shuffles and then across warps through shared memory.

function arg(ctx: CodegenContext, n: Node, name: string): ArgView {
  return { decl: `const ${cType(n)}* __restrict__ ${name}`, value: ctx.pointer(n), comment: `${ctx.label(n)} ${shapeComment(n)}` };
}

function outArg(ctx: CodegenContext, k: Kernel): ArgView {
  return { decl: `${cType(k.output)}* __restrict__ out`, value: ctx.pointer(k.output), comment: shapeComment(k.output) };
}

function view(ctx: CodegenContext, k: Kernel, template: string, args: ArgView[], fields: Record<string, unknown>, grid: string, block: number, scalarArgs: string, summary: string) {
  const kernel: KernelView = { template, name: k.name, summary, source: ctx.source(k), rules: k.rules.join(", ") || "none", params: args.map((a) => a.decl).join(", "), threads: block, ...fields };
  const launch = { name: k.name, kernel: `${k.name}_kernel`, grid, block: `dim3(${block})`, sharedBytes: "0", args, scalars: [], summary, source: kernel.source, scalarArgs } as LaunchView;
  return { kernel, launch };
}

export function batchNormKernel(ctx: CodegenContext, k: Kernel) {
  const n = k.anchor;
  const a = batchNorm.attrsOf(n);
  const [x, ...rest] = n.inputs;
  const C = x.shape[1] as number;
  const inner = (x.shape.slice(2) as number[]).reduce((p, q) => p * q, 1);
  const args = [arg(ctx, x, "x")];
  let i = 0;
  if (a.affine) args.push(arg(ctx, rest[i++], "weight"), arg(ctx, rest[i++], "bias"));
  if (a.track) {
    // running statistics are written in train mode
    for (const [node, name] of [[rest[i], "running_mean"], [rest[i + 1], "running_var"]] as const)
      args.push({ decl: `float* __restrict__ ${name}`, value: ctx.pointer(node), comment: ctx.label(node) });
    args.push({ decl: "long long* __restrict__ num_batches_tracked", value: ctx.pointer(rest[i + 2]), comment: ctx.label(rest[i + 2]) });
  }
  args.push(outArg(ctx, k));
  return view(ctx, k, "batch_norm", args, {
    C, inner, eps: cFloat(a.eps), momentum: cFloat(a.momentum), affine: a.affine, track: a.track,
  }, `dim3(${C})`, 256, "batch, r->training", `batch_norm over ${C} channels of ${shapeComment(x)}`);
}

/** Offsets of the kept and reduced coordinates, as C statements over `o` and `j`. */
export function reduceKernel(ctx: CodegenContext, k: Kernel) {
  const n = k.anchor;
  const x = n.inputs[0];
  const shape = x.shape;
  const dims = reducedDims(shape, n.attrs.dims as number[] | null, n.op);
  const kept = shape.map((_, d) => d).filter((d) => !dims.includes(d));
  const stride = (d: number) => shape.slice(d + 1).map(cDim).join(" * ") || "1";
  const decompose = (list: number[], v: string, target: string) => {
    const lines = [`size_t ${target} = 0;`, `{ size_t rest = ${v};`];
    for (let q = list.length - 1; q >= 0; q--) {
      const d = list[q];
      lines.push(`  ${target} += (rest % (size_t)${cDim(shape[d])}) * (size_t)(${stride(d)}); rest /= (size_t)${cDim(shape[d])};`);
    }
    lines.push("}");
    return lines;
  };
  const count = dims.map((d) => cDim(shape[d])).join(" * ") || "1";
  const outCount = cCount(n.shape);
  // argmax, the one reduction without a Reduction trait, keeps the index of the maximum
  const r = opDef(n.op).traits?.reduction?.c;
  const fold = r
    ? { identity: r.identity, combine: r.combine("acc", "v"), warp: r.warp, result: r.finish ? r.finish("acc", "(float)reduced") : "acc" }
    : undefined;
  return view(
    ctx, k, "reduce", [arg(ctx, x, "x"), outArg(ctx, k)],
    { outCount, outIndex: decompose(kept, "o", "base"), redIndex: decompose(dims, "j", "off"), count, argmax: !r, ...fold },
    `dim3((unsigned)std::min<size_t>((${outCount} + 7) / 8, 65535))`, 256, "batch",
    `${n.op} over dims [${dims.join(", ")}] of ${shapeComment(x)}`,
  );
}

export function lossKernel(ctx: CodegenContext, k: Kernel) {
  const n = k.anchor;
  const [input, target] = n.inputs;
  const reduction = n.attrs.reduction as "mean" | "sum" | "none";
  if (n.op === "mse_loss") {
    return view(ctx, k, "loss", [arg(ctx, input, "input"), arg(ctx, target, "target"), outArg(ctx, k)], {
      mse: true, classes: 1, count: cCount(input.shape), none: reduction === "none", mean: reduction === "mean", smoothing: "0.0f",
    }, reduction === "none" ? "dim3(64)" : "dim3(1)", 1024, "batch", `mse_loss (${reduction}) of ${shapeComment(input)}`);
  }
  const C = input.shape[1] as number;
  return view(ctx, k, "loss", [arg(ctx, input, "input"), arg(ctx, target, "target"), outArg(ctx, k)], {
    mse: false, crossEntropy: n.op === "cross_entropy", classes: C, count: cDim(input.shape[0]), none: reduction === "none", mean: reduction === "mean",
    smoothing: cFloat(n.op === "cross_entropy" ? (n.attrs.labelSmoothing as number) : 0),
  }, reduction === "none" ? "dim3(64)" : "dim3(1)", 1024, "batch", `${n.op} (${reduction}) over ${shapeComment(input)}`);
}

