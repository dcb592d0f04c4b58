import { fail } from "../diagnostics/diagnostic.ts";
import { ops } from "./composite-ops.ts";
import { floatOnlyRefusal } from "./int-arithmetic.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { describe, TensorValue, type CallSite, type Value } from "./values.ts";

/**
 * ‖x‖ₚ over dims (all when null), as torch.norm / Tensor.norm / torch.linalg.vector_norm:
 * p = 2 ("fro") is √Σx², p = 1 Σ|x|, ±Infinity max/min |x|. The 2-norm's gradient is x/‖x‖, and
 * 0 where ‖x‖ = 0, as PyTorch's (norm_backward masks it): the square root reads 1 there, so its
 * gradient is finite, and the result selects 0 — no 0·∞.
 */
export function vectorNorm(x: TensorValue, p: Value, dims: number[] | null, keepdim: boolean, site: CallSite, em: GraphEmitter, who: string, pLoc = site.loc): TensorValue {
  // linalg.vector_norm (and norm, which calls it) refuses integer and bool inputs
  const refused = floatOnlyRefusal(x.node, who, (t) => `linalg.vector_norm: Expected a floating point or complex tensor as input. Got ${t}`);
  if (refused) fail("dtypeMismatch", refused, site.loc);
  const c = ops(em, who, site);
  const reduce = (op: "sum" | "amax", t: TensorValue) => c.op(op, [t], { dims, keepdim });
  if (p === "fro" || p === 2) {
    const squares = reduce("sum", c.op("pow", [x], { exponent: 2 }));
    const zero = () => c.op("eq", [squares, 0]);
    return c.op("where", [zero(), 0, c.op("sqrt", [c.op("where", [zero(), 1, squares])])]);
  }
  if (p === 1) return reduce("sum", c.op("abs", [x]));
  if (p === Infinity) return reduce("amax", c.op("abs", [x]));
  if (p === -Infinity) return c.op("neg", [reduce("amax", c.op("neg", [c.op("abs", [x])]))]);
  // p = 0: the count of nonzero elements (no gradient), a float as the input: a sum of the bool
  // mask x != 0 would be an integer count (PyTorch's mask.sum()), so each element is 1.0 or 0.0
  if (p === 0) return reduce("sum", c.op("where", [c.op("ne", [x, 0]), 1, 0]));
  // any other p > 0: (Σ|x|ᵖ)^(1/p), 0 with a 0 gradient at a zero vector, as p = 2; below 1 a zero
  // element's |x|ᵖ is selected (0, gradient 0, as PyTorch's vector_norm backward masks x = 0) where
  // pᵢ·|x|ᵖ⁻¹ would be ∞
  if (typeof p === "number" && Number.isFinite(p) && p > 0) {
    const magnitude = c.op("abs", [x]);
    const power = p >= 1 ? c.op("pow", [magnitude], { exponent: p }) : c.op("where", [c.op("eq", [x, 0]), 0, c.op("pow", [c.op("where", [c.op("eq", [x, 0]), 1, magnitude])], { exponent: p })]);
    const powers = reduce("sum", power);
    const zero = () => c.op("eq", [powers, 0]);
    return c.op("where", [zero(), 0, c.op("pow", [c.op("where", [zero(), 1, powers])], { exponent: 1 / p })]);
  }
  return fail("invalidArgument", `${who}: p = ${typeof p === "string" ? JSON.stringify(p) : typeof p === "number" ? p : describe(p)} is not supported (2 or "fro", 1, Infinity, -Infinity, 0, or a number > 0)`, pLoc);
}

/**
 * PyTorch's renorm scale of a slice of norm `norm`: maxNorm / (norm + 1e-7) where norm exceeds
 * maxNorm, else 1 — torch.renorm's factor and embedding_renorm_'s (one formula for both).
 */
export function renormScale(norm: TensorValue, maxNorm: number, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const c = ops(em, who, site);
  return c.op("where", [c.op("gt", [norm, maxNorm]), c.op("div", [em.constant(maxNorm, site), c.op("add", [norm, 1e-7])]), 1]);
}
