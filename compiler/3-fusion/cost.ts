import type { Node } from "../ir/node.ts";
import { numel } from "../ir/shape.ts";
import { opDef } from "../ops/index.ts";
import type { Kernel, KernelPlan } from "./plan.ts";
import type { AffineCost } from "../../runtime/manifest.ts";

/**
 * A quantity as a function of the batch B on a device: perSample·B + fixed. Every element count in
 * the IR is c·B^p with p ∈ {0, 1} (ir/shape.ts), so every cost is affine in B.
 */
export type Affine = AffineCost; // the manifest's schema: launches record it as it is computed here

export const affineAt = (a: Affine, batch: number): number => a.perSample * batch + a.fixed;

/** Estimates of a kernel's arithmetic and memory traffic, affine in the batch, for reports and the performance model. */
export function kernelCost(k: Kernel, plan: KernelPlan): { flops: Affine; bytes: Affine } {
  const flops = { perSample: 0, fixed: 0 };
  const bytes = { perSample: 0, fixed: 0 };
  const add = (into: { perSample: number; fixed: number }, amount: number, batched: boolean) => {
    if (batched) into.perSample += amount;
    else into.fixed += amount;
  };
  const batched = (n: Node) => numel(n.shape).p === 1;
  const count = (n: Node) => numel(n.shape).c;
  const op = opDef(k.anchor.op);
  const reduction = op.codegen?.kind === "gemm" ? op.codegen.macsPerOutput(k.anchor, op.attrsOf(k.anchor)) : 0;
  if (reduction) {
    // a multiply-add is two flops. A GEMM's multiply-adds grow with the batch when any operand
    // does: a weight gradient's output is fixed ([out, in, kh, kw]) but its reduction runs over
    // the batch, and macsPerOutput gives that reduction per sample.
    // gemm-row-sums: the column of ones adds a reduction of the same depth per row sum
    const outputs = count(k.anchor) + (k.rowSums ? count(k.rowSums) : 0);
    add(flops, 2 * outputs * reduction, batched(k.anchor) || k.anchor.inputs.some(batched));
  } else for (const i of k.anchor.inputs) add(flops, count(i), batched(i)); // every other op about one per element it reads
  // and one per element of each fused op; an operand folded into the loads (a transpose) moves data, it computes nothing
  for (const n of k.nodes.slice(1)) if (!k.prologue?.includes(n) && n !== k.rowSums) add(flops, count(n), batched(n));
  for (const n of [...k.inputs, k.output, ...(k.stored ? [k.stored] : []), ...(k.rowSums ? [k.rowSums] : []), ...(k.gradient ? [k.gradient] : [])]) {
    const storage = plan.storageOf(n);
    add(bytes, count(storage) * (n.dtype === "i64" ? 8 : 4), batched(storage));
  }
  return { flops, bytes };
}
