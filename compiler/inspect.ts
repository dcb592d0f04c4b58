import type { GemmReport } from "../runtime/manifest.ts";
import { relative } from "node:path";
import type { Compiled } from "./pipeline.ts";
import { launchConfigs, resourceProblems, trigKernels, type ResourceReport } from "./6-build/resources.ts";
import { numel as elements, type BucketReport, type KernelReport, type Manifest, type MemoryReport, type OptimizerManifest } from "../runtime/manifest.ts";
import { formatShape, numel } from "./ir/shape.ts";
import { formatGpuReport, type GpuReport } from "./inspect-gpu.ts";
import { textTable } from "./text-table.ts";

// `tsdp inspect`: what a PyTorch user would print(model) for, plus the parameter table. Everything
// but the layer tree is the manifest the pipeline wrote for the library (kernels, memory plan,
// buckets): inspect formats what compile produced and recomputes none of it.

export interface ModelReport {
  readonly model: string;
  readonly file: string;
  readonly inputs: { name: string; dtype: string; shape: string }[];
  readonly outputs: { dtype: string; shape: string }[];
  readonly layers: { path: string; type: string; summary: string; params: number }[];
  /** PyTorch's named_parameters(), in state_dict order: the trained ones and the frozen (requires_grad false, `frozen: true`). */
  readonly parameters: { name: string; shape: number[]; count: number; frozen?: true }[];
  /** The buffers proper (registered buffers, BatchNorm's statistics); a frozen parameter is listed under parameters. */
  readonly buffers: { name: string; shape: number[]; dtype: string }[];
  /** The trained parameters' elements (what the optimizer updates and the gradients hold). */
  readonly totalParameters: number;
  /** The frozen parameters' elements: PyTorch's parameters().numel() sum is the two together. */
  readonly frozenParameters: number;
  readonly training?: {
    loss: string;
    optimizer: OptimizerManifest;
    stepKernels: number;
    /** All-reduce buckets with DDP's default sizes, in the order the backward completes them. */
    buckets: readonly BucketReport[];
  };
  /** Why the library would have no training step (a backward op without a kernel yet). */
  readonly trainingUnavailable?: string;
  /** Why PyTorch refuses this model in train mode (manifest.refusedInTraining): the runtime refuses it, eval runs. */
  readonly refusedInTraining?: readonly string[];
  /** Where the model pairs each device's samples ([Batch, Batch]; manifest.pairsPerReplica). */
  readonly pairsPerReplica?: readonly string[];
  readonly kernels: readonly KernelReport[];
  /** The user's kernels (tsdp eject; kernels/NAME.cu) and whether this code would use them. */
  readonly overrides?: readonly { kernel: string; status: string }[];
  /** Which GEMMs call cuBLASLt at run time (issue 20; --gemm). */
  readonly gemm?: GemmReport;
  readonly memory: MemoryReport;
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
  /** With --arch: every kernel of the library (forward, step, harness) as ptxas compiled it; with --from, as the build recorded it. */
  readonly resources?: ResourceReport;
  /** With --gpu: the performance model's estimate of every launch of the step and the forward. */
  readonly gpu?: GpuReport;
}

const elementBytes = { float32: 4, int32: 4, int64: 8 } as const;

/** The report of a generated model: its manifest, plus the frontend's layer tree. */
export function modelReport(compiled: Pick<Compiled, "model" | "generated">, batch = 64, cwd = process.cwd()): ModelReport {
  const { model: m, generated } = compiled;
  const manifest = generated.manifest;
  const bytesOf = (specs: Manifest["params"]) => specs.reduce((s, p) => s + elements(p.shape) * elementBytes[p.dtype], 0);
  const parameters = bytesOf(manifest.params);
  const { memory, training } = manifest;
  // the arenas are shared by the programs, sized for the largest (the manifest records them so)
  const activations = memory.arenaBytesPerSample * batch + memory.arenaFixedBytes + (memory.arenaBytesPerPair ?? 0) * batch * batch;
  const optimizer = training?.optimizer;
  const stateCopies = !optimizer ? 0 : optimizer.kind === "SGD" ? (optimizer.momentum !== 0 ? 1 : 0) : optimizer.kind === "RMSprop" ? (optimizer.momentum !== 0 ? 2 : 1) : optimizer.kind === "Adagrad" ? 1 : 2;
  const perDevice = {
    batch,
    parameters,
    buffers: bytesOf(manifest.buffers),
    gradients: training ? parameters : 0,
    optimizerState: stateCopies * parameters,
    activations,
    peak: 0,
  };
  perDevice.peak = perDevice.parameters + perDevice.buffers + perDevice.gradients + perDevice.optimizerState + perDevice.activations;
  const shapeText = (shape: readonly (number | string)[]) => `[${shape.join(", ")}]`;
  // a frozen parameter (requires_grad false) is held as a buffer — state the optimizer never sees —
  // but PyTorch's named_parameters() lists it, among the trained ones in state_dict order
  const frozen = new Set(m.graph.nodes.filter((n) => n.op === "buffer" && n.attrs.frozen === true).map((n) => n.attrs.name as string));
  const rows = new Map([...manifest.params.map((p) => [p.name, p] as const), ...manifest.buffers.filter((b) => frozen.has(b.name)).map((b) => [b.name, b] as const)]);
  const order = manifest.stateDict?.filter((k) => rows.has(k)) ?? [...rows.keys()];
  const named = order.map((name) => {
    const p = rows.get(name)!;
    return { name, shape: [...p.shape], count: elements(p.shape), ...(frozen.has(name) ? { frozen: true as const } : {}) };
  });
  return {
    model: manifest.model,
    file: relative(cwd, m.file) || m.file,
    inputs: manifest.inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: shapeText(i.shape) })),
    outputs: manifest.outputs.map((o) => ({ dtype: o.dtype, shape: shapeText(o.shape) })),
    // a layer's count is of its trained parameters, as the Parameters table's total: a registered
    // buffer is not counted, nor a frozen parameter (state the optimizer never sees, listed as frozen)
    layers: m.layers.map((l) => ({ path: l.path, type: l.type, summary: l.held ? `${l.summary}${l.summary ? ", " : ""}${l.held} mode always` : l.summary, params: l.params.filter((p) => p.op === "param").reduce((s, p) => s + numel(p.shape).c, 0) })),
    parameters: named,
    buffers: manifest.buffers.filter((b) => !frozen.has(b.name)).map((b) => ({ name: b.name, shape: [...b.shape], dtype: b.dtype })),
    totalParameters: manifest.params.reduce((s, p) => s + elements(p.shape), 0),
    frozenParameters: named.filter((p) => p.frozen).reduce((s, p) => s + p.count, 0),
    training: training && { loss: training.loss, optimizer: training.optimizer, stepKernels: training.stepKernels, buckets: training.buckets },
    trainingUnavailable: manifest.trainingUnavailable,
    refusedInTraining: manifest.refusedInTraining,
    pairsPerReplica: manifest.pairsPerReplica,
    kernels: manifest.kernels,
    gemm: manifest.gemm,
    memory,
    perDevice,
  };
}

/**
 * The kernel resources a CUDA build recorded in its manifest (`resources`, from ptxas at build
 * time), joined with the launches of its model.cu: what --arch would measure, without nvcc.
 * Null when the build has none (a CPU build).
 */
export function recordedResources(built: Pick<Manifest, "resources">, cu: string): ResourceReport | null {
  if (!built.resources) return null;
  const launches = launchConfigs(cu);
  const threads = new Map(launches.map((l) => [l.kernel, l.threads]));
  return {
    archs: [...new Set(built.resources.map((r) => r.arch))],
    kernels: built.resources.map((r) => ({ ...r, threads: threads.get(r.kernel) })),
    problems: resourceProblems(built.resources, launches, trigKernels(cu)),
  };
}

const thousands = (n: number) => n.toLocaleString("en-US");

const table = textTable;

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
  const paramRows = r.parameters.map((p) => [p.name, formatShape(p.shape), thousands(p.count), p.frozen ? "frozen (requires_grad false)" : ""]);
  const frozenRow = r.frozenParameters ? [["frozen", "", thousands(r.frozenParameters), ""]] : [];
  out.push(...table([["name", "shape", "count", ""], ...paramRows, ["total", "", thousands(r.totalParameters), frozenRow.length ? "trained" : ""], ...frozenRow], [2]));
  if (r.buffers.length) {
    out.push("", "Buffers");
    out.push(...table([["name", "shape", "dtype"], ...r.buffers.map((b) => [b.name, formatShape(b.shape), b.dtype])]));
  }
  out.push("", `Kernels (forward: ${r.kernels.length}; FLOPs and bytes per sample, + what a launch costs whatever the batch)`);
  const plusFixed = (fixed: number | undefined) => (fixed ? ` + ${thousands(fixed)}` : "");
  for (const k of r.kernels) {
    out.push(
      `  ${k.name}  ${k.ops.join(" + ")}${k.fusion.length ? `  [${k.fusion.join(", ")}]` : ""}  ` +
        `${thousands(k.flops)}${plusFixed(k.fixedFlops)} FLOPs, ${thousands(k.bytes)}${plusFixed(k.fixedBytes)} B`,
    );
    for (const line of k.source) out.push(`      ${line}`);
  }
  if (r.overrides?.length) out.push("", "User kernels (kernels/; tsdp eject)", ...r.overrides.map((o) => `  ${o.kernel}  ${o.status}`));
  if (r.gemm) out.push("", ...formatGemm(r.gemm));
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
        ["activations", `${kib(d.activations)}  (forward: ${kib(r.memory.activationBytesPerSample)} per sample, ${kib(r.memory.activationBytesPerSampleWithoutReuse)} without reuse)${r.memory.arenaBytesPerPair ? `, ${r.memory.arenaBytesPerPair} B per pair of samples (× ${d.batch}²)` : ""}`],
        ["peak", kib(d.peak)],
      ],
      [],
    ),
  );
  if (r.trainingUnavailable) out.push("", `Training  unavailable in this version of tsdp: ${r.trainingUnavailable}`);
  if (r.training) {
    const opt = Object.entries(r.training.optimizer).filter(([k]) => k !== "kind").map(([k, v]) => `${k}=${v}`).join(", ");
    out.push("", `Training  loss ${r.training.loss}, optimizer ${r.training.optimizer.kind} (${opt}); a step is ${r.training.stepKernels} kernels + 1 update`);
    out.push(`  gradient buckets (all-reduced during the backward; DDP's sizes, --bucket-cap-mb at compile):`);
    for (const b of r.training.buckets) out.push(`    ${kib(b.bytes).padStart(10)}  after ${b.afterKernel}: ${b.params.join(", ")}`);
  }
  // the step is built, but a call in train mode is refused at run time, as PyTorch refuses it
  if (r.pairsPerReplica?.length)
    out.push("", `In-batch pairs  ${r.pairsPerReplica.join(", ")}: [Batch, Batch] — each device pairs the samples of its own share (PyTorch's DDP without all_gather); one device pairs the whole batch`);
  if (r.refusedInTraining?.length) out.push("", "Train mode  refused when the model runs, as PyTorch refuses it (eval runs):", ...r.refusedInTraining.map((why) => `  ${why}`));
  if (r.resources) out.push("", ...formatResources(r.resources));
  if (r.gpu) out.push("", ...formatGpuReport(r.gpu));
  return out.join("\n");
}

/** Each GEMM's library: cuBLASLt (with its epilogue) or tsdp's kernel, and why. */
export function formatGemm(g: GemmReport): string[] {
  const out = [`GEMMs (--gemm ${g.mode}: ${g.sites} on cuBLASLt, loaded at run time; tsdp's kernel where it is absent)`];
  const rows = g.choices.map((c) => [
    c.program,
    c.kernel,
    c.role,
    c.library === "cublaslt" ? `cuBLASLt ${c.epilogue}${c.separateEpilogue ? ` + pass: ${c.separateEpilogue.join(", ")}` : ""}${c.replaces ? ` (replaces ${c.replaces})` : ""}` : "tsdp",
    c.why,
  ]);
  if (rows.length) out.push(...table([["program", "kernel", "role", "library", "why"], ...rows], []).map((l) => `  ${l}`));
  return out;
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
  else {
    // a trig kernel's frame for sin/cos argument reduction is accepted (resources.ts), but it is a stack all the same
    const stacked = new Set(r.kernels.filter((k) => k.stackBytes > 0).map((k) => k.kernel)).size;
    const stack = stacked ? `${stacked} kernel${stacked === 1 ? "" : "s"} with only the small stack frame of sin/cos argument reduction` : "no local-memory stack";
    out.push(`  no spills, ${stack}, every launch within its kernel's register and shared-memory limits`);
  }
  return out;
}
