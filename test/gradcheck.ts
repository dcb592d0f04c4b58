// Gradient checks: the gradients that autodiff builds from the ops' gradient rules, run by the
// reference interpreter, against central differences of the loss, all in float64.
import { expect } from "vitest";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { GraphBuilder } from "../compiler/ir/builder.ts";
import type { Graph, Node } from "../compiler/ir/node.ts";
import { initState, type ModelState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd, type NDArray } from "../compiler/reference/ndarray.ts";
import { normals, uniforms } from "../compiler/reference/rng.ts";
import { header, lowerSource } from "./helpers.ts";

/** Central differences with step H; agreement within ATOL + RTOL·max(|analytic|, |numeric|). */
export const H = 1e-5;
export const ATOL = 1e-7;
export const RTOL = 1e-5;

/**
 * A scalar loss that weighs every output element differently, so that each element's gradient
 * matters: L = Σ_k Σ_i w_k[i]·out_k[i] + ½·Σ out_k[i]², with fixed pseudo-random weights.
 */
function addProbeLoss(graph: Graph): { graph: Graph; loss: Node; builder: GraphBuilder } {
  const b = GraphBuilder.extending(graph);
  const at = graph.outputs[0];
  let total: Node | undefined;
  graph.outputs.forEach((out, k) => {
    if (out.dtype !== "f32") return;
    const add = (op: string, ins: Node[], attrs: object = {}) => b.add(op, ins, attrs, at.loc, "", op);
    const half = add("mul", [add("mul", [out, out]), add("const", [], { value: 0.5 })]);
    const weighted = add("mul", [out, add("const", [], { value: 0.37 + 0.11 * k })]);
    const tanh = add("tanh", [out]);
    const term = add("sum", [add("add", [add("add", [half, weighted]), tanh])], { dims: null, keepdim: false });
    total = total ? add("add", [total, term]) : term;
  });
  if (!total) throw new Error("gradcheck: the model has no float output");
  return { graph: b.finish(graph.name, graph.outputs), loss: total, builder: b };
}

function cloneState(s: ModelState): ModelState {
  const copy = (m: Map<string, NDArray>) => new Map([...m].map(([k, v]) => [k, { shape: v.shape, data: Float64Array.from(v.data) }]));
  return { params: copy(s.params), buffers: copy(s.buffers) };
}

export interface GradCheckOptions {
  readonly batch?: number;
  readonly training?: boolean;
  /** Elements checked per tensor (chosen at random); all when smaller. */
  readonly samples?: number;
  /** The largest valid value of each int32 input. */
  readonly intLimit?: number;
}

/** Checks ∂L/∂p for every parameter and float input of the model in `body`. */
export function gradCheck(body: string, opts: GradCheckOptions = {}): { checked: number } {
  const batch = opts.batch ?? 3;
  const training = opts.training ?? true;
  const model = lowerSource(`${header}${body}`);
  const forward = model.graph;
  const probe = addProbeLoss(forward);
  const floatInputs = forward.inputs.filter((i) => i.dtype === "f32");
  const wrt = [...forward.params, ...floatInputs];
  const { graph, gradients } = differentiate(probe.graph, { wrt, loss: probe.loss, builder: probe.builder });
  for (const input of floatInputs) gradients.get(input.attrs.name as string);

  const inputs: Record<string, NDArray> = {};
  forward.inputs.forEach((input, i) => {
    const shape = input.shape.map((d) => (typeof d === "number" ? d : d.batch * batch));
    const n = shape.reduce((a, b) => a * b, 1);
    inputs[input.attrs.name as string] =
      input.dtype === "i32" ? nd(shape, uniforms(n, 7, 50 + i).map((u) => Math.floor(u * (opts.intLimit ?? 4)))) : nd(shape, normals(n, 7, 50 + i));
  });
  const state = initState(forward, 1);
  // nudge constant-initialized parameters (norm weights 1, biases 0) so that their gradients are generic
  for (const [name, v] of state.params) v.data.forEach((x, i) => (v.data[i] = x + 0.1 * normals(v.data.length, 3, name.length)[i]));

  const lossOf = (st: ModelState, ins: Record<string, NDArray>) =>
    runReference(probe.graph, ins, cloneState(st), { training, seed: 5 }).values.get(probe.loss)!.data[0];
  const analytic = runReference(graph, inputs, cloneState(state), { training, seed: 5 });

  let checked = 0;
  for (const target of wrt) {
    const name = target.attrs.name as string;
    const g = analytic.values.get(gradients.get(name)!)!;
    const isInput = target.op === "input";
    const base = isInput ? inputs[name] : state.params.get(name)!;
    const count = base.data.length;
    const picks = count <= (opts.samples ?? 12) ? [...Array(count).keys()] : [...uniforms(opts.samples ?? 12, 11, name.length)].map((u) => Math.floor(u * count));
    for (const i of picks) {
      const at = (delta: number) => {
        const st = cloneState(state);
        const ins = { ...inputs };
        const arr = { shape: base.shape, data: Float64Array.from(base.data) };
        arr.data[i] += delta;
        if (isInput) ins[name] = arr;
        else st.params.set(name, arr);
        return lossOf(st, ins);
      };
      const numeric = (at(H) - at(-H)) / (2 * H);
      const a = g.data[i];
      const ok = Math.abs(a - numeric) <= ATOL + RTOL * Math.max(Math.abs(a), Math.abs(numeric));
      if (!ok) expect.fail(`∂L/∂${name}[${i}]: autodiff ${a}, central difference ${numeric}`);
      checked++;
    }
  }
  return { checked };
}
