import type { Node } from "../ir/node.ts";
import { opDef } from "../ops/index.ts";
import { reachable } from "../ir/reachable.ts";
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
  const decided = comparedDraw(em, n);
  const values = decided !== undefined
    ? Number.isFinite(size) ? new Array<number>(size).fill(decided ? 1 : 0) : undefined
    : em.constants.owns(n)
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

/**
 * Whether n is computed from constants alone: no model input, parameter, buffer or batch size
 * (readsState), and no random draw — the same values on every call (a causal mask from sizes).
 */
export function fromConstantsOnly(n: Node): boolean {
  return !readsState(n) && ![...reachable([n])].some((m) => opDef(m.op).family === "random");
}

/** n's values by the ops' reference semantics, when every op on the way is a pure function of constants. */
function folded(em: GraphEmitter, n: Node): number[] | undefined {
  try {
    return Array.from(em.constants.evaluate(n).data);
  } catch {
    return undefined; // a random draw, or an op the constants cannot evaluate: not known
  }
}

/**
 * Whether n holds values of one uniform draw (F.rand, F.randLike): the draw itself, or ops that only
 * pick or arrange its elements (item()'s reshape and detach, a view, an expand, a slice).
 */
export function isUniformDraw(n: Node): boolean {
  if (n.op === "sample") return n.attrs.distribution === "uniform";
  return VALUE_KEEPING.has(n.op) && isUniformDraw(n.inputs[0]);
}
const VALUE_KEEPING = new Set(["reshape", "detach", "expand", "permute", "narrow"]);

type Comparison = "lt" | "le" | "gt" | "ge" | "eq" | "ne";
const MIRRORED: Record<Comparison, Comparison> = { lt: "gt", le: "ge", gt: "lt", ge: "le", eq: "eq", ne: "ne" };
const isComparison = (op: string): op is Comparison => Object.hasOwn(MIRRORED, op);

/**
 * `u op c` for every u a uniform draw can take, where its range decides it: F.rand's values lie in
 * [0, 1) (the top 24 bits of Philox's word, as torch.rand's), so rand < 0 is false and rand < 1 true
 * whatever is drawn. HF's LayerDrop (`if self.training and torch.rand([]) < self.layerdrop: skip`)
 * with its default layerdrop of 0 never skips, and compiles as PyTorch runs it. Undefined where the
 * draw decides (0 < c < 1), or for a comparison not listed. NaN compares false, and != true.
 */
export function drawDecides(op: string, c: number, drawOnLeft = true): boolean | undefined {
  if (!isComparison(op)) return undefined;
  const cmp = drawOnLeft ? op : MIRRORED[op];
  if (Number.isNaN(c)) return cmp === "ne";
  const below = c < 0; // every draw is greater than c
  const atOrAbove = c >= 1; // every draw is less than c
  switch (cmp) {
    case "lt": return c <= 0 ? false : atOrAbove ? true : undefined;
    case "le": return below ? false : atOrAbove ? true : undefined;
    case "gt": return atOrAbove ? false : below ? true : undefined;
    case "ge": return atOrAbove ? false : c <= 0 ? true : undefined;
    case "eq": return below || atOrAbove ? false : undefined;
    case "ne": return below || atOrAbove ? true : undefined;
  }
}

/** A comparison of a uniform draw with one known number, where the draw's range decides it (drawDecides). */
function comparedDraw(em: GraphEmitter, n: Node): boolean | undefined {
  if (!isComparison(n.op) || n.inputs.length !== 2) return undefined;
  const [a, b] = n.inputs;
  const drawOnLeft = isUniformDraw(a);
  if (!drawOnLeft && !isUniformDraw(b)) return undefined;
  const other = drawOnLeft ? b : a;
  const value = fillValue(other) ?? (other.shape.every((d) => d === 1) ? constantValues(em, other)?.[0] : undefined);
  return value === undefined ? undefined : drawDecides(n.op, value, drawOnLeft);
}
