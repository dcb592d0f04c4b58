import { fail } from "../diagnostics/diagnostic.ts";
import { formatShape } from "../ir/shape.ts";
import { MAX_CAT_INPUTS } from "../ops/join.ts";
import { arg, opt, type Bound } from "./args.ts";
import { fixedDim, ops } from "./composite-ops.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { fanInUniform, param, param_, x, type LayerSpec } from "./layer-spec.ts";
import { TensorValue, type CallSite, type ModuleValue, type ParamDecl, type Value } from "./values.ts";

// nn.RNN, nn.GRU and nn.LSTM as compositions unrolled over the sequence, whose length is a
// compile-time constant: per layer and direction, one GEMM projects every step's input at once
// (x·W_ihᵀ + b_ih, [N, L, G·H]), then each step adds h·W_hhᵀ + b_hh and applies the cell. PyTorch's
// parameters (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, "_reverse" for the backward
// direction), gate order (GRU: r, z, n; LSTM: i, f, g, o) and initialization (every tensor
// U(−1/√H, 1/√H)). The initial states are zeros: the first step's h·W_hhᵀ is 0 and is left out (its
// bias is not). Autodiff differentiates the unrolled graph: backpropagation through time.
//
// The batch must be dim 0 (batchFirst: true): tsdp splits dim 0 across devices and keeps it first.
// For the same reason the final states, PyTorch's h_n [layers·directions, N, H], are returned only
// for one layer in one direction, as [1, N, H] (h_n.select(0, -1) and squeeze(0) work); with more,
// stacking them would put the batch after a joined dim, and h_n is null (the last layer's states
// are the output's last step: output.select(1, -1)).

type Cell = "RNN" | "GRU" | "LSTM";
/** Gates per cell: G·H rows in each weight. */
const GATES: Record<Cell, number> = { RNN: 1, GRU: 3, LSTM: 4 };

function recurrentParams(cell: Cell, b: Bound): ParamDecl[] {
  const H: number = b.hiddenSize;
  const rows = GATES[cell] * H;
  const init = fanInUniform(H); // U(−1/√H, 1/√H): bound 1/√fan with fan = H
  const out: ParamDecl[] = [];
  for (let layer = 0; layer < b.numLayers; layer++)
    for (const suffix of b.bidirectional ? ["", "_reverse"] : [""]) {
      const inputs = layer === 0 ? b.inputSize : H * (b.bidirectional ? 2 : 1);
      out.push(param(`weight_ih_l${layer}${suffix}`, [rows, inputs], init), param(`weight_hh_l${layer}${suffix}`, [rows, H], init));
      if (b.bias) out.push(param(`bias_ih_l${layer}${suffix}`, [rows], init), param(`bias_hh_l${layer}${suffix}`, [rows], init));
    }
  return out;
}

/** One direction of one layer over the sequence: the hidden state at each step, in step order, and the last cell state (LSTM). */
function direction(cell: Cell, self: ModuleValue, b: Bound, input: TensorValue, name: string, reverse: boolean, c: ReturnType<typeof ops>): { steps: TensorValue[]; cLast?: TensorValue } {
  const H: number = b.hiddenSize;
  const N = input.node.shape[0];
  const L = input.node.shape[1] as number;
  const bih = param_(self, `bias_ih_${name}`);
  const bhh = param_(self, `bias_hh_${name}`);
  const whh = param_(self, `weight_hh_${name}`)!;
  // every step's input projection in one GEMM: [N, L, G·H]
  const projected = c.op("linear", [input, param_(self, `weight_ih_${name}`)!, ...(bih ? [bih] : [])]);
  // the k-th gate of a [N, G·H] (or, the first step's b_hh, [G·H]) tensor
  const gate = (t: TensorValue, k: number) => c.narrow(t, t.node.shape.length - 1, k * H, H);
  const order = Array.from({ length: L }, (_, t) => (reverse ? L - 1 - t : t));
  const states = new Array<TensorValue>(L);
  let h: TensorValue | undefined;
  let cState: TensorValue | undefined;
  for (const t of order) {
    const xw = c.reshape(c.narrow(projected, 1, t, 1), [N, GATES[cell] * H]);
    // h·W_hhᵀ + b_hh; with h = 0 (the first step) only the bias, or nothing
    const hw: TensorValue | undefined = h ? c.op("linear", [h, whh, ...(bhh ? [bhh] : [])]) : bhh ?? undefined;
    if (cell === "RNN") {
      const pre = hw ? c.op("add", [xw, hw]) : xw;
      h = c.op(b.nonlinearity === "relu" ? "relu" : "tanh", [pre]);
    } else if (cell === "LSTM") {
      const gates = hw ? c.op("add", [xw, hw]) : xw;
      const i = c.op("sigmoid", [gate(gates, 0)]);
      const f = c.op("sigmoid", [gate(gates, 1)]);
      const g = c.op("tanh", [gate(gates, 2)]);
      const o = c.op("sigmoid", [gate(gates, 3)]);
      // c' = f·c + i·g (c = 0 at the first step), h' = o·tanh(c')
      cState = cState ? c.op("add", [c.op("mul", [f, cState]), c.op("mul", [i, g])]) : c.op("mul", [i, g]);
      h = c.op("mul", [o, c.op("tanh", [cState])]);
    } else {
      // GRU: r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r·h_n), h' = (1 − z)·n + z·h
      const r = c.op("sigmoid", [hw ? c.op("add", [gate(xw, 0), gate(hw, 0)]) : gate(xw, 0)]);
      const z = c.op("sigmoid", [hw ? c.op("add", [gate(xw, 1), gate(hw, 1)]) : gate(xw, 1)]);
      const n = c.op("tanh", [hw ? c.op("add", [gate(xw, 2), c.op("mul", [r, gate(hw, 2)])]) : gate(xw, 2)]);
      const kept = c.op("mul", [c.op("sub", [1, z]), n]);
      h = h ? c.op("add", [kept, c.op("mul", [z, h])]) : kept;
    }
    states[t] = h;
  }
  return { steps: states, cLast: cState };
}

/** [N, H] states of each step joined into [N, L, H], in groups of at most MAX_CAT_INPUTS. */
function joinSteps(steps: TensorValue[], c: ReturnType<typeof ops>): TensorValue {
  let parts = steps.map((s) => c.reshape(s, [s.node.shape[0], 1, s.node.shape[1]]));
  while (parts.length > 1) {
    const next: TensorValue[] = [];
    for (let i = 0; i < parts.length; i += MAX_CAT_INPUTS) {
      const group = parts.slice(i, i + MAX_CAT_INPUTS);
      next.push(group.length === 1 ? group[0] : c.op("concat", group, { dim: 1 }));
    }
    parts = next;
  }
  return parts[0];
}

function recurrentForward(cell: Cell, self: ModuleValue, b: Bound, call: Bound, site: CallSite, em: GraphEmitter, who: string): Value {
  const input: TensorValue = call.x;
  const shape = input.node.shape;
  if (!b.batchFirst)
    fail("invalidArgument", `${who}: tsdp keeps the batch in dim 0 (it is split across devices): construct it with { batchFirst: true } and give [N, L, features] (a [L, N, features] input is x.transpose(0, 1) in PyTorch)`, site.loc);
  if (shape.length !== 3 || shape[2] !== b.inputSize)
    fail("shapeMismatch", `${who} expects [N, L, ${b.inputSize}] (batchFirst), got ${formatShape(shape)}`, site.loc);
  if (call.hx !== undefined && call.hx !== null)
    fail("invalidArgument", `${who}: initial states are not supported (they are [layers, N, H], with the batch in dim 1); the states start at zero`, site.loc);
  const L = fixedDim(shape, 1, "the sequence length", who, site);
  if (L === 0) fail("shapeMismatch", `${who}: the sequence is empty`, site.loc);
  const c = ops(em, who, site);
  let layerInput = input;
  const finals: TensorValue[] = [];
  const cells: TensorValue[] = [];
  for (let layer = 0; layer < b.numLayers; layer++) {
    const forward = direction(cell, self, b, layerInput, `l${layer}`, false, c);
    let out = joinSteps(forward.steps, c);
    finals.push(forward.steps[L - 1]);
    if (forward.cLast) cells.push(forward.cLast);
    if (b.bidirectional) {
      const backward = direction(cell, self, b, layerInput, `l${layer}_reverse`, true, c);
      out = c.op("concat", [out, joinSteps(backward.steps, c)], { dim: 2 });
      finals.push(backward.steps[0]);
      if (backward.cLast) cells.push(backward.cLast);
    }
    // dropout on each layer's output but the last's, in training (PyTorch's)
    if (b.dropout > 0 && layer < b.numLayers - 1) out = c.op("dropout", [out], { p: b.dropout, mode: "train" });
    layerInput = out;
  }
  const state = (t: TensorValue[]) => (t.length === 1 ? c.reshape(t[0], [1, t[0].node.shape[0], b.hiddenSize]) : null);
  return cell === "LSTM" ? [layerInput, [state(finals), state(cells)]] : [layerInput, state(finals)];
}

function recurrentLayer(cell: Cell): LayerSpec {
  return {
    args: [
      arg("inputSize", "posInt"),
      arg("hiddenSize", "posInt"),
      opt("numLayers", "posInt", 1),
      ...(cell === "RNN" ? [opt("nonlinearity", "string", "tanh", { choices: ["tanh", "relu"] })] : []),
      opt("bias", "bool", true),
      opt("batchFirst", "bool", false),
      opt("dropout", "prob", 0),
      opt("bidirectional", "bool", false),
      ...(cell === "LSTM" ? [opt("projSize", "nonNegInt", 0)] : []),
    ],
    state: (b) => ({ params: recurrentParams(cell, b) }),
    summary: (b) =>
      `${b.inputSize} → ${b.hiddenSize}` +
      (b.numLayers !== 1 ? `, ${b.numLayers} layers` : "") +
      (b.bidirectional ? ", bidirectional" : "") +
      (cell === "RNN" && b.nonlinearity === "relu" ? ", relu" : "") +
      (b.bias ? "" : ", no bias"),
    inputs: [x, opt("hx", "any", null, { nullable: true })],
    forward: (self, b, call, site, em, who) => recurrentForward(cell, self, b, call, site, em, who),
  };
}

export const recurrentLayers: Record<string, LayerSpec> = {
  RNN: recurrentLayer("RNN"),
  GRU: recurrentLayer("GRU"),
  LSTM: recurrentLayer("LSTM"),
};
