import type { Node } from "../ir/node.ts";
import { numel } from "../ir/shape.ts";
import { opDef } from "../ops/index.ts";
import type { Kernel, KernelPlan } from "./plan.ts";

/** Per-sample estimates of a kernel's arithmetic and memory traffic, for reports and tuning. */
export function kernelCost(k: Kernel, plan: KernelPlan): { flops: number; bytes: number } {
  const count = (n: Node) => numel(n.shape).c;
  const op = opDef(k.anchor.op);
  const reduction = op.codegen?.kind === "gemm" ? op.codegen.macsPerOutput(k.anchor, op.attrsOf(k.anchor)) : 0;
  // a multiply-add is two flops; every other op about one per element it produces or reads
  const anchorFlops = reduction ? 2 * count(k.anchor) * reduction : k.anchor.inputs.reduce((s, i) => s + count(i), 0);
  // an operand folded into the loads (a transpose) moves data, it computes nothing
  const flops = anchorFlops + k.nodes.slice(1).filter((n) => !k.prologue?.includes(n)).reduce((s, n) => s + count(n), 0);
  const bytes = [...k.inputs, k.output].reduce((s, n) => s + count(plan.storageOf(n)) * (n.dtype === "i64" ? 8 : 4), 0);
  return { flops, bytes };
}
