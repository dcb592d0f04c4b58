import type { Node } from "../ir/node.ts";
import type { GraphEmitter } from "./graph-emitter.ts";

// What the compiler knows of a tensor's values before any kernel runs: class weights, counts of
// repeat_interleave. Computed in a constructor, or written in forward as a literal or a fill.

/**
 * A tensor's float32 values when the compiler knows them: computed in a constructor, or a literal
 * or fill in forward (as the kernels hold them, rounded to float32).
 */
export function constantValues(em: GraphEmitter, n: Node, maxFolded = MAX_FOLDED): number[] | undefined {
  // F.tensor([...], { dtype: "int32" }) in forward: the literal converted
  if ((n.op === "to_int" || n.op === "to_float") && !em.constants.owns(n)) return constantValues(em, n.inputs[0], maxFolded)?.map((v) => (n.op === "to_int" ? Math.trunc(v) : v));
  // NaN when a dim is the batch's: its values are not a list the compiler can hold
  const size = n.shape.reduce<number>((p, d) => p * (typeof d === "number" ? d : NaN), 1);
  const fill = fillValue(n);
  const values = em.constants.owns(n)
    ? Array.from(em.constants.evaluate(n).data)
    : n.op === "literal"
      ? [...(n.attrs.values as number[])]
      : fill !== undefined
        ? Number.isFinite(size) ? new Array<number>(size).fill(fill) : undefined
        : Number.isFinite(size) && size <= maxFolded && !readsState(n)
          ? folded(em, n)
          : undefined;
  return values?.map(Math.fround);
}

/**
 * The one value every element of a fill holds (F.full, F.empty(…).fill_(v), and an expand of one),
 * whatever its size: a fill over the batch (a decoder's start tokens, `F.empty([B, 1]).fill_(SOS)`)
 * has a value but no list of values.
 */
export function fillValue(n: Node): number | undefined {
  if (n.op === "to_int" || n.op === "to_float") {
    const v = fillValue(n.inputs[0]);
    return v !== undefined && n.op === "to_int" ? Math.trunc(v) : v;
  }
  if (n.op === "full") return n.attrs.value as number;
  if (n.op === "expand" && n.inputs[0].op === "full") return n.inputs[0].attrs.value as number;
  return undefined;
}

/** The most elements a value computed from constants in forward is evaluated for (a mask, a table of counts). */
const MAX_FOLDED = 1 << 16;

/** Whether n depends on a model input, parameter, buffer or the batch size (anything but constants). */
function readsState(n: Node, seen = new Set<Node>()): boolean {
  if (seen.has(n)) return false;
  seen.add(n);
  // the batch size (x.size(0) in arithmetic) is each call's: not a constant of the model
  if (n.inputs.length === 0) return n.op === "input" || n.op === "param" || n.op === "buffer" || n.op === "loss_scale" || n.op === "batch_size";
  return n.inputs.some((i) => readsState(i, seen));
}

/** n's values by the ops' reference semantics, when every op on the way is a pure function of constants. */
function folded(em: GraphEmitter, n: Node): number[] | undefined {
  try {
    return Array.from(em.constants.evaluate(n).data);
  } catch {
    return undefined; // a random draw, or an op the constants cannot evaluate: not known
  }
}
