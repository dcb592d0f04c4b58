import type { Dim } from "../ir/shape.ts";
import { softplus } from "./composite-ops.ts";
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
  /** The parameters that may be left out, with PyTorch's defaults (StudentT's loc 0 and scale 1). */
  readonly defaults?: Readonly<Record<string, number>>;
  /**
   * Parametrized after `params` by probs or logits, exactly one (Geometric, Binomial,
   * NegativeBinomial): both are kept, as PyTorch's lazy properties (is_binary: logits of the probs
   * clamped into [ε, 1 − ε], probs the sigmoid of the logits).
   */
  readonly binary?: true;
  /** The first parameter's last dim is the event (Dirichlet's categories), not a batch dim. */
  readonly event?: true;
  /**
   * Parametrized after `params` by probs or logits over the last dim, the event (the categories),
   * exactly one, normalized as Categorical's: logits − logsumexp(logits), probs / Σ probs (and
   * log of the probs clamped into [ε, 1 − ε]). The other parameters are kept as given.
   */
  readonly categorical?: true;
  /** Why sample and rsample are refused, where the family has no draw here. */
  readonly noDraw?: string;
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
  /** KL(p ‖ q) of two of the family, where PyTorch registers the pair. */
  kl?(a: P, b: P, f: Formulas): TensorValue;
}

/** f32's eps (torch.finfo(float32).eps): Laplace's draw keeps u above −1. */
const EPS = 1.1920928955078125e-7;
/** f32's smallest normal (torch.finfo(float32).tiny): SigmoidTransform clamps into [tiny, 1 − eps]. */
const TINY = 1.1754943508222875e-38;
/** PyTorch's clamp_probs: into [eps, 1 − eps]. */
const clampProbs = (f: Formulas, x: TensorValue) => f.method(x, "clamp", EPS, 1 - EPS) as TensorValue;
/** log x − log(1 − x). */
const logit = (f: Formulas, x: TensorValue) => sub(f, f.op("log", [x]), f.op("log1p", [f.op("neg", [x])]));
/** log Γ(k) of a whole k ≥ 1: log (k − 1)!. */
const logFactorialBelow = (k: number) => Array.from({ length: Math.max(0, k - 1) }, (_, i) => Math.log(i + 1)).reduce((a, b) => a + b, 0);

const sub = (f: Formulas, a: TensorValue | number, b: TensorValue | number) => f.op("sub", [a, b]);
const mul = (f: Formulas, a: TensorValue | number, b: TensorValue | number) => f.op("mul", [a, b]);
const div = (f: Formulas, a: TensorValue | number, b: TensorValue | number) => f.op("div", [a, b]);
const add = (f: Formulas, a: TensorValue | number, b: TensorValue | number) => f.op("add", [a, b]);
const log = (f: Formulas, a: TensorValue) => f.op("log", [a]);
const lgamma = (f: Formulas, a: TensorValue) => f.op("lgamma", [a]);
const digamma = (f: Formulas, a: TensorValue) => f.op("digamma", [a]);
const neg = (f: Formulas, a: TensorValue) => f.op("neg", [a]);
/** log σ(x) = −softplus(−x). */
const logSigmoid = (f: Formulas, x: TensorValue) => neg(f, softplus(f.c, neg(f, x)));
/** Sums the last dim (an event of one dim). */
const sumLast = (f: Formulas, x: TensorValue, keepdim = false) => f.method(x, "sum", -1, keepdim) as TensorValue;
/** Euler–Mascheroni γ (Gumbel's mean and entropy). */
const EULER = 0.5772156649015329;
const REJECTION = "draws come from a rejection sampler in PyTorch";
/** Geometric's entropy, BCE-with-logits(logits, probs)/probs = (softplus(l) − p·l)/p (its KL's first term too). */
const geometricEntropy = (p: P, f: Formulas) => div(f, sub(f, softplus(f.c, p.logits), mul(f, p.probs, p.logits)), p.probs);
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
    noDraw: REJECTION,
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
    noDraw: REJECTION,
    members: ["rate", "mean", "mode", "variance", "logProb"],
    logProb: (p, v, f) => sub(f, sub(f, xlogy(f, v, p.rate), p.rate), lgamma(f, add(f, v, 1))),
    moment: (p, name, f) => (name === "mean" || name === "variance" ? p.rate : name === "mode" ? f.op("floor", [p.rate]) : undefined),
    // λ_p·log(λ_p/λ_q) − (λ_p − λ_q)
    kl: (a, b, f) => sub(f, mul(f, a.rate, log(f, div(f, a.rate, b.rate))), sub(f, a.rate, b.rate)),
  },
  // PyTorch's Beta is a Dirichlet over (x, 1 − x): xlogy(α − 1, x) + xlogy(β − 1, 1 − x) + lgamma(α + β) − lgamma(α) − lgamma(β)
  Beta: {
    params: ["concentration1", "concentration0"],
    noDraw: REJECTION,
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
  // −½(ν + 1)·log1p(y²/ν) − (log σ + ½log ν + ½log π + lgamma(ν/2) − lgamma((ν + 1)/2)), y = (x − μ)/σ:
  // DeepAR's and GluonTS's StudentTOutput head
  StudentT: {
    params: ["df", "loc", "scale"],
    defaults: { loc: 0, scale: 1 },
    noDraw: "draws divide by a Chi2 (Gamma) draw in PyTorch, which comes from a rejection sampler",
    members: ["df", "loc", "scale", "mean", "mode", "variance", "logProb", "entropy"],
    logProb: (p, v, f) => {
      const y = div(f, sub(f, v, p.loc), p.scale);
      const z = sub(f, add(f, add(f, add(f, log(f, p.scale), mul(f, log(f, p.df), 0.5)), 0.5 * Math.log(Math.PI)), lgamma(f, mul(f, p.df, 0.5))), lgamma(f, mul(f, add(f, p.df, 1), 0.5)));
      return sub(f, mul(f, mul(f, add(f, p.df, 1), -0.5), f.op("log1p", [div(f, mul(f, y, y), p.df)])), z);
    },
    // log σ + ½(ν + 1)(ψ((ν + 1)/2) − ψ(ν/2)) + ½log ν + lgamma(ν/2) + lgamma(½) − lgamma((ν + 1)/2)
    entropy: (p, f) => {
      const half = mul(f, p.df, 0.5);
      const halfUp = mul(f, add(f, p.df, 1), 0.5);
      const lbeta = sub(f, add(f, lgamma(f, half), 0.5 * Math.log(Math.PI)), lgamma(f, halfUp));
      return add(f, add(f, add(f, log(f, p.scale), mul(f, halfUp, sub(f, digamma(f, halfUp), digamma(f, half)))), mul(f, log(f, p.df), 0.5)), lbeta);
    },
    // mean μ where ν > 1, else NaN; variance σ²ν/(ν − 2) where ν > 2, ∞ for 1 < ν ≤ 2, NaN for ν ≤ 1 — PyTorch's masks
    moment: (p, name, f) => {
      const atMostOne = f.method(p.df, "le", 1) as TensorValue;
      if (name === "mean") return f.method(p.loc, "maskedFill", atMostOne, Number.NaN) as TensorValue;
      if (name === "mode") return p.loc;
      if (name !== "variance") return undefined;
      const finite = div(f, mul(f, mul(f, p.scale, p.scale), p.df), sub(f, p.df, 2));
      const infinite = f.method(finite, "maskedFill", f.method(p.df, "le", 2) as TensorValue, Number.POSITIVE_INFINITY) as TensorValue;
      return f.method(infinite, "maskedFill", atMostOne, Number.NaN) as TensorValue;
    },
  },
  // −log π − log σ − log1p(((x − μ)/σ)²)
  Cauchy: {
    params: ["loc", "scale"],
    members: ["loc", "scale", "mean", "mode", "variance", "sample", "rsample", "logProb", "entropy", "cdf", "icdf"],
    logProb: (p, v, f) => {
      const y = div(f, sub(f, v, p.loc), p.scale);
      return sub(f, sub(f, neg(f, log(f, p.scale)), Math.log(Math.PI)), f.op("log1p", [mul(f, y, y)]));
    },
    entropy: (p, f) => add(f, log(f, p.scale), Math.log(4 * Math.PI)),
    // no mean or variance (PyTorch's NaN and ∞)
    moment: (p, name, f) => (name === "mode" ? p.loc : name === "mean" ? add(f, mul(f, p.loc, 0), Number.NaN) : name === "variance" ? add(f, mul(f, p.loc, 0), Number.POSITIVE_INFINITY) : undefined),
    // μ + σ·tan(π(u − ½)): a standard Cauchy draw (cauchy_'s law) scaled
    draw: (p, shape, f) => add(f, p.loc, mul(f, p.scale, f.op("tan", [mul(f, sub(f, f.draw(shape, "uniform"), 0.5), Math.PI)]))),
    cdf: (p, v, f) => add(f, div(f, f.op("atan", [div(f, sub(f, v, p.loc), p.scale)]), Math.PI), 0.5),
    icdf: (p, v, f) => add(f, mul(f, f.op("tan", [mul(f, sub(f, v, 0.5), Math.PI)]), p.scale), p.loc),
    // log((σp + σq)² + (μp − μq)²) − log(4σpσq)
    kl: (a, b, f) => {
      const s = add(f, a.scale, b.scale);
      const d = sub(f, a.loc, b.loc);
      return sub(f, log(f, add(f, mul(f, s, s), mul(f, d, d))), log(f, mul(f, mul(f, a.scale, b.scale), 4)));
    },
  },
  // |Normal(0, σ)|: the Normal's log-density + log 2 for x ≥ 0, −∞ below
  HalfNormal: {
    params: ["scale"],
    members: ["scale", "mean", "mode", "variance", "sample", "rsample", "logProb", "entropy", "cdf", "icdf"],
    logProb: (p, v, f) => {
      const normal = sub(f, sub(f, neg(f, div(f, mul(f, v, v), mul(f, mul(f, p.scale, p.scale), 2))), log(f, p.scale)), Math.log(Math.sqrt(2 * Math.PI)) - Math.LN2);
      return f.method(normal, "maskedFill", f.method(v, "lt", 0) as TensorValue, Number.NEGATIVE_INFINITY) as TensorValue;
    },
    // the Normal's entropy − log 2
    entropy: (p, f) => add(f, log(f, p.scale), 0.5 + 0.5 * Math.log(2 * Math.PI) - Math.LN2),
    moment: (p, name, f) => (name === "mean" ? mul(f, p.scale, Math.sqrt(2 / Math.PI)) : name === "mode" ? mul(f, p.scale, 0) : name === "variance" ? mul(f, mul(f, p.scale, p.scale), 1 - 2 / Math.PI) : undefined),
    draw: (p, shape, f) => f.op("abs", [mul(f, f.draw(shape, "normal"), p.scale)]),
    // 2Φ(x/σ) − 1 = erf(x/(σ√2)); its inverse √2·σ·erfinv(v)
    cdf: (p, v, f) => f.op("erf", [div(f, v, mul(f, p.scale, Math.SQRT2))]),
    icdf: (p, v, f) => mul(f, mul(f, p.scale, Math.SQRT2), f.op("erfinv", [v])),
    // the Normals' KL with loc 0: log(σq/σp) + σp²/(2σq²) − ½
    kl: (a, b, f) => {
      const ratio = div(f, a.scale, b.scale);
      const r2 = mul(f, ratio, ratio);
      return mul(f, sub(f, sub(f, r2, 1), log(f, r2)), 0.5);
    },
  },
  // y − eʸ − log σ, y = (μ − x)/σ
  Gumbel: {
    params: ["loc", "scale"],
    members: ["loc", "scale", "mean", "mode", "stddev", "variance", "sample", "rsample", "logProb", "entropy"],
    logProb: (p, v, f) => {
      const y = div(f, sub(f, p.loc, v), p.scale);
      return sub(f, sub(f, y, f.op("exp", [y])), log(f, p.scale));
    },
    entropy: (p, f) => add(f, log(f, p.scale), 1 + EULER),
    moment: (p, name, f) => {
      if (name === "mean") return add(f, p.loc, mul(f, p.scale, EULER));
      if (name === "mode") return p.loc;
      const sd = mul(f, p.scale, Math.PI / Math.sqrt(6));
      return name === "stddev" ? sd : mul(f, sd, sd);
    },
    // μ − σ·log(−log u), u in [tiny, 1 − ε) as PyTorch's base Uniform
    draw: (p, shape, f) => {
      const u = add(f, mul(f, f.draw(shape, "uniform"), 1 - EPS - 1.1754943508222875e-38), 1.1754943508222875e-38);
      return sub(f, p.loc, mul(f, p.scale, log(f, neg(f, log(f, u)))));
    },
    // −log(σp/σq) − μq/σq + μp/σq + (σp/σq)γ + exp(μq/σq + lgamma(1 + σp/σq) − μp/σq) − (1 + γ)
    kl: (a, b, f) => {
      const ct1 = div(f, a.scale, b.scale);
      const ct2 = div(f, b.loc, b.scale);
      const ct3 = div(f, a.loc, b.scale);
      const t3 = f.op("exp", [sub(f, add(f, ct2, lgamma(f, add(f, ct1, 1))), ct3)]);
      return sub(f, add(f, add(f, add(f, sub(f, neg(f, log(f, ct1)), ct2), ct3), mul(f, ct1, EULER)), t3), 1 + EULER);
    },
  },
  // P(k) = (1 − p)ᵏp: k·log1p(−p) + log p, with 0·log 0 read as 0 where p = 1 and k = 0
  Geometric: {
    params: [],
    binary: true,
    members: ["probs", "logits", "mean", "mode", "variance", "sample", "logProb", "entropy"],
    logProb: (p, v, f) => {
      const certain = f.method(f.method(p.probs, "eq", 1) as TensorValue, "logicalAnd", f.method(v, "eq", 0)) as TensorValue;
      const probs = f.op("where", [certain, 0, p.probs]);
      return add(f, mul(f, v, f.op("log1p", [neg(f, probs)])), log(f, p.probs));
    },
    entropy: (p, f) => geometricEntropy(p, f),
    moment: (p, name, f) => (name === "mean" ? sub(f, div(f, 1, p.probs), 1) : name === "mode" ? mul(f, p.probs, 0) : name === "variance" ? div(f, sub(f, div(f, 1, p.probs), 1), p.probs) : undefined),
    // ⌊log u / log1p(−p)⌋, u in [tiny, 1): sample only (no gradient), as PyTorch's
    draw: (p, shape, f) => {
      const u = f.method(f.draw(shape, "uniform"), "clamp", 1.1754943508222875e-38) as TensorValue;
      return f.op("floor", [div(f, log(f, u), f.op("log1p", [neg(f, f.expand(p.probs, shape))]))]);
    },
    // −H(p) − log1p(−q)/p − logit(q)
    kl: (a, b, f) => {
      return sub(f, sub(f, neg(f, geometricEntropy(a, f)), div(f, f.op("log1p", [neg(f, b.probs)]), a.probs)), b.logits);
    },
  },
  // lgamma(n + 1) − lgamma(k + 1) − lgamma(n − k + 1) + k·l − n·(max(l, 0) + log1p(e^(−|l|))): PyTorch's stable form
  Binomial: {
    params: ["totalCount"],
    defaults: { totalCount: 1 },
    binary: true,
    noDraw: "draws come from torch.binomial's sampler in PyTorch",
    members: ["totalCount", "probs", "logits", "mean", "mode", "variance", "logProb"],
    logProb: (p, v, f) => {
      const n = p.totalCount;
      const factorials = sub(f, sub(f, lgamma(f, add(f, n, 1)), lgamma(f, add(f, v, 1))), lgamma(f, add(f, sub(f, n, v), 1)));
      const normalizer = mul(f, n, add(f, f.method(p.logits, "clamp", 0) as TensorValue, f.op("log1p", [f.op("exp", [neg(f, f.op("abs", [p.logits]))])])));
      return sub(f, add(f, factorials, mul(f, v, p.logits)), normalizer);
    },
    moment: (p, name, f) =>
      name === "mean"
        ? mul(f, p.totalCount, p.probs)
        : name === "variance"
          ? mul(f, mul(f, p.totalCount, p.probs), sub(f, 1, p.probs))
          : name === "mode"
            ? (f.method(f.op("floor", [mul(f, add(f, p.totalCount, 1), p.probs)]), "minimum", p.totalCount) as TensorValue)
            : undefined,
    // n·(p·(lp − lq) + log1p(−p) − log1p(−q)), +∞ where p's count exceeds q's (PyTorch raises where it
    // falls short, which a count known only when the model runs cannot do here)
    kl: (a, b, f) => {
      const kl = mul(f, a.totalCount, sub(f, add(f, mul(f, a.probs, sub(f, a.logits, b.logits)), f.op("log1p", [neg(f, a.probs)])), f.op("log1p", [neg(f, b.probs)])));
      return f.method(kl, "maskedFill", f.method(a.totalCount, "gt", b.totalCount) as TensorValue, Number.POSITIVE_INFINITY) as TensorValue;
    },
  },
  // n·logσ(−l) + k·logσ(l) + lgamma(n + k) − lgamma(k + 1) − lgamma(n), the normalizer 0 where n + k = 0
  // (the counts of scVI's and DeepAR's count heads)
  NegativeBinomial: {
    params: ["totalCount"],
    binary: true,
    noDraw: "draws come from a Gamma–Poisson mixture in PyTorch, whose Gamma draw is a rejection sampler",
    members: ["totalCount", "probs", "logits", "mean", "mode", "variance", "logProb"],
    logProb: (p, v, f) => {
      const n = p.totalCount;
      const unnormalized = add(f, mul(f, n, logSigmoid(f, neg(f, p.logits))), mul(f, v, logSigmoid(f, p.logits)));
      const normalization = add(f, add(f, neg(f, lgamma(f, add(f, n, v))), lgamma(f, add(f, v, 1))), lgamma(f, n));
      const zero = f.method(add(f, n, v), "eq", 0) as TensorValue;
      return sub(f, unnormalized, f.method(normalization, "maskedFill", zero, 0) as TensorValue);
    },
    moment: (p, name, f) => {
      const mean = mul(f, p.totalCount, f.op("exp", [p.logits]));
      if (name === "mean") return mean;
      if (name === "variance") return div(f, mean, f.op("sigmoid", [neg(f, p.logits)]));
      if (name === "mode") return f.method(f.op("floor", [mul(f, sub(f, p.totalCount, 1), f.op("exp", [p.logits]))]), "clamp", 0) as TensorValue;
      return undefined;
    },
  },
  // Σ xlogy(α − 1, x) + lgamma(Σα) − Σ lgamma(α), over the last dim (the simplex's categories)
  Dirichlet: {
    params: ["concentration"],
    event: true,
    noDraw: "draws normalize Gamma draws in PyTorch, which come from a rejection sampler",
    members: ["concentration", "mean", "variance", "logProb", "entropy"],
    logProb: (p, v, f) => {
      const c = p.concentration;
      return sub(f, add(f, sumLast(f, xlogy(f, sub(f, c, 1), v)), lgamma(f, sumLast(f, c))), sumLast(f, lgamma(f, c)));
    },
    // Σ lgamma(α) − lgamma(α₀) − (k − α₀)ψ(α₀) − Σ (α − 1)ψ(α)
    entropy: (p, f) => {
      const c = p.concentration;
      const k = c.node.shape[c.node.shape.length - 1] as number;
      const a0 = sumLast(f, c);
      return sub(f, sub(f, sub(f, sumLast(f, lgamma(f, c)), lgamma(f, a0)), mul(f, sub(f, k, a0), digamma(f, a0))), sumLast(f, mul(f, sub(f, c, 1), digamma(f, c))));
    },
    moment: (p, name, f) => {
      const c = p.concentration;
      const a0 = sumLast(f, c, true);
      if (name === "mean") return div(f, c, a0);
      if (name === "variance") return div(f, mul(f, c, sub(f, a0, c)), mul(f, mul(f, a0, a0), add(f, a0, 1)));
      return undefined;
    },
    // lgamma(Σαp) − lgamma(Σαq) − Σ(lgamma αp − lgamma αq) + Σ (αp − αq)(ψ(αp) − ψ(Σαp))
    kl: (a, b, f) => {
      const [p, q] = [a.concentration, b.concentration];
      const sp = sumLast(f, p, true);
      const t1 = sub(f, lgamma(f, sumLast(f, p)), lgamma(f, sumLast(f, q)));
      const t2 = sumLast(f, sub(f, lgamma(f, p), lgamma(f, q)));
      return add(f, sub(f, t1, t2), sumLast(f, mul(f, sub(f, p, q), sub(f, digamma(f, p), digamma(f, sp)))));
    },
  },
  // PyTorch's RelaxedBernoulli: LogitRelaxedBernoulli(T, probs | logits) through SigmoidTransform.
  // rsample: x = (logit u + logit p)/T, u and p clamped into [ε, 1 − ε]; y = σ(x) clamped into [tiny, 1 − ε].
  // logProb(y): x = logit(y clamped), the base's log T + d − 2·log1p(eᵈ) with d = logits − x·T,
  // minus the sigmoid's log|det J| −softplus(−x) − softplus(x).
  RelaxedBernoulli: {
    params: ["temperature"],
    binary: true,
    members: ["temperature", "probs", "logits", "sample", "rsample", "logProb"],
    logProb: (p, v, f) => {
      const x = logit(f, f.method(v, "clamp", TINY, 1 - EPS) as TensorValue);
      const d = sub(f, p.logits, mul(f, x, p.temperature));
      const base = sub(f, add(f, log(f, p.temperature), d), mul(f, f.op("log1p", [f.op("exp", [d])]), 2));
      return add(f, base, add(f, softplus(f.c, neg(f, x)), softplus(f.c, x)));
    },
    moment: () => undefined,
    draw: (p, shape, f) => {
      const u = clampProbs(f, f.draw(shape, "uniform"));
      const x = div(f, add(f, logit(f, u), logit(f, clampProbs(f, f.expand(p.probs, shape)))), p.temperature);
      return f.method(f.op("sigmoid", [x]), "clamp", TINY, 1 - EPS) as TensorValue;
    },
  },
  // PyTorch's RelaxedOneHotCategorical: ExpRelaxedCategorical(T, probs | logits) through ExpTransform.
  // rsample: s = (logits + G)/T with Gumbel G = −log(−log u), u clamped into [ε, 1 − ε]; y = exp(s − logsumexp s).
  // logProb(y): x = log y; the base's Σ log_softmax(logits − x·T) + lgamma(K) + (K − 1)·log T, minus
  // the exp's log|det J|, Σ x over the categories.
  RelaxedOneHotCategorical: {
    params: ["temperature"],
    categorical: true,
    members: ["temperature", "probs", "logits", "sample", "rsample", "logProb"],
    logProb: (p, v, f) => {
      const k = p.logits.node.shape[p.logits.node.shape.length - 1] as number;
      const x = log(f, v);
      const score = sub(f, p.logits, mul(f, x, p.temperature));
      const normalized = sumLast(f, sub(f, score, f.method(score, "logsumexp", -1, true) as TensorValue));
      const logScale = add(f, mul(f, log(f, p.temperature), k - 1), logFactorialBelow(k));
      return sub(f, add(f, normalized, logScale), sumLast(f, x));
    },
    moment: () => undefined,
    draw: (p, shape, f) => {
      const u = clampProbs(f, f.draw(shape, "uniform"));
      const scores = div(f, add(f, p.logits, neg(f, log(f, neg(f, log(f, u))))), p.temperature);
      return f.op("exp", [sub(f, scores, f.method(scores, "logsumexp", -1, true) as TensorValue)]);
    },
  },
};
