import { relative } from "node:path";
import type { LoweredModel } from "./1-frontend/lower.ts";
import { kernelCost } from "./3-fusion/cost.ts";
import type { KernelPlan } from "./3-fusion/plan.ts";
import type { MemoryPlan } from "./4-memory/plan.ts";
import { bucketSummary, planBuckets } from "./4-memory/buckets.ts";
import { CodegenContext } from "./5-codegen/context.ts";
import type { TrainingCodegen } from "./5-codegen/emit.ts";
import type { ResourceReport } from "./6-build/resources.ts";
import { dtypeNames, type Node } from "./ir/node.ts";
import { formatShape, numel } from "./ir/shape.ts";

// `tsdp inspect`: what a PyTorch user would print(model) for, plus the parameter table.

export interface ModelReport {
  readonly model: string;
  readonly file: string;
  readonly inputs: { name: string; dtype: string; shape: string }[];
  readonly outputs: { dtype: string; shape: string }[];
  readonly layers: { path: string; type: string; summary: string; params: number }[];
  readonly parameters: { name: string; shape: number[]; count: number }[];
  readonly buffers: { name: string; shape: number[]; dtype: string }[];
  readonly totalParameters: number;
  readonly training?: {
    loss: string;
    optimizer: Record<string, unknown>;
    stepKernels: number;
    /** All-reduce buckets with DDP's default sizes, in the order the backward completes them. */
    buckets: { params: string[]; bytes: number; afterKernel: string }[];
  };
  readonly kernels: { name: string; ops: string[]; fusion: string[]; source: string[]; flops: number; bytes: number }[];
  readonly memory: { paramBytes: number; activationBytesPerSample: number; activationBytesPerSampleWithoutReuse: number; fixedBytes: number };
  /** What one device holds for a batch of `batch` samples on it (every replica holds the same). */
  readonly perDevice: {
    readonly batch: number;
    readonly parameters: number;
    readonly buffers: number;
    readonly gradients: number;
    readonly optimizerState: number;
    readonly activations: number;
    readonly peak: number;
  };
  /** With --arch: every kernel of the library (forward, step, harness) as ptxas compiled it. */
  readonly resources?: ResourceReport;
}

const countOf = (n: Node) => numel(n.shape).c;

export function modelReport(m: LoweredModel, plan: KernelPlan, memory: MemoryPlan, training?: TrainingCodegen, batch = 64, cwd = process.cwd()): ModelReport {
  const g = m.graph;
  const ctx = new CodegenContext(g, plan, memory);
  const bytesOfNodes = (nodes: readonly Node[]) => nodes.reduce((s, n) => s + numel(n.shape).c * (n.dtype === "i64" ? 8 : 4), 0);
  const parameters = bytesOfNodes(g.params);
  const programs = [memory, ...(training ? [training.evaluate.memory, training.step.memory] : [])];
  // arenas are shared by the programs, sized for the largest
  const activations = Math.max(...programs.map((p) => p.batchBytesPerSample)) * batch + Math.max(...programs.map((p) => p.fixedBytes));
  const optimizer = training?.optimizer;
  const stateCopies = !optimizer ? 0 : optimizer.kind === "SGD" ? (optimizer.momentum !== 0 ? 1 : 0) : 2;
  const perDevice = {
    batch,
    parameters,
    buffers: bytesOfNodes(g.buffers),
    gradients: training ? parameters : 0,
    optimizerState: stateCopies * parameters,
    activations,
    peak: 0,
  };
  perDevice.peak = perDevice.parameters + perDevice.buffers + perDevice.gradients + perDevice.optimizerState + perDevice.activations;
  return {
    model: g.name,
    file: relative(cwd, m.file) || m.file,
    inputs: g.inputs.map((n) => ({ name: n.attrs.name, dtype: dtypeNames[n.dtype], shape: formatShape(n.shape) })),
    outputs: g.outputs.map((n) => ({ dtype: dtypeNames[n.dtype], shape: formatShape(n.shape) })),
    layers: m.layers.map((l) => ({ path: l.path, type: l.type, summary: l.summary, params: l.params.reduce((s, p) => s + countOf(p), 0) })),
    parameters: g.params.map((p) => ({ name: p.attrs.name, shape: p.shape as number[], count: countOf(p) })),
    buffers: g.buffers.map((b) => ({ name: b.attrs.name, shape: b.shape as number[], dtype: dtypeNames[b.dtype] })),
    totalParameters: g.params.reduce((s, p) => s + countOf(p), 0),
    training: g.loss && g.optimizer && training ? trainingReport(g.loss.value.op, { ...g.optimizer }, m, training) : undefined,
    kernels: plan.kernels.map((k) => ({ name: k.name, ops: k.nodes.map((n) => n.op), fusion: [...k.rules], source: ctx.source(k), ...kernelCost(k, plan) })),
    memory: {
      paramBytes: memory.paramBytes,
      activationBytesPerSample: memory.batchBytesPerSample,
      activationBytesPerSampleWithoutReuse: memory.unsharedBatchBytesPerSample,
      fixedBytes: memory.fixedBytes,
    },
    perDevice,
  };
}

function trainingReport(loss: string, optimizer: Record<string, unknown>, m: LoweredModel, training: TrainingCodegen): NonNullable<ModelReport["training"]> {
  const { plan, memory } = training.step;
  return {
    loss,
    optimizer,
    stepKernels: plan.kernels.length,
    buckets: bucketSummary(planBuckets(m.graph.params, training.gradients, plan, memory), plan),
  };
}

const thousands = (n: number) => n.toLocaleString("en-US");

function table(rows: string[][], alignRight: number[] = []): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => "  " + r.map((cell, c) => (alignRight.includes(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  ").trimEnd());
}

export function formatReport(r: ModelReport): string {
  const out: string[] = [];
  out.push(`${r.model}  (${r.file})`);
  for (const i of r.inputs) out.push(`  input   ${i.name}: ${i.dtype} ${i.shape}`);
  for (const o of r.outputs) out.push(`  output  ${o.dtype} ${o.shape}`);
  out.push("", "Layers");
  const layerRows = r.layers
    .filter((l) => l.path !== "")
    .map((l) => ["  ".repeat(l.path.split(".").length - 1) + l.path, l.type, l.summary, l.params ? thousands(l.params) : ""]);
  if (layerRows.length) out.push(...table([["name", "type", "settings", "params"], ...layerRows], [3]));
  out.push("", "Parameters");
  const paramRows = r.parameters.map((p) => [p.name, formatShape(p.shape), thousands(p.count)]);
  out.push(...table([["name", "shape", "count"], ...paramRows, ["total", "", thousands(r.totalParameters)]], [2]));
  if (r.buffers.length) {
    out.push("", "Buffers");
    out.push(...table([["name", "shape", "dtype"], ...r.buffers.map((b) => [b.name, formatShape(b.shape), b.dtype])]));
  }
  out.push("", `Kernels (forward: ${r.kernels.length}; FLOPs and bytes per sample)`);
  for (const k of r.kernels) {
    out.push(`  ${k.name}  ${k.ops.join(" + ")}${k.fusion.length ? `  [${k.fusion.join(", ")}]` : ""}  ${thousands(k.flops)} FLOPs, ${thousands(k.bytes)} B`);
    for (const line of k.source) out.push(`      ${line}`);
  }
  const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
  const d = r.perDevice;
  out.push(
    "",
    `Memory per device, batch ${d.batch} on it (planned: liveness and buffer reuse)`,
    ...table(
      [
        ["parameters", kib(d.parameters)],
        ["buffers", kib(d.buffers)],
        ["gradients", kib(d.gradients)],
        ["optimizer state", kib(d.optimizerState)],
        ["activations", `${kib(d.activations)}  (forward: ${kib(r.memory.activationBytesPerSample)} per sample, ${kib(r.memory.activationBytesPerSampleWithoutReuse)} without reuse)`],
        ["peak", kib(d.peak)],
      ],
      [],
    ),
  );
  if (r.training) {
    const opt = Object.entries(r.training.optimizer).filter(([k]) => k !== "kind").map(([k, v]) => `${k}=${v}`).join(", ");
    out.push("", `Training  loss ${r.training.loss}, optimizer ${r.training.optimizer.kind} (${opt}); a step is ${r.training.stepKernels} kernels + 1 update`);
    out.push(`  gradient buckets (all-reduced during the backward; DDP's sizes, --bucket-cap-mb at compile):`);
    for (const b of r.training.buckets) out.push(`    ${kib(b.bytes).padStart(10)}  after ${b.afterKernel}: ${b.params.join(", ")}`);
  }
  if (r.resources) out.push("", ...formatResources(r.resources));
  return out.join("\n");
}

/** The ptxas table: one row per kernel and architecture, then what breaks the rules (or that nothing does). */
export function formatResources(r: ResourceReport): string[] {
  const out = [`Kernel resources (ptxas, ${r.archs.join(", ")}; registers, spills and stack per thread, shared memory per block)`];
  const rows = r.kernels.map((k) => [
    k.kernel,
    k.arch,
    String(k.registers),
    `${k.spillStoreBytes}/${k.spillLoadBytes} B`,
    `${k.stackBytes} B`,
    `${thousands(k.sharedBytes)} B`,
    k.threads === undefined ? "" : String(k.threads),
  ]);
  if (rows.length) out.push(...table([["kernel", "arch", "registers", "spill st/ld", "stack", "static shared", "threads"], ...rows], [2, 3, 4, 5, 6]));
  if (r.problems.length) for (const p of r.problems) out.push(`  problem: ${p}`);
  else out.push(`  no spills, no local-memory stack, every launch within its kernel's register and shared-memory limits`);
  return out;
}
