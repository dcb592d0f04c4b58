import { concatKernel, iotaKernel, narrowKernel, takeKernel } from "./kernels/join.ts";
import { scanKernel } from "./kernels/scan.ts";
import { matrixPivotKernel } from "./kernels/matrix-pivot.ts";
import { ticketRegion } from "./kernels/tickets.ts";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { packageRoot } from "../package-root.mjs";
import Handlebars from "handlebars";
import type { Kernel, KernelPlan } from "../3-fusion/plan.ts";
import type { MemoryPlan } from "../4-memory/plan.ts";
import { CompileError, diagnostic } from "../diagnostics/diagnostic.ts";
import { dtypeNames, GROUP_HYPERPARAMETERS, groupLrScale, stateValues, type Graph, type Init, type Node, type OptimizerSpec } from "../ir/node.ts";
import { formatShape, isBatch, numel, type Dim } from "../ir/shape.ts";
import { hash32 } from "../reference/rng.ts";
import { patchStream, siblingName } from "../reference/init.ts";
import { CodegenContext, defaultShapeFor, type Precision, type ShapeFor } from "./context.ts";
import { cComment, cIdentifier, cString } from "./escape.ts";
import { cFloat } from "../ops/elementwise.ts";
import { fusedPointwiseKernel } from "./kernels/fused-pointwise.ts";
import { gemmKernel } from "./kernels/gemm.ts";
import { blasSites, withBlas, type GemmChoice, type GemmMode } from "./kernels/cublaslt.ts";
import { rowwiseKernel } from "./kernels/rowwise.ts";
import { embeddingKernel, pairDotKernel, permuteKernel, poolKernel, poolPickKernel } from "./kernels/simple.ts";
import { batchNormKernel, lossKernel, reduceKernel } from "./kernels/blockwise.ts";
import { batchNormGradKernel, classificationGradKernel, embeddingGradKernel, layerNormGradKernel, poolGradKernel } from "./kernels/backward.ts";
import { opDef } from "../ops/index.ts";
import type { KernelBuilder } from "../ops/op.ts";
import { kernelReport, launchReports } from "./launches.ts";
import { IndexSites } from "./index-faults.ts";
import { nanWatches } from "./nan-watch.ts";
import { indexRangeOf } from "./index-limits.ts";
import type { HeaderView, InitTableView, KernelView, PatchRowView, PatchTableView, LaunchView, LaunchSiteView, ModelView, ProgramPartView, ProgramView, StateCopyView, StateRowView, TensorRowView, TrainingView } from "./view.ts";
import { MANIFEST_FORMAT, ABI_VERSION, manifestContentHash, type GeneratedManifest, type IOSpec, type ParamSpec, BATCH } from "../../runtime/manifest.ts";
import { bucketSummary, type BucketPlan } from "../4-memory/buckets.ts";
import type { Tuning } from "../tuning/tuning-file.ts";
import { shareIdenticalKernels, type KernelAliasView } from "./shared-kernels.ts";

// Code generation: graph → kernel plan → memory plan → view model → model.cu, model.h and the
// manifest. The view model holds every name and number; the templates in templates/ only lay
// them out.

export interface GeneratedModel {
  readonly cu: string;
  readonly header: string;
  readonly manifest: GeneratedManifest;
  readonly plan: KernelPlan;
  readonly memory: MemoryPlan;
}

/** A kernel's view and launch; `extra`: kernels of its own it launches before (LaunchView.before), rendered beside it. */
type Builder = (ctx: CodegenContext, k: Kernel) => { kernel: KernelView; launch: LaunchView; extra?: readonly KernelView[] };

/** Kernel builders, by the name the anchor op's codegen gives. */
const builders: Record<KernelBuilder, Builder> = {
  rowwise: rowwiseKernel,
  pool: poolKernel,
  embedding: embeddingKernel,
  permute: permuteKernel,
  batch_norm: batchNormKernel,
  reduce: reduceKernel,
  loss: lossKernel,
  pool_grad: poolGradKernel,
  pool_pick: poolPickKernel,
  classification_grad: classificationGradKernel,
  embedding_grad: embeddingGradKernel,
  batch_norm_grad: batchNormGradKernel,
  layer_norm_grad: layerNormGradKernel,
  concat: concatKernel,
  narrow: narrowKernel,
  iota: iotaKernel,
  scan: scanKernel,
  take: takeKernel,
  pair_dot: pairDotKernel,
  matrix_pivot: matrixPivotKernel,
};

function builderFor(k: Kernel): Builder | undefined {
  const codegen = opDef(k.anchor.op).codegen;
  if (codegen?.kind === "pointwise") return fusedPointwiseKernel;
  if (codegen?.kind === "gemm") return gemmKernel;
  return codegen ? builders[codegen.builder] : undefined;
}

const templatesDir = join(packageRoot, "templates");
interface Templates {
  model(view: ModelView): string;
  header(view: HeaderView): string;
  kernel(view: KernelView): string;
  /** A kernel that shares an earlier one's code (shared-kernels.ts). */
  alias(view: KernelAliasView): string;
}
let templates: Templates | undefined;

function loadTemplates(): Templates {
  if (templates) return templates;
  const hb = Handlebars.create();
  const compile = (path: string) => hb.compile(readFileSync(path, "utf8"), { noEscape: true, strict: true });
  const kernels = new Map<string, HandlebarsTemplateDelegate>();
  for (const file of readdirSync(join(templatesDir, "kernels"))) kernels.set(basename(file, ".cu.hbs"), compile(join(templatesDir, "kernels", file)));
  templates = {
    model: compile(join(templatesDir, "model.cu.hbs")),
    header: compile(join(templatesDir, "model.h.hbs")),
    alias: compile(join(templatesDir, "kernel_alias.cu.hbs")),
    kernel: (view) => {
      const k = kernels.get(view.template);
      if (!k) throw new Error(`codegen: no template templates/kernels/${view.template}.cu.hbs`);
      return k(view);
    },
  };
  return templates;
}

const manifestDtype = (n: Node) => dtypeNames[n.dtype] as IOSpec["dtype"];

/** A model input or output, as the manifest lists it: dim 0 is the batch (the frontend refuses any other batch dim). */
function ioSpec(n: Node, name = n.attrs.name as string): IOSpec {
  const shape = n.shape.map((d) => {
    if (!isBatch(d)) return d;
    if (d.batch !== 1) throw new CompileError([diagnostic("internal", `codegen: ${name} has the batch dimension ${formatShape(n.shape)}; the frontend lets only Batch through`, n.loc)]);
    return BATCH;
  });
  return { name, dtype: manifestDtype(n), shape };
}

/** An int32 input's or target's spec with the range its values index, where its uses say one. */
function withIndexRange(spec: IOSpec, graph: Graph, n: Node): IOSpec {
  const range = indexRangeOf(graph, n);
  return range ? { ...spec, indexes: range } : spec;
}

/** A parameter or buffer, as the manifest lists it: a fixed shape. */
function paramSpec(n: Node): ParamSpec {
  // parameters and buffers have fixed shapes (the frontend builds them from constructor arguments)
  // a buffer registered with persistent false: the runtime keeps it out of stateDict and checkpoints
  return { name: n.attrs.name as string, dtype: manifestDtype(n), shape: n.shape as number[], ...(n.attrs.persistent === false ? { persistent: false as const } : {}) };
}

const dtypeCode = { f32: "TSDP_F32", i32: "TSDP_I32", i64: "TSDP_I64" } as const;
const initCode = { constant: "TSDP_INIT_CONSTANT", uniform: "TSDP_INIT_UNIFORM", normal: "TSDP_INIT_NORMAL", values: "TSDP_INIT_DATA", orthogonal: "TSDP_INIT_ORTHOGONAL", sliceNorm: "TSDP_INIT_SLICE_NORM", sparse: "TSDP_INIT_SPARSE" } as const;
const optimizerCode = { SGD: "TSDP_SGD", Adam: "TSDP_ADAM", AdamW: "TSDP_ADAMW", RMSprop: "TSDP_RMSPROP", Adagrad: "TSDP_ADAGRAD", Adamax: "TSDP_ADAMAX", Adadelta: "TSDP_ADADELTA", NAdam: "TSDP_NADAM", RAdam: "TSDP_RADAM" } as const;

/** A C double literal: JavaScript's shortest round-trip form is one. */
function cDouble(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`codegen: ${x} has no C literal`);
  // String(-0) is "0": a −0.0 fill (a buffer of F.tensor([-0.0])) keeps its sign
  return Object.is(x, -0) ? "-0.0" : String(x);
}

/** A double as a C++ initializer, with math.h's macros for what has no literal. */
function cDoubleInitializer(v: number): string {
  if (Number.isNaN(v)) return "NAN";
  if (!Number.isFinite(v)) return v > 0 ? "INFINITY" : "-INFINITY";
  return cDouble(v);
}

/**
 * A float as a host-side C++ initializer: the fewest digits that read back as the same float32
 * (a table of them reads as the values do), and the math.h macros for what has no literal.
 */
function cFloatInitializer(v: number): string {
  if (Number.isNaN(v)) return "NAN";
  if (!Number.isFinite(v)) return v > 0 ? "INFINITY" : "-INFINITY";
  const f = Math.fround(v);
  let s = String(f);
  for (let digits = 1; digits <= 9; digits++) {
    const shorter = f.toPrecision(digits);
    if (Math.fround(Number(shorter)) === f) {
      s = String(Number(shorter));
      break;
    }
  }
  if (Object.is(f, -0)) s = "-0.0";
  return /[.eE]/.test(s) ? `${s}f` : `${s}.0f`;
}

/**
 * The tables of values computed in constructors (Init "values"), one per parameter or buffer that
 * has one, and one per patch of values of a "parts" initializer.
 */
function initTables(state: readonly Node[]): InitTableView[] {
  const table = (n: Node, symbol: string, values: Float32Array, shape: string): InitTableView => {
    const perLine = 8;
    const lines: string[] = [];
    for (let i = 0; i < values.length; i += perLine) lines.push([...values.subarray(i, i + perLine)].map(cFloatInitializer).join(", "));
    return { symbol, name: cComment(n.attrs.name as string), shape, at: cComment(`${basename(n.loc.file)}:${n.loc.line}`), lines };
  };
  return state.flatMap((n, index) => {
    const init = n.attrs.init as Init;
    const base = init.kind === "parts" ? init.base : init;
    const own = base.kind === "values" ? [table(n, initTableSymbol(index), base.values, formatShape(n.shape))] : [];
    const patches = init.kind === "parts" ? init.patches.flatMap((p, k) => (p.init.kind === "values" ? [table(n, patchDataSymbol(index, k), p.init.values, `[${p.box.sizes.join(", ")}] (a part)`)] : [])) : [];
    return [...own, ...patches];
  });
}

const initTableSymbol = (stateIndex: number) => `k_init_${stateIndex}`;
const patchDataSymbol = (stateIndex: number, k: number) => `k_init_${stateIndex}_part${k}`;
const patchTableSymbol = (stateIndex: number) => `k_patches_${stateIndex}`;

/** The patches of each "parts" initializer: where each part is and how it is set. */
function patchTables(state: readonly Node[]): PatchTableView[] {
  return state.flatMap((n, index) => {
    const init = n.attrs.init as Init;
    if (init.kind !== "parts") return [];
    const name = n.attrs.name as string;
    const rows = init.patches.map((p, k): PatchRowView => {
      const [a, shift] = drawParams(p.init, p.box.sizes);
      return {
        offset: p.box.offset,
        rank: p.box.sizes.length,
        sizes: `{${p.box.sizes.join(", ")}}`,
        strides: `{${p.box.strides.join(", ")}}`,
        init: initCode[p.init.kind],
        a: cDouble(a),
        shift: cDouble(shift),
        stream: hash32(patchStream(name, k)),
        data: p.init.kind === "values" ? patchDataSymbol(index, k) : "nullptr",
      };
    });
    return [{ symbol: patchTableSymbol(index), name: cComment(name), rows }];
  });
}

/** How a tensor of `shape` draws from `init`: tsdp_state_info's a, shift, zero_row and row. */
function drawParams(init: Exclude<Init, { kind: "sliceNorm" | "parts" }>, shape: readonly Dim[]): [number, number, number, number] {
  const count = shape.reduce((p: number, d) => p * (d as number), 1);
  return init.kind === "constant"
    ? [init.value, 0, -1, 1]
    : init.kind === "uniform"
      ? [init.bound, init.center ?? 0, -1, 1]
      : init.kind === "normal"
        ? [init.std, init.mean ?? 0, init.zeroRow ?? -1, (shape[1] as number) ?? 1]
        : init.kind === "orthogonal"
          ? [init.gain, 0, -1, count / (shape[0] as number)] // row: the columns of the flattened matrix
          : init.kind === "sparse"
            ? [init.std, 0, -1, shape[1] as number] // row: the columns
          : [0, 0, -1, 1];
}

/**
 * The trained parameters whose forward change depends on the batch: each replica would change its own
 * copy by its own share, so the replicas keep replica 0's. A change computed from the state alone (a
 * max-norm constraint) is the same on every replica and needs no copy.
 */
function replica0Params(graph: Graph, memory: MemoryPlan): ModelView["replica0Params"] {
  const inputs = new Set<Node>(graph.inputs);
  const readsInput = (value: Node): boolean => {
    const seen = new Set<Node>();
    const stack = [value];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (inputs.has(n)) return true;
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(...n.inputs);
    }
    return false;
  };
  return (graph.stateUpdates ?? [])
    .filter((u) => u.buffer.op === "param" && readsInput(u.value))
    .map((u) => ({ offset: memory.slots.get(u.buffer)!.offset, bytes: memory.slots.get(u.buffer)!.bytes, name: cComment(u.buffer.attrs.name as string) }));
}

function stateRow(n: Node, index: number, memory: MemoryPlan): StateRowView {
  const slot = memory.slots.get(n)!;
  const declared = n.attrs.init as Init;
  // a parameter set part by part: its base here, the parts in its patch table
  const init = declared.kind === "parts" ? declared.base : declared;
  const count = numel(n.shape).c;
  // weight norm's g: the draw parameters are its sibling v's, whose draw the harness repeats
  const name = n.attrs.name as string;
  const [a, shift, zeroRow, row] = init.kind === "sliceNorm" ? drawParams(init.of, init.siblingShape) : drawParams(init, n.shape);
  // (a clone of another state's draw draws from that state's stream)
  const stream = hash32(init.kind === "sliceNorm" ? siblingName(name, init.sibling) : (init.kind === "uniform" || init.kind === "normal" ? init.stream : undefined) ?? name);
  // a truncated normal (its own, or the sibling v's that weight norm's g repeats)
  const drawn = init.kind === "sliceNorm" ? init.of : init;
  const cut = drawn.kind === "normal" ? drawn.truncated : undefined;
  return {
    truncated: cut ? 1 : 0,
    lo: cDouble(cut?.[0] ?? 0),
    hi: cDouble(cut?.[1] ?? 0),
    ofInit: init.kind === "sliceNorm" ? initCode[init.of.kind] : "TSDP_INIT_CONSTANT",
    ofCount: init.kind === "sliceNorm" ? init.siblingShape.reduce((p, d) => p * d, 1) : 0,
    ofInner: init.kind === "sliceNorm" ? init.inner : 0,
    data: init.kind === "values" ? initTableSymbol(index) : "nullptr",
    name: cString(n.attrs.name as string),
    offset: slot.offset,
    bytes: count * (n.dtype === "i64" ? 8 : 4),
    dtype: dtypeCode[n.dtype],
    count,
    init: initCode[init.kind],
    // a constant may be NaN or ±∞ (a buffer of F.ones(3).div(0), the inverse of a singular constant)
    a: cDoubleInitializer(a),
    shift: cDouble(shift),
    zeroRow,
    stream,
    row,
    shape: formatShape(n.shape),
    patches: declared.kind === "parts" ? patchTableSymbol(index) : "nullptr",
    patchCount: declared.kind === "parts" ? declared.patches.length : 0,
    sparseZeros: init.kind === "sparse" ? init.zeros : 0,
  };
}

function tensorRow(n: Node, name: string, storage: Node, memory: MemoryPlan): TensorRowView {
  const slot = memory.slots.get(storage)!;
  const count = numel(n.shape);
  return {
    name: cString(name),
    offset: slot.offset,
    bytes: count.c * (n.dtype === "i64" ? 8 : 4),
    dtype: dtypeCode[n.dtype],
    batched: count.p === 1 ? 1 : 0,
    shape: formatShape(n.shape),
  };
}

/**
 * Generated kernels live in their own namespace, so that no module path (a layer named
 * optimizer_update or tsdp_accumulate) can give a kernel the name of a function of the harness.
 */
const kernelNamespace = "tsdp_kernels";
const kernelSymbol = (kernel: string) => `${kernelNamespace}::${kernel}`;

/** One sequence of kernels the harness can run: forward, evaluate (forward + loss) or the training step. */
export interface Program {
  readonly graph: Graph;
  readonly plan: KernelPlan;
  readonly memory: MemoryPlan;
}

/** What code generation needs to emit the training step. */
export interface TrainingCodegen {
  readonly evaluate: Program;
  readonly step: Program;
  readonly gradients: ReadonlyMap<string, Node>;
  readonly lossScale: Node;
  readonly optimizer: OptimizerSpec;
  /** "mean": replicas' losses and gradients are weighted by their share of the batch. */
  readonly reduction: "mean" | "sum";
  /** The step program's gradient buckets (4-memory/buckets.ts): where the backward is cut for the all-reduces. */
  readonly buckets: BucketPlan;
}

/** Everything code generation takes: the programs with their kernel and memory plans, and the target. */
export interface CodegenInput {
  /** The forward program; its graph is the model's (inputs, outputs, parameters, training declaration). */
  readonly forward: Program;
  readonly target: "cpu" | "cuda";
  /** GEMM and convolution arithmetic (default fp32). */
  readonly precision?: Precision;
  /** Kernel shapes for the GPU or the CPU target (default: the target's). */
  readonly shapeFor?: ShapeFor;
  /** Which GEMMs call cuBLASLt (kernels/cublaslt.ts; default auto). */
  readonly gemm?: GemmMode;
  /** The evaluate and training-step programs, when the model declares its training. */
  readonly training?: TrainingCodegen;
  /** A tuning file's knobs (compiler/tuning), in place of the heuristics' kernel shapes. */
  readonly tuning?: Tuning;
  /** Kernels with the same code emitted once, the others as aliases of it (shared-kernels.ts; default true). */
  readonly shareKernels?: boolean;
}

interface RenderedProgram {
  readonly launches: LaunchView[];
  /** The template of each launch's kernel (what the performance model needs to know of it: tensor cores or not). */
  readonly templates: KernelView["template"][];
  readonly plan: KernelPlan;
}

/** Renders each program's kernels once; a kernel identical in two programs is emitted once. */
function renderPrograms(programs: Record<string, Program>, precision: Precision, shapeFor: ShapeFor, gemm: GemmMode, tuning: Tuning | undefined, share: boolean) {
  const t = loadTemplates();
  const texts = new Map<string, string>();
  const out: Record<string, RenderedProgram & { ctx: CodegenContext }> = {};
  const gemmChoices: GemmChoice[] = [];
  let cublasltSites = 0;
  const indexSites = new IndexSites();
  for (const [name, program] of Object.entries(programs)) {
    const ctx = new CodegenContext(program.graph, program.plan, program.memory, precision, shapeFor, tuning, indexSites);
    const launches: LaunchView[] = [];
    const templates: KernelView["template"][] = [];
    const blas = blasSites(ctx, name, program.plan, gemm, cublasltSites);
    cublasltSites += blas.sites;
    for (const [i, k] of program.plan.kernels.entries()) {
      const build = builderFor(k);
      if (!build)
        throw new CompileError([diagnostic("noKernel", `${k.anchor.op} (in ${name}, kernel ${k.name}) has no CUDA kernel in this version of tsdp`, k.anchor.loc)]);
      // the kernel's C names derive from its (module path) name only through the mangling
      const stem = cIdentifier(k.name);
      let { kernel, launch, extra } = build(ctx, { ...k, name: stem });
      // the kernels it launches before its own come first in the file too: read top to bottom, as they run
      const render = (view: KernelView, more: readonly KernelView[] = []) => [...more, view].map((v) => t.kernel(v)).join("\n");
      let text = render(kernel, extra);
      // A kernel of another program with the same name and other code: this one is built again
      // under a name of its own. Built again, not renamed afterwards: a view's strings (a GEMM's
      // gathers) call helpers named after the kernel, and a renamed text called the other
      // kernel's index maps, reading outside its operands (fuzz seed 60063).
      for (let n = 1; texts.has(kernel.name) && texts.get(kernel.name) !== text; n++) {
        const alias = n === 1 ? `${stem}_${name}` : `${stem}_${name}${n}`;
        const aliasCtx = new CodegenContext(program.graph, program.plan, program.memory, precision, shapeFor, tuningUnder(tuning, alias, stem), indexSites);
        ({ kernel, launch, extra } = build(aliasCtx, { ...k, name: alias }));
        text = render(kernel, extra);
      }
      launch = { ...launch, kernel: kernelSymbol(launch.kernel), ...(launch.before ? { before: launch.before.map((b) => ({ ...b, kernel: kernelSymbol(b.kernel) })) } : {}) };
      texts.set(kernel.name, text);
      const site = blas.results[i];
      if (site) gemmChoices.push(site.choice);
      let call = site?.blas;
      if (site?.restKernel && call?.rest) {
        // the separate epilogue pass after cuBLASLt's GEMM (a kernel of its own, named per program if it differs)
        let rest = site.restKernel;
        const restText = t.kernel(rest);
        if (texts.has(rest.name) && texts.get(rest.name) !== restText) rest = { ...rest, name: `${rest.name}_${name}` };
        texts.set(rest.name, t.kernel(rest));
        call = { ...call, rest: { ...call.rest, kernel: kernelSymbol(`${rest.name}_kernel`) } };
      }
      launches.push({ ...withBlas(launch, call, blas.guards.get(i)), watch: nanWatches(ctx, k, launch.kernel) });
      templates.push(kernel.template);
    }
    out[name] = { launches, templates, plan: program.plan, ctx };
  }
  const distinct = [...new Set(texts.values())];
  const kernels = share ? shareIdenticalKernels(distinct, t.alias) : { texts: distinct, shared: 0 };
  return { texts: kernels.texts, sharedKernels: kernels.shared, programs: out, gemmChoices, cublasltSites, indexSites: indexSites.descriptions.map(cString) };
}

/** The tuning file as a kernel built under a second name sees it: with its plan name's knobs (the memory plan's workspaces follow those too). */
function tuningUnder(tuning: Tuning | undefined, alias: string, planName: string): Tuning | undefined {
  return tuning && { file: tuning.file, forKernel: (cName) => tuning.forKernel(cName === alias ? planName : cName) };
}

/** A program's launches in segments: one for forward and evaluate, cut at bucket boundaries for the step. */
/**
 * tsdp_draws of a program: whether its runs draw random numbers (train mode, or always), so that
 * the harness advances the counter and the next call draws a fresh dropout mask, as PyTorch does.
 * A draw that reaches the results only through a mode_select's train-mode operand (timm's drop
 * path after `if (!this.training) return x`) is computed in eval too but its value discarded:
 * PyTorch's eval call never ran it, so its generator did not advance, and neither does the counter.
 */
function drawsOf(plan: KernelPlan, graph: Graph): 0 | 1 | 2 {
  const computed = new Set(plan.kernels.flatMap((k) => k.nodes));
  const random = [...computed].filter((n) => opDef(n.op).traits?.random === true);
  const usedInEval = evalModeNodes(graph, computed);
  if (random.some((n) => usedInEval.has(n) && opDef(n.op).traits?.drawsInEval?.(opDef(n.op).attrsOf(n)) === true)) return 2;
  return random.length > 0 ? 1 : 0;
}

/**
 * The nodes an eval-mode run's results read: from the outputs, the state values and every node no
 * other reads (a loss, a gradient) back, each mode_select through its eval operand only.
 */
function evalModeNodes(graph: Graph, computed: ReadonlySet<Node>): Set<Node> {
  const read = new Set(graph.nodes.flatMap((n) => n.inputs));
  const seen = new Set<Node>();
  // an unread mode_select is no result but a dead join: the in-place journal's merge of a temporary
  // changed in one mode's branch (LeViT's `torch.rand(…).ge_(drop)` under `if self.training`), whose
  // eval operand would make a train-only draw look drawn in eval too; and an unread node the program
  // does not compute is dead code (AWD-LSTM's train-mode copy of forward leaves each LSTM's unused
  // h_n), which reads the train-only draws before the mode_select that picks between the copies
  const unread = graph.nodes.filter((n) => !read.has(n) && computed.has(n) && opDef(n.op).traits?.evalModeInput === undefined);
  const pending = [...graph.outputs, ...stateValues(graph), ...unread];
  for (let n = pending.pop(); n; n = pending.pop()) {
    if (seen.has(n)) continue;
    seen.add(n);
    const evalInput = opDef(n.op).traits?.evalModeInput;
    pending.push(...(evalInput === undefined ? n.inputs : [n.inputs[evalInput]]));
  }
  return seen;
}

/**
 * The nodes a forward call in `mode` computes: from the outputs and the state values back, each
 * mode_select through the operand of that mode only (evalModeNodes also keeps what no node reads,
 * the backward's gradients, which read train-mode activations).
 */
function forwardNodesIn(graph: Graph, mode: "train" | "eval"): Set<Node> {
  const seen = new Set<Node>();
  const pending = [...graph.outputs, ...stateValues(graph)];
  for (let n = pending.pop(); n; n = pending.pop()) {
    if (seen.has(n)) continue;
    seen.add(n);
    const evalInput = opDef(n.op).traits?.evalModeInput;
    pending.push(...(evalInput === undefined ? n.inputs : mode === "eval" ? [n.inputs[evalInput]] : n.inputs.filter((_, i) => i !== evalInput)));
  }
  return seen;
}

/**
 * The most launches one part function holds (view.ts ProgramPartView). Measured on birnn's model.cu
 * (g++ -O1, user seconds): one function per program 46.6, parts of 8 launches 24.2, of 32 22.3, of 128 28.9.
 */
export const LAUNCHES_PER_PART = 32;

function programView(name: string, launches: readonly LaunchView[], draws: 0 | 1 | 2, buckets: BucketPlan | undefined, io: ProgramIO, stateCopies: readonly StateCopyView[]): ProgramView {
  const ranges = buckets?.segments ?? [[0, launches.length] as const];
  const parts: ProgramPartView[] = [];
  const segments = ranges.map(([start, end], index) => {
    const ready = buckets?.buckets.filter((b) => b.segment === index) ?? [];
    const comment = ready.length ? ` // ends with these gradients final, so their bucket${ready.length === 1 ? " is" : "s are"} all-reduced: ${cComment(ready.flatMap((b) => b.params).join(", "))}` : "";
    const called: string[] = [];
    for (let from = start; from < end; from += LAUNCHES_PER_PART) {
      const sites = launches.slice(from, Math.min(end, from + LAUNCHES_PER_PART)).map(launchSite);
      const kernel = (site: LaunchSiteView) => site.title.slice(0, site.title.indexOf(":"));
      const which = sites.length === 1 ? `launch ${from + 1} of ${launches.length} (${kernel(sites[0])})` : `launches ${from + 1}–${from + sites.length} of ${launches.length} (${kernel(sites[0])} … ${kernel(sites.at(-1)!)})`;
      const part = { name: `run_${name}_part${parts.length}`, comment: `run_${name}${ranges.length > 1 ? `, segment ${index}` : ""}: ${which}`, launches: sites };
      parts.push(part);
      called.push(part.name);
    }
    return {
      index,
      label: `case ${index}:${comment}`,
      parts: called,
      // the buffers forward changed take their new values after every kernel of the program has read the old ones
      stateCopies: index === ranges.length - 1 ? stateCopies : [],
    };
  });
  const header = [
    segments.length === 1
      ? `Program "${name}": its kernels in order, on the replica's stream.`
      : `Program "${name}": its kernels in order, on the replica's stream, in ${segments.length} segments (cut where a\ngradient bucket is complete, so that its all-reduce can start while the backward goes on).`,
    ...(launches.some((l) => l.watch && l.watch.before.length + l.watch.after.length > 0)
      ? ["TSDP_NAN_WATCH: the NaN watch of the CPU target's memcheck builds (runtime/harness/nan_watch.h);\nnothing in any other build, the GPU's included."]
      : []),
  ].flatMap((l) => l.split("\n"));
  return { name, header, parts, segments, segmentCount: segments.length, draws, changesState: stateCopies.length ? 1 : 0, ins: io.ins, outs: io.outs, inCount: io.ins.length, outCount: io.outs.length };
}

/** Comments beside a launch's pointer arguments line up when their values are no longer than this. */
const ARG_COMMENT_COLUMN = 56;

/** A launch as run_ writes it (view.ts LaunchSiteView). */
function launchSite(launch: LaunchView): LaunchSiteView {
  const symbol = launch.kernel.replace(/^\w+::/, "");
  const title = `${symbol.replace(/_kernel$/, "")}: ${launch.summary}`;
  const width = Math.min(ARG_COMMENT_COLUMN, Math.max(0, ...launch.args.map((a) => a.value.length + 1)));
  const last = launch.args.length - 1;
  const argLines = launch.args.map((a, i) => {
    const end = i === last && launch.scalarArgs === "" ? ");" : ",";
    return `${`${a.value}${end}`.padEnd(width)}  // ${parameterName(a.decl)}: ${a.comment}`;
  });
  if (launch.scalarArgs !== "") argLines.push(`${launch.scalarArgs});`);
  if (argLines.length === 0) argLines.push(");");
  // the kernel's own launch is the body of an `if` where a cuBLASLt call may have done its work
  const indent = launch.blas || launch.blasGuard ? "    " : "";
  return { ...launch, title, argLines, indent };
}

/** The parameter a declaration names: "const float* __restrict__ x" → "x". */
function parameterName(decl: string): string {
  return /(\w+)\s*$/.exec(decl)?.[1] ?? decl;
}

/** Each buffer forward changed: its value's pointer to copy from, unless the value is the buffer's own storage. */
function stateCopies(graph: Graph, ctx: CodegenContext): StateCopyView[] {
  return (graph.stateUpdates ?? [])
    .map((u) => ({ buffer: cComment(u.buffer.attrs.name as string), to: ctx.pointer(u.buffer), from: ctx.pointer(u.value), bytes: numel(u.buffer.shape).c * 4 }))
    .filter((c) => c.to !== c.from);
}

interface ProgramIO {
  readonly ins: readonly TensorRowView[];
  readonly outs: readonly TensorRowView[];
}

export function generateCuda(input: CodegenInput): GeneratedModel {
  const { forward, target, precision = "fp32", training } = input;
  const shapeFor = input.shapeFor ?? defaultShapeFor(target);
  const { graph, plan, memory } = forward;
  const programs: Record<string, Program> = training ? { forward, evaluate: training.evaluate, step: training.step } : { forward };
  const gemm = input.gemm ?? "auto";
  const rendered = renderPrograms(programs, precision, shapeFor, gemm, input.tuning, input.shareKernels !== false);
  const ctx = rendered.programs.forward.ctx;
  // forward's object keys (`{ logits, hidden }`) name its outputs; else output0, output1, …
  const outputs = graph.outputs.map((o, i) => ({ node: o, name: graph.outputNames?.[i] ?? `output${i}` }));
  const sourceFile = basename(graph.nodes[0]?.loc.file ?? "model.ts");
  const all = Object.values(programs);
  const batchBytesPerSample = Math.max(...all.map((p) => p.memory.batchBytesPerSample));
  const pairBytesPerPair = Math.max(...all.map((p) => p.memory.pairBytesPerPair));
  // the tickets and block sums (kernels/tickets.ts) after every program's activations
  const tickets = ticketRegion(Math.max(...all.map((p) => p.memory.fixedBytes)), Object.values(rendered.programs).flatMap((r) => r.launches));
  const fixedBytes = tickets.ticketsOffset + tickets.bytes;
  const paramsOnlyBytes = graph.params.reduce((s, p) => Math.max(s, (memory.slots.get(p)!.offset + memory.slots.get(p)!.bytes)), 0);

  const io = (program: Program, nodes: { node: Node; name: string }[]) =>
    nodes.map((n) => tensorRow(n.node, n.name, program.plan.storageOf(n.node), program.memory));
  const inputsOf = graph.inputs.map((n) => ({ node: n, name: n.attrs.name as string }));
  const buckets = training?.buckets;
  const ioOf: Record<string, ProgramIO> = { forward: { ins: io(forward, inputsOf), outs: io(forward, outputs) } };
  if (training) {
    const lossE = training.evaluate.graph.loss!;
    const lossS = training.step.graph.loss!;
    ioOf.evaluate = {
      ins: io(training.evaluate, [...inputsOf, ...targetOf(lossE)]),
      outs: io(training.evaluate, [...outputs, { node: lossE.value, name: "loss" }]),
    };
    ioOf.step = {
      ins: io(training.step, [...inputsOf, ...targetOf(lossS), { node: training.lossScale, name: "loss_scale" }]),
      // the forward's outputs, which the harness copies back only for a step that asks (trainStep's `outputs`)
      outs: io(training.step, [...training.step.graph.outputs.map((node, i) => ({ node, name: outputs[i].name })), { node: lossS.value, name: "loss" }]),
    };
  }
  const programViews = Object.entries(rendered.programs).map(([name, r]) => programView(name, r.launches, drawsOf(r.plan, programs[name].graph), name === "step" ? buckets : undefined, ioOf[name], stateCopies(programs[name].graph, r.ctx)));
  const programNamed = (name: string) => programViews.find((p) => p.name === name)!;
  const trainingView: TrainingView | undefined = training && {
    evaluate: programNamed("evaluate"),
    step: programNamed("step"),
    meanLoss: training.reduction === "mean" ? 1 : 0,
    countTargets: graph.loss!.ignoreIndex === undefined && graph.loss!.classWeights === undefined ? 0 : 1,
    ignoreIndex: graph.loss!.ignoreIndex === undefined ? "INT32_MIN" : String(graph.loss!.ignoreIndex),
    classWeights: graph.loss!.classWeights?.map(cFloatInitializer).join(", ") ?? "",
    classCount: graph.loss!.classWeights?.length ?? 0,
    noTarget: graph.loss!.target ? 0 : 1,
    targetsPerSample: graph.loss!.target ? numel(graph.loss!.target.shape).c : 0,
    targetOffsets: graph.loss!.targetOffsets?.join(", ") ?? "",
    targetOffsetCount: graph.loss!.targetOffsets?.length ?? 0,
    ...paramGroupsView(training.optimizer, graph.params, memory),
    optimizerKind: optimizerCode[training.optimizer.kind],
    optimizerName: training.optimizer.kind,
    optimizerFlags: optimizerFlags(training.optimizer),
    lrDecay: cDouble(training.optimizer.lrDecay ?? 0),
    initialAccumulator: cFloat(training.optimizer.initialAccumulatorValue ?? 0),
    // clip_grad_norm_'s norm_type (the descriptor's 0, as one written before the field, is 2) and clip_grad_value_'s clip_value
    clipNormType: cDoubleInitializer(training.optimizer.clipGradNormType === "inf" ? Infinity : (training.optimizer.clipGradNormType ?? 2)),
    clipValue: cDouble(training.optimizer.clipGradValue ?? 0),
    paramsOnlyFloats: paramsOnlyBytes / 4,
    buckets: buckets!.buckets.map((b) => ({
      offsetFloats: b.offsetFloats,
      countFloats: b.countFloats,
      segment: b.segment,
      bytes: b.countFloats * 4,
      params: cComment(b.params.join(", ")),
    })),
    bucketCount: buckets!.buckets.length,
    largestBucketFloats: Math.max(0, ...buckets!.buckets.map((b) => b.countFloats)),
  };
  const base: Omit<ModelView, "sourceHash"> = {
    tensorCores: precision !== "fp32",
    precision,
    // model.cu and model.h name the model, its file and its inputs in comments only
    model: cComment(graph.name),
    sourceFile: cComment(sourceFile),
    inputsDesc: cComment(graph.inputs.map((n) => `${n.attrs.name}: ${dtypeNames[n.dtype]}${formatShape(n.shape)}`).join(", ")),
    outputsDesc: outputs.map((o) => `${o.name}: ${dtypeNames[o.node.dtype]}${formatShape(o.node.shape)}`).join(", "),
    kernelCount: plan.kernels.length,
    stepKernelCount: training ? training.step.plan.kernels.length : 0,
    paramBytes: memory.paramBytes,
    buffersBegin: paramsOnlyBytes,
    replica0Params: replica0Params(graph, memory),
    batchBytesPerSample,
    pairBytesPerPair,
    unsharedBatchBytesPerSample: memory.unsharedBatchBytesPerSample,
    fixedBytes,
    tileTicketsOffset: tickets.ticketsOffset,
    blockPartialsOffset: tickets.partialsOffset,
    tileTicketBytes: tickets.bytes,
    kernelTexts: rendered.texts,
    sharedKernels: rendered.sharedKernels,
    cublasltSites: rendered.cublasltSites,
    indexSites: rendered.indexSites,
    kernelNamespace,
    programs: programViews,
    forward: programNamed("forward"),
    state: [...graph.params, ...graph.buffers].map((n, i) => stateRow(n, i, memory)),
    initTables: initTables([...graph.params, ...graph.buffers]),
    patchTables: patchTables([...graph.params, ...graph.buffers]),
    stateCount: graph.params.length + graph.buffers.length,
    inputCount: graph.inputs.length,
    outputCount: outputs.length,
    training: trainingView,
  };
  const t = loadTemplates();
  // codeHash names the generated code; the manifest (which records it) is then sealed: its
  // content hash is embedded in the library (tsdp_manifest_hash) and written as its sourceHash.
  const withoutHash = t.model({ ...base, sourceHash: "" });
  const codeHash = createHash("sha256").update(withoutHash).update(target).digest("hex");
  const header = t.header({
    model: base.model,
    sourceFile: base.sourceFile,
    training: Boolean(training),
    inputsDesc: graph.inputs.map((n) => cComment(`${n.attrs.name}: ${dtypeNames[n.dtype]} ${formatShape(n.shape)}`)),
    outputsDesc: outputs.map((o) => `${o.name}: ${dtypeNames[o.node.dtype]} ${formatShape(o.node.shape)}`),
  });
  const manifest = {
    format: MANIFEST_FORMAT,
    maxSamplesPerDevice: maxSamplesPerDevice(all),
    ...minSamplesPerDevice(graph),
    ...(graph.trainingRefusals ? { refusedInTraining: graph.trainingRefusals } : {}),
    ...pairsPerReplica(all),
    ...(graph.heldModes ? { heldModes: graph.heldModes } : {}),
    abiVersion: ABI_VERSION,
    model: graph.name,
    sourceFile,
    sourceHash: "",
    codeHash,
    target,
    precision,
    library: "libmodel.so",
    inputs: graph.inputs.map((n) => withIndexRange(ioSpec(n), graph, n)),
    outputs: outputs.map((o) => ioSpec(o.node, o.name)),
    ...(graph.outputNames ? { outputsByName: true as const } : {}),
    params: graph.params.map(paramSpec),
    buffers: graph.buffers.map(paramSpec),
    ...stateDictView(graph),
    kernels: plan.kernels.map((k) => kernelReport(k, plan, ctx.source(k))),
    launches: launchReports(rendered.programs, training && { paramFloats: paramsOnlyBytes / 4, optimizer: training.optimizer, indexSites: rendered.indexSites.length }),
    gemm: { mode: gemm, sites: rendered.cublasltSites, choices: rendered.gemmChoices },
    memory: {
      paramBytes: memory.paramBytes,
      activationBytesPerSample: memory.batchBytesPerSample,
      activationBytesPerSampleWithoutReuse: memory.unsharedBatchBytesPerSample,
      fixedBytes: memory.fixedBytes,
      // the arenas are shared by forward, evaluate and the training step, sized for the largest
      arenaBytesPerSample: batchBytesPerSample,
      arenaFixedBytes: fixedBytes,
      // in-batch pair matrices: batch² times this on a device (absent where the model has none)
      ...(pairBytesPerPair ? { arenaBytesPerPair: pairBytesPerPair } : {}),
    },
    ...(training
      ? {
          training: {
            loss: lossOp(graph.loss!).op,
            reduction: training.reduction,
            // null: a loss of the output alone, whose step takes the inputs only
            target: graph.loss!.target ? withIndexRange(ioSpec(graph.loss!.target, "target"), graph, graph.loss!.target) : null,
            ...classCount(graph.loss!),
            ...(graph.loss!.ignoreIndex === undefined ? {} : { ignoreIndex: graph.loss!.ignoreIndex }),
            ...(graph.loss!.targetOffsets === undefined ? {} : { targetOffsets: graph.loss!.targetOffsets }),
            ...(graph.loss!.targetDerivedAt === undefined ? {} : { targetDerivedAt: graph.loss!.targetDerivedAt }),
            optimizer: withoutGroups(training.optimizer),
            // the model's own groups (those tsdp made for parameters the loss does not reach are not PyTorch's)
            ...(training.optimizer.groups?.some((g) => !g.internal) ? { paramGroups: training.optimizer.groups.filter((g) => !g.internal) } : {}),
            // the plan's kernels, and step.cu's index flag where the build reads indices it checks itself
            stepKernels: training.step.plan.kernels.length + (rendered.indexSites.length > 0 ? 1 : 0),
            buckets: bucketSummary(buckets!, training.step.plan),
          },
        }
      : {}),
  } satisfies GeneratedManifest;
  return sealed({ cu: "", header, manifest, plan, memory }, (sourceHash) => t.model({ ...base, sourceHash }));
}

/**
 * PyTorch's state_dict() keys in order (an integer table the model computes among them), and the
 * keys that name another's tensor (a tied weight, a module in two fields) → that tensor: what the
 * runtime's stateDict() lists and what loadStateDict and loadCheckpoint accept. A state the walk
 * did not reach comes last.
 */
function stateDictView(graph: Graph): { stateDict: string[]; stateDictAliases?: Record<string, string>; stateDictConstants?: Record<string, { shape: number[]; sha256: string; values?: number[] }> } {
  const own = [...graph.params, ...graph.buffers].map((n) => n.attrs.name as string);
  const names = new Set(own);
  const all = graph.stateDict ?? [];
  const keys = all.flatMap((k) => ("tensor" in k && names.has(k.tensor) ? [{ key: k.key, tensor: k.tensor }] : []));
  const constants = all.flatMap((k): [string, { shape: number[]; sha256: string; values?: number[] }][] =>
    "constant" in k ? [[k.key, { shape: [...k.constant], sha256: k.sha256, ...(k.values ? { values: [...k.values] } : {}) }]] : [],
  );
  const reached = new Set(keys.map((k) => k.tensor));
  const listed = all.flatMap((k) => (("tensor" in k && names.has(k.tensor)) || "constant" in k ? [k.key] : []));
  const order = [...listed, ...own.filter((n) => !reached.has(n))];
  const aliases = keys.filter((k) => k.key !== k.tensor);
  return {
    stateDict: order,
    ...(aliases.length ? { stateDictAliases: Object.fromEntries(aliases.map((k) => [k.key, k.tensor])) } : {}),
    ...(constants.length ? { stateDictConstants: Object.fromEntries(constants) } : {}),
  };
}

/** The param groups' table for the update kernel: every trained parameter's floats and group. */
function paramGroupsView(optimizer: OptimizerSpec, params: readonly Node[], memory: MemoryPlan): Pick<TrainingView, "paramGroups" | "groupWeightDecay" | "groupLrScale" | "groupHparams" | "groupCount"> {
  const groups = optimizer.groups;
  if (!groups) return { groupWeightDecay: "", groupLrScale: "", groupHparams: "", groupCount: 0 };
  const own = (v: number | boolean | undefined) => (v === undefined ? "NAN" : cDouble(v === true ? 1 : v === false ? 0 : v));
  return {
    paramGroups: params.map((p) => {
      const slot = memory.slots.get(p)!;
      const name = p.attrs.name as string;
      return { offsetFloats: slot.offset / 4, countFloats: numel(p.shape).c, group: groups.findIndex((g) => g.params.includes(name)), name: cComment(name) };
    }),
    groupWeightDecay: groups.map((g) => (g.weightDecay === undefined ? "NAN" : cDouble(g.weightDecay))).join(", "),
    // NaN: the parameters the loss does not reach (pipeline.ts skipUnreached), which the update skips
    groupLrScale: groups.map((g) => (g.skipped ? "NAN" : cDouble(groupLrScale(optimizer, g)))).join(", "),
    groupHparams: groups.map((g) => GROUP_HYPERPARAMETERS.map((k) => own(g[k])).join(", ")).join(",  "),
    groupCount: groups.length,
  };
}

/** The variant switches an optimizer was declared with, as the harness's tsdp_optimizer_flag bits. */
function optimizerFlags(spec: OptimizerSpec): string {
  const flags = ([["maximize", "TSDP_MAXIMIZE"], ["amsgrad", "TSDP_AMSGRAD"], ["centered", "TSDP_CENTERED"], ["decoupledWeightDecay", "TSDP_DECOUPLED"]] as const).filter(([k]) => spec[k] === true).map(([, c]) => c);
  return flags.length ? flags.join(" | ") : "0";
}

/** The optimizer's hyperparameters as the manifest lists them: its groups are a field of their own. */
function withoutGroups(spec: OptimizerSpec): Omit<OptimizerSpec, "groups"> {
  const { groups: _, ...rest } = spec;
  return rest;
}

/** A program's target input, named as the harness passes it: none for a loss of the output alone. */
const targetOf = (loss: NonNullable<Graph["loss"]>): { node: Node; name: string }[] => (loss.target ? [{ node: loss.target, name: "target" }] : []);

/** The loss op: the cross-entropy under a mean over its targets (ignoreIndex, class weights), else the value. */
const lossOp = (loss: NonNullable<Graph["loss"]>): Node => loss.lossOp ?? loss.value;

/**
 * How many classes an int32 target indexes: the loss input's dim 1 (PyTorch's (N, C, …) rule),
 * which is the model output's only when the loss does not reshape it (a GPT's [B, T, vocab]
 * logits flattened to [B·T, vocab]).
 */
function classCount(loss: NonNullable<Graph["loss"]>): { classes?: number } {
  if (loss.target?.dtype !== "i32") return {};
  // only a loss that reads the target as class labels: an int32 target a loss function computes
  // with (a count, a regression value) is no label, whatever the output's dim 1 holds
  // (or one that reads labels it selects from the target, which the runtime checks where it reads them: targetOffsets)
  const classifier = classifierOf(lossOp(loss), loss.target) ?? (loss.targetOffsets ? loss.lossOp : undefined);
  const classes = classifier?.inputs[0]?.shape[1];
  return typeof classes === "number" ? { classes } : {};
}

/** Whether `n` is `target` or a view of it (a GPT's targets.view(-1)). */
function viewOf(n: Node | undefined, target: Node): boolean {
  while (n && n !== target && (n.op === "reshape" || n.op === "permute")) n = n.inputs[0];
  return n === target;
}

/** The cross-entropy or NLL op at or under `from` whose labels are `target`, if any. */
function classifierOf(from: Node, target: Node): Node | undefined {
  const seen = new Set<Node>();
  const walk = (n: Node): Node | undefined => {
    if (seen.has(n)) return undefined;
    seen.add(n);
    if ((n.op === "cross_entropy" || n.op === "nll_loss") && viewOf(n.inputs[1], target)) return n;
    for (const i of n.inputs) {
      const found = walk(i);
      if (found) return found;
    }
    return undefined;
  };
  return walk(from);
}

/**
 * The fewest samples a device's share may hold: 2 where an op takes batch statistics over one value
 * per sample (BatchNorm1d of [N, C]: c = 1 value per sample and channel), in training and, where it
 * keeps no running statistics, in eval too (OpTraits.batchStatistics; F.batch_norm's composition,
 * Graph.perSampleBatchStatistics, in the modes that run it) — each mode counting only the ops its
 * forward reaches (a BatchNorm behind `if (this.training)` never sees an eval call's batch); nothing otherwise.
 */
function minSamplesPerDevice(graph: Graph): { minSamplesPerDevice?: { training: number; eval: number } } {
  let [training, inEval] = [1, 1];
  const [inTrainForward, inEvalForward] = [forwardNodesIn(graph, "train"), forwardNodesIn(graph, "eval")];
  for (const n of graph.nodes) {
    const stats = opDef(n.op).traits?.batchStatistics?.(n);
    if (!stats || stats.perChannel.p === 0 || stats.perChannel.c > 1) continue;
    if (inTrainForward.has(n)) training = 2;
    if (stats.inEval && inEvalForward.has(n)) inEval = 2;
  }
  for (const stats of graph.perSampleBatchStatistics ?? []) {
    if (stats.inTraining) training = 2;
    if (stats.inEval) inEval = 2;
  }
  return training > 1 || inEval > 1 ? { minSamplesPerDevice: { training, eval: inEval } } : {};
}

/**
 * Where a program pairs the batch's samples ([Batch, Batch], an in-batch similarity matrix), by
 * file:line: each device pairs those of its own share, so on several devices the loss is the
 * replicas' (DDP without an all_gather), not one device's on the whole batch (README, "In-batch pairs").
 */
function pairsPerReplica(programs: readonly Program[]): { pairsPerReplica?: readonly string[] } {
  const lines = new Set<string>();
  for (const p of programs)
    for (const n of p.graph.nodes) if (n.shape.filter(isBatch).length === 2) lines.add(`${basename(n.loc.file)}:${n.loc.line}`);
  return lines.size ? { pairsPerReplica: [...lines].sort((a, b) => a.localeCompare(b, "en", { numeric: true })) } : {};
}

/**
 * The most samples a device can take in one call: kernels index a tensor's elements (a GEMM's rows,
 * a loop counter) with 32-bit ints, so the largest per-sample tensor of any program times the
 * samples (an in-batch pair matrix: times the samples squared) must stay within INT32_MAX; and a
 * batched matmul's grid.z within 65,535. The runtime
 * refuses a larger per-device chunk.
 */
function maxSamplesPerDevice(programs: readonly Program[]): number {
  let largest = 1;
  let limit = 2 ** 31 - 1;
  const perSample = (dims: readonly (number | { batch: number })[]) => dims.reduce<number>((acc, d) => acc * (isBatch(d) ? d.batch : d), 1);
  for (const p of programs)
    for (const n of p.graph.nodes) {
      if (!n.shape.some(isBatch)) continue;
      // an in-batch pair matrix holds c·b² elements on a device of b samples
      if (n.shape.filter(isBatch).length === 2) {
        limit = Math.min(limit, Math.floor(Math.sqrt((2 ** 31 - 1) / perSample(n.shape))));
        continue;
      }
      largest = Math.max(largest, perSample(n.shape));
      // A batched matmul puts its leading (batch) dims on grid.z (kernels/gemm.ts), which CUDA
      // caps at 65,535 blocks: samples × those dims per sample must stay within it.
      const codegen = opDef(n.op).codegen;
      const lead = codegen?.kind === "gemm" ? codegen.batchedGridZ?.(n) : undefined;
      if (lead?.some(isBatch)) limit = Math.min(limit, Math.floor(65_535 / perSample(lead)));
    }
  return Math.max(1, Math.min(limit, Math.floor((2 ** 31 - 1) / largest)));
}

/** The model with its manifest sealed: sourceHash is the manifest's content hash, and `render` puts it into the library's code. */
function sealed(gen: GeneratedModel, render: (sourceHash: string) => string): GeneratedModel {
  const sourceHash = manifestContentHash(gen.manifest);
  return { ...gen, cu: render(sourceHash), manifest: { ...gen.manifest, sourceHash } };
}

/**
 * The same model with manifest fields changed after generation (e.g. why it cannot train): the
 * seal is recomputed and the hash embedded in the code replaced, so library and manifest agree.
 */
export function withManifestChanges(gen: GeneratedModel, changes: Partial<GeneratedManifest>): GeneratedModel {
  const old = gen.manifest.sourceHash;
  return sealed({ ...gen, manifest: { ...gen.manifest, ...changes } }, (sourceHash) => gen.cu.split(`"${old}"`).join(`"${sourceHash}"`));
}

