import type { Graph, Node } from "../ir/node.ts";
import { opDef } from "../ops/index.ts";
import { KEEPS_EVERY_VALUE } from "../ops/movement.ts";

// What a model input's (or the target's) int32 values index: the ops that read it as an index
// (OpTraits.indexes: an embedding's rows, a gather's dim, a loss's classes), directly or through
// movement ops that keep its values (a view, a permute, an expand). PyTorch raises on an index
// outside [0, n); the manifest says n and the runtime refuses the value before the call, with the
// input's name and position (the kernel's own check, index-faults.ts, names only the op). Where the uses disagree on an excepted value (two losses' ignore_index), or slices of the
// input are read as indices where other values are not (or index tables of other sizes), nothing is
// said: a value the model never reads as an index may be anything.

import type { IndexRange } from "../ops/op.ts";
export type { IndexRange };

/**
 * The elements of the source a use reads: all of them, a window along one of its dims (narrows
 * straight off the source: `ids.narrow(1, 0, 2)`, `idx[:, :-1]`), or some that are not followed.
 */
type Region = { readonly kind: "all" } | { readonly kind: "window"; readonly dim: number; readonly lo: number; readonly hi: number } | { readonly kind: "unknown" };

export function indexRangeOf(graph: Graph, source: Node): IndexRange | undefined {
  if (source.dtype !== "i32") return undefined;
  const consumers = new Map<Node, Node[]>();
  for (const n of graph.nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const uses: { region: Region; range: IndexRange }[] = [];
  const seen = new Set<string>();
  // `aligned`: value's dims are the source's (no view or permute since), so a narrow of it is a window of the source
  const visit = (value: Node, region: Region, aligned: boolean) => {
    const key = `${value.id}:${JSON.stringify(region)}:${aligned}`;
    if (seen.has(key)) return;
    seen.add(key);
    for (const user of consumers.get(value) ?? []) {
      const def = opDef(user.op);
      if (def.family === "movement" && user.inputs[0] === value) {
        if (KEEPS_EVERY_VALUE.has(user.op)) visit(user, region, false);
        else if (user.op === "narrow" && aligned && region.kind !== "unknown") {
          const { dim, start, length } = user.attrs as { dim: number; start: number; length: number };
          const lo = region.kind === "window" ? region.lo + start : start;
          visit(user, region.kind === "window" && region.dim !== dim ? { kind: "unknown" } : { kind: "window", dim, lo, hi: lo + length }, true);
        } else visit(user, { kind: "unknown" }, false);
      }
      user.inputs.forEach((input, k) => {
        if (input !== value) return;
        const range = def.traits?.indexes?.(user, k);
        if (range) uses.push({ region, range });
      });
    }
  };
  visit(source, { kind: "all" }, true);
  if (uses.length === 0 || new Set(uses.map((u) => u.range.ignore)).size > 1) return undefined;
  const limits = new Set(uses.map((u) => u.range.limit));
  // the runtime checks every value of the input: only where every value is read as an index, and
  // the same values by every use (or slices of it by uses of one limit) — ids[:, 0] indexing a table
  // and ids[:, 1] added as a number, or two columns indexing tables of 3 and 8 rows, say nothing
  const whole = uses.every((u) => u.region.kind === "all");
  if (!whole && (limits.size > 1 || !covered(uses.map((u) => u.region), source))) return undefined;
  const limit = Math.min(...limits);
  const ignore = uses[0].range.ignore;
  if (ignore !== undefined) return { limit, ignore };
  // labels of losses declared without ignoreIndex (PyTorch's default ignores −100): the refusal names it
  const torchIgnores = uses[0].range.torchIgnores;
  return torchIgnores !== undefined && uses.every((u) => u.range.torchIgnores === torchIgnores) ? { limit, torchIgnores } : { limit };
}

/** Whether the regions together read every element of the source. */
function covered(regions: readonly Region[], source: Node): boolean {
  if (regions.some((r) => r.kind === "all")) return true;
  if (regions.some((r) => r.kind === "unknown")) return false;
  const windows = regions as readonly Extract<Region, { kind: "window" }>[];
  const dim = windows[0].dim;
  const size = source.shape[dim];
  if (typeof size !== "number" || windows.some((w) => w.dim !== dim)) return false;
  let reached = 0;
  for (const w of [...windows].sort((a, b) => a.lo - b.lo)) {
    if (w.lo > reached) return false;
    reached = Math.max(reached, w.hi);
  }
  return reached >= size;
}
