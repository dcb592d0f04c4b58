import type { Dim } from "../ir/shape.ts";
import type { Formulas } from "./distributions.ts";
import type { TensorValue } from "./values.ts";

// The two-parameter (and one-parameter) continuous families beyond Normal and Uniform, each as
// PyTorch's torch.distributions writes its formulas: a PPO policy on a bounded action space
// (Beta), a robust regression head (Laplace), waiting times (Exponential), a Gamma prior. A family
// is a table of formulas over its parameters, which distributions.ts broadcasts, dispatches and
// names; a family without a reparameterized draw here (Gamma and Beta: PyTorch's draws come from a
// rejection sampler with its implicit gradient) refuses sample and rsample with why.

type P = Readonly<Record<string, TensorValue>>;

export interface Family {
  /** The constructor's parameters in order (Python's names are these too). */
  readonly params: readonly string[];
  /** What `dist.<name>` may be, besides batchShape and eventShape. */
  readonly members: readonly string[];
  logProb(p: P, v: TensorValue, f: Formulas): TensorValue;
  /** Where the family has one (Poisson has none in PyTorch). */
  entropy?(p: P, f: Formulas): TensorValue;
  moment(p: P, name: "mean" | "mode" | "stddev" | "variance", f: Formulas): TensorValue | undefined;
  /** A draw of `shape` with the gradient to the parameters (rsample), where the family has one here. */
  draw?(p: P, shape: readonly Dim[], f: Formulas): TensorValue;
  cdf?(p: P, v: TensorValue, f: Formulas): TensorValue;
  icdf?(p: P, v: TensorValue, f: Formulas): TensorValue;
  /** KL(p ‖ q) of two of the family (PyTorch's registered pair). */
  kl(a: P, b: P, f: Formulas): TensorValue;
}

/** f32's eps (torch.finfo(float32).eps): Laplace's draw keeps u above −1. */
const EPS = 1.1920928955078125e-7;

const sub = (f: Formulas, a: TensorValue | number, b: TensorValue | number) => f.op("sub", [a, b]);
const mul = (f: Formulas, a: TensorValue | number, b: TensorValue | number) => f.op("mul", [a, b]);
const div = (f: Formulas, a: TensorValue | number, b: TensorValue | number) => f.op("div", [a, b]);
const add = (f: Formulas, a: TensorValue | number, b: TensorValue | number) => f.op("add", [a, b]);
const log = (f: Formulas, a: TensorValue) => f.op("log", [a]);
const lgamma = (f: Formulas, a: TensorValue) => f.op("lgamma", [a]);
const digamma = (f: Formulas, a: TensorValue) => f.op("digamma", [a]);
/** torch.xlogy(x, y): x·log y, 0 where x = 0. */
const xlogy = (f: Formulas, x: TensorValue, y: TensorValue) => f.method(x, "xlogy", y) as TensorValue;

export const FAMILIES: Readonly<Record<string, Family>> = {
  // −log 2b − |x − μ|/b
  Laplace: {
    params: ["loc", "scale"],
    members: ["loc", "scale", "mean", "mode", "stddev", "variance", "sample", "rsample", "logProb", "entropy", "cdf", "icdf"],
    logProb: (p, v, f) => sub(f, f.op("neg", [log(f, mul(f, p.scale, 2))]), div(f, f.op("abs", [sub(f, v, p.loc)]), p.scale)),
    entropy: (p, f) => add(f, log(f, mul(f, p.scale, 2)), 1),
    moment: (p, name, f) => (name === "mean" || name === "mode" ? p.loc : name === "stddev" ? mul(f, p.scale, Math.SQRT2) : mul(f, mul(f, p.scale, p.scale), 2)),
    // μ − b·sign(u)·log1p(−|u|), u uniform in [eps − 1, 1)
    draw: (p, shape, f) => {
      const u = add(f, mul(f, f.draw(shape, "uniform"), 2 - EPS), EPS - 1);
      return sub(f, p.loc, mul(f, mul(f, p.scale, f.op("sign", [u])), f.op("log1p", [f.op("neg", [f.op("abs", [u])])])));
    },
    // ½ − ½·sign(x − μ)·expm1(−|x − μ|/b)
    cdf: (p, v, f) => {
      const z = sub(f, v, p.loc);
      return sub(f, 0.5, mul(f, mul(f, f.op("sign", [z]), 0.5), f.op("expm1", [div(f, f.op("neg", [f.op("abs", [z])]), p.scale)])));
    },
    // μ − b·sign(v − ½)·log1p(−2|v − ½|)
    icdf: (p, v, f) => {
      const t = sub(f, v, 0.5);
      return sub(f, p.loc, mul(f, mul(f, p.scale, f.op("sign", [t])), f.op("log1p", [mul(f, f.op("abs", [t]), -2)])));
    },
    // −log(b_p/b_q) + |μ_p − μ_q|/b_q + (b_p/b_q)·exp(−|μ_p − μ_q|/b_p) − 1
    kl: (a, b, f) => {
      const ratio = div(f, a.scale, b.scale);
      const gap = f.op("abs", [sub(f, a.loc, b.loc)]);
      return sub(f, add(f, add(f, f.op("neg", [log(f, ratio)]), div(f, gap, b.scale)), mul(f, ratio, f.op("exp", [div(f, f.op("neg", [gap]), a.scale)]))), 1);
    },
  },
  // log λ − λx
  Exponential: {
    params: ["rate"],
    members: ["rate", "mean", "mode", "stddev", "variance", "sample", "rsample", "logProb", "entropy", "cdf", "icdf"],
    logProb: (p, v, f) => sub(f, log(f, p.rate), mul(f, p.rate, v)),
    entropy: (p, f) => sub(f, 1, log(f, p.rate)),
    moment: (p, name, f) => (name === "mode" ? mul(f, p.rate, 0) : name === "variance" ? f.op("pow", [p.rate], { exponent: -2 }) : div(f, 1, p.rate)),
    // −log(1 − u)/λ: an Exp(1) draw scaled, as exponential_() / rate
    draw: (p, shape, f) => div(f, f.op("neg", [f.op("log1p", [f.op("neg", [f.draw(shape, "uniform")])])]), p.rate),
    cdf: (p, v, f) => sub(f, 1, f.op("exp", [mul(f, f.op("neg", [p.rate]), v)])),
    icdf: (p, v, f) => div(f, f.op("neg", [f.op("log1p", [f.op("neg", [v])])]), p.rate),
    // −log(λ_q/λ_p) + λ_q/λ_p − 1
    kl: (a, b, f) => {
      const ratio = div(f, b.rate, a.rate);
      return sub(f, add(f, f.op("neg", [log(f, ratio)]), ratio), 1);
    },
  },
  // xlogy(α, β) + xlogy(α − 1, x) − βx − lgamma(α)
  Gamma: {
    params: ["concentration", "rate"],
    members: ["concentration", "rate", "mean", "mode", "variance", "logProb", "entropy"],
    logProb: (p, v, f) => sub(f, sub(f, add(f, xlogy(f, p.concentration, p.rate), xlogy(f, sub(f, p.concentration, 1), v)), mul(f, p.rate, v)), lgamma(f, p.concentration)),
    // α − log β + lgamma(α) + (1 − α)·digamma(α)
    entropy: (p, f) => add(f, add(f, sub(f, p.concentration, log(f, p.rate)), lgamma(f, p.concentration)), mul(f, sub(f, 1, p.concentration), digamma(f, p.concentration))),
    moment: (p, name, f) =>
      name === "mean" ? div(f, p.concentration, p.rate) : name === "variance" ? div(f, p.concentration, mul(f, p.rate, p.rate)) : name === "mode" ? (f.method(div(f, sub(f, p.concentration, 1), p.rate), "clamp", 0) as TensorValue) : undefined,
    // α_q·log(β_p/β_q) + lgamma(α_q) − lgamma(α_p) + (α_p − α_q)·digamma(α_p) + (β_q − β_p)·α_p/β_p
    kl: (a, b, f) => {
      const t1 = mul(f, b.concentration, log(f, div(f, a.rate, b.rate)));
      const t2 = sub(f, lgamma(f, b.concentration), lgamma(f, a.concentration));
      const t3 = mul(f, sub(f, a.concentration, b.concentration), digamma(f, a.concentration));
      const t4 = mul(f, sub(f, b.rate, a.rate), div(f, a.concentration, a.rate));
      return add(f, add(f, add(f, t1, t2), t3), t4);
    },
  },
  // PyTorch's LogNormal: exp of a Normal(loc, scale), logProb the Normal's of log x minus log x
  LogNormal: {
    params: ["loc", "scale"],
    members: ["loc", "scale", "mean", "mode", "variance", "sample", "rsample", "logProb", "entropy"],
    logProb: (p, v, f) => {
      const y = log(f, v);
      const z = sub(f, y, p.loc);
      const normal = sub(f, sub(f, f.op("neg", [div(f, mul(f, z, z), mul(f, mul(f, p.scale, p.scale), 2))]), log(f, p.scale)), Math.log(Math.sqrt(2 * Math.PI)));
      return sub(f, normal, y);
    },
    // the Normal's entropy + μ
    entropy: (p, f) => add(f, add(f, log(f, p.scale), 0.5 + 0.5 * Math.log(2 * Math.PI)), p.loc),
    moment: (p, name, f) => {
      const s2 = mul(f, p.scale, p.scale);
      if (name === "mean") return f.op("exp", [add(f, p.loc, mul(f, s2, 0.5))]);
      if (name === "mode") return f.op("exp", [sub(f, p.loc, s2)]);
      if (name === "variance") return mul(f, f.op("expm1", [s2]), f.op("exp", [add(f, mul(f, p.loc, 2), s2)]));
      return undefined;
    },
    draw: (p, shape, f) => f.op("exp", [add(f, p.loc, mul(f, f.draw(shape, "normal"), p.scale))]),
    // the Normals' KL (PyTorch's _kl_transformed_transformed of one ExpTransform)
    kl: (a, b, f) => {
      const ratio = div(f, a.scale, b.scale);
      const r2 = mul(f, ratio, ratio);
      const t = div(f, sub(f, a.loc, b.loc), b.scale);
      return mul(f, sub(f, sub(f, add(f, r2, mul(f, t, t)), 1), log(f, r2)), 0.5);
    },
  },
  // xlogy(x, λ) − λ − lgamma(x + 1)
  Poisson: {
    params: ["rate"],
    members: ["rate", "mean", "mode", "variance", "logProb"],
    logProb: (p, v, f) => sub(f, sub(f, xlogy(f, v, p.rate), p.rate), lgamma(f, add(f, v, 1))),
    moment: (p, name, f) => (name === "mean" || name === "variance" ? p.rate : name === "mode" ? f.op("floor", [p.rate]) : undefined),
    // λ_p·log(λ_p/λ_q) − (λ_p − λ_q)
    kl: (a, b, f) => sub(f, mul(f, a.rate, log(f, div(f, a.rate, b.rate))), sub(f, a.rate, b.rate)),
  },
  // PyTorch's Beta is a Dirichlet over (x, 1 − x): xlogy(α − 1, x) + xlogy(β − 1, 1 − x) + lgamma(α + β) − lgamma(α) − lgamma(β)
  Beta: {
    params: ["concentration1", "concentration0"],
    members: ["concentration1", "concentration0", "mean", "mode", "variance", "logProb", "entropy"],
    logProb: (p, v, f) => {
      const [a, b] = [p.concentration1, p.concentration0];
      const terms = add(f, xlogy(f, sub(f, a, 1), v), xlogy(f, sub(f, b, 1), sub(f, 1, v)));
      return sub(f, sub(f, add(f, terms, lgamma(f, add(f, a, b))), lgamma(f, a)), lgamma(f, b));
    },
    // the Dirichlet's: Σ lgamma(c) − lgamma(a₀) − (2 − a₀)·digamma(a₀) − Σ (c − 1)·digamma(c), a₀ = α + β
    entropy: (p, f) => {
      const [a, b] = [p.concentration1, p.concentration0];
      const a0 = add(f, a, b);
      const lg = sub(f, add(f, lgamma(f, a), lgamma(f, b)), lgamma(f, a0));
      const spread = add(f, mul(f, sub(f, a, 1), digamma(f, a)), mul(f, sub(f, b, 1), digamma(f, b)));
      return sub(f, sub(f, lg, mul(f, sub(f, 2, a0), digamma(f, a0))), spread);
    },
    moment: (p, name, f) => {
      const [a, b] = [p.concentration1, p.concentration0];
      const a0 = add(f, a, b);
      if (name === "mean") return div(f, a, a0);
      if (name === "mode") return div(f, sub(f, a, 1), sub(f, a0, 2));
      if (name === "variance") return div(f, mul(f, a, b), mul(f, mul(f, a0, a0), add(f, a0, 1)));
      return undefined;
    },
    // lgamma(α_q) + lgamma(β_q) + lgamma(s_p) − lgamma(α_p) − lgamma(β_p) − lgamma(s_q) + (α_p − α_q)ψ(α_p) + (β_p − β_q)ψ(β_p) + (s_q − s_p)ψ(s_p)
    kl: (p, q, f) => {
      const [ap, bp, aq, bq] = [p.concentration1, p.concentration0, q.concentration1, q.concentration0];
      const [sp, sq] = [add(f, ap, bp), add(f, aq, bq)];
      const t1 = add(f, add(f, lgamma(f, aq), lgamma(f, bq)), lgamma(f, sp));
      const t2 = add(f, add(f, lgamma(f, ap), lgamma(f, bp)), lgamma(f, sq));
      const t3 = mul(f, sub(f, ap, aq), digamma(f, ap));
      const t4 = mul(f, sub(f, bp, bq), digamma(f, bp));
      const t5 = mul(f, sub(f, sq, sp), digamma(f, sp));
      return add(f, add(f, add(f, sub(f, t1, t2), t3), t4), t5);
    },
  },
};
