import { fail, type SourceLoc } from "../diagnostics/diagnostic.ts";
import { modeOf } from "./module-modes.ts";
import type { Node } from "../ir/node.ts";
import { formatShape, isBatch, shapeEq, type Dim } from "../ir/shape.ts";
import { arg, locOfArg, opt, type Bound } from "./args.ts";
import { fixedDim, ops } from "./composite-ops.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { fanInUniform, param, param_, x, type LayerSpec } from "./layer-spec.ts";
import { stepMasks } from "./packed-sequence.ts";
import { catInGroups } from "./joins.ts";
import { describe, PackedSequenceValue, TensorValue, type CallSite, type ModuleValue, type ParamDecl, type Value } from "./values.ts";

// nn.RNN, nn.GRU and nn.LSTM as compositions unrolled over the sequence, whose length is a
// compile-time constant: per layer and direction, one GEMM projects every step's input at once
// (x·W_ihᵀ + b_ih, [N, L, G·H]), then each step adds h·W_hhᵀ + b_hh and applies the cell. PyTorch's
// parameters (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, "_reverse" for the backward
// direction), gate order (GRU: r, z, n; LSTM: i, f, g, o) and initialization (every tensor
// U(−1/√H, 1/√H)). Autodiff differentiates the unrolled graph: backpropagation through time.
//
// PyTorch's layouts: the input is [N, L, features] with batchFirst, else [L, N, features]; the
// initial states hx (LSTM: [h0, c0]) and the final ones h_n (c_n) are [layers·directions, N, H],
// entry layer·directions + direction. Without hx the states start at zero: the first step's
// h·W_hhᵀ is 0 and is left out (its bias is not).
//
// An LSTM with projSize P (0 < P < H, PyTorch's proj_size) projects each step's hidden state to P
// features, h = W_hr·(o·tanh(c)) with weight_hr_l<k> [P, H] (no bias): W_hh is [4H, P], the next
// layer reads P·directions features, the output and h_n hold P, c_n still H.

type Cell = "RNN" | "GRU" | "LSTM";
/** Gates per cell: G·H rows in each weight. */
const GATES: Record<Cell, number> = { RNN: 1, GRU: 3, LSTM: 4 };

/** The width of the hidden state h a step outputs: projSize when an LSTM projects it, else hiddenSize. */
const outWidth = (b: Bound): number => (b.projSize > 0 ? b.projSize : b.hiddenSize);

function recurrentParams(cell: Cell, b: Bound): ParamDecl[] {
  const H: number = b.hiddenSize;
  const P = outWidth(b);
  const rows = GATES[cell] * H;
  const init = fanInUniform(H); // U(−1/√H, 1/√H): bound 1/√fan with fan = H
  const out: ParamDecl[] = [];
  for (let layer = 0; layer < b.numLayers; layer++)
    for (const suffix of b.bidirectional ? ["", "_reverse"] : [""]) {
      const inputs = layer === 0 ? b.inputSize : P * (b.bidirectional ? 2 : 1);
      out.push(param(`weight_ih_l${layer}${suffix}`, [rows, inputs], init), param(`weight_hh_l${layer}${suffix}`, [rows, P], init));
      if (b.bias) out.push(param(`bias_ih_l${layer}${suffix}`, [rows], init), param(`bias_hh_l${layer}${suffix}`, [rows], init));
      // PyTorch's order: the projection after the biases
      if (b.projSize > 0) out.push(param(`weight_hr_l${layer}${suffix}`, [P, H], init));
    }
  return out;
}

/** Where the batch and the sequence are in a layer's input and output ([N, L, ·] with batchFirst, else [L, N, ·]). */
interface Layout {
  readonly batchDim: number;
  readonly seqDim: number;
}

/** A layer's initial states for one layer and direction ([N, H] each), when hx was given. */
interface Initial {
  readonly h?: TensorValue;
  readonly c?: TensorValue;
}

/**
 * One direction of one layer over the sequence: the output at each step, in step order, the last
 * hidden state and the last cell state (LSTM). With `masks` (a packed sequence: [N, 1] per step, 1
 * within the sample's length) a step past a sample's length keeps its states and outputs zero.
 */
function direction(cell: Cell, self: ModuleValue, b: Bound, input: TensorValue, layout: Layout, initial: Initial, name: string, reverse: boolean, c: ReturnType<typeof ops>, masks?: TensorValue[]): { steps: TensorValue[]; hLast: TensorValue; cLast?: TensorValue } {
  const H: number = b.hiddenSize;
  const N = input.node.shape[layout.batchDim];
  const L = input.node.shape[layout.seqDim] as number;
  const bih = param_(self, `bias_ih_${name}`);
  const bhh = param_(self, `bias_hh_${name}`);
  const whh = param_(self, `weight_hh_${name}`)!;
  const whr = param_(self, `weight_hr_${name}`) ?? undefined;
  // every step's input projection in one GEMM: [N, L, G·H]
  const projected = c.op("linear", [input, param_(self, `weight_ih_${name}`)!, ...(bih ? [bih] : [])]);
  const order = Array.from({ length: L }, (_, t) => (reverse ? L - 1 - t : t));
  const states = new Array<TensorValue>(L);
  let h: TensorValue | undefined = initial.h;
  let cState: TensorValue | undefined = initial.c;
  for (const t of order) {
    const xw = c.reshape(c.narrow(projected, layout.seqDim, t, 1), [N, GATES[cell] * H]);
    const next = cellStep(cell, b, xw, h, cState, whh, bhh, c, whr);
    if (masks) {
      // past the sample's length: the states as they were (zero before its first step), the output zero
      const keep = (nu: TensorValue, old: TensorValue | undefined) => c.op("where", [masks[t], nu, old ?? 0]);
      states[t] = keep(next.h, undefined);
      [h, cState] = [keep(next.h, h), next.c && keep(next.c, cState)];
    } else {
      ({ h, c: cState } = next);
      states[t] = h;
    }
  }
  return { steps: states, hLast: h!, cLast: cState };
}

/**
 * One step of a cell: xw = x·W_ihᵀ + b_ih [N, G·H], the state h (and c) before it (undefined: zero,
 * whose h·W_hhᵀ is left out, its bias kept). Returns the states after it.
 */
function cellStep(cell: Cell, b: Bound, xw: TensorValue, h: TensorValue | undefined, cState: TensorValue | undefined, whh: TensorValue, bhh: TensorValue | null, c: ReturnType<typeof ops>, whr?: TensorValue): { h: TensorValue; c?: TensorValue } {
  const H: number = b.hiddenSize;
  // the k-th gate of a [N, G·H] (or, with h = 0, b_hh's [G·H]) tensor
  const gate = (t: TensorValue, k: number) => c.narrow(t, t.node.shape.length - 1, k * H, H);
  // h·W_hhᵀ + b_hh; with h = 0 only the bias, or nothing
  const hw: TensorValue | undefined = h ? c.op("linear", [h, whh, ...(bhh ? [bhh] : [])]) : bhh ?? undefined;
  if (cell === "RNN") {
    const pre = hw ? c.op("add", [xw, hw]) : xw;
    return { h: c.op(b.nonlinearity === "relu" ? "relu" : "tanh", [pre]) };
  }
  if (cell === "LSTM") {
    const gates = hw ? c.op("add", [xw, hw]) : xw;
    const i = c.op("sigmoid", [gate(gates, 0)]);
    const f = c.op("sigmoid", [gate(gates, 1)]);
    const g = c.op("tanh", [gate(gates, 2)]);
    const o = c.op("sigmoid", [gate(gates, 3)]);
    // c' = f·c + i·g (c = 0: i·g), h' = o·tanh(c')
    const next = cState ? c.op("add", [c.op("mul", [f, cState]), c.op("mul", [i, g])]) : c.op("mul", [i, g]);
    const hidden = c.op("mul", [o, c.op("tanh", [next])]);
    // projSize: h = W_hr·hidden, [N, P]
    return { h: whr ? c.op("linear", [hidden, whr]) : hidden, c: next };
  }
  // GRU: r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r·h_n), h' = (1 − z)·n + z·h
  const r = c.op("sigmoid", [hw ? c.op("add", [gate(xw, 0), gate(hw, 0)]) : gate(xw, 0)]);
  const z = c.op("sigmoid", [hw ? c.op("add", [gate(xw, 1), gate(hw, 1)]) : gate(xw, 1)]);
  const n = c.op("tanh", [hw ? c.op("add", [gate(xw, 2), c.op("mul", [r, gate(hw, 2)])]) : gate(xw, 2)]);
  const kept = c.op("mul", [c.op("sub", [1, z]), n]);
  return { h: h ? c.op("add", [kept, c.op("mul", [z, h])]) : kept };
}

/** [N, H] tensors joined along a new dim `dim` (the sequence, or the states' layers·directions), in groups of at most MAX_CAT_INPUTS. */
function stack(items: TensorValue[], dim: number, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const c = ops(em, who, site);
  return catInGroups(items.map((s) => c.reshape(s, dim === 0 ? [1, ...s.node.shape] : [s.node.shape[0], 1, s.node.shape[1]])), dim, who, site, em);
}

/** hx as [h0] or [h0, c0] (LSTM), each checked to be [layers·directions, N, H], undefined where zeros; [] without hx. */
function initialStates(cell: Cell, b: Bound, call: Bound, N: Dim, site: CallSite, who: string): (TensorValue | undefined)[] {
  const hx: Value = call.hx;
  if (hx === undefined || hx === null) return [];
  const loc = locOfArg(call, "hx", site);
  const names = cell === "LSTM" ? ["h0", "c0"] : ["h0"];
  const given: Value[] = cell === "LSTM" ? (Array.isArray(hx) && hx.length === 2 ? hx : []) : [hx];
  if (given.length === 0) fail("wrongArgumentType", `${who}: hx is [h0, c0], two tensors of [layers·directions, N, hidden], got ${describe(hx)}`, loc);
  // h0 holds what a step outputs (projSize's P), c0 the cell's H
  const expected = (k: number) => [b.numLayers * (b.bidirectional ? 2 : 1), N, k === 0 && cell === "LSTM" ? outWidth(b) : b.hiddenSize];
  return given.map((t, k) => checkedState(t, names[k], expected(k), `layers·directions, the input's batch, ${k === 0 && b.projSize > 0 ? "projSize" : "hidden"}`, who, loc));
}

/**
 * A given state: a float32 tensor of `expected`'s shape, else an error at `loc`. Zeros (F.zeros(…,
 * x.size(0), H), the usual h0) come back undefined: the same as no state, whose h·W_hhᵀ is left out.
 */
function checkedState(t: Value, name: string, expected: readonly Dim[], dims: string, who: string, loc: SourceLoc): TensorValue | undefined {
  if (!(t instanceof TensorValue)) return fail("wrongArgumentType", `${who}: ${name} must be a tensor, got ${describe(t)}`, loc);
  if (t.node.dtype !== "f32" || !shapeEq(t.node.shape, expected))
    fail("shapeMismatch", `${who}: ${name} must be ${formatShape(expected)} (${dims}), got ${t.node.dtype} ${formatShape(t.node.shape)}`, loc);
  return isZeros(t.node) ? undefined : t;
}

/** A constant 0 (F.zeros, or a 0 expanded to a shape): a state that starts at zero. */
function isZeros(n: Node): boolean {
  const source = n.op === "expand" ? n.inputs[0] : n;
  return source.op === "full" && source.attrs.value === 0;
}

/**
 * PyTorch's unbatched call: x [L, inputSize] (hx [layers·directions, H]) is a batch of one —
 * x.unsqueeze(batchFirst ? 0 : 1), hx.unsqueeze(1) — and the results lose that dim again: the
 * output [L, D·H], h_n (c_n) [layers·directions, H]. hx must then be 2-D, as PyTorch requires.
 */
function unbatchedRecurrent(cell: Cell, self: ModuleValue, b: Bound, call: Bound, site: CallSite, em: GraphEmitter, who: string): Value {
  const c = ops(em, who, site);
  const x: TensorValue = call.x;
  const batchDim = b.batchFirst ? 0 : 1;
  const unsqueeze = (t: TensorValue, dim: number) => c.reshape(t, [...t.node.shape.slice(0, dim), 1, ...t.node.shape.slice(dim)]);
  const squeeze = (t: TensorValue, dim: number) => c.reshape(t, t.node.shape.filter((_, i) => i !== dim));
  const states = (call.hx === null || call.hx === undefined ? [] : cell === "LSTM" && Array.isArray(call.hx) ? call.hx : [call.hx]) as Value[];
  for (const t of states)
    if (t instanceof TensorValue && t.node.shape.length !== 2)
      fail("shapeMismatch", `${who}: for an unbatched input [L, ${b.inputSize}] the states are 2-D [layers·directions, hidden], as PyTorch requires, got ${formatShape(t.node.shape)}`, locOfArg(call, "hx", site));
  const hx = states.length === 0 ? call.hx : states.map((t) => (t instanceof TensorValue ? unsqueeze(t, 1) : t));
  const result = recurrentForward(cell, self, b, { ...call, x: unsqueeze(x, batchDim), hx: cell === "LSTM" || states.length === 0 ? hx : (hx as Value[])[0] }, site, em, who) as [TensorValue, TensorValue | TensorValue[]];
  const [output, hidden] = result;
  return [squeeze(output, batchDim), Array.isArray(hidden) ? hidden.map((t) => squeeze(t, 1)) : squeeze(hidden, 1)];
}

function recurrentForward(cell: Cell, self: ModuleValue, b: Bound, call: Bound, site: CallSite, em: GraphEmitter, who: string): Value {
  // PyTorch's unbatched sequence [L, inputSize] (its L a fixed size: a batch-sized dim would step across samples)
  if (call.x instanceof TensorValue && call.x.node.shape.length === 2 && call.x.node.shape[1] === b.inputSize && !isBatch(call.x.node.shape[0])) return unbatchedRecurrent(cell, self, b, call, site, em, who);
  // a PackedSequence (nn.utils.rnn.packPaddedSequence): its own layout, each sample over its length
  const packed = call.x instanceof PackedSequenceValue ? call.x : undefined;
  if (!packed && !(call.x instanceof TensorValue)) return fail("wrongArgumentType", `${who}: the input is a tensor or a PackedSequence, got ${describe(call.x)}`, site.loc);
  const input: TensorValue = packed ? packed.padded : call.x;
  const batchFirst = packed ? packed.batchFirst : b.batchFirst;
  const shape = input.node.shape;
  const layout: Layout = batchFirst ? { batchDim: 0, seqDim: 1 } : { batchDim: 1, seqDim: 0 };
  // a 2-D input whose first dim is the batch: PyTorch would step along it as an unbatched sequence, across samples
  const unbatched = shape.length === 2 && shape[1] === b.inputSize ? `; a 2-D input is PyTorch's unbatched sequence [L, ${b.inputSize}], and here L would be the batch: give the sequence its own dim, x.unsqueeze(${batchFirst ? 1 : 0}) for one step per sample` : "";
  if (shape.length !== 3 || shape[2] !== b.inputSize)
    fail("shapeMismatch", `${who} expects ${batchFirst ? "[N, L" : "[L, N"}, ${b.inputSize}] (batchFirst: ${batchFirst}${packed ? ", the PackedSequence's" : ""}), got ${formatShape(shape)}${unbatched}`, site.loc);
  if (!batchFirst && isBatch(shape[0]))
    fail("shapeMismatch", `${who} (batchFirst: false, PyTorch's default) reads [L, N, ${b.inputSize}], got ${formatShape(shape)} with the batch first: construct it with { batchFirst: true }, or give x.transpose(0, 1)`, site.loc);
  const L = fixedDim(shape, layout.seqDim, "the sequence length", who, site);
  if (L === 0) fail("shapeMismatch", `${who}: the sequence is empty`, site.loc);
  const N = shape[layout.batchDim];
  const c = ops(em, who, site);
  const [h0, c0] = initialStates(cell, b, call, N, site, who);
  const masks = packed ? stepMasks(packed.lengths, L, em, who, site) : undefined;
  const directions = b.bidirectional ? 2 : 1;
  // entry k of a [layers·directions, N, H] state, as [N, H]
  const entry = (t: TensorValue | undefined, k: number) => (t ? c.reshape(c.narrow(t, 0, k, 1), [N, t.node.shape[2]]) : undefined);
  let layerInput = input;
  const finals: TensorValue[] = [];
  const cells: TensorValue[] = [];
  for (let layer = 0; layer < b.numLayers; layer++) {
    const outputs: TensorValue[] = [];
    for (let d = 0; d < directions; d++) {
      const k = layer * directions + d;
      const initial: Initial = { h: entry(h0, k), c: entry(c0, k) };
      const run = direction(cell, self, b, layerInput, layout, initial, `l${layer}${d ? "_reverse" : ""}`, d === 1, c, masks);
      outputs.push(stack(run.steps, layout.seqDim, site, em, who));
      // (the backward direction ends at the first step; a packed sample's forward one at its last)
      finals.push(run.hLast);
      if (run.cLast) cells.push(run.cLast);
    }
    let out = outputs.length === 1 ? outputs[0] : c.op("concat", outputs, { dim: 2 });
    // dropout on each layer's output but the last's, in training (PyTorch's)
    if (b.dropout > 0 && modeOf(self) !== false && layer < b.numLayers - 1) out = c.op("dropout", [out], { p: b.dropout, mode: modeOf(self) === true ? "always" : "train" });
    layerInput = out;
  }
  const output = packed ? new PackedSequenceValue(layerInput, packed.lengths, packed.batchFirst, true) : layerInput;
  return cell === "LSTM" ? [output, [stack(finals, 0, site, em, who), stack(cells, 0, site, em, who)]] : [output, stack(finals, 0, site, em, who)];
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
    // RNNBase's mode attribute: "LSTM", "GRU", "RNN_TANH" or "RNN_RELU"
    attributes: (b) => ({ mode: cell === "RNN" ? `RNN_${String(b.nonlinearity).toUpperCase()}` : cell }),
    summary: (b) =>
      `${b.inputSize} → ${b.hiddenSize}` +
      (b.numLayers !== 1 ? `, ${b.numLayers} layers` : "") +
      (b.bidirectional ? ", bidirectional" : "") +
      (b.projSize > 0 ? `, proj ${b.projSize}` : "") +
      (cell === "RNN" && b.nonlinearity === "relu" ? ", relu" : "") +
      (b.bias ? "" : ", no bias"),
    inputs: [arg("x", "any"), opt("hx", "any", null, { nullable: true })],
    forward: (self, b, call, site, em, who) => recurrentForward(cell, self, b, call, site, em, who),
  };
}

/**
 * nn.RNNCell, nn.GRUCell, nn.LSTMCell: one step, PyTorch's parameters without a layer suffix
 * (weight_ih, weight_hh, bias_ih, bias_hh) and its call: cell(x [N, in], hx) returns h' (LSTMCell:
 * [h', c']); hx is h [N, H] (LSTMCell: [h, c]), zeros when left out, as PyTorch's.
 */
function cellLayer(cell: Cell): LayerSpec {
  return {
    args: [arg("inputSize", "posInt"), arg("hiddenSize", "posInt"), opt("bias", "bool", true), ...(cell === "RNN" ? [opt("nonlinearity", "string", "tanh", { choices: ["tanh", "relu"] })] : [])],
    state: (b) => {
      const rows = GATES[cell] * b.hiddenSize;
      const init = fanInUniform(b.hiddenSize);
      return { params: [param("weight_ih", [rows, b.inputSize], init), param("weight_hh", [rows, b.hiddenSize], init), ...(b.bias ? [param("bias_ih", [rows], init), param("bias_hh", [rows], init)] : [])] };
    },
    summary: (b) => `${b.inputSize} → ${b.hiddenSize}${cell === "RNN" && b.nonlinearity === "relu" ? ", relu" : ""}${b.bias ? "" : ", no bias"}`,
    inputs: [x, opt("hx", "any", null, { nullable: true })],
    forward: (self, b, call, site, em, who) => {
      // PyTorch's unbatched step: x [inputSize] (and hx [H]) is a batch of one, and the result [H]
      if (call.x instanceof TensorValue && call.x.node.shape.length === 1 && call.x.node.shape[0] === b.inputSize) return unbatchedCell(cell, self, call, site, em, who);
      const input: TensorValue = call.x;
      const shape = input.node.shape;
      if (shape.length !== 2 || shape[1] !== b.inputSize)
        fail("shapeMismatch", `${who} expects [N, ${b.inputSize}], got ${formatShape(shape)}`, site.loc);
      const loc = locOfArg(call, "hx", site);
      const hx: Value = call.hx;
      if (cell === "LSTM" && hx !== null && hx !== undefined && !(Array.isArray(hx) && hx.length === 2))
        fail("wrongArgumentType", `${who}: hx is [h, c], two tensors of [N, ${b.hiddenSize}], got ${describe(hx)}`, loc);
      const given: Value[] = hx === null || hx === undefined ? [] : cell === "LSTM" ? (hx as Value[]) : [hx];
      const [h, cState] = given.map((t, k) => checkedState(t, k ? "c" : "h", [shape[0], b.hiddenSize], "the input's batch, hidden", who, loc));
      const c = ops(em, who, site);
      const bih = param_(self, "bias_ih");
      const xw = c.op("linear", [input, param_(self, "weight_ih")!, ...(bih ? [bih] : [])]);
      const next = cellStep(cell, b, xw, h, cState, param_(self, "weight_hh")!, param_(self, "bias_hh"), c);
      return cell === "LSTM" ? [next.h, next.c!] : next.h;
    },
  };
}

/** A cell's unbatched call: x [in] and each state [H] unsqueezed to a batch of one, the results squeezed back, as PyTorch's. */
function unbatchedCell(cell: Cell, self: ModuleValue, call: Bound, site: CallSite, em: GraphEmitter, who: string): Value {
  const c = ops(em, who, site);
  const one = (t: Value) => (t instanceof TensorValue ? c.reshape(t, [1, ...t.node.shape]) : t);
  const hx: Value = call.hx;
  const states = hx === null || hx === undefined ? [] : cell === "LSTM" && Array.isArray(hx) ? hx : [hx];
  for (const t of states)
    if (t instanceof TensorValue && t.node.shape.length !== 1)
      fail("shapeMismatch", `${who}: for an unbatched input [${(call.x as TensorValue).node.shape[0]}] the state is 1-D [hidden], as PyTorch requires, got ${formatShape(t.node.shape)}`, locOfArg(call, "hx", site));
  const batched = hx === null || hx === undefined ? hx : cell === "LSTM" && Array.isArray(hx) ? hx.map(one) : one(hx);
  const result = self.forward!(self, [one(call.x), ...(batched === undefined || batched === null ? [] : [batched])], site);
  const squeeze = (t: Value) => (t instanceof TensorValue ? c.reshape(t, t.node.shape.slice(1)) : t);
  return Array.isArray(result) ? result.map(squeeze) : squeeze(result);
}

export const recurrentLayers: Record<string, LayerSpec> = {
  RNN: recurrentLayer("RNN"),
  GRU: recurrentLayer("GRU"),
  LSTM: recurrentLayer("LSTM"),
  RNNCell: cellLayer("RNN"),
  GRUCell: cellLayer("GRU"),
  LSTMCell: cellLayer("LSTM"),
};
