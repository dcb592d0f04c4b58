import type { KernelPlan } from "../3-fusion/plan.ts";
import type { Node } from "../ir/node.ts";
import type { MemoryPlan } from "./plan.ts";
import { fail } from "../diagnostics/diagnostic.ts";

// Gradient buckets, as DistributedDataParallel forms them: parameters in reverse registration
// order (the backward produces the last layers' gradients first) are grouped into buckets of
// about `capBytes` (the first bucket smaller, so that communication starts early). A bucket is
// all-reduced as soon as the kernel that writes the last of its gradients has been launched, while
// the rest of the backward runs. So the training step is cut into segments: the kernels up to a
// bucket's last writer, then the all-reduce of every bucket that became ready there.

/** DDP's defaults: bucket_cap_mb = 25, and a 1 MiB first bucket. */
export const DEFAULT_BUCKET_CAP_MB = 25;
const FIRST_BUCKET_BYTES = 1 << 20;

export interface Bucket {
  /** Float offset and count in the gradient arena (contiguous: gradients are laid out like the parameters). */
  readonly offsetFloats: number;
  readonly countFloats: number;
  readonly params: readonly string[];
  /** The segment after which every gradient of the bucket is final. */
  readonly segment: number;
}

export interface BucketPlan {
  /** Kernel index ranges [start, end) of the step program's segments, in order. */
  readonly segments: readonly (readonly [number, number])[];
  /** In the order in which they become ready. */
  readonly buckets: readonly Bucket[];
}

/**
 * @param params the parameters in registration (state_dict) order
 * @param gradients parameter name → its gradient's node in the step graph
 */
export function planBuckets(
  params: readonly Node[],
  gradients: ReadonlyMap<string, Node>,
  plan: KernelPlan,
  memory: MemoryPlan,
  capMb = DEFAULT_BUCKET_CAP_MB,
): BucketPlan {
  const kernelCount = plan.kernels.length;
  // The last kernel that writes each gradient's storage.
  const lastWriter = new Map<Node, number>();
  plan.kernels.forEach((k, i) => {
    for (const n of k.nodes) lastWriter.set(plan.storageOf(n), i);
  });
  const capBytes = Math.max(4, capMb * (1 << 20));

  const groups: { params: string[]; lo: number; hi: number; ready: number }[] = [];
  let current: (typeof groups)[number] | undefined;
  for (const p of [...params].reverse()) {
    const name = p.attrs.name as string;
    const grad = gradients.get(name);
    if (!grad) continue;
    const storage = plan.storageOf(grad);
    const slot = memory.slots.get(storage);
    if (!slot || slot.arena !== "grads") fail("internal", `buckets: the gradient of ${name} is not in the gradient arena`, grad.loc);
    // a gradient no kernel writes stays zero; it is ready at the end
    const ready = lastWriter.get(storage) ?? kernelCount - 1;
    if (!current) {
      current = { params: [], lo: slot.offset, hi: slot.offset + slot.bytes, ready };
      groups.push(current);
    }
    current.params.push(name);
    current.lo = Math.min(current.lo, slot.offset);
    current.hi = Math.max(current.hi, slot.offset + slot.bytes);
    current.ready = Math.max(current.ready, ready);
    const cap = groups.length === 1 ? Math.min(FIRST_BUCKET_BYTES, capBytes) : capBytes;
    if (current.hi - current.lo >= cap) current = undefined;
  }

  // Segment boundaries: after each distinct ready kernel, in kernel order.
  const ends = [...new Set(groups.map((g) => g.ready + 1))].sort((a, b) => a - b);
  if (ends.length === 0 || ends[ends.length - 1] !== kernelCount) ends.push(kernelCount);
  const segments = ends.map((end, i) => [i === 0 ? 0 : ends[i - 1], end] as const);
  const buckets = groups
    .map((g) => ({
      offsetFloats: g.lo / 4,
      countFloats: (g.hi - g.lo) / 4,
      params: g.params,
      segment: ends.indexOf(g.ready + 1),
    }))
    .sort((a, b) => a.segment - b.segment || b.offsetFloats - a.offsetFloats);
  return { segments, buckets };
}

/** What the manifest and `tsdp inspect` report of a bucket plan: each bucket and the kernel after which it is all-reduced. */
export function bucketSummary(plan: BucketPlan, kernels: KernelPlan): { params: string[]; bytes: number; afterKernel: string }[] {
  return plan.buckets.map((b) => ({ params: [...b.params], bytes: b.countFloats * 4, afterKernel: kernels.kernels[plan.segments[b.segment][1] - 1]?.name ?? "" }));
}
