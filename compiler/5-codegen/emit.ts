import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";
import type { Kernel, KernelPlan } from "../3-fusion/plan.ts";
import type { MemoryPlan } from "../4-memory/plan.ts";
import { CompileError, diagnostic } from "../diagnostics/diagnostic.ts";
import { dtypeNames, type Graph, type Init, type Node } from "../ir/node.ts";
import { formatShape, isBatch, numel } from "../ir/shape.ts";
import { hash32 } from "../reference/rng.ts";
import { CodegenContext, shapeComment, type Precision } from "./context.ts";
import { elementwiseKernel } from "./kernels/elementwise.ts";
import { gemmKernel } from "./kernels/gemm.ts";
import { rowwiseKernel } from "./kernels/rowwise.ts";
import { embeddingKernel, permuteKernel, poolKernel } from "./kernels/simple.ts";
import { batchNormKernel, lossKernel, reduceKernel } from "./kernels/blockwise.ts";
import { opDef } from "../ops/index.ts";
import { kernelCost } from "../3-fusion/cost.ts";
import type { KernelView, LaunchView } from "./view.ts";

// Code generation: graph → kernel plan → memory plan → view model → model.cu, model.h and the
// manifest. The view model holds every name and number; the templates in templates/ only lay
// them out.

export interface GeneratedModel {
  readonly cu: string;
  readonly header: string;
  readonly manifest: Manifest;
  readonly plan: KernelPlan;
  readonly memory: MemoryPlan;
}

export interface TensorSpec {
  readonly name: string;
  readonly dtype: string;
  readonly shape: (number | "Batch" | string)[];
}

export interface KernelReport {
  readonly name: string;
  readonly ops: string[];
  readonly fusion: string[];
  readonly source: string[];
  /** Per sample (batch size 1). */
  readonly flops: number;
  readonly bytes: number;
}

export interface Manifest {
  readonly format: "tsdp-model";
  readonly abiVersion: 1;
  readonly model: string;
  readonly sourceFile: string;
  readonly sourceHash: string;
  readonly target: "cpu" | "cuda";
  readonly precision: Precision;
  readonly library: string;
  readonly inputs: TensorSpec[];
  readonly outputs: TensorSpec[];
  readonly params: TensorSpec[];
  readonly buffers: TensorSpec[];
  readonly kernels: KernelReport[];
  readonly memory: {
    readonly paramBytes: number;
    readonly activationBytesPerSample: number;
    readonly activationBytesPerSampleWithoutReuse: number;
    readonly fixedBytes: number;
  };
}

type Builder = (ctx: CodegenContext, k: Kernel) => { kernel: KernelView; launch: LaunchView };

/** Kernel builders by the anchor op's family (its lowering). */
const builders: Record<string, Builder> = {
  gemm: gemmKernel,
  rowwise: rowwiseKernel,
  pool: poolKernel,
  embedding: embeddingKernel,
  permute: permuteKernel,
  batch_norm: batchNormKernel,
  reduce: reduceKernel,
  loss: lossKernel,
};

function builderFor(k: Kernel): Builder | undefined {
  const lowering = opDef(k.anchor.op).lowering;
  if (lowering?.kind === "pointwise") return elementwiseKernel;
  return lowering ? builders[lowering.template] : undefined;
}

const templatesDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "templates");
let templates: { model: HandlebarsTemplateDelegate; header: HandlebarsTemplateDelegate } | undefined;

function loadTemplates() {
  if (templates) return templates;
  const hb = Handlebars.create();
  for (const file of readdirSync(join(templatesDir, "kernels")))
    hb.registerPartial(basename(file, ".cu.hbs"), readFileSync(join(templatesDir, "kernels", file), "utf8"));
  hb.registerPartial("harness", readFileSync(join(templatesDir, "harness.cu.hbs"), "utf8"));
  const compile = (name: string) => hb.compile(readFileSync(join(templatesDir, name), "utf8"), { noEscape: true, strict: true });
  templates = { model: compile("model.cu.hbs"), header: compile("model.h.hbs") };
  return templates;
}

function spec(n: Node, name = n.attrs.name as string): TensorSpec {
  return { name, dtype: dtypeNames[n.dtype], shape: n.shape.map((d) => (isBatch(d) ? (d.batch === 1 ? "Batch" : `${d.batch}*Batch`) : d)) };
}

const dtypeCode = { f32: "F32", i32: "I32", i64: "I64" } as const;

function stateLine(n: Node, memory: MemoryPlan): string {
  const slot = memory.slots.get(n)!;
  const init = n.attrs.init as Init;
  const count = numel(n.shape).c;
  const bytes = count * (n.dtype === "i64" ? 8 : 4);
  const [kind, a, b, row] =
    init.kind === "constant" ? [0, init.value, -1, 1] : init.kind === "uniform" ? [1, init.bound, -1, 1] : [2, init.std, init.zeroRow ?? -1, (n.shape[1] as number) ?? 1];
  return `{{"${n.attrs.name}", ${slot.offset}, ${bytes}, ${dtypeCode[n.dtype]}, 0}, ${count}, ${kind}, ${a}, ${b}, ${hash32(n.attrs.name as string)}u, ${row}},  // ${formatShape(n.shape)}`;
}

function ioLine(n: Node, name: string, storage: Node, memory: MemoryPlan): string {
  const slot = memory.slots.get(storage)!;
  const count = numel(n.shape);
  const bytes = count.c * (n.dtype === "i64" ? 8 : 4);
  return `{"${name}", ${slot.offset}, ${bytes}, ${dtypeCode[n.dtype]}, ${count.p === 1 ? 1 : 0}},  // ${formatShape(n.shape)}`;
}

export function generateCuda(
  graph: Graph,
  plan: KernelPlan,
  memory: MemoryPlan,
  target: "cpu" | "cuda",
  precision: Precision = "fp32",
): GeneratedModel {
  const ctx = new CodegenContext(graph, plan, memory, precision);
  const views: KernelView[] = [];
  const launches: LaunchView[] = [];
  const missing: string[] = [];
  for (const k of plan.kernels) {
    const build = builderFor(k);
    if (!build) {
      missing.push(`${k.anchor.op} (${k.name})`);
      continue;
    }
    const { kernel, launch } = build(ctx, k);
    views.push(kernel);
    launches.push(launch);
  }
  if (missing.length)
    throw new CompileError([
      diagnostic("noLowering", `these ops have no CUDA kernel in this version of tsdp: ${missing.join(", ")}`, missing.length ? plan.kernels.find((k) => !builderFor(k))!.anchor.loc : undefined),
    ]);

  const outputs = graph.outputs.map((o, i) => ({ node: o, name: `output${i}` }));
  const sourceFile = basename(graph.nodes[0]?.loc.file ?? "model.ts");
  const base = {
    tensorCores: precision !== "fp32",
    precision,
    model: graph.name,
    sourceFile,
    inputsDesc: graph.inputs.map((n) => `${n.attrs.name}: ${dtypeNames[n.dtype]}${formatShape(n.shape)}`).join(", "),
    outputsDesc: outputs.map((o) => `${o.name}: ${dtypeNames[o.node.dtype]}${formatShape(o.node.shape)}`).join(", "),
    kernelCount: plan.kernels.length,
    paramBytes: memory.paramBytes,
    paramBytesAlloc: Math.max(memory.paramBytes, 16),
    batchBytesPerSample: memory.batchBytesPerSample,
    unsharedBatchBytesPerSample: memory.unsharedBatchBytesPerSample,
    fixedBytes: memory.fixedBytes,
    fixedBytesAlloc: Math.max(memory.fixedBytes, 16),
    kernels: views,
    launches,
    state: [...graph.params, ...graph.buffers].map((n) => stateLine(n, memory)),
    stateCount: graph.params.length + graph.buffers.length,
    inputs: graph.inputs.map((n) => ioLine(n, n.attrs.name as string, n, memory)),
    outputs: outputs.map((o) => ioLine(o.node, o.name, plan.storageOf(o.node), memory)),
    inputCount: graph.inputs.length,
    outputCount: outputs.length,
  };
  const t = loadTemplates();
  // The hash covers everything the library is built from, so a manifest names its library.
  const withoutHash = t.model({ ...base, sourceHash: "" });
  const sourceHash = createHash("sha256").update(withoutHash).update(target).digest("hex");
  const cu = t.model({ ...base, sourceHash });
  const header = t.header({
    ...base,
    inputsDesc: graph.inputs.map((n) => `${n.attrs.name}: ${dtypeNames[n.dtype]} ${formatShape(n.shape)}`),
    outputsDesc: outputs.map((o) => `${o.name}: ${dtypeNames[o.node.dtype]} ${formatShape(o.node.shape)}`),
  });
  const manifest: Manifest = {
    format: "tsdp-model",
    abiVersion: 1,
    model: graph.name,
    sourceFile,
    sourceHash,
    target,
    precision,
    library: "libmodel.so",
    inputs: graph.inputs.map((n) => spec(n)),
    outputs: outputs.map((o) => spec(o.node, o.name)),
    params: graph.params.map((n) => spec(n)),
    buffers: graph.buffers.map((n) => spec(n)),
    kernels: plan.kernels.map((k) => ({ name: k.name, ops: k.nodes.map((n) => n.op), fusion: k.rules.slice(), source: ctx.source(k), ...kernelCost(k, plan) })),
    memory: {
      paramBytes: memory.paramBytes,
      activationBytesPerSample: memory.batchBytesPerSample,
      activationBytesPerSampleWithoutReuse: memory.unsharedBatchBytesPerSample,
      fixedBytes: memory.fixedBytes,
    },
  };
  return { cu, header, manifest, plan, memory };
}

export { shapeComment };
