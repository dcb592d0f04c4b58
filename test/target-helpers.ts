// Shared by the CPU-target tests: compile a model for the CPU target, make inputs it accepts,
// and compare its outputs with the reference interpreter's.
import { expect } from "vitest";
import type { Graph, Node } from "../compiler/ir/node.ts";
import { initState, type ModelState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd, type NDArray } from "../compiler/reference/ndarray.ts";
import { normals, uniforms } from "../compiler/reference/rng.ts";
import { compile } from "../compiler/pipeline.ts";
import { tensor, type CompiledModel, type Tensor } from "../runtime/index.ts";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { newOptimizerState, optimizerStep } from "../compiler/reference/optim.ts";
import { yieldToRunner } from "./helpers.ts";

/** fp32 against float64: |got − want| ≤ ATOL + RTOL·|want|. */
export const RTOL = 1e-4;
export const ATOL = 1e-5;

/**
 * The target these tests build: the CPU target (CI, no GPU), or with TSDP_TEST_TARGET=cuda the
 * GPU, so that bench/gpu-check.sh runs the same suite on a device. CUDA builds get their own
 * directories, so switching does not rebuild the CPU ones.
 */
export const TEST_TARGET = ((): "cpu" | "cuda" => {
  const t = process.env.TSDP_TEST_TARGET ?? "cpu";
  if (t !== "cpu" && t !== "cuda") throw new Error(`TSDP_TEST_TARGET must be cpu or cuda, got ${JSON.stringify(t)}`);
  return t;
})();

export async function compileForTestTarget(file: string, outDir: string) {
  return compile(file, { target: TEST_TARGET, outDir: TEST_TARGET === "cpu" ? outDir : `${outDir}-cuda` });
}

/** The largest valid value of an int32 input: classes of a loss, rows of an embedding. */
function intLimit(graph: Graph, input: Node): number {
  let limit = 1000;
  for (const n of graph.nodes) {
    if (n.op === "embedding" && n.inputs[0] === input) limit = Math.min(limit, n.inputs[1].shape[0] as number);
    if ((n.op === "cross_entropy" || n.op === "nll_loss") && n.inputs[1] === input) limit = Math.min(limit, n.inputs[0].shape[1] as number);
    if (n.op === "take" && n.inputs[1] === input) limit = Math.min(limit, n.inputs[0].shape[(n.attrs as { dim: number }).dim] as number);
  }
  return limit;
}

/** Deterministic inputs for a batch: normals for floats, valid indices for ints. */
export function makeInputs(graph: Graph, batch: number, seed: number): { tensors: Tensor[]; reference: Record<string, NDArray> } {
  const tensors: Tensor[] = [];
  const reference: Record<string, NDArray> = {};
  graph.inputs.forEach((input, i) => {
    const shape = input.shape.map((d) => (typeof d === "number" ? d : d.batch * batch));
    const n = shape.reduce((a, b) => a * b, 1);
    const values =
      input.dtype === "i32"
        ? uniforms(n, seed, 100 + i).map((u) => Math.floor(u * intLimit(graph, input)))
        : normals(n, seed, 100 + i);
    const data = input.dtype === "i32" ? Int32Array.from(values) : Float32Array.from(values);
    tensors.push({ data, shape });
    reference[input.attrs.name as string] = nd(shape, data);
  });
  return { tensors, reference };
}

export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    // a NaN where the reference has one agrees (PyTorch's NaN propagation); anywhere else it is the worst
    if (Number.isNaN(got[i]) && Number.isNaN(want[i])) continue;
    const excess = Math.abs(got[i] - want[i]) - (ATOL + RTOL * Math.abs(want[i]));
    if (!(excess <= worst) || Number.isNaN(got[i]) !== Number.isNaN(want[i])) {
      worst = Number.isNaN(excess) ? Infinity : excess;
      at = i;
    }
  }
  if (at >= 0) expect.fail(`${what}: element ${at} is ${got[at]}, the reference says ${want[at]} (rtol ${RTOL}, atol ${ATOL})`);
}

export function referenceState(graph: Graph, seed = 0): ModelState {
  return initState(graph, seed);
}

export { runReference };

/**
 * The float64 reference's training on one batch: `steps` steps from the seed-0 state (each step's
 * loss, then the optimizer's update with the graph's own settings), as the compiled model's
 * trainStep repeated on that batch. Returns the losses and the state after the last step.
 */
export function referenceSteps(graph: Graph, batch: Record<string, NDArray>, steps: number): { losses: number[]; state: ModelState } {
  const { graph: step, gradients } = differentiate(graph);
  const state = initState(graph, 0);
  const opt = newOptimizerState();
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const r = runReference(step, batch, state, { training: true, step: s });
    losses.push(r.loss!);
    optimizerStep(graph.optimizer!, opt, state.params, new Map([...gradients].map(([n, g]) => [n, r.values.get(g)!])));
  }
  return { losses, state };
}

/**
 * One training step's gradient, fp32 against float64: rtol 1e-3 with an absolute floor of 1e-4 ×
 * the tensor's largest gradient (at least 1e-2), for gradients that cancel to ~0 in float64 and
 * keep fp32 rounding (softmax's shift invariance gives a keys' bias exactly 0 there, ~1e-9 here).
 */
export function expectGradientClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let scale = 1e-2;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++)
    if (!(Math.abs(got[i] - want[i]) <= 1e-3 * Math.abs(want[i]) + 1e-4 * scale)) expect.fail(`${what}: element ${i} is ${got[i]}, the reference says ${want[i]}`);
}

/**
 * Eval-mode forward of a loaded library against the reference at each batch size, every output
 * (rtol/atol above); inputs from makeInputs seeded by the batch size.
 */
export async function expectEvalForwardClose(m: CompiledModel, graph: Graph, batches: readonly number[], state: ModelState = referenceState(graph, 0)): Promise<void> {
  m.train(false);
  for (const batch of batches) {
    const { tensors, reference } = makeInputs(graph, batch, batch);
    const got = m.forwardAllSync(...tensors);
    const want = runReference(graph, reference, state, { training: false }).outputs;
    want.forEach((w, i) => expectClose(got[i].data as Float32Array, w.data, `output ${i}, batch ${batch}`));
    await yieldToRunner();
  }
}

/**
 * One training step at lr 0 with a float target of `targetShape` (inputs seeded 2, target seeded
 * 3·7 as normals), and the reference's step on the same: the step's loss, every node's reference
 * value, and the parameters' gradient nodes.
 */
export async function stepWithFloatTarget(m: CompiledModel, graph: Graph, targetShape: readonly number[]) {
  const batch = targetShape[0];
  const count = targetShape.reduce((p, q) => p * q, 1);
  const { tensors, reference } = makeInputs(graph, batch, 2);
  const target = Float32Array.from(normals(count, 3, 7));
  m.train(true);
  const loss = m.trainStepSync(tensors[0], tensor(target, [...targetShape]), { lr: 0 });
  await yieldToRunner();
  const { graph: stepGraph, gradients } = differentiate(graph);
  const want = runReference(stepGraph, { ...reference, target: nd([...targetShape], target) }, initState(graph, 0), { training: true, seed: 0, step: 0 });
  return { loss, want, stepGraph, gradients };
}
