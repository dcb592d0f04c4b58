import type { Node } from "../ir/node.ts";
import { decide, type Rule } from "../ir/decide.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import type { CallSite, TensorValue } from "./values.ts";

// PyTorch's bool tensors, which tsdp holds as float32 0/1: a comparison's result, as a mask for
// masked_fill or where, needs nothing more. But an attention mask is read by its dtype — a float
// mask is added to the scores, a bool one masks positions out (nn.MultiheadAttention's attn_mask
// and key_padding_mask, and nn.Transformer's masks: True is not attended; F.scaled_dot_product_attention's
// attn_mask: True is attended) — so a port's `src == PAD` or `~torch.tril(ones(L, L, dtype=bool))`
// must be told from a float mask. A tensor is bool when PyTorch's dtype rules make it one:
//   - a comparison's or a logical op's result (.gt, .eq, .bool(), logicalNot/And/Or, any/all, a
//     factory with dtype bool, zerosLike of a bool tensor): marked, or a comparison op;
//   - a view, copy, pad (with False), detach or triangle of a bool tensor; a concat of bool tensors;
//   - bool·bool (mul), where(c, bool, bool), the max or min of bools (amax: any; cummax), masked_fill of a
//     bool tensor: PyTorch's result type of bool operands is bool;
//   - a bool tensor changed in place (m[:2, :2] = False, m.fill_(0)): PyTorch casts what is
//     written to the tensor's dtype (views.ts writeThrough marks the new value, cast to 0/1).
// And not: .float(), .to(float32), .typeAs(floats) of a bool tensor, bool times a float, + a number.

/** Results PyTorch types bool that are not comparisons here (logicalAnd's product of truths). */
const marked = new WeakSet<Node>();

const COMPARISONS = new Set(["gt", "ge", "lt", "le", "eq", "ne"]);
/** Ops that move or select a tensor's values without computing new ones (tril/triu and pad_dim add zeros: False). */
const KEEPS_VALUES = new Set(["reshape", "expand", "permute", "narrow", "take", "triangle", "pad_dim", "detach", "amax", "amin", "cum_extreme"]);
/** Ops whose result is bool when every one of `operands` (input positions) is. */
const BOOL_OF_BOOLS: Readonly<Record<string, readonly number[]>> = { concat: [], mul: [0, 1], where: [1, 2], mode_select: [0, 1] };

/** `t` is PyTorch's bool result (logicalAnd written as a product of truths). */
export function markBoolean(t: TensorValue): TensorValue {
  markBooleanNode(t.node);
  return t;
}

/**
 * `t` as PyTorch's bool result (where(c, mask, True), a mask padded with True, mask & True): marked —
 * or, where a select of a mask and a number came out an int32 0/1 (int-arithmetic.ts's countsBooleans:
 * PyTorch's where(c, mask, 1) is an int64), compared back to a mask.
 */
export function asBoolean(t: TensorValue, em: GraphEmitter, who: string, site: CallSite): TensorValue {
  return markBoolean(t.node.dtype === "i32" ? em.tensor("ne", [t, em.constant(0, site)], {}, who, site) : t);
}

/** `node` holds a bool tensor's 0/1 values (a bool tensor's storage after an in-place write). */
export function markBooleanNode(node: Node): Node {
  marked.add(node);
  // an answer computed before the mark may depend on it (a product of this node and another mask)
  known = new WeakMap();
  return node;
}

/**
 * isBooleanMask's answers so far. The emitter asks it of every new op's operands (int-arithmetic.ts
 * countsBooleans), so without them a chain of n products walked back n times (n² steps), and the walk
 * through a product's two operands recursed once per link: a 100,000-link chain overflowed the stack.
 */
let known = new WeakMap<Node, boolean>();

/** What decides `n`: its own op, or its operands (all of them must be bool). */
function rule(n: Node): Rule {
  if (marked.has(n) || COMPARISONS.has(n.op)) return true;
  const operands = BOOL_OF_BOOLS[n.op];
  // a concat's parts are all its inputs; take's index is not a value
  if (operands) return { needs: "all", operands: operands.length ? operands.map((i) => n.inputs[i]) : n.inputs };
  // masked_fill keeps its input's dtype (the value cast to bool; a fill of 0 or 1 is one)
  if (n.op === "masked_fill" && !(n.attrs.value === 0 || n.attrs.value === 1)) return false;
  if (!KEEPS_VALUES.has(n.op) && n.op !== "masked_fill") return false;
  // cummax/cummin: the values keep the input's dtype, the indices are int
  if (n.op === "cum_extreme" && n.attrs.indices) return false;
  return { needs: "all", operands: [n.inputs[0]] };
}

/** Whether a tensor PyTorch would type bool reaches here as `node`. */
export function isBooleanMask(node: Node): boolean {
  return decide(node, known, rule);
}
