import type { Node } from "../ir/node.ts";
import type { TensorValue } from "./values.ts";

// PyTorch's bool tensors, which tsdp holds as float32 0/1: a comparison's result, as a mask for
// masked_fill or where, needs nothing more. But an attention mask is read by its dtype — a float
// mask is added to the scores, a bool one masks positions out (nn.MultiheadAttention's attn_mask
// and key_padding_mask, and nn.Transformer's masks: True is not attended; F.scaled_dot_product_attention's
// attn_mask: True is attended) — so a port's `src == PAD` or `~torch.tril(ones(L, L, dtype=bool))`
// must be told from a float mask. A tensor is bool when it is a comparison's or a logical op's
// result (.gt, .eq, .bool(), logicalNot/And/Or, a factory with dtype bool), or a view, copy or
// triangle of such tensors.

/** Results PyTorch types bool that are not comparisons here (logicalAnd's product of truths). */
const marked = new WeakSet<Node>();

const COMPARISONS = new Set(["gt", "ge", "lt", "le", "eq", "ne"]);
/** Ops that move or select a tensor's values without computing new ones (and tril/triu, which zero the rest: False). */
const KEEPS_VALUES = new Set(["reshape", "expand", "permute", "narrow", "take", "triangle", "concat"]);

/** `t` is PyTorch's bool result (logicalAnd written as a product of truths). */
export function markBoolean(t: TensorValue): TensorValue {
  marked.add(t.node);
  return t;
}

/** Whether a tensor PyTorch would type bool reaches here as `node`. */
export function isBooleanMask(node: Node): boolean {
  for (let n = node, steps = 0; steps < 10_000; steps++) {
    if (marked.has(n) || COMPARISONS.has(n.op)) return true;
    if (!KEEPS_VALUES.has(n.op)) return false;
    // a concat is bool when each part is; take's index is not a value
    if (n.op === "concat") return n.inputs.every(isBooleanMask);
    n = n.inputs[0];
  }
  return false;
}
