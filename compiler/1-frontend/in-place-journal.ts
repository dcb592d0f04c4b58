import type { Node } from "../ir/node.ts";
import { TensorValue, type Value } from "./values.ts";

// The journal of in-place changes, so that code evaluated once per mode (a function or an if that
// tests this.training) starts each evaluation from the same tensors: rewind undoes the changes.
// Every change of a tensor object's value (in-place.ts, views.ts) goes through `change`.

export type Snapshot = ReturnType<TensorValue["snapshot"]>;
const journal: { readonly t: TensorValue; readonly before: Snapshot }[] = [];

/** t now holds `node` (or computes its value on its next read: `pending`); recorded for rewind. */
export function change(t: TensorValue, node: Node, pending: Snapshot["pending"]): void {
  journal.push({ t, before: t.snapshot() });
  t.takeOver(node, pending);
}

/** A new model's lowering starts an empty journal (the last one's changes are settled). */
export function clearInPlaceJournal(): void {
  journal.length = 0;
}

/** Where the journal is now: rewind(mark) undoes the in-place changes made after this. */
export function inPlaceMark(): number {
  return journal.length;
}

/** Undoes every in-place change made since `mark`; returns what each changed tensor held before the undo. */
export function rewind(mark: number): Map<TensorValue, Snapshot> {
  const after = new Map<TensorValue, Snapshot>();
  for (let i = journal.length - 1; i >= mark; i--) if (!after.has(journal[i].t)) after.set(journal[i].t, journal[i].t.snapshot());
  for (let i = journal.length - 1; i >= mark; i--) journal[i].t.takeOver(journal[i].before.node, journal[i].before.pending);
  journal.length = mark;
  return after;
}

/**
 * After code was evaluated once per mode (each from the same tensors, rewound between): each
 * tensor it changed in place holds the join of its two values (`join`: mode_select). A view whose
 * value is recomputed from its storage keeps that recomputation: its storage holds the join.
 */
export function joinChanges(train: Map<TensorValue, Snapshot>, evaluation: Map<TensorValue, Snapshot>, join: (a: TensorValue, b: TensorValue) => Value): void {
  for (const t of new Set([...train.keys(), ...evaluation.keys()])) {
    const [a, b] = [train.get(t) ?? t.snapshot(), evaluation.get(t) ?? t.snapshot()];
    const pending = a.pending ?? b.pending;
    if (pending && a.node === b.node) {
      change(t, a.node, pending);
      continue;
    }
    const joined = a.node === b.node ? a.node : join(new TensorValue(a.node), new TensorValue(b.node));
    // (a join that cannot be made has reported why at the test of this.training)
    if (joined instanceof TensorValue || joined === a.node) change(t, joined instanceof TensorValue ? joined.node : a.node, pending);
  }
}
