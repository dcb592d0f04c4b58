import { stateValues, type Graph, type Node } from "../ir/node.ts";
import { numel } from "../ir/shape.ts";
import type { KernelPlan } from "../3-fusion/plan.ts";

// Static memory planning. Every stored value has a size c·Batch, c, or c·Batch² (an in-batch pair
// matrix [Batch, Batch]), so activations go in three arenas: one whose offsets are multiples of the
// batch size (sized for the largest batch seen at run time), one of fixed size, and one whose
// offsets are multiples of the batch size squared (the pairs; empty in most models). Within an arena, values whose lifetimes
// (first write to last read, in kernel order) do not overlap share bytes: greedy first-fit,
// largest first.

export type Arena = "batch" | "fixed" | "pairs" | "params" | "grads";

export interface Slot {
  readonly node: Node;
  readonly arena: Arena;
  /** Bytes, per batch element in the batch arena, per pair of them (batch²) in the pairs arena. */
  readonly bytes: number;
  /** Byte offset, per batch element in the batch arena, per pair of them in the pairs arena. */
  readonly offset: number;
  /** Kernel indices [first, last] during which the value must stay intact. */
  readonly live: readonly [number, number];
}

export interface MemoryPlan {
  readonly slots: ReadonlyMap<Node, Slot>;
  /** Arena sizes: batch arena in bytes per batch element. */
  readonly batchBytesPerSample: number;
  readonly fixedBytes: number;
  /** The pairs arena in bytes per pair of samples: batch² times this on a device of `batch` samples. */
  readonly pairBytesPerPair: number;
  readonly paramBytes: number;
  /**
   * Scratch of split-K GEMM kernels (kernel anchor → slot in the fixed arena, or the batch arena
   * where M grows with the batch): the partial sums of each K chunk, live only while that kernel runs.
   */
  readonly workspaces: ReadonlyMap<Node, Slot>;
  /** What the activations would take without reuse, for the report. */
  readonly unsharedBatchBytesPerSample: number;
  readonly unsharedFixedBytes: number;
  readonly unsharedPairBytesPerPair: number;
}

// Every buffer starts on a 32-byte sector (float4 loads need 16 bytes): a GEMM whose rows are a
// multiple of 8 floats long then reads each row's 8-float k-runs as whole sectors, and its staging
// needs no ring (kernels/gemm.ts ringStaging). Batch buffers sit at per-sample offsets × batch,
// so a per-sample offset on a sector keeps every batch's buffers on one.
const ALIGN = 32;
const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;
/**
 * Parameters (and their gradients, laid out alike) start on a 128-byte line: a GEMM reads a weight
 * row's k-run as whole 32-byte sectors only when the row starts on one (fc1.weight at a 16-byte
 * offset made every 8-float run straddle two sectors: 8 instead of 4 per warp request). The padding
 * is at most 124 bytes per parameter.
 */
const PARAM_ALIGN = 128;
const alignParam = (n: number) => Math.ceil(n / PARAM_ALIGN) * PARAM_ALIGN;
const dtypeBytes = { f32: 4, i32: 4, i64: 8 } as const;

export function bytesOf(n: Node): { arena: "batch" | "fixed" | "pairs"; bytes: number } {
  const count = numel(n.shape);
  return { arena: count.p === 2 ? "pairs" : count.p === 1 ? "batch" : "fixed", bytes: align(count.c * dtypeBytes[n.dtype]) };
}

/**
 * `gradients` (parameter name → gradient node) are pinned to a gradient region laid out exactly
 * like the parameters, so that one all-reduce and one optimizer kernel cover them all.
 */
export function planMemory(
  graph: Graph,
  plan: KernelPlan,
  gradients?: ReadonlyMap<string, Node>,
  workspaces?: ReadonlyMap<Node, { readonly bytes: number; readonly perSample: boolean }>,
): MemoryPlan {
  const slots = new Map<Node, Slot>();
  // Parameters and buffers persist; they are laid out in state_dict order.
  let paramBytes = 0;
  for (const p of [...graph.params, ...graph.buffers]) {
    const bytes = alignParam(numel(p.shape).c * dtypeBytes[p.dtype]);
    slots.set(p, { node: p, arena: "params", bytes, offset: paramBytes, live: [0, plan.kernels.length] });
    paramBytes += bytes;
  }
  const paramByName = new Map(graph.params.map((p) => [p.attrs.name as string, p]));
  for (const [name, g] of gradients ?? []) {
    const param = paramByName.get(name)!;
    const owner = plan.storageOf(g);
    const at = slots.get(param)!;
    slots.set(owner, { node: owner, arena: "grads", bytes: at.bytes, offset: at.offset, live: [0, plan.kernels.length] });
  }

  // Lifetimes: inputs from the start, kernel outputs from their kernel; until the last reader.
  const end = plan.kernels.length;
  const first = new Map<Node, number>();
  const last = new Map<Node, number>();
  const inputs = [...graph.inputs, ...(graph.loss?.target ? [graph.loss.target] : []), ...graph.nodes.filter((n) => n.op === "loss_scale")];
  for (const i of inputs) first.set(i, -1);
  plan.kernels.forEach((k, idx) => {
    first.set(k.output, idx);
    if (k.stored) first.set(k.stored, idx);
    if (k.rowSums) first.set(k.rowSums, idx);
    if (k.gradient) first.set(k.gradient, idx);
    for (const i of k.inputs) last.set(i, idx);
  });
  const keepToEnd = [...graph.outputs, ...(graph.loss ? [graph.loss.value] : []), ...stateValues(graph)].map(plan.storageOf);
  for (const o of keepToEnd) last.set(o, end);
  for (const i of inputs) last.set(i, Math.max(last.get(i) ?? -1, end)); // inputs are the caller's: never overwritten

  const values = [...first.keys()].filter((n) => !slots.has(n));
  let unsharedBatch = 0;
  let unsharedFixed = 0;
  let unsharedPairs = 0;
  const placed: Slot[] = [];
  // each arena's slots sorted by offset, so that a value scans them in offset order without a sort
  const byOffset: Record<"batch" | "fixed" | "pairs", Slot[]> = { batch: [], fixed: [], pairs: [] };
  // a kernel's workspace: scratch live during that kernel alone, per sample where it grows with the batch
  const scratch = plan.kernels.flatMap((k, idx) => {
    const w = workspaces?.get(k.anchor);
    return w === undefined ? [] : [{ node: k.anchor, arena: w.perSample ? ("batch" as const) : ("fixed" as const), bytes: align(w.bytes), live: [idx, idx] as const, workspace: true }];
  });
  const placedWorkspaces = new Map<Node, Slot>();
  const order = [
    ...values.map((node) => ({ node, ...bytesOf(node), live: [first.get(node)!, last.get(node) ?? first.get(node)!] as const, workspace: false })),
    ...scratch,
  ]
    .sort((a, b) => b.bytes - a.bytes || a.live[0] - b.live[0]);
  for (const v of order) {
    if (v.arena === "batch") unsharedBatch += v.bytes;
    else if (v.arena === "pairs") unsharedPairs += v.bytes;
    else unsharedFixed += v.bytes;
    // first fit below, between or above the slots whose lifetimes overlap this one's
    const arena = byOffset[v.arena];
    let offset = 0;
    for (const s of arena) {
      if (s.live[0] > v.live[1] || v.live[0] > s.live[1]) continue;
      if (offset + v.bytes <= s.offset) break;
      offset = Math.max(offset, s.offset + s.bytes);
    }
    const slot: Slot = { node: v.node, arena: v.arena, bytes: v.bytes, offset, live: v.live };
    arena.splice(upperBound(arena, offset), 0, slot);
    placed.push(slot);
    if (v.workspace) placedWorkspaces.set(v.node, slot);
    else slots.set(v.node, slot);
  }
  const extent = (arena: Arena) => placed.filter((s) => s.arena === arena).reduce((m, s) => Math.max(m, s.offset + s.bytes), 0);
  return {
    slots,
    workspaces: placedWorkspaces,
    batchBytesPerSample: extent("batch"),
    fixedBytes: extent("fixed"),
    pairBytesPerPair: extent("pairs"),
    paramBytes,
    unsharedBatchBytesPerSample: unsharedBatch,
    unsharedFixedBytes: unsharedFixed,
    unsharedPairBytesPerPair: unsharedPairs,
  };
}

/** The index after the last slot at or below `offset`, in slots sorted by offset. */
function upperBound(slots: readonly Slot[], offset: number): number {
  let lo = 0;
  let hi = slots.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (slots[mid].offset <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
