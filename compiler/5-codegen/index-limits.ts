import type { Graph, Node } from "../ir/node.ts";
import { opDef } from "../ops/index.ts";

// What a model input's (or the target's) int32 values index: the ops that read it as an index
// (OpTraits.indexes: an embedding's rows, a gather's dim, a loss's classes), directly or through
// movement ops that keep its values (a view, a permute, an expand). PyTorch raises on an index
// outside [0, n); a kernel cannot, so the manifest says n and the runtime refuses the value before
// the call. Where the uses disagree on an excepted value (two losses' ignore_index), nothing is said.

export interface IndexRange {
  readonly limit: number;
  /** A value allowed outside [0, limit): a loss's ignore_index. */
  readonly ignore?: number;
}

export function indexRangeOf(graph: Graph, source: Node): IndexRange | undefined {
  if (source.dtype !== "i32") return undefined;
  const consumers = new Map<Node, Node[]>();
  for (const n of graph.nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  let limit = Infinity;
  const ignores = new Set<number | undefined>();
  const seen = new Set<Node>();
  const visit = (value: Node) => {
    if (seen.has(value)) return;
    seen.add(value);
    for (const user of consumers.get(value) ?? []) {
      const def = opDef(user.op);
      if (def.family === "movement" && user.inputs[0] === value) visit(user);
      user.inputs.forEach((input, k) => {
        if (input !== value) return;
        const range = def.traits?.indexes?.(user, k);
        if (!range) return;
        limit = Math.min(limit, range.limit);
        ignores.add(range.ignore);
      });
    }
  };
  visit(source);
  if (limit === Infinity || ignores.size > 1) return undefined;
  const [ignore] = ignores;
  return ignore === undefined ? { limit } : { limit, ignore };
}
