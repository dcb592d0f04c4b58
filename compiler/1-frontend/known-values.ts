import type { Node } from "../ir/node.ts";
import type { GraphEmitter } from "./graph-emitter.ts";

// What the compiler knows of a tensor's values before any kernel runs: class weights, counts of
// repeat_interleave. Computed in a constructor, or written in forward as a literal or a fill.

/**
 * A tensor's float32 values when the compiler knows them: computed in a constructor, or a literal
 * or fill in forward (as the kernels hold them, rounded to float32).
 */
export function constantValues(em: GraphEmitter, n: Node): number[] | undefined {
  // F.tensor([...], { dtype: "int32" }) in forward: the literal converted
  if ((n.op === "to_int" || n.op === "to_float") && !em.constants.owns(n)) return constantValues(em, n.inputs[0])?.map((v) => (n.op === "to_int" ? Math.trunc(v) : v));
  const size = n.shape.reduce<number>((p, d) => p * (typeof d === "number" ? d : NaN), 1);
  const values = em.constants.owns(n)
    ? Array.from(em.constants.evaluate(n).data)
    : n.op === "literal"
      ? [...(n.attrs.values as number[])]
      : n.op === "full"
        ? new Array<number>(size).fill(n.attrs.value as number)
        : n.op === "expand" && n.inputs[0].op === "full"
          ? new Array<number>(size).fill(n.inputs[0].attrs.value as number)
          : undefined;
  return values?.map(Math.fround);
}
