import { fail } from "../diagnostics/diagnostic.ts";
import type { Node } from "../ir/node.ts";
import { formatShape, type Dim } from "../ir/shape.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { TensorValue, type CallSite } from "./values.ts";

// What the composite layers (composite-layers.ts, multihead-attention.ts) emit their ops with.

type Operand = TensorValue | Node | number;

/** Emits the ops of one composite at its call site; a number operand becomes a constant. */
export function ops(em: GraphEmitter, who: string, site: CallSite) {
  const node = (v: Operand): Node => (typeof v === "number" ? em.constant(v, site) : v instanceof TensorValue ? v.node : v);
  const op = (name: string, inputs: Operand[], attrs: Record<string, unknown> = {}) => em.tensor(name, inputs.map(node), attrs as any, who, site);
  return {
    op,
    reshape: (t: Operand, shape: readonly Dim[]) => op("reshape", [t], { shape }),
    permute: (t: Operand, perm: readonly number[]) => op("permute", [t], { perm }),
    /** Swaps the last two dims. */
    transposeLast: (t: TensorValue) => {
      const r = t.node.shape.length;
      return op("permute", [t], { perm: t.node.shape.map((_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i)) });
    },
    narrow: (t: Operand, dim: number, start: number, length: number) => op("narrow", [t], { dim, start, length }),
  };
}

/** v clamped into [lo, hi] by two selects: a NaN fails both comparisons and stays NaN; the gradient passes inside. */
export function clampBetween(c: ReturnType<typeof ops>, v: TensorValue, lo: number, hi: number): TensorValue {
  return c.op("where", [c.op("lt", [v, lo]), lo, c.op("where", [c.op("gt", [v, hi]), hi, v])]);
}

/** A fixed size of `shape` at `dim`, or a clear error when it is the batch. */
export function fixedDim(shape: readonly Dim[], dim: number, what: string, who: string, site: CallSite): number {
  const d = shape[dim];
  if (typeof d !== "number") return fail("shapeMismatch", `${who}: ${what} of ${formatShape(shape)} cannot be the batch`, site.loc);
  return d;
}

/** torch.mm / bmm / addmm's operands: matrices (rank 2) or batches of them (rank 3), then their matmul. */
export function rankedMatmul(who: string, rank: number, a: TensorValue, b: TensorValue, site: CallSite, em: GraphEmitter): TensorValue {
  for (const t of [a, b])
    if (t.node.shape.length !== rank) fail("shapeMismatch", `${who} expects ${rank}-D tensors, got ${formatShape(a.node.shape)} and ${formatShape(b.node.shape)}`, site.loc);
  return em.tensor("matmul", [a, b], {}, who, site);
}

/**
 * log(1 + eᶻ) = max(z, 0) + log1p(e^−|z|): never overflowing (softplus losses, logaddexp). max(z, 0)
 * is written z/2 + |z|/2, exact, so that the gradient at z = 0 is PyTorch's σ(0) = ½ (relu's
 * subgradient 0 there, with |z|'s, would give 0); halved before the sum, which (z + |z|)/2
 * overflows above FLT_MAX/2.
 */
export function softplus(c: ReturnType<typeof ops>, z: TensorValue): TensorValue {
  // z = −∞ read as −FLT_MAX: the halves would be −∞ + ∞, where softplus(−∞) is 0 (its gradient 0 there too)
  const finite = c.op("where", [c.op("lt", [z, -3.4028234663852886e38]), -3.4028234663852886e38, z]);
  return c.op("add", [c.op("add", [c.op("mul", [finite, 0.5]), c.op("mul", [c.op("abs", [finite]), 0.5])]), c.op("log1p", [c.op("exp", [c.op("neg", [c.op("abs", [finite])])])])]);
}

/**
 * PyTorch's scaled_dot_product_attention softmax (_safe_softmax, PyTorch 2.5+): a row whose every
 * score is −∞ (each key masked) gives weights 0, not NaN; other rows softmax. The masked rows'
 * scores are read as 0 before the softmax, so neither its value nor its gradient there is NaN, and
 * the select passes them a gradient of 0, as PyTorch's (its backward reads the zeroed result).
 */
export function safeSoftmax(c: ReturnType<typeof ops>, scores: TensorValue, dim: number): TensorValue {
  const masked = () => c.op("lt", [c.op("amax", [scores], { dims: [dim], keepdim: true }), -3.4028234663852886e38]);
  const weights = c.op("softmax", [c.op("where", [masked(), 0, scores])], { dim });
  return c.op("where", [masked(), 0, weights]);
}

/**
 * softmax's dim when none is given: PyTorch's deprecated implicit choice (_get_softmax_dim), 0 for
 * a 0-, 1- or 3-D input and 1 otherwise (old ports' nn.Softmax()). Dim 0 of a batched input is the
 * batch, split across devices: refused, naming the dim to pass.
 */
export function softmaxDim(x: TensorValue, dim: number | null, who: string, site: CallSite): number {
  if (dim !== null) return dim;
  const rank = x.node.shape.length;
  const implicit = rank === 0 || rank === 1 || rank === 3 ? 0 : 1;
  if (typeof x.node.shape[implicit] !== "number")
    fail("invalidArgument", `${who}: without dim, PyTorch's implicit choice for a ${rank}-D input is dim ${implicit}, which is the batch of ${formatShape(x.node.shape)}, split across devices; pass the dim (PyTorch deprecates the implicit choice too)`, site.loc);
  return implicit;
}
