// The differential check of one random model file (issue 16): compile it for the CPU target and
// compare, against the float64 reference interpreter,
//   1. the forward in eval mode and in train mode (dropout's masks, BatchNorm's batch statistics),
//   2. one training step: its loss, every gradient, BatchNorm's running statistics after it,
//   3. the optimizer's update, given the compiled gradients (fed to the reference's update rule:
//      Adam's first step is ≈ lr·sign(g), so a gradient within tolerance of 0 may flip the update's
//      sign; the gradients are checked on their own in 2),
//   2b. the same forward and step in a second instance of the build whose device memory starts as
//      NaN (TSDP_SHIM_FRESH_NAN=1): bit-identical to the first, or a kernel reads memory nothing
//      wrote, which an instance on reused memory may get away with (seed 60063: fresh instances
//      of one build gave three different losses),
//   4. the same step on 2 and 3 virtual devices (DataParallel: same loss, same gradients),
//   5. optionally, the metamorphic checks of fuzz/metamorphic.ts (thread order, graphs off, tf32/bf16).
// Anything else — a diagnostic on a model the generator made valid, an internal error, a failed
// g++ build, a native error — is a finding too.
//
// Tolerances (fp32 kernels against float64, per tensor, element by element):
//   |got − want| ≤ ATOL·max(max|want|, FLOOR·max|all of its kind|) + RTOL·|want| + K·|want − want₃₂|
// want₃₂ is the reference run again with every op's result rounded to fp32 (as the compiled model
// stores it), and a norm's mean too (its kernel holds it in a float: over a nearly constant row,
// seed 58095, that rounding is most of the error), and run twice more with every inexact rounding
// (and every norm's mean) moved one ulp further (a kernel's own error: expf's, a sum's order), up
// or down at random, and alternating along every dim; per element, whichever of the three is
// farthest from want. Rounding to nearest alone can be lucky: in seed 61020 a BatchNorm over three
// samples of sigmoid ≈ 0.5023 that differ by 84 ulps (eps dominates the variance) moved a weight
// gradient by 0.6 % under rounding to nearest, while the kernels' values (the sigmoid
// 1/(1 + expf(−x)) up to 0.54 ulp off, the mean held in a float) are 7.4 % away; a one-ulp move
// never leaves less than half an ulp. Random signs are not enough either: the norm cancels what
// moves its three samples alike, which two random signs do half the time (another gradient of that
// seed moved 4·10⁻⁷ at random and 3·10⁻⁵ when the samples move apart, as alternating signs move
// them). The distance is how much fp32 moves this result through the chain after it, so an ill-conditioned chain (BatchNorm over three
// samples of nearly equal values, a LayerNorm over two features or over a nearly constant row, a
// bias gradient that is exactly zero because a norm follows) gets the tolerance it needs and a
// well-conditioned one keeps the tight figures. K = 8. The floor (10⁻³
// of the largest output or gradient of the model; for buffers 10⁻² of the largest and 0.1·√ of it)
// is for values that are tiny because large terms cancel.
// Gradients and the loss get one more term, for cancellation *inside* a kernel, which rounding
// each op's result cannot show (BatchNorm's backward subtracts means that are exact in float64:
// its Σ dx is 0 there and 10⁻⁷·|g| in fp32, and a LayerNorm's weight gradient after it multiplies
// that by a large common value): the step is run once more with every input and parameter moved
// by about one fp32 ulp, and the compiled gradients' largest move in a tensor, times K, is
// allowed too. A real bug (a wrong index, a lost term) moves nothing under a one-ulp nudge and errs
// by about the gradient's own size. The forward outputs (eval and train mode) get the same term from
// a nudged forward: a value that is 0 in float64 because terms cancel inside a kernel (x minus its
// mean over W, then pooled over W) is ~10⁻⁸ in fp32, and BatchNorms after it scale that up
// (test/fixtures/fuzz/seed-30001.ts).
// A gradient that is a sum over the batch (a bias's, a norm's weight's) gets K·2⁻²³·Σ|terms| too,
// per element: the terms are the gradient flowing in, which before a BatchNorm sum to exactly 0 in
// float64, and fp32's rounding of that sum is proportional to the terms, not to the result — and
// systematic, so the nudge does not show it (session 6's finding class 2). When the terms are
// BatchNorm's input gradient, their own terms count: rstd·(|g| + |mean g| + |x̂|·|mean g·x̂|).
// forward and loss: RTOL 1e-4, ATOL 1e-5; gradients: RTOL 1e-3, ATOL 1e-4 (a backward is a longer
// chain of fp32 sums than the forward; the same figures as test/training.test.ts); the update:
// RTOL 1e-5, ATOL 1e-6 (one fp32 step on identical inputs). Data-parallel steps against one
// device: the gradients' tolerance (the chunks' sums are added in another order).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { CompileError } from "../compiler/diagnostics/diagnostic.ts";
import type { Graph, Node, OptimizerSpec } from "../compiler/ir/node.ts";
import { compile } from "../compiler/pipeline.ts";
import type { ShapeFor } from "../compiler/5-codegen/context.ts";
import { initState, type ModelState } from "../compiler/reference/init.ts";
import { runReference, type RunOptions, type RunResult } from "../compiler/reference/interpret.ts";
import { nd, stridesOf, type NDArray } from "../compiler/reference/ndarray.ts";
import { newOptimizerState, optimizerStep } from "../compiler/reference/optim.ts";
import { uniforms } from "../compiler/reference/rng.ts";
import { compare, FLOOR, FORWARD, GRADIENT, largestOf, maxAbs } from "../compiler/reference/compare.ts";
import { inputsFor } from "../compiler/reference/inputs.ts";
import { load, tensor, type CompiledModel } from "../runtime/index.ts";
import type { FuzzModel } from "./generate.ts";
import { compareRuns, freshRun, metamorphicChecks, type MetamorphicOptions } from "./metamorphic.ts";

/**
 * mismatch: outside tolerance of the reference (or of fp32, for another precision); inconsistent:
 * the same build run another way (a second instance, threads shuffled, graphs off) gave other bits,
 * which no conditioning explains (run.ts does not recheck those at a larger batch).
 */
export type FindingKind = "diagnostic" | "internal-error" | "build-failed" | "runtime-error" | "mismatch" | "inconsistent";

export interface Finding {
  readonly seed: number;
  readonly kind: FindingKind;
  /** What was compared or what failed, e.g. "gradient c2.l0.weight". */
  readonly what: string;
  readonly message: string;
}

export interface CheckOptions {
  /** Where the model file and its build go. */
  readonly work: string;
  /** The batch of the checks (≥ 2: BatchNorm in train mode needs two samples per channel). */
  readonly batch?: number;
  /** Also run the step on 2 and 3 virtual devices. */
  readonly dataParallel?: boolean;
  /** Build at -O0 (default) rather than -O3: same arithmetic, a fraction of the time. */
  readonly fastBuild?: boolean;
  /** The kernel shapes: the CPU target's (default) or the GPU's, run on the CPU target (tiles, split-K, col2im, k-step skipping). */
  readonly shapeFor?: ShapeFor;
  /** Metamorphic checks (fuzz/metamorphic.ts): thread order and graphs off, other precisions. */
  readonly metamorphic?: MetamorphicOptions;
  /** Tests of the checker itself: change the loaded model before the checks (they must then fail). */
  readonly perturb?: (m: CompiledModel) => void;
}

export interface CheckResult {
  readonly findings: readonly Finding[];
  /** Seconds spent compiling (frontend to library) and checking. */
  readonly compileSeconds: number;
  readonly checkSeconds: number;
}

const UPDATE = { rtol: 1e-5, atol: 1e-6 };

function floats(t: { data: ArrayLike<number | bigint> }): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}

/** Compiles and checks one model; every problem is returned as a finding, none is thrown. */
export async function checkModel(model: FuzzModel, options: CheckOptions): Promise<CheckResult> {
  const findings: Finding[] = [];
  const found = (kind: FindingKind, what: string, message: string) => findings.push({ seed: model.seed, kind, what, message });
  mkdirSync(options.work, { recursive: true });
  const file = join(options.work, "model.ts");
  writeFileSync(file, model.source);
  const started = performance.now();
  let compiled: Awaited<ReturnType<typeof compile>>;
  try {
    compiled = await compile(file, { target: "cpu", outDir: join(options.work, "build"), fastBuild: options.fastBuild ?? true, ...(options.shapeFor ? { shapeFor: options.shapeFor } : {}) });
  } catch (e) {
    if (e instanceof CompileError) {
      const d = e.diagnostics[0];
      const internal = e.diagnostics.some((x) => x.code.startsWith("TSDP9"));
      const build = e.diagnostics.some((x) => x.kind === "buildFailed");
      found(internal ? "internal-error" : build ? "build-failed" : "diagnostic", d ? `${d.code} ${d.kind}` : "compile", e.diagnostics.map((x) => `${x.code} ${x.message}`).join("\n"));
    } else found("internal-error", "compile", (e as Error).stack ?? String(e));
    return { findings, compileSeconds: (performance.now() - started) / 1000, checkSeconds: 0 };
  }
  const compileSeconds = (performance.now() - started) / 1000;
  const checking = performance.now();
  const graph = compiled.model.graph;
  const batch = options.batch ?? 3;
  let m: CompiledModel | undefined;
  try {
    m = await load(compiled.build.outDir);
    options.perturb?.(m);
    // the reference in float64, and with fp32 storage — rounded to nearest, and moved one ulp
    // further at random and alternating (fp32Runs) —, each with its own buffers (train mode updates them)
    const state = initState(graph, 0);
    const states32 = FP32_RUNS.map(() => initState(graph, 0));
    const io = inputsFor(graph, batch, model.seed) as Required<ReturnType<typeof inputsFor>>; // the fuzzer's models train: a target
    // the same forwards and step with every input and parameter one ulp away (the noise terms)
    const nudged = await nudgedStep(compiled.build.outDir, io, model.seed, options.perturb);
    // 1. forward, eval then train mode (a train-mode call draws dropout's masks at draw 0)
    let evalOutputs: number[][] = [];
    for (const training of [false, true]) {
      m.train(training);
      const got = m.forwardAllSync(...io.tensors);
      if (!training) evalOutputs = got.map(floats);
      const want = runReference(graph, io.reference, state, { training, draw: 0 });
      const runs32 = fp32Runs(graph, io.reference, states32, { training, draw: 0 });
      const floor = FLOOR * largestOf(want.outputs.map((o) => o.data));
      got.forEach((g, i) => {
        const values = floats(g);
        const moved = nudged.outputs[training ? "train" : "eval"][i];
        const noise = maxAbs(values.map((v, j) => v - moved[j]));
        const problem = compare(values, want.outputs[i].data, FORWARD, floor, farthest(want.outputs[i].data, runs32.map((r) => r.outputs[i].data)), noise);
        if (problem) found("mismatch", `forward output ${i} (${training ? "train" : "eval"} mode)`, problem);
      });
    }
    compareBuffers(m, state, states32, "after the train-mode forward", found);
    // 2. one training step (its masks: step 0, draw 1, after the train-mode forward above)
    const { graph: step, gradients } = differentiate(graph);
    const params = new Map(graph.params.map((p) => [p.attrs.name as string, floats(m!.getParameter(p.attrs.name as string))]));
    const stepInputs = { ...io.reference, target: io.targetRef };
    const want = runReference(step, stepInputs, state, { training: true, seed: 0, step: 0, draw: 1 });
    const runs32 = fp32Runs(step, stepInputs, states32, { training: true, seed: 0, step: 0, draw: 1 });
    const loss = m.trainStepSync(io.tensors.length === 1 ? io.tensors[0] : io.tensors, io.target);
    const lossProblem = compare([loss], [want.loss!], FORWARD, 0, farthest([want.loss!], runs32.map((r) => [r.loss!])), Math.abs(nudged.loss - loss));
    if (lossProblem) found("mismatch", "loss", lossProblem);
    const compiledGrads = new Map<string, NDArray>();
    const largest = largestOf([...gradients.values()].map((node) => want.values.get(node as Node)!.data));
    for (const [name, node] of gradients) {
      const got = floats(m.getParameter(`${name}.grad`));
      compiledGrads.set(name, nd([got.length], got));
      const noise = maxAbs(got.map((v, i) => v - nudged.grads.get(name)![i]));
      const wanted = want.values.get(node as Node)!.data;
      const problem = compare(got, wanted, GRADIENT, FLOOR * largest, farthest(wanted, runs32.map((r) => r.values.get(node as Node)!.data)), noise, cancellingTerms(node as Node, want.values));
      if (problem) found("mismatch", `gradient ${name}`, problem);
    }
    compareBuffers(m, state, states32, "after the step", found);
    // 2b. a second instance whose device memory starts as NaN: bit-identical, or a kernel read memory nothing wrote
    compareRuns(await freshRun(compiled.build.outDir, io, undefined, options.perturb, { freshNaN: true }), { outputs: evalOutputs, loss, grads: new Map([...compiledGrads].map(([name, g]) => [name, Array.from(g.data)])) }, "in a second instance whose device memory starts as NaN (TSDP_SHIM_FRESH_NAN=1)", found);
    // 3. the update, from the compiled gradients; the same update in float32 arithmetic measures its
    // conditioning (RMSprop's g/(√v + ε) where |g| is near ε, a weight decay cancelling the gradient)
    const before = new Map([...params].map(([name, v]) => [name, nd([v.length], v)]));
    const before32 = new Map([...params].map(([name, v]) => [name, nd([v.length], v)]));
    optimizerStep(graph.optimizer as OptimizerSpec, newOptimizerState(), before, compiledGrads);
    optimizerStep(graph.optimizer as OptimizerSpec, newOptimizerState(), before32, compiledGrads, {}, true);
    for (const [name, expected] of before) {
      const problem = compare(floats(m.getParameter(name)), expected.data, UPDATE, 0, before32.get(name)!.data);
      if (problem) found("mismatch", `updated ${name}`, problem);
    }
    // 4. DataParallel: the same first step on 2 and 3 devices gives one device's loss and gradients
    // (not with BatchNorm: DataParallel normalizes each chunk with its own statistics, as PyTorch does)
    if (options.dataParallel && !graph.nodes.some((n) => n.op === "batch_norm")) {
      const one = await stepFrom(compiled.build.outDir, 1, io);
      for (const devices of [2, 3]) {
        const many = await stepFrom(compiled.build.outDir, devices, io);
        const lp = compare([many.loss], [one.loss], FORWARD);
        if (lp) found("mismatch", `loss on ${devices} devices`, lp);
        const largestOne = largestOf(one.grads.values());
        for (const [name, g] of one.grads) {
          const problem = compare(many.grads.get(name)!, g, GRADIENT, FLOOR * largestOne);
          if (problem) found("mismatch", `gradient ${name} on ${devices} devices`, problem);
        }
      }
    }
    // 5. the same model run another way
    if (options.metamorphic)
      await metamorphicChecks(file, compiled.build.outDir, io, { outputs: nudged.outputs.eval, loss: nudged.loss, grads: nudged.grads }, { fastBuild: options.fastBuild, shapeFor: options.shapeFor, perturb: options.perturb, ...options.metamorphic }, found);
  } catch (e) {
    found("runtime-error", "load or run", (e as Error).stack ?? String(e));
  } finally {
    m?.dispose();
  }
  return { findings, compileSeconds, checkSeconds: (performance.now() - checking) / 1000 };
}

/**
 * A gradient that is a sum (a bias's, a norm's weight's: Σ over the batch and the spatial dims of
 * the gradient flowing in) sums terms that may cancel: before a BatchNorm they cancel *exactly* in
 * float64 (BatchNorm's input gradient sums to 0 over its statistics' dims), and fp32 then gives
 * rounding noise proportional to the terms, not to the result, systematic enough that the nudged
 * step does not show it. Per element of the sum: Σ|terms| over the summed dims, from the reference
 * (compare allows K·2⁻²³ of it); BatchNorm's input gradient counts with its own terms
 * (batchNormTerms). Not covered: a bias one linear map further up (a conv's bias before a Linear
 * before a BatchNorm), whose terms cancel only after that map. Other gradients: none.
 */
function cancellingTerms(node: Node, values: ReadonlyMap<Node, NDArray>): Float64Array | undefined {
  const input = node.inputs[0];
  const terms = node.op !== "sum" ? undefined : (input.op === "batch_norm_grad_input" ? batchNormTerms(input, values) : undefined) ?? values.get(input);
  if (!terms) return undefined;
  const reduced = new Set((node.attrs.dims as number[]).map((d) => (d < 0 ? d + terms.shape.length : d)));
  const kept = terms.shape.map((size, d) => (reduced.has(d) ? 1 : size));
  const out = new Float64Array(kept.reduce((a, b) => a * b, 1));
  const strides = stridesOf(kept);
  const index = new Array<number>(terms.shape.length).fill(0);
  for (let i = 0; i < terms.data.length; i++) {
    let o = 0;
    for (let d = 0; d < index.length; d++) if (!reduced.has(d)) o += index[d] * strides[d];
    out[o] += Math.abs(terms.data[i]);
    for (let d = index.length - 1; d >= 0 && ++index[d] === terms.shape[d]; d--) index[d] = 0;
  }
  return out;
}

/**
 * BatchNorm's input gradient dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) per channel (g = dy·weight,
 * batch statistics: a training step) is itself a difference of larger terms when the channel's
 * samples are close (rstd up to 1/√eps, g nearly equal): its rounding is proportional to
 * rstd·(|g| + |mean g| + |x̂|·|mean g·x̂|), and so is that of a sum of it (a bias just before the
 * BatchNorm), not to |dx|.
 */
function batchNormTerms(node: Node, values: ReadonlyMap<Node, NDArray>): NDArray | undefined {
  const dy = values.get(node.inputs[0]);
  const x = values.get(node.inputs[1]);
  const weight = node.attrs.affine ? values.get(node.inputs[2]) : undefined;
  if (!dy || !x || (node.attrs.affine && !weight)) return undefined;
  const [n, c] = x.shape;
  const inner = x.data.length / (n * c);
  const eps = node.attrs.eps as number;
  const out = new Float64Array(x.data.length);
  for (let ch = 0; ch < c; ch++) {
    const at = (i: number, j: number) => (i * c + ch) * inner + j;
    let mean = 0, variance = 0, sg = 0, sgx = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < inner; j++) mean += x.data[at(i, j)] / (n * inner);
    for (let i = 0; i < n; i++) for (let j = 0; j < inner; j++) variance += (x.data[at(i, j)] - mean) ** 2 / (n * inner);
    const rstd = 1 / Math.sqrt(variance + eps);
    const w = weight ? weight.data[ch] : 1;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < inner; j++) {
        const g = dy.data[at(i, j)] * w;
        sg += g / (n * inner);
        sgx += (g * (x.data[at(i, j)] - mean) * rstd) / (n * inner);
      }
    for (let i = 0; i < n; i++)
      for (let j = 0; j < inner; j++) {
        const k = at(i, j);
        out[k] = rstd * (Math.abs(dy.data[k] * w) + Math.abs(sg) + Math.abs((x.data[k] - mean) * rstd * sgx));
      }
  }
  return { shape: x.shape, data: out };
}

/** The fp32 runs: rounded to nearest, then moved one ulp further at random and alternating (RunOptions.ditherFloat32). */
const FP32_RUNS = [undefined, "random", "alternating"] as const;

/** The reference with fp32 storage, once per FP32_RUNS, each on its own state. */
function fp32Runs(graph: Graph, inputs: Record<string, NDArray>, states: readonly ModelState[], options: RunOptions): RunResult[] {
  return states.map((state, i) => runReference(graph, inputs, state, { ...options, roundToFloat32: true, ditherFloat32: FP32_RUNS[i] }));
}

/** Element by element, the fp32 run's value farthest from float64's: want₃₂ of the tolerance. */
function farthest(want: ArrayLike<number>, runs: readonly ArrayLike<number>[]): Float64Array {
  return Float64Array.from(want, (w, i) => runs.reduce((far, run) => (Math.abs(run[i] - w) > Math.abs(far - w) ? run[i] : far), runs[0][i]));
}

function compareBuffers(m: CompiledModel, state: ModelState, states32: readonly ModelState[], when: string, found: (k: FindingKind, what: string, message: string) => void): void {
  // running means of values that are centred already (after a norm) are sums that cancel to 0 in
  // float64 and to ~10⁻⁷·|x|·momentum in fp32: the floor is ten times the usual share of the largest
  // buffer, and at least a tenth of √(largest), the scale of x itself when that is a running variance
  const largest = largestOf([...state.buffers.values()].map((b) => b.data));
  const floor = Math.max(10 * FLOOR * largest, 0.1 * Math.sqrt(largest));
  for (const [name, value] of state.buffers) {
    const problem = compare(floats(m.getParameter(name)), value.data, FORWARD, floor, farthest(value.data, states32.map((st) => st.buffers.get(name)!.data)));
    if (problem) found("mismatch", `buffer ${name} ${when}`, problem);
  }
}

/**
 * The first step again (after one train-mode forward, as in checkModel, so that dropout draws the
 * same masks) with every input and parameter moved by about one fp32 ulp: its loss and gradients
 * (the optimizer's update is not taken: lr 0).
 */
async function nudgedStep(
  dir: string,
  io: Required<ReturnType<typeof inputsFor>>,
  seed: number,
  perturb?: (m: CompiledModel) => void,
): Promise<{ outputs: { eval: number[][]; train: number[][] }; loss: number; grads: Map<string, number[]> }> {
  const nudge = (data: Float32Array, stream: number) => {
    const u = uniforms(data.length, seed, stream);
    return Float32Array.from(data, (v, i) => v * (1 + (u[i] < 0.5 ? -1 : 1) * 2 ** -23));
  };
  const m = await load(dir);
  try {
    perturb?.(m);
    m.parameters().forEach((p, i) => {
      if (p.dtype !== "float32") return;
      const value = m.getParameter(p.name);
      m.setParameter(p.name, { data: nudge(value.data as Float32Array, 500 + i), shape: value.shape });
    });
    const inputs = io.tensors.map((t, i) => tensor(nudge(t.data as Float32Array, 300 + i), t.shape));
    m.train(false);
    const evalOutputs = m.forwardAllSync(...inputs).map(floats);
    m.train(true);
    const trainOutputs = m.forwardAllSync(...inputs).map(floats);
    const loss = m.trainStepSync(inputs.length === 1 ? inputs[0] : inputs, io.target, { lr: 0 });
    return { outputs: { eval: evalOutputs, train: trainOutputs }, loss, grads: new Map(m.parameters().map((p) => [p.name, floats(m.getParameter(`${p.name}.grad`))])) };
  } finally {
    m.dispose();
  }
}

async function stepFrom(dir: string, devices: number, io: Required<ReturnType<typeof inputsFor>>): Promise<{ loss: number; grads: Map<string, number[]> }> {
  const m = await load(dir, { devices });
  try {
    m.train(true);
    const loss = m.trainStepSync(io.tensors.length === 1 ? io.tensors[0] : io.tensors, io.target, { lr: 0 });
    const grads = new Map(m.parameters().map((p) => [p.name, floats(m.getParameter(`${p.name}.grad`))]));
    return { loss, grads };
  } finally {
    m.dispose();
  }
}
