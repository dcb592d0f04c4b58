import type { Graph, Node } from "../ir/node.ts";
import { opDef } from "../ops/index.ts";

// What a model input's (or the target's) int32 values index: the ops that read it as an index
// (OpTraits.indexes: an embedding's rows, a gather's dim, a loss's classes), directly or through
// movement ops that keep its values (a view, a permute, an expand). PyTorch raises on an index
// outside [0, n); a kernel cannot, so the manifest says n and the runtime refuses the value before
// the call. Where the uses disagree on an excepted value (two losses' ignore_index), nothing is said.

import type { IndexRange } from "../ops/op.ts";
export type { IndexRange };

/** Movement ops that pass every value of their input on (a view, a permute, an expand), unlike a slice. */
const KEEPS_EVERY_VALUE = new Set(["reshape", "permute", "expand"]);

export function indexRangeOf(graph: Graph, source: Node): IndexRange | undefined {
  if (source.dtype !== "i32") return undefined;
  const consumers = new Map<Node, Node[]>();
  for (const n of graph.nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const limits = new Set<number>();
  const ignores = new Set<number | undefined>();
  const seen = new Set<Node>();
  // through a narrow (a slice of the input), only some of its values reach a use
  let sliced = false;
  const visit = (value: Node) => {
    if (seen.has(value)) return;
    seen.add(value);
    for (const user of consumers.get(value) ?? []) {
      const def = opDef(user.op);
      if (def.family === "movement" && user.inputs[0] === value) {
        if (!KEEPS_EVERY_VALUE.has(user.op)) sliced = true;
        visit(user);
      }
      user.inputs.forEach((input, k) => {
        if (input !== value) return;
        const range = def.traits?.indexes?.(user, k);
        if (!range) return;
        limits.add(range.limit);
        ignores.add(range.ignore);
      });
    }
  };
  visit(source);
  // slices of one input indexing tables of different sizes (ids.narrow(1, 0, 2) rows of 3, the rest
  // rows of 8): one limit for every value would refuse valid ones, so nothing is said
  if (limits.size === 0 || ignores.size > 1 || (sliced && limits.size > 1)) return undefined;
  const limit = Math.min(...limits);
  const [ignore] = ignores;
  return ignore === undefined ? { limit } : { limit, ignore };
}
