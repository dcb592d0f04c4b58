import { differentiate } from "../2-autodiff/backward.ts";
import { CompileError, multiline } from "../diagnostics/diagnostic.ts";
import type { Graph, Node } from "../ir/node.ts";
import { FLOOR, FORWARD, GRADIENT, K } from "../reference/compare.ts";
import { initState } from "../reference/init.ts";
import { runReference } from "../reference/interpret.ts";
import { nd, type NDArray } from "../reference/ndarray.ts";
import { normals, uniforms } from "../reference/rng.ts";
import { load, tensor, type CompiledModel, type Tensor } from "../../runtime/index.ts";
import type { Override } from "./overrides.ts";

// Verification of a library with user kernels, before it is installed. The design: the whole
// model, built with the overrides, against the float64 reference interpreter, as the fuzzer
// checks generated code: the forward (eval and train mode) and one training step's loss and every
// gradient, on random inputs of the model's shapes at batches 8 and 67. Every kernel the overrides
// replace runs in one of those (a forward kernel in the forward and the step, a backward kernel
// in the step), on exactly the shapes, launch and neighbours it has in the installed library.
// A per-kernel harness would localize an error to the kernel's own output tensor but would need a
// second launcher per kernel family that could itself disagree with model.cu's; the whole-model
// check runs the very library that will be installed. The error is therefore reported where it
// shows (a model output, the loss or a parameter's gradient, with the element's index), with the
// overridden kernels named: the generated kernels are checked against the same reference by the
// test suite and the fuzzer, so a disagreement is the override's.
//
// Tolerance per tensor, element by element (compiler/reference/compare.ts's, without the fuzzer's one-ulp nudge):
//   |got − want| ≤ atol·max(max|want|, 10⁻³·max|all of its kind|) + rtol·|want| + 8·|want − want₃₂|
// with want₃₂ the reference with every result rounded to fp32; forward and loss rtol 1e-4, atol
// 1e-5; gradients rtol 1e-3, atol 1e-4. An off-by-one in a bound errs by about the value itself.
//
// Cost: per batch, one extra load of the library, a forward in each mode and a step on the CPU
// target, and the reference run twice (float64 and fp32 storage) with autodiff: LeNet ~1 s.

// Two batches: a small one, and one past a 64-row tile with a partial last tile (a kernel right on
// its first block and wrong on the next, or on a short last one, errs there).
const BATCHES = [8, 67] as const;

/** The worst element of one tensor, when it is outside tolerance. */
interface Miss {
  readonly what: string;
  readonly index: string;
  readonly got: number;
  readonly want: number;
  readonly error: number;
  readonly allowed: number;
}

const maxAbs = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
};

/** "[1, 3, 0, 2]" for flat index `i` of `shape`. */
function indexOf(i: number, shape: readonly number[]): string {
  const out: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    out.unshift(i % shape[d]);
    i = Math.floor(i / shape[d]);
  }
  return `[${out.join(", ")}]`;
}

/** The element of `got` furthest outside tolerance (by error over allowed), if any is. */
function worst(what: string, shape: readonly number[], got: ArrayLike<number>, want: ArrayLike<number>, want32: ArrayLike<number>, tol: { rtol: number; atol: number }, floor: number): Miss | undefined {
  const atol = tol.atol * Math.max(maxAbs(want), floor, 1e-30);
  let found: Miss | undefined;
  for (let i = 0; i < want.length; i++) {
    const error = Math.abs(got[i] - want[i]);
    const allowed = atol + tol.rtol * Math.abs(want[i]) + K * Math.abs(want[i] - want32[i]);
    const bad = !(error <= allowed) || Number.isNaN(got[i]) !== Number.isNaN(want[i]);
    if (bad && (!found || !(error / allowed <= found.error / found.allowed))) found = { what, index: indexOf(i, shape), got: got[i], want: want[i], error, allowed };
  }
  return found;
}

const floats = (t: { data: ArrayLike<number | bigint> }) => Array.from(t.data as ArrayLike<number | bigint>, Number);

/** Random inputs of the model's shapes at `batch` (integer inputs: 0 and 1, valid for any embedding or class). */
function inputsFor(graph: Graph, batch: number) {
  const dims = (shape: Node["shape"]) => shape.map((d) => (typeof d === "number" ? d : d.batch * batch));
  const make = (n: Node, stream: number) => {
    const shape = dims(n.shape);
    const count = shape.reduce((a, b) => a * b, 1);
    const data = n.dtype === "f32" ? Float32Array.from(normals(count, 7, stream)) : Int32Array.from(uniforms(count, 7, stream), (u) => (u < 0.5 ? 0 : 1));
    return { tensor: tensor(data, shape), ref: nd(shape, data) };
  };
  const inputs = graph.inputs.map((n, i) => make(n, 100 + i));
  const target = graph.loss ? make(graph.loss.target, 99) : undefined;
  if (graph.loss && target && graph.loss.target.dtype !== "f32") {
    // class indices in [0, classes): the output's dim 1
    const classes = graph.outputs[0].shape[1] as number;
    const data = Int32Array.from(uniforms(target.ref.data.length, 7, 98), (u) => Math.floor(u * classes));
    const shape = dims(graph.loss.target.shape);
    return { inputs, target: { tensor: tensor(data, shape), ref: nd(shape, data) } };
  }
  return { inputs, target };
}

/**
 * Loads the library in `dir` (built with `overrides`) and compares it with the reference; throws
 * overrideRefused with the largest error when it disagrees. Returns what was checked, for the
 * compile's message.
 */
export async function verifyOverrides(dir: string, graph: Graph, overrides: readonly Override[]): Promise<string> {
  const misses: Miss[] = [];
  let checked: string[] = [];
  // each batch on a fresh load and fresh reference state: the same draws and step counts as the reference's
  for (const batch of BATCHES) {
    checked = await verifyAt(batch, dir, graph, misses);
    if (misses.length) return refuse(misses, overrides, checked, batch);
  }
  return `verified ${overrides.map((o) => `${o.name} (${o.shown})`).join(", ")} against the float64 reference (batches ${BATCHES.join(" and ")}: ${checked.join(", ")})`;
}

/** One batch's check: the misses found go to `misses`; returns what was checked. */
async function verifyAt(batch: number, dir: string, graph: Graph, misses: Miss[]): Promise<string[]> {
  const io = inputsFor(graph, batch);
  const refInputs: Record<string, NDArray> = Object.fromEntries(graph.inputs.map((n, i) => [n.attrs.name as string, io.inputs[i].ref]));
  const state = initState(graph, 0);
  const state32 = initState(graph, 0);
  let m: CompiledModel | undefined;
  const checked: string[] = [];
  try {
    m = await load(dir);
    // its parameters are the reference's (both initialize from seed 0 the same way); set them anyway,
    // so that the comparison does not rest on that
    for (const [name, value] of state.params) m.setParameter(name, { data: Float32Array.from(value.data), shape: value.shape });
    const tensors: Tensor[] = io.inputs.map((x) => x.tensor);
    for (const training of [false, true]) {
      m.train(training);
      const got = m.forwardAllSync(...tensors);
      const want = runReference(graph, refInputs, state, { training, draw: 0 });
      const want32 = runReference(graph, refInputs, state32, { training, draw: 0, roundToFloat32: true });
      const floor = FLOOR * Math.max(0, ...want.outputs.map((o) => maxAbs(o.data)));
      got.forEach((g, i) => {
        const miss = worst(`output ${i} of the ${training ? "train" : "eval"}-mode forward`, g.shape, floats(g), want.outputs[i].data, want32.outputs[i].data, FORWARD, floor);
        if (miss) misses.push(miss);
      });
      checked.push(`${training ? "train" : "eval"}-mode forward`);
    }
    if (graph.loss && graph.optimizer && io.target && m.manifest.training) {
      const { graph: step, gradients } = differentiate(graph);
      const stepInputs = { ...refInputs, target: io.target.ref };
      const want = runReference(step, stepInputs, state, { training: true, seed: 0, step: 0, draw: 1 });
      const want32 = runReference(step, stepInputs, state32, { training: true, seed: 0, step: 0, draw: 1, roundToFloat32: true });
      const loss = m.trainStepSync(tensors.length === 1 ? tensors[0] : tensors, io.target.tensor, { lr: 0 });
      const lossMiss = worst("the loss", [], [loss], [want.loss!], [want32.loss!], FORWARD, 0);
      if (lossMiss) misses.push({ ...lossMiss, index: "" });
      const largest = Math.max(0, ...[...gradients.values()].map((n) => maxAbs(want.values.get(n as Node)!.data)));
      for (const [name, node] of gradients) {
        const got = m.getParameter(`${name}.grad`);
        const miss = worst(`the gradient of ${name}`, got.shape, floats(got), want.values.get(node as Node)!.data, want32.values.get(node as Node)!.data, GRADIENT, FLOOR * largest);
        if (miss) misses.push(miss);
      }
      checked.push(`a training step's loss and ${gradients.size} gradients`);
    }
  } finally {
    m?.dispose();
  }
  return checked;
}

/** The overrides refused: the largest miss, the others, and what was checked at which batch. */
function refuse(misses: readonly Miss[], overrides: readonly Override[], checked: readonly string[], batch: number): never {
  const names = overrides.map((o) => `${o.name} (${o.shown})`).join(", ");
  {
    const w = misses.reduce((a, b) => (b.error / b.allowed > a.error / a.allowed ? b : a));
    const where = `${w.what}${w.index ? ` at ${w.index}` : ""}`;
    const lines = [
      `the library with your kernel${overrides.length > 1 ? "s" : ""} ${names} disagrees with the float64 reference: largest error ${w.error.toExponential(3)} in ${where} (got ${w.got}, the reference says ${w.want}; allowed ${w.allowed.toExponential(2)})`,
      ...misses.filter((x) => x !== w).slice(0, 8).map((x) => `also ${x.what}${x.index ? ` at ${x.index}` : ""}: error ${x.error.toExponential(3)}, allowed ${x.allowed.toExponential(2)}`),
      ...(misses.length > 9 ? [`… and ${misses.length - 9} more tensors`] : []),
      `checked on random inputs at batch ${batch}: ${checked.join(", ")}`,
    ];
    throw new CompileError([multiline("overrideRefused", lines.join("\n"), { file: overrides[0].file, line: 1, col: 1, length: 0 })]);
  }
}
