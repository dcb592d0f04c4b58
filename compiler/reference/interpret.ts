import type { Graph, Node } from "../ir/node.ts";
import { concrete, formatShape, isBatch } from "../ir/shape.ts";
import { opDef } from "../ops/index.ts";
import type { ModelState } from "./init.ts";
import type { NDArray } from "./ndarray.ts";
import { uniforms } from "./rng.ts";

// The reference interpreter: runs a graph in float64 on the CPU, each op by its definition's
// `reference`. It is the oracle of every numerical test, so it favours plainness over speed.

export interface RunOptions {
  /** Train mode: dropout drops, BatchNorm uses batch statistics and updates its running ones. */
  readonly training?: boolean;
  /** Seed of dropout masks; with `step` and `draw`, the masks of one run. */
  readonly seed?: number;
  /** Optimizer steps taken before the run. */
  readonly step?: number;
  /** Runs since that step that drew masks (the compiled model's counter: each call a fresh mask). */
  readonly draw?: number;
  /**
   * Round every op's float result to fp32 (Math.fround), as a compiled model stores it: the
   * difference from the plain float64 run measures how much fp32 storage moves each result
   * through the chain after it — the fuzzer's per-model tolerance (fuzz/check.ts).
   */
  readonly roundToFloat32?: boolean;
  /**
   * With roundToFloat32: every value whose rounding was inexact moves one fp32 ulp further — an
   * fp32 kernel's own error (expf, a sum's order) on top of storage's —, up or down at random
   * (seeded by the node), or alternating along every dim (up where the indices sum to an even
   * number): a norm cancels what moves a whole row or batch alike, so only moves that differ
   * between neighbours show how far its chain amplifies one ulp, and random signs agree between
   * two neighbours half the time. Rounding to nearest alone can be lucky: a chain that amplifies
   * one rounding (a norm over a nearly constant row) shows little when that rounding happened to
   * be small (seed 61020). Exact results (a copy, a max, relu's 0, a mask) stay exact, as every
   * kernel computes them.
   */
  readonly ditherFloat32?: "random" | "alternating";
}

export interface RunResult {
  readonly outputs: NDArray[];
  /** The loss, when the graph has one and a target was given (or its loss takes none). */
  readonly loss?: number;
  /** Every node's value, for tests that look inside. */
  readonly values: Map<Node, NDArray>;
}

/**
 * Runs `graph` on `inputs` (by input name; "target" for the loss, unless it takes none). Buffers in `state` are
 * updated in place in train mode, as PyTorch updates running statistics, and those forward
 * changes take their values at the end (Graph.stateUpdates).
 */
export function runReference(graph: Graph, inputs: Record<string, NDArray>, state: ModelState, opts: RunOptions = {}): RunResult {
  const run = start(graph, inputs, state, opts);
  for (const node of graph.nodes) run.step(node);
  return run.result();
}

/**
 * The same, yielding to the event loop about every 200 ms, so that a long reference run (a
 * ResNet at batch 64) does not block a test runner's worker.
 */
export async function runReferenceAsync(graph: Graph, inputs: Record<string, NDArray>, state: ModelState, opts: RunOptions = {}): Promise<RunResult> {
  const run = start(graph, inputs, state, opts);
  let last = performance.now();
  for (const node of graph.nodes) {
    run.step(node);
    if (performance.now() - last > 200) {
      await new Promise((resolve) => setImmediate(resolve));
      last = performance.now();
    }
  }
  return run.result();
}

/** The dither's random streams, apart from dropout's (a node's id). */
const DITHER_STREAM = 1 << 24;

/**
 * v rounded to fp32, then (direction ±1) one fp32 ulp further where the rounding was inexact — or
 * wherever v is not 0, for a value computed with roundings of its own (`evenIfExact`).
 */
export function heldInFloat32(v: number, direction: -1 | 0 | 1, evenIfExact = false): number {
  const rounded = Math.fround(v);
  if (direction === 0 || (rounded === v && !evenIfExact) || !Number.isFinite(rounded) || rounded === 0) return rounded;
  const bits = new Float32Array([rounded]);
  const word = new Int32Array(bits.buffer);
  // the magnitude's next or previous float: its bit pattern ± 1
  word[0] += direction * Math.sign(rounded);
  return Number.isFinite(bits[0]) ? bits[0] : rounded;
}

/** ±1 per element: at random, or +1 where the element's indices sum to an even number. */
function ditherDirections(shape: readonly number[], mode: "random" | "alternating", seed: number, stream: number): Int8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (mode === "random") return Int8Array.from(uniforms(count, seed, DITHER_STREAM + stream), (u) => (u < 0.5 ? -1 : 1));
  const out = new Int8Array(count);
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < count; i++) {
    out[i] = index.reduce((a, b) => a + b, 0) % 2 === 0 ? 1 : -1;
    for (let d = shape.length - 1; d >= 0 && ++index[d] === shape[d]; d--) index[d] = 0;
  }
  return out;
}

/** A sign for a value with no element stream (a norm's mean): its own low bits, as random as any. */
const ditherSign = (v: number): -1 | 1 => (new Uint32Array(new Float64Array([v]).buffer)[0] & 1 ? 1 : -1);

function start(graph: Graph, inputs: Record<string, NDArray>, state: ModelState, opts: RunOptions) {
  const training = opts.training ?? false;
  const seed = opts.seed ?? 0;
  const step = opts.step ?? 0;
  const draw = opts.draw ?? 0;
  const batch = batchSize(graph, inputs);
  // a loss of the output alone is computed on every run; one with a target when it is given
  const wantLoss = graph.loss !== undefined && (!graph.loss.target || "target" in inputs);
  const values = new Map<Node, NDArray>();
  return {
    step(node: Node): void {
      if (!wantLoss && graph.loss?.target && dependsOn(node, graph.loss.target)) return;
      const def = opDef(node.op);
      let value = def.reference(
        node.inputs.map((i) => values.get(i)!),
        node.attrs,
        {
          node,
          training,
          batch,
          source: (n) => sourceValue(n, inputs, state, batch),
          writeBuffer: (n, v) => state.buffers.set(n.attrs.name as string, v),
          readBuffer: (n) => state.buffers.get(n.attrs.name as string) ?? values.get(n)!,
          uniform: (count, stream = node.id, word = 0) => uniforms(count, seed, stream, step, draw, word),
          // a statistic (a norm's mean) is a kernel's fp32 sum divided: its rounding errs even where
          // its exact value is an fp32 number (three values of one binade: a third of the time)
          float32: opts.roundToFloat32 ? (v) => heldInFloat32(v, opts.ditherFloat32 ? ditherSign(v) : 0, true) : undefined,
        },
      );
      if (opts.roundToFloat32 && node.dtype === "f32") {
        const directions = opts.ditherFloat32 ? ditherDirections(value.shape, opts.ditherFloat32, seed, node.id) : undefined;
        value = { shape: value.shape, data: value.data.map((v, i) => heldInFloat32(v, directions ? (directions[i] as -1 | 1) : 0)) };
      }
      const expected = concrete(node.shape, batch);
      if (value.shape.length !== expected.length || value.shape.some((d, i) => d !== expected[i]))
        throw new Error(`reference: ${node.op} %${node.id} produced [${value.shape.join(", ")}], its shape rule says [${expected.join(", ")}]`);
      values.set(node, value);
    },
    result(): RunResult {
      // the buffers forward changed take their values at its end, as the compiled programs copy them
      for (const u of graph.stateUpdates ?? []) {
        const value = values.get(u.value);
        // (a parameter forward changed — a max-norm constraint — before the optimizer's step reads it)
        if (value) (u.buffer.op === "param" ? state.params : state.buffers).set(u.buffer.attrs.name as string, value);
      }
      return {
        outputs: graph.outputs.map((o) => values.get(o)!),
        loss: wantLoss ? values.get(graph.loss!.value)!.data[0] : undefined,
        values,
      };
    },
  };
}

const dependencyCache = new WeakMap<Node, WeakMap<Node, boolean>>();

/** Whether `node` reads `source`, directly or not; a post-order walk with its own stack, memoized. */
function dependsOn(node: Node, source: Node): boolean {
  let memo = dependencyCache.get(source);
  if (!memo) dependencyCache.set(source, (memo = new WeakMap()));
  const known = (n: Node) => (n === source ? true : memo.get(n));
  const stack = [node];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (known(top) !== undefined) {
      stack.pop();
      continue;
    }
    const pending = top.inputs.filter((i) => known(i) === undefined);
    if (pending.length > 0) {
      stack.push(...pending);
      continue;
    }
    memo.set(top, top.inputs.some((i) => known(i) === true));
    stack.pop();
  }
  return known(node)!;
}

/** The batch size the inputs agree on; every input has Batch as its first dim. */
function batchSize(graph: Graph, inputs: Record<string, NDArray>): number {
  let batch: number | undefined;
  const all = graph.loss?.target && "target" in inputs ? [...graph.inputs, graph.loss.target] : graph.inputs;
  for (const input of all) {
    const name = input.attrs.name as string;
    const value = inputs[name];
    if (!value) throw new Error(`reference: missing input '${name}' ${formatShape(input.shape)}`);
    if (value.shape.length !== input.shape.length) throw new Error(`reference: input '${name}' has ${value.shape.length} dims, expected ${formatShape(input.shape)}`);
    input.shape.forEach((d, i) => {
      if (isBatch(d)) {
        const b = value.shape[i] / d.batch;
        if (batch !== undefined && b !== batch) throw new Error(`reference: inputs disagree on the batch size (${batch} and ${b})`);
        batch = b;
      } else if (value.shape[i] !== d) throw new Error(`reference: input '${name}' dim ${i} is ${value.shape[i]}, expected ${d}`);
    });
  }
  if (batch === undefined || !Number.isInteger(batch) || batch < 1) throw new Error("reference: the batch size must be a positive integer");
  return batch;
}

function sourceValue(n: Node, inputs: Record<string, NDArray>, state: ModelState, _batch: number): NDArray {
  const name = n.attrs.name as string;
  if (n.op === "loss_scale") {
    if (!inputs.loss_scale) throw new Error("no loss_scale given");
    return inputs.loss_scale;
  }
  const v = n.op === "input" ? inputs[name] : n.op === "param" ? state.params.get(name) : state.buffers.get(name);
  if (!v) throw new Error(`reference: no value for ${n.op} '${name}'`);
  return v;
}
