import { fail } from "../diagnostics/diagnostic.ts";
import { broadcastShapes } from "../ops/elementwise.ts";
import { formatShape, isBatch, type Dim, type Shape } from "../ir/shape.ts";
import { arg, bindArgs, locOfArg, opt } from "./args.ts";
import { ops, softplus } from "./composite-ops.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { tensorProperty } from "./tensor-methods.ts";
import { FAMILIES } from "./distribution-families.ts";
import { constraintsNamespace, transformedDistribution, transformedDraw, transformedLogProb, transformsNamespace } from "./distribution-transforms.ts";
import { halfLogDet, mahalanobis, multivariateNormalParams, scaleBy, traceTerm } from "./multivariate-normal.ts";
import { BuiltinClass, BuiltinFunction, DistributionValue, describe, distributionOf, ModuleValue, NamespaceValue, ObjectValue, SymInt, TensorValue, type CallSite, type DistributionKind, type Value } from "./values.ts";

// torch.distributions as ports use them in forward and in losses:
//   a policy head:  dist = Categorical(logits=logits); a = dist.sample(); dist.log_prob(a), dist.entropy()
//   a VAE:          q = Normal(mu, std); z = q.rsample(); kl_divergence(q, Normal(0, 1)).sum(-1)
//   SAC / PPO:      Independent(Normal(mu, std), 1).log_prob(action)
// A distribution is its parameters (values.ts DistributionValue); every method is PyTorch's formula
// written with tensor ops, so the kernels, autodiff and the reference see ordinary ops. Draws are
// the sample op's (fresh on every call, as PyTorch's): rsample keeps the gradient to the parameters
// (loc + scale·ε), sample does not; a categorical draw is the Gumbel-max trick,
// argmax(logits − log(−log u)), which picks class k with probability softmax(logits)ₖ — the same
// law as PyTorch's torch.multinomial, not its numbers (no draw of tsdp's is PyTorch's).

/** float32's smallest normal step above 1 (torch.finfo(float32).eps): PyTorch's clamp of probabilities. */
const EPS = 1.1920928955078125e-7;
/** float32's most negative finite value (torch.finfo(float32).min): Categorical's clamp of −∞ logits in entropy. */
const FLOAT_MIN = -3.4028234663852886e38;

type Params = DistributionValue["params"];

/** The distributions' own spellings: what `dist.<name>` may be, for the message when it is none. */
const MEMBERS: Record<DistributionKind, readonly string[]> = {
  Normal: ["loc", "scale", "mean", "mode", "stddev", "variance", "batchShape", "eventShape", "sample", "rsample", "logProb", "entropy", "cdf", "icdf"],
  Categorical: ["probs", "logits", "mode", "batchShape", "eventShape", "sample", "logProb", "entropy"],
  Bernoulli: ["probs", "logits", "mean", "variance", "batchShape", "eventShape", "sample", "logProb", "entropy"],
  Uniform: ["low", "high", "mean", "stddev", "variance", "batchShape", "eventShape", "sample", "rsample", "logProb", "entropy", "cdf"],
  MultivariateNormal: ["loc", "covarianceMatrix", "scaleTril", "mean", "mode", "stddev", "variance", "batchShape", "eventShape", "sample", "rsample", "logProb", "entropy"],
  OneHotCategorical: ["probs", "logits", "mean", "mode", "variance", "batchShape", "eventShape", "sample", "logProb", "entropy"],
  // rsample: the sample with the gradient of probs (DreamerV2's straight-through latents)
  OneHotCategoricalStraightThrough: ["probs", "logits", "mean", "mode", "variance", "batchShape", "eventShape", "sample", "rsample", "logProb", "entropy"],
  Independent: ["baseDist", "reinterpretedBatchNdims", "mean", "mode", "stddev", "variance", "batchShape", "eventShape", "sample", "rsample", "logProb", "entropy"],
  // no mean, entropy or cdf: PyTorch's raise NotImplementedError (pytorch_sac's SquashedNormal defines its own mean)
  TransformedDistribution: ["baseDist", "transforms", "batchShape", "eventShape", "sample", "rsample", "logProb"],
  // no rsample, entropy or cdf in tsdp (PyTorch's MixtureSameFamily has no rsample or entropy either)
  // the base class of a distribution the model defines (rlkit's TanhNormal(Distribution)): its shapes; its class defines the rest
  Distribution: ["batchShape", "eventShape"],
  MixtureSameFamily: ["mixtureDistribution", "componentDistribution", "mean", "variance", "batchShape", "eventShape", "sample", "logProb"],
  ...(Object.fromEntries(Object.entries(FAMILIES).map(([kind, family]) => [kind, [...family.members, "batchShape", "eventShape"]])) as unknown as Record<FamilyKind, readonly string[]>),
};

/** The transforms without parameters, equal whenever their classes are (PyTorch's Transform.__eq__). */
const PARAMETERLESS = new Set(["TanhTransform", "ExpTransform", "SigmoidTransform"]);

/** Python's snake_case spellings of the members, as ports write them. */
const SNAKE: Record<string, string> = { log_prob: "logProb", batch_shape: "batchShape", event_shape: "eventShape", base_dist: "baseDist", mixture_distribution: "mixtureDistribution", component_distribution: "componentDistribution", reinterpreted_batch_ndims: "reinterpretedBatchNdims", covariance_matrix: "covarianceMatrix", scale_tril: "scaleTril", total_count: "totalCount" };

/** Emits one distribution's formulas at a call site. */
export class Formulas {
  readonly c: ReturnType<typeof ops>;
  constructor(
    readonly em: GraphEmitter,
    readonly site: CallSite,
    readonly who: string,
  ) {
    this.c = ops(em, who, site);
  }
  /** x.<name>(...args), the tensor method as a model file calls it. */
  method(x: TensorValue, name: string, ...args: Value[]): Value {
    return (tensorProperty(x, name, this.em, this.site) as BuiltinFunction).call(args, this.site);
  }
  op(name: string, inputs: (TensorValue | number)[], attrs: Record<string, unknown> = {}): TensorValue {
    return this.c.op(name, inputs, attrs);
  }
  /** A number as a 0-dim float32 tensor, a tensor as itself. */
  tensor(v: TensorValue | number): TensorValue {
    return typeof v === "number" ? new TensorValue(this.em.constant(v, this.site)) : v;
  }
  /** `t` broadcast to `shape` (PyTorch's broadcast_all of a distribution's parameters). */
  expand(t: TensorValue, shape: Shape): TensorValue {
    const same = t.node.shape.length === shape.length && t.node.shape.every((d, i) => d === shape[i] || (isBatch(d) && isBatch(shape[i])));
    return same ? t : this.op("expand", [t], { shape: [...shape] });
  }
  /** A fresh draw of `shape` (the sample op): uniform in [0, 1) or standard normal. */
  draw(shape: readonly Dim[], distribution: "uniform" | "normal"): TensorValue {
    return this.em.tensor("sample", [], { shape: [...shape], distribution }, this.who, this.site);
  }
  /** Sums the last n dims (Independent's reinterpreted batch dims). */
  sumLast(t: TensorValue, n: number): TensorValue {
    if (n === 0) return t;
    const rank = t.node.shape.length;
    return this.op("sum", [t], { dims: Array.from({ length: n }, (_, i) => rank - n + i), keepdim: false });
  }
}

/** A parameter: a float32 tensor or a finite number. */
function parameter(v: Value, name: string, who: string, site: CallSite, f: Formulas): TensorValue {
  if (typeof v === "number") {
    if (!Number.isFinite(v)) fail("invalidArgument", `${who}: ${name} must be finite, got ${v}`, site.loc);
    return f.tensor(v);
  }
  if (!(v instanceof TensorValue)) return fail("wrongArgumentType", `${who}: ${name} must be a tensor or a number, got ${describe(v)}`, site.loc);
  if (v.node.dtype !== "f32") return fail("wrongArgumentType", `${who}: ${name} must be a float32 tensor, got an int32 one (convert it with .float())`, site.loc);
  return v;
}

/** Two parameters broadcast to one shape, as PyTorch's broadcast_all. */
function broadcastAll(a: TensorValue, b: TensorValue, names: [string, string], who: string, site: CallSite, f: Formulas): [TensorValue, TensorValue, Dim[]] {
  const shape = broadcastShapes(a.node.shape, b.node.shape);
  if (!shape) return fail("shapeMismatch", `${who}: ${names[0]} ${formatShape(a.node.shape)} and ${names[1]} ${formatShape(b.node.shape)} do not broadcast`, site.loc);
  return [f.expand(a, shape), f.expand(b, shape), shape];
}

/** OneHotCategorical and its straight-through kind: a Categorical whose values are one-hot vectors along the categories. */
const isOneHot = (kind: DistributionKind) => kind === "OneHotCategorical" || kind === "OneHotCategoricalStraightThrough";

/** The Categorical over the same categories (PyTorch's OneHotCategorical._categorical). */
const categoricalOf = (d: DistributionValue) => new DistributionValue("Categorical", d.params, d.batchShape, []);

/** Float32 one-hot rows ([..., C]) of int32 indices ([...]): PyTorch's one_hot(…).to(probs), as a one-hot sample is. */
function oneHotRows(f: Formulas, indices: TensorValue, categories: number): TensorValue {
  const classes = f.op("arange_int", [], { start: 0, step: 1, length: categories });
  return f.method(f.op("eq", [f.method(indices, "unsqueeze", -1) as TensorValue, classes]), "float") as TensorValue;
}

/** PyTorch's probs_to_logits(is_binary): log p − log(1 − p) of p clamped into [ε, 1 − ε]. */
function binaryLogits(f: Formulas, probs: TensorValue): TensorValue {
  const clamped = f.method(probs, "clamp", EPS, 1 - EPS) as TensorValue;
  return f.op("sub", [f.op("log", [clamped]), f.op("log1p", [f.op("neg", [clamped])])]);
}

/** Categorical's and Bernoulli's `probs` or `logits`: exactly one. */
function probsOrLogits(b: Record<string, Value>, who: string, site: CallSite): ["probs" | "logits", Value] {
  const given = (["probs", "logits"] as const).filter((k) => b[k] !== null && b[k] !== undefined);
  if (given.length !== 1) fail("invalidArgument", `${who}: pass either probs or logits, not ${given.length === 0 ? "neither" : "both"} (${who}({ logits }) or ${who}(probs))`, site.loc);
  return [given[0], b[given[0]]];
}

function construct(kind: DistributionKind, args: Value[], site: CallSite, em: GraphEmitter): DistributionValue {
  const who = `F.distributions.${kind}`;
  if (kind === "Distribution") {
    const b = bindArgs(who, [opt("batchShape", "any", []), opt("eventShape", "any", []), opt("validateArgs", "any", null, { nullable: true })], args, site);
    const sizes = (v: Value, name: string): Dim[] =>
      Array.isArray(v) && v.every((d) => (typeof d === "number" && Number.isInteger(d) && d >= 0) || d instanceof SymInt)
        ? v.map((d) => (d instanceof SymInt ? { batch: d.coef } : d) as Dim)
        : fail("invalidArgument", `${who}: ${name} is a list of sizes, got ${describe(v)}`, locOfArg(b, name, site));
    return new DistributionValue(kind, {}, sizes(b.batchShape, "batchShape"), sizes(b.eventShape, "eventShape"));
  }
  if (kind === "TransformedDistribution") return transformedDistribution(args, site);
  if (kind === "MixtureSameFamily") return mixtureSameFamily(args, site);
  if (isFamily(kind)) return familyMember(kind, args, site, em);
  const f = new Formulas(em, site, who);
  const validate = opt("validateArgs", "any", null, { nullable: true });
  if (kind === "Normal" || kind === "Uniform") {
    const names: [string, string] = kind === "Normal" ? ["loc", "scale"] : ["low", "high"];
    const b = bindArgs(who, [arg(names[0], "any"), arg(names[1], "any"), validate], args, site);
    const first = parameter(b[names[0]], names[0], who, { ...site, loc: locOfArg(b, names[0], site) }, f);
    const second = parameter(b[names[1]], names[1], who, { ...site, loc: locOfArg(b, names[1], site) }, f);
    const [p, q, shape] = broadcastAll(first, second, names, who, site, f);
    return new DistributionValue(kind, { [names[0]]: p, [names[1]]: q }, shape, []);
  }
  if (kind === "Categorical" || kind === "Bernoulli" || isOneHot(kind)) {
    const b = bindArgs(who, [opt("probs", "any", null, { nullable: true }), opt("logits", "any", null, { nullable: true }), validate], args, site);
    const [given, value] = probsOrLogits(b, who, site);
    const t = parameter(value, given, who, { ...site, loc: locOfArg(b, given, site) }, f);
    if (kind === "Bernoulli") {
      if (given === "logits") return new DistributionValue(kind, { logits: t, probs: f.op("sigmoid", [t]) }, [...t.node.shape], []);
      return new DistributionValue(kind, { probs: t, logits: binaryLogits(f, t) }, [...t.node.shape], []);
    }
    const shape = t.node.shape;
    if (shape.length === 0) fail("shapeMismatch", `${who}: ${given} needs a last dim of categories, got a 0-dim tensor`, site.loc);
    if (isBatch(shape[shape.length - 1])) fail("shapeMismatch", `${who}: the categories are ${given}'s last dim, which cannot be the batch (${formatShape(shape)})`, site.loc);
    const dim = shape.length - 1;
    // a one-hot kind's categories are its event dim (PyTorch's event_shape = param_shape[-1:])
    const eventShape = isOneHot(kind) ? [shape[dim]] : [];
    if (given === "logits") {
      // logits − logsumexp(logits): normalized, as PyTorch keeps them
      const logits = f.op("sub", [t, f.method(t, "logsumexp", -1, true) as TensorValue]);
      return new DistributionValue(kind, { logits, probs: f.op("softmax", [t], { dim }) }, shape.slice(0, -1), eventShape);
    }
    const probs = f.op("div", [t, f.method(t, "sum", -1, true) as TensorValue]);
    return new DistributionValue(kind, { probs, logits: f.op("log", [f.method(probs, "clamp", EPS, 1 - EPS) as TensorValue]) }, shape.slice(0, -1), eventShape);
  }
  if (kind === "MultivariateNormal") {
    // exactly one of the three matrices, as PyTorch's "Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified."
    const matrices = ["covarianceMatrix", "precisionMatrix", "scaleTril"] as const;
    const b = bindArgs(who, [arg("loc", "any"), ...matrices.map((m) => opt(m, "any", null, { nullable: true })), validate], args, site);
    const given = matrices.filter((m) => b[m] !== null && b[m] !== undefined);
    if (given.length !== 1) fail("invalidArgument", `${who}: pass exactly one of covariance_matrix, precision_matrix and scale_tril, not ${given.length === 0 ? "none" : given.join(" and ")}`, site.loc);
    const loc = parameter(b.loc, "loc", who, { ...site, loc: locOfArg(b, "loc", site) }, f);
    const p = multivariateNormalParams(loc, given[0], b[given[0]], f, site, { ...site, loc: locOfArg(b, given[0], site) });
    return new DistributionValue(kind, { loc: p.loc, scaleTril: p.scaleTril, covarianceMatrix: p.covarianceMatrix }, p.batchShape, [p.n]);
  }
  // Independent(base, n): the base's last n batch dims become event dims
  const b = bindArgs(who, [arg("baseDistribution", "any"), arg("reinterpretedBatchNdims", "nonNegInt"), validate], args, site);
  const base = distributionOf(b.baseDistribution);
  if (!base) return fail("wrongArgumentType", `${who}: baseDistribution must be a distribution (F.distributions.Normal(…), …), got ${describe(b.baseDistribution)}`, locOfArg(b, "baseDistribution", site));
  // PyTorch's Independent calls the base's methods, a subclass's overrides included; tsdp's uses the formulas
  const overridden = b.baseDistribution instanceof ModuleValue ? b.baseDistribution.methodNames.filter((name) => MEMBERS[base.kind].includes(SNAKE[name] ?? name)) : [];
  if (overridden.length > 0)
    fail("unsupportedSyntax", `${who}: the base distribution, ${describe(b.baseDistribution)}, overrides ${overridden.slice(0, -1).join(", ")}${overridden.length > 1 ? " and " : ""}${overridden.at(-1)}, which tsdp's Independent would not call; wrap the base distribution itself (F.distributions.${base.kind}) and apply the override to the result`, locOfArg(b, "baseDistribution", site));
  requireFormulas(base, who, site);
  const n = b.reinterpretedBatchNdims as number;
  if (n > base.batchShape.length)
    fail("invalidArgument", `${who}: reinterpretedBatchNdims ${n} is more than the base's ${base.batchShape.length} batch dims (batch shape ${formatShape(base.batchShape)})`, locOfArg(b, "reinterpretedBatchNdims", site));
  if (base.batchShape.slice(base.batchShape.length - n).some(isBatch))
    fail("invalidArgument", `${who}: the batch dim cannot be an event dim: the last ${n} of ${formatShape(base.batchShape)} include it, and each device holds only its share of the batch`, locOfArg(b, "reinterpretedBatchNdims", site));
  const cut = base.batchShape.length - n;
  return new DistributionValue(kind, {}, base.batchShape.slice(0, cut), [...base.batchShape.slice(cut), ...base.eventShape], base, n);
}

/** sample(sampleShape = []) and rsample: the sample shape's dims before the batch shape's. */
function sampleShapeArg(args: Value[], who: string, site: CallSite): number[] {
  const b = bindArgs(who, [opt("sampleShape", "any", [])], args, site);
  const s = b.sampleShape;
  const sizes = typeof s === "number" ? [s] : s;
  if (!Array.isArray(sizes) || !sizes.every((d) => typeof d === "number" && Number.isInteger(d) && d >= 1))
    return fail("invalidArgument", `${who}: sampleShape is a list of sizes ≥ 1 known when the model is compiled (e.g. [4]), got ${describe(s)}`, locOfArg(b, "sampleShape", site));
  return sizes as number[];
}

/** A draw of d with the gradient to its parameters where `reparameterized` (rsample). */
function drawFrom(d: DistributionValue, sampleShape: number[], reparameterized: boolean, f: Formulas): TensorValue {
  requireMember(d, reparameterized ? "rsample" : "sample", f);
  const shape = [...sampleShape, ...d.batchShape, ...d.eventShape];
  const p = d.params;
  let x: TensorValue;
  if (d.kind === "Independent") return drawFrom(d.base!, sampleShape, reparameterized, f);
  if (d.kind === "MixtureSameFamily") return mixtureDraw(d, sampleShape, f);
  if (isFamily(d.kind)) {
    const drawn = FAMILIES[d.kind].draw!(p, shape, f);
    return reparameterized ? drawn : (f.method(drawn, "detach") as TensorValue);
  }
  // the base's draw through the transforms; sample's under torch.no_grad in PyTorch, so without a gradient
  if (d.kind === "TransformedDistribution") {
    const y = transformedDraw(d, drawFrom(d.base!, sampleShape, reparameterized, f), f.site);
    return reparameterized ? y : (f.method(y, "detach") as TensorValue);
  }
  if (isOneHot(d.kind)) {
    // a Categorical draw as a one-hot row; rsample (straight-through): sample + probs − probs.detach(),
    // the sample's value with the gradient of probs
    const categories = d.eventShape[0] as number;
    const keys = f.op("add", [p.logits, gumbelNoise(f, shape)]);
    const sample = oneHotRows(f, f.em.tensor("argmax", [keys.node], { dims: [shape.length - 1], keepdim: false }, f.who, f.site), categories);
    return reparameterized ? f.op("add", [sample, f.op("sub", [p.probs, f.method(p.probs, "detach") as TensorValue])]) : sample;
  }
  if (d.kind === "Normal") x = f.op("add", [p.loc, f.op("mul", [f.draw(shape, "normal"), p.scale])]);
  else if (d.kind === "MultivariateNormal") x = f.op("add", [p.loc, scaleBy(f, p.scaleTril, f.draw(shape, "normal"))]); // loc + L ε
  else if (d.kind === "Uniform") x = f.op("add", [p.low, f.op("mul", [f.draw(shape, "uniform"), f.op("sub", [p.high, p.low])])]);
  else if (d.kind === "Bernoulli") x = f.op("lt", [f.draw(shape, "uniform"), p.probs]); // comparisons are float32 0/1
  else {
    // Gumbel-max: argmax over the categories of logits + G, G = −log(−log u) standard Gumbel
    const categories = p.logits.node.shape[p.logits.node.shape.length - 1];
    const keys = f.op("add", [p.logits, gumbelNoise(f, [...shape, categories])]);
    return f.em.tensor("argmax", [keys.node], { dims: [shape.length], keepdim: false }, f.who, f.site);
  }
  return reparameterized ? x : (f.method(x, "detach") as TensorValue);
}

/** Standard Gumbel noise of `shape`, −log(−log u) of a fresh uniform draw: the keys of the Gumbel-max (and top-k) trick. */
function gumbelNoise(f: Formulas, shape: readonly Dim[]): TensorValue {
  return f.op("neg", [f.op("log", [f.op("neg", [f.op("log", [f.draw(shape, "uniform")])])])]);
}

/** log p(value). */
function logProb(d: DistributionValue, value: Value, f: Formulas, site: CallSite): TensorValue {
  requireMember(d, "logProb", f);
  const p = d.params;
  if (d.kind === "Independent") return f.sumLast(logProb(d.base!, value, f, site), d.reinterpreted);
  if (isFamily(d.kind)) return FAMILIES[d.kind].logProb(p, parameter(value, "value", `${f.who}.logProb`, site, f), f);
  if (d.kind === "MixtureSameFamily") return mixtureLogProb(d, parameter(value, "value", `${f.who}.logProb`, site, f), f, site);
  if (d.kind === "TransformedDistribution") return transformedLogProb(d, parameter(value, "value", `${f.who}.logProb`, site, f), (x) => logProb(d.base!, x, f, site), site, f.em);
  // the Categorical log-probability of value.max(-1)'s index (no gradient through the value, as PyTorch's)
  if (isOneHot(d.kind)) {
    if (!(value instanceof TensorValue) || value.node.dtype !== "f32") return fail("wrongArgumentType", `${f.who}.logProb takes a float32 tensor of one-hot rows, got ${describe(value)}`, site.loc);
    return logProb(categoricalOf(d), f.em.tensor("argmax", [value.node], { dims: [value.node.shape.length - 1], keepdim: false }, f.who, site), f, site);
  }
  if (d.kind === "Categorical") {
    // PyTorch: value.long().unsqueeze(-1) broadcast against logits, then logits.gather(-1, value)
    if (!(value instanceof TensorValue)) return fail("wrongArgumentType", `${f.who}.logProb takes a tensor of category indices, got ${describe(value)}`, site.loc);
    const index = value.node.dtype === "i32" ? value : (f.method(value, "long") as TensorValue);
    const withDim = f.method(index, "unsqueeze", -1) as TensorValue;
    const shape = broadcastShapes(withDim.node.shape, [...d.batchShape, 1]);
    if (!shape) return fail("shapeMismatch", `${f.who}.logProb: value ${formatShape(value.node.shape)} does not broadcast with the batch shape ${formatShape(d.batchShape)}`, site.loc);
    const logits = f.expand(p.logits, [...shape.slice(0, -1), p.logits.node.shape[p.logits.node.shape.length - 1]]);
    return f.method(f.method(logits, "gather", -1, f.expand(withDim, shape)) as TensorValue, "squeeze", -1) as TensorValue;
  }
  const v = parameter(value, "value", `${f.who}.logProb`, site, f);
  if (d.kind === "MultivariateNormal") {
    // −½(n log 2π + ‖L⁻¹(v − μ)‖²) − Σ log Lᵢᵢ
    const n = d.eventShape[0] as number;
    const diff = f.op("sub", [v, p.loc]);
    if (diff.node.shape.length < 1 || diff.node.shape[diff.node.shape.length - 1] !== n)
      return fail("shapeMismatch", `${f.who}.logProb: value ${formatShape(v.node.shape)} must end in the event size ${n}`, site.loc);
    const quad = mahalanobis(f, p.scaleTril, diff, n);
    return f.op("sub", [f.op("mul", [f.op("add", [quad, n * Math.log(2 * Math.PI)]), -0.5]), halfLogDet(f, p.scaleTril, n)]);
  }
  if (d.kind === "Normal") {
    // −(v − μ)²/(2σ²) − log σ − log √(2π)
    const z = f.op("sub", [v, p.loc]);
    const quad = f.op("div", [f.op("mul", [z, z]), f.op("mul", [f.op("mul", [p.scale, p.scale]), 2])]);
    return f.op("sub", [f.op("sub", [f.op("neg", [quad]), f.op("log", [p.scale])]), Math.log(Math.sqrt(2 * Math.PI))]);
  }
  if (d.kind === "Bernoulli") {
    // −BCE-with-logits(l, v) = l·v − softplus(l)
    const [l, x] = broadcastAll(p.logits, v, ["logits", "value"], `${f.who}.logProb`, site, f);
    return f.op("sub", [f.op("mul", [l, x]), softplus(f.c, l)]);
  }
  // Uniform: log(1[low ≤ v]·1[v < high]) − log(high − low): −∞ outside the support
  const inside = f.op("mul", [f.op("le", [p.low, v]), f.op("gt", [p.high, v])]);
  return f.op("sub", [f.op("log", [inside]), f.op("log", [f.op("sub", [p.high, p.low])])]);
}

function entropy(d: DistributionValue, f: Formulas): TensorValue {
  requireMember(d, "entropy", f);
  const p = d.params;
  if (isFamily(d.kind)) return FAMILIES[d.kind].entropy!(p, f); // requireMember: the family has one
  if (d.kind === "Independent") return f.sumLast(entropy(d.base!, f), d.reinterpreted);
  if (isOneHot(d.kind)) return entropy(categoricalOf(d), f);
  // ½ + ½ log 2π + log σ
  if (d.kind === "Normal") return f.op("add", [f.op("log", [p.scale]), 0.5 + 0.5 * Math.log(2 * Math.PI)]);
  if (d.kind === "Uniform") return f.op("log", [f.op("sub", [p.high, p.low])]);
  // ½ n (1 + log 2π) + Σ log Lᵢᵢ, over the batch shape
  if (d.kind === "MultivariateNormal") {
    const n = d.eventShape[0] as number;
    return f.expand(f.op("add", [halfLogDet(f, p.scaleTril, n), 0.5 * n * (1 + Math.log(2 * Math.PI))]), [...d.batchShape]);
  }
  // BCE-with-logits(l, p) = softplus(l) − p·l
  if (d.kind === "Bernoulli") return f.op("sub", [softplus(f.c, p.logits), f.op("mul", [p.probs, p.logits])]);
  // −Σ p·log p, the logits clamped to float32's min so a zero probability's −∞ gives 0, not NaN
  const logits = f.method(p.logits, "clamp", FLOAT_MIN) as TensorValue;
  return f.op("neg", [f.method(f.op("mul", [logits, p.probs]), "sum", -1) as TensorValue]);
}

/** The cumulative distribution function and its inverse (Normal; Uniform's cdf). */
function cdf(d: DistributionValue, value: Value, inverse: boolean, f: Formulas, site: CallSite): TensorValue {
  const p = d.params;
  const v = parameter(value, "value", `${f.who}.${inverse ? "icdf" : "cdf"}`, site, f);
  if (isFamily(d.kind)) return (inverse ? FAMILIES[d.kind].icdf! : FAMILIES[d.kind].cdf!)(p, v, f);
  if (d.kind === "Uniform") return f.method(f.op("div", [f.op("sub", [v, p.low]), f.op("sub", [p.high, p.low])]), "clamp", 0, 1) as TensorValue;
  // Φ((v − μ)/σ) = ½(1 + erf((v − μ)/(σ√2))); Φ⁻¹: μ + σ√2·erf⁻¹(2v − 1)
  if (!inverse) return f.op("mul", [f.op("add", [f.op("erf", [f.op("div", [f.op("sub", [v, p.loc]), f.op("mul", [p.scale, Math.SQRT2])])]), 1]), 0.5]);
  return f.op("add", [p.loc, f.op("mul", [f.op("mul", [p.scale, f.op("erfinv", [f.op("sub", [f.op("mul", [v, 2]), 1])])]), Math.SQRT2])]);
}

/** Mean, mode, standard deviation and variance, where the distribution has them. */
function moment(d: DistributionValue, name: "mean" | "mode" | "stddev" | "variance", f: Formulas): TensorValue | undefined {
  requireMember(d, name, f);
  const p = d.params;
  if (d.kind === "Independent") return moment(d.base!, name, f);
  if (d.kind === "MixtureSameFamily") return name === "mean" || name === "variance" ? mixtureMoment(d, name, f) : undefined;
  if (isFamily(d.kind)) return FAMILIES[d.kind].moment(p, name, f);
  if (isOneHot(d.kind)) {
    if (name === "mean") return p.probs;
    if (name === "variance") return f.op("mul", [p.probs, f.op("sub", [1, p.probs])]);
    if (name === "mode") return oneHotRows(f, moment(categoricalOf(d), "mode", f)!, d.eventShape[0] as number);
    return undefined;
  }
  if (d.kind === "Normal") return name === "mean" || name === "mode" ? p.loc : name === "stddev" ? p.scale : f.op("mul", [p.scale, p.scale]);
  if (d.kind === "MultivariateNormal") {
    if (name === "mean" || name === "mode") return p.loc;
    // the covariance's diagonal, Σ_k Lᵢₖ², over the batch shape
    const variance = f.expand(f.method(f.op("mul", [p.scaleTril, p.scaleTril]), "sum", -1) as TensorValue, [...d.batchShape, ...d.eventShape]);
    return name === "variance" ? variance : f.op("sqrt", [variance]);
  }
  if (d.kind === "Uniform") {
    if (name === "mean") return f.op("mul", [f.op("add", [p.low, p.high]), 0.5]);
    const width = f.op("sub", [p.high, p.low]);
    if (name === "stddev") return f.op("div", [width, Math.sqrt(12)]);
    if (name === "variance") return f.op("div", [f.op("mul", [width, width]), 12]);
    return undefined;
  }
  if (d.kind === "Bernoulli") return name === "mean" ? p.probs : name === "variance" ? f.op("mul", [p.probs, f.op("sub", [1, p.probs])]) : undefined;
  return name === "mode" ? f.em.tensor("argmax", [p.probs.node], { dims: [p.probs.node.shape.length - 1], keepdim: false }, f.who, f.site) : undefined;
}

/** A shape as `x.shape` gives it: numbers, and the batch size where the batch dim is. */
const sizes = (shape: readonly Dim[]): Value[] => shape.map((d) => (isBatch(d) ? new SymInt(d.batch) : d));

/**
 * What a formula needs of `d`, checked where Independent, MixtureSameFamily or TransformedDistribution
 * reach into a base: a member its kind has, as PyTorch's raises NotImplementedError for one it lacks
 * (Independent(Poisson(…), 1).entropy(), a Gamma component's sample, a Categorical's rsample).
 */
function requireMember(d: DistributionValue, member: string, f: Formulas): void {
  const drawless = (member === "sample" || member === "rsample") && isFamily(d.kind) && !FAMILIES[d.kind].draw;
  if (drawless || !MEMBERS[d.kind].includes(member))
    fail("unknownProperty", `${f.who}: its ${d.kind} has no ${member} in tsdp (it has ${MEMBERS[d.kind].filter((m) => !(drawless && (m === "sample" || m === "rsample"))).join(", ")})`, f.site.loc);
}

/** `dist.name` for a distribution. */
export function distributionProperty(d: DistributionValue, written: string, em: GraphEmitter, site: CallSite): Value {
  const name = SNAKE[written] ?? written;
  const who = `F.distributions.${d.kind}`;
  const f = new Formulas(em, site, who);
  const fn = (body: (args: Value[], s: CallSite, fs: Formulas) => Value) => new BuiltinFunction(`${who}.${name}`, (args, s) => body(args, s, new Formulas(em, s, who)));
  // Gamma's and Beta's draws are PyTorch's rejection sampler, which tsdp's kernels do not run
  if ((name === "sample" || name === "rsample") && isFamily(d.kind) && !FAMILIES[d.kind].draw)
    return fail("unknownProperty", `${who}.${name} is not in tsdp: ${d.kind}'s ${FAMILIES[d.kind].noDraw ?? "draws are not tsdp's"}, which the compiled kernels do not run; draw actions outside the compiled model, and use logProb and entropy of them inside (as PPO's update does)`, site.loc);
  if (!MEMBERS[d.kind].includes(name))
    return fail("unknownProperty", `${who} has no '${written}' in tsdp (it has ${MEMBERS[d.kind].join(", ")})`, site.loc);
  if (name in d.params && name !== "base") return d.params[name as keyof Params];
  if (name === "batchShape") return sizes(d.batchShape);
  if (name === "eventShape") return sizes(d.eventShape);
  if (name === "baseDist") return d.base;
  if (name === "transforms") return [...d.transforms];
  if (name === "mixtureDistribution") return mixtureOf(d);
  if (name === "componentDistribution") return d.base;
  if (name === "reinterpretedBatchNdims") return d.reinterpreted;
  if (name === "mean" || name === "mode" || name === "stddev" || name === "variance") return moment(d, name, f)!;
  if (name === "sample" || name === "rsample") return fn((args, s, fs) => drawFrom(d, sampleShapeArg(args, `${who}.${name}`, s), name === "rsample", fs));
  if (name === "logProb") return fn((args, s, fs) => logProb(d, bindArgs(`${who}.logProb`, [arg("value", "any")], args, s).value, fs, s));
  if (name === "entropy") return fn((args, s, fs) => (bindArgs(`${who}.entropy`, [], args, s), entropy(d, fs)));
  return fn((args, s, fs) => cdf(d, bindArgs(`${who}.${name}`, [arg("value", "any")], args, s).value, name === "icdf", fs, s));
}

/**
 * KL(p ‖ q) of the pairs PyTorch registers (torch.distributions.kl): Normal, Categorical, Bernoulli,
 * Uniform, and Independent of a pair with the same reinterpreted dims. Where p puts mass q does not,
 * +∞ (PyTorch's inf entries).
 */
function klDivergence(p: DistributionValue, q: DistributionValue, f: Formulas, site: CallSite): TensorValue {
  // the one-hot kinds are one family, as PyTorch's KL registry dispatches a subclass to OneHotCategorical's pair
  if (isOneHot(p.kind) && isOneHot(q.kind)) return klDivergence(categoricalOf(p), categoricalOf(q), f, site);
  if (p.kind !== q.kind) return fail("invalidArgument", `${f.who}: the KL divergence of ${p.kind} from ${q.kind} is not one tsdp computes (PyTorch's NotImplementedError for an unregistered pair; tsdp has Normal, Categorical, OneHotCategorical, Bernoulli, Uniform, MultivariateNormal and Independent pairs of one kind)`, site.loc);
  const a = p.params;
  const b = q.params;
  // `value` where cond holds (masked_fill: an infinite value is allowed, as for attention masks)
  const where = (cond: TensorValue, value: number, otherwise: TensorValue) => f.method(otherwise, "maskedFill", cond, value) as TensorValue;
  if (p.kind === "Independent") {
    if (p.reinterpreted !== q.reinterpreted) return fail("invalidArgument", `${f.who}: Independent distributions with ${p.reinterpreted} and ${q.reinterpreted} reinterpreted dims (PyTorch's NotImplementedError)`, site.loc);
    return f.sumLast(klDivergence(p.base!, q.base!, f, site), p.reinterpreted);
  }
  if (isFamily(p.kind)) {
    const kl = FAMILIES[p.kind].kl;
    if (!kl) return fail("invalidArgument", `${f.who}: the KL divergence of two ${p.kind} distributions has no closed form PyTorch registers (its NotImplementedError); estimate it from draws, p.logProb(x) − q.logProb(x)`, site.loc);
    return kl(a, b, f);
  }
  if (p.kind === "TransformedDistribution") {
    // PyTorch's _kl_transformed_transformed: the bases' KL where both apply the same transforms
    // (Transform.__eq__: the parameterless ones by class, the others only as the same object)
    const same = p.transforms.length === q.transforms.length && p.transforms.every((t, i) => t === q.transforms[i] || (t.transform!.name === q.transforms[i].transform!.name && PARAMETERLESS.has(t.transform!.name)));
    if (!same) return fail("invalidArgument", `${f.who}: the KL divergence of two TransformedDistributions needs the same transforms (PyTorch's NotImplementedError otherwise)`, site.loc);
    return klDivergence(p.base!, q.base!, f, site);
  }
  if (p.kind === "MultivariateNormal") {
    // log|Lq| − log|Lp| + ½(‖Lq⁻¹Lp‖²_F + ‖Lq⁻¹(μq − μp)‖² − n)
    const n = p.eventShape[0] as number;
    if (q.eventShape[0] !== n) return fail("shapeMismatch", `${f.who}: MultivariateNormal distributions of ${n} and ${q.eventShape[0]} dims (PyTorch's "KL-divergence between two Multivariate Normals with different event shapes cannot be computed")`, site.loc);
    const halfTerm1 = f.op("sub", [halfLogDet(f, b.scaleTril, n), halfLogDet(f, a.scaleTril, n)]);
    const term2 = traceTerm(f, b.scaleTril, a.scaleTril, n);
    const term3 = mahalanobis(f, b.scaleTril, f.op("sub", [b.loc, a.loc]), n);
    return f.op("add", [halfTerm1, f.op("mul", [f.op("sub", [f.op("add", [term2, term3]), n]), 0.5])]);
  }
  if (p.kind === "Normal") {
    // ½(σp²/σq² + ((μp − μq)/σq)² − 1 − log σp²/σq²)
    const ratio = f.op("div", [a.scale, b.scale]);
    const varRatio = f.op("mul", [ratio, ratio]);
    const t = f.op("div", [f.op("sub", [a.loc, b.loc]), b.scale]);
    return f.op("mul", [f.op("sub", [f.op("sub", [f.op("add", [varRatio, f.op("mul", [t, t])]), 1]), f.op("log", [varRatio])]), 0.5]);
  }
  if (p.kind === "Categorical") {
    // Σ p·(log p − log q); +∞ where q has no mass, 0 where p has none
    const t = f.op("mul", [a.probs, f.op("sub", [a.logits, b.logits])]);
    const guarded = where(f.op("eq", [a.probs, 0]), 0, where(f.op("eq", [b.probs, 0]), Infinity, t));
    return f.method(guarded, "sum", -1) as TensorValue;
  }
  if (p.kind === "Bernoulli") {
    // p·(softplus(−lq) − softplus(−lp)) + (1 − p)·(softplus(lq) − softplus(lp)), with PyTorch's ∞ and 0 entries
    const sp = (x: TensorValue) => softplus(f.c, x);
    const neg = (x: TensorValue) => f.op("neg", [x]);
    const t1 = f.op("mul", [a.probs, f.op("sub", [sp(neg(b.logits)), sp(neg(a.logits))])]);
    const t2 = f.op("mul", [f.op("sub", [1, a.probs]), f.op("sub", [sp(b.logits), sp(a.logits)])]);
    const first = where(f.op("eq", [a.probs, 0]), 0, where(f.op("eq", [b.probs, 0]), Infinity, t1));
    const second = where(f.op("eq", [a.probs, 1]), 0, where(f.op("eq", [b.probs, 1]), Infinity, t2));
    return f.op("add", [first, second]);
  }
  if (p.kind !== "Uniform") return fail("invalidArgument", `${f.who}: the KL divergence of two ${p.kind} distributions is not one tsdp computes`, site.loc);
  // Uniform: log((hq − lq)/(hp − lp)), +∞ where p's support leaves q's
  const outside = f.method(f.op("gt", [b.low, a.low]), "logicalOr", f.op("lt", [b.high, a.high])) as TensorValue;
  return where(outside, Infinity, f.op("log", [f.op("div", [f.op("sub", [b.high, b.low]), f.op("sub", [a.high, a.low])])]));
}

/**
 * MixtureSameFamily(mixture, components): a Categorical over the components' last batch dim k (the
 * mixture's batch shape is the components' without it). The component distribution is `base`, the
 * mixture's normalized logits and probs are `params`.
 */
function mixtureSameFamily(args: Value[], site: CallSite): DistributionValue {
  const who = "F.distributions.MixtureSameFamily";
  const b = bindArgs(who, [arg("mixtureDistribution", "any"), arg("componentDistribution", "any"), opt("validateArgs", "any", null, { nullable: true })], args, site);
  const mixture = distributionOf(b.mixtureDistribution);
  const components = distributionOf(b.componentDistribution);
  if (!mixture || mixture.kind !== "Categorical") return fail("wrongArgumentType", `${who}: mixtureDistribution must be a Categorical, got ${describe(b.mixtureDistribution)} (PyTorch's ValueError)`, locOfArg(b, "mixtureDistribution", site));
  if (!components) return fail("wrongArgumentType", `${who}: componentDistribution must be a distribution, got ${describe(b.componentDistribution)}`, locOfArg(b, "componentDistribution", site));
  requireFormulas(components, who, site);
  const k = mixture.params.logits.node.shape.at(-1)!;
  const [mb, cb] = [mixture.batchShape, components.batchShape];
  const sameBatch = cb.length === mb.length + 1 && mb.every((d, i) => d === cb[i] || (isBatch(d) && isBatch(cb[i])));
  if (!sameBatch || cb.at(-1) !== k)
    return fail("shapeMismatch", `${who}: the components' batch shape ${formatShape(cb)} must be the mixture's ${formatShape(mb)} followed by its ${String(k)} components (PyTorch's ValueError)`, site.loc);
  return new DistributionValue("MixtureSameFamily", { logits: mixture.params.logits, probs: mixture.params.probs }, [...mb], [...components.eventShape], components);
}

/** A distribution Independent, MixtureSameFamily or TransformedDistribution can wrap: one of F.distributions' own, whose formulas tsdp has. */
export function requireFormulas(base: DistributionValue, who: string, site: CallSite): void {
  if (base.kind === "Distribution")
    fail("unsupportedSyntax", `${who}: the base is a distribution the model defines (a class extending F.distributions.Distribution), whose methods tsdp's ${who} would not call; wrap one of F.distributions' own, or write the combination in the class`, site.loc);
}

type FamilyKind = "Laplace" | "Exponential" | "Gamma" | "Beta" | "LogNormal" | "Poisson" | "StudentT" | "Cauchy" | "HalfNormal" | "Gumbel" | "Geometric" | "Binomial" | "NegativeBinomial" | "Dirichlet" | "RelaxedBernoulli" | "RelaxedOneHotCategorical";
const isFamily = (kind: DistributionKind): kind is FamilyKind => Object.hasOwn(FAMILIES, kind);

/**
 * A family of distribution-families.ts: its parameters bound (defaults where PyTorch has them; probs
 * or logits after them for a binary family), each a float32 tensor or a number, broadcast together
 * (a Dirichlet's concentration: its last dim the event).
 */
function familyMember(kind: FamilyKind, args: Value[], site: CallSite, em: GraphEmitter): DistributionValue {
  const who = `F.distributions.${kind}`;
  const f = new Formulas(em, site, who);
  const family = FAMILIES[kind];
  const names = family.params;
  const specs = names.map((n) => (family.defaults && n in family.defaults ? opt(n, "any", family.defaults[n]) : arg(n, "any")));
  const binary = family.binary || family.categorical ? [opt("probs", "any", null, { nullable: true }), opt("logits", "any", null, { nullable: true })] : [];
  const b = bindArgs(who, [...specs, ...binary, opt("validateArgs", "any", null, { nullable: true })], args, site);
  const given = family.binary || family.categorical ? probsOrLogits(b, who, site)[0] : undefined;
  const bound = given ? [...names, given] : [...names];
  const values = bound.map((n) => parameter(b[n], n, who, { ...site, loc: locOfArg(b, n, site) }, f));
  if (family.categorical) {
    // the categories are the probs' or logits' last dim (the event), normalized as Categorical's
    const t = values[values.length - 1];
    const shape = t.node.shape;
    if (shape.length === 0) fail("shapeMismatch", `${who}: ${given} needs a last dim of categories, got a 0-dim tensor`, site.loc);
    if (isBatch(shape[shape.length - 1])) fail("shapeMismatch", `${who}: the categories are ${given}'s last dim, which cannot be the batch (${formatShape(shape)})`, site.loc);
    const categorical =
      given === "logits"
        ? { logits: f.op("sub", [t, f.method(t, "logsumexp", -1, true) as TensorValue]), probs: f.op("softmax", [t], { dim: shape.length - 1 }) }
        : (() => {
            const probs = f.op("div", [t, f.method(t, "sum", -1, true) as TensorValue]);
            return { probs, logits: f.op("log", [f.method(probs, "clamp", EPS, 1 - EPS) as TensorValue]) };
          })();
    return new DistributionValue(kind, { ...Object.fromEntries(names.map((n, i) => [n, values[i]])), ...categorical }, shape.slice(0, -1), [shape[shape.length - 1]]);
  }
  if (family.event) {
    const c = values[0];
    const shape = c.node.shape;
    if (shape.length === 0) fail("shapeMismatch", `${who}: ${names[0]} needs a last dim of categories, got a 0-dim tensor (PyTorch's "must be at least one-dimensional")`, site.loc);
    if (isBatch(shape[shape.length - 1])) fail("shapeMismatch", `${who}: the categories are ${names[0]}'s last dim, which cannot be the batch (${formatShape(shape)})`, site.loc);
    return new DistributionValue(kind, { [names[0]]: c }, shape.slice(0, -1), [shape[shape.length - 1]]);
  }
  let shape: Dim[] = [...values[0].node.shape];
  for (let i = 1; i < values.length; i++) {
    const next = broadcastShapes(shape, values[i].node.shape);
    if (!next) return fail("shapeMismatch", `${who}: ${bound.slice(0, i).join(", ")} ${formatShape(shape)} and ${bound[i]} ${formatShape(values[i].node.shape)} do not broadcast`, site.loc);
    shape = next;
  }
  const params: Record<string, TensorValue> = Object.fromEntries(bound.map((n, i) => [n, f.expand(values[i], shape)]));
  if (given === "logits") params.probs = f.op("sigmoid", [params.logits]);
  if (given === "probs") params.logits = binaryLogits(f, params.probs);
  return new DistributionValue(kind, params, shape, []);
}

const mixtureOf = (d: DistributionValue) => new DistributionValue("Categorical", d.params, d.batchShape, []);

/** t with k's dim and the event dims after it made 1 (PyTorch's _pad: x.unsqueeze(−1 − event dims)). */
const padComponentDim = (f: Formulas, t: TensorValue, eventDims: number) => f.method(t, "unsqueeze", -1 - eventDims) as TensorValue;

/** The mixture's probs [..., k] with a 1 for each event dim after k (PyTorch's _pad_mixture_dimensions). */
function paddedProbs(d: DistributionValue, f: Formulas): TensorValue {
  let probs = d.params.probs;
  for (let i = 0; i < d.eventShape.length; i++) probs = f.method(probs, "unsqueeze", -1) as TensorValue;
  return probs;
}

/** log p(x) = logsumexp over the components of log_softmax(mixture logits) + the component's log p(x). */
function mixtureLogProb(d: DistributionValue, x: TensorValue, f: Formulas, site: CallSite): TensorValue {
  const perComponent = logProb(d.base!, padComponentDim(f, x, d.eventShape.length), f, site);
  return f.method(f.op("add", [perComponent, f.op("log_softmax", [d.params.logits], { dim: d.params.logits.node.shape.length - 1 })]), "logsumexp", -1) as TensorValue;
}

/** mean = Σ_k π_k μ_k; variance = Σ_k π_k σ²_k + Σ_k π_k (μ_k − mean)². */
function mixtureMoment(d: DistributionValue, name: "mean" | "variance", f: Formulas): TensorValue {
  const dim = -1 - d.eventShape.length;
  const probs = paddedProbs(d, f);
  const means = moment(d.base!, "mean", f);
  if (!means) return fail("unknownProperty", `${f.who}.${name}: the components have no mean`, f.site.loc);
  const mean = f.method(f.op("mul", [probs, means]), "sum", dim) as TensorValue;
  if (name === "mean") return mean;
  const variances = moment(d.base!, "variance", f);
  if (!variances) return fail("unknownProperty", `${f.who}.variance: the components have no variance`, f.site.loc);
  const spread = f.op("sub", [means, padComponentDim(f, mean, d.eventShape.length)]);
  const meanCondVar = f.method(f.op("mul", [probs, variances]), "sum", dim) as TensorValue;
  return f.op("add", [meanCondVar, f.method(f.op("mul", [probs, f.op("mul", [spread, spread])]), "sum", dim) as TensorValue]);
}

/** A draw: each sample's component from the mixture, then that component's draw (no gradient, as PyTorch's under no_grad). */
function mixtureDraw(d: DistributionValue, sampleShape: number[], f: Formulas): TensorValue {
  const which = drawFrom(mixtureOf(d), sampleShape, false, f); // [S, B] int32
  const all = drawFrom(d.base!, sampleShape, false, f); // [S, B, k, E]
  const e = d.eventShape.length;
  // gather along k with the index [S, B, 1, E...] expanded over the event dims
  let index = padComponentDim(f, which, 0);
  for (let i = 0; i < e; i++) index = f.method(index, "unsqueeze", -1) as TensorValue;
  const shape = [...all.node.shape];
  shape[shape.length - 1 - e] = 1;
  const gathered = f.method(all, "gather", -1 - e, f.expand(index, shape)) as TensorValue;
  return f.method(gathered, "squeeze", -1 - e) as TensorValue;
}

/**
 * torch.multinomial(input, numSamples, replacement=False): int32 category indices [.., numSamples]
 * drawn in proportion to input's last dim. Gumbel keys log wₖ + Gₖ: the argmax of one set of keys is
 * a draw; the top numSamples of one set are a draw without replacement (the Gumbel-top-k trick),
 * numSamples sets' argmaxes a draw with replacement. As PyTorch's, rows need a positive weight.
 */
function multinomial(args: Value[], site: CallSite, em: GraphEmitter): Value {
  const who = "F.multinomial";
  const f = new Formulas(em, site, who);
  const b = bindArgs(who, [arg("input", "tensor"), arg("numSamples", "posInt"), opt("replacement", "bool", false)], args, site);
  const input = b.input as TensorValue;
  const shape = input.node.shape;
  if (shape.length < 1 || shape.length > 2) fail("shapeMismatch", `${who} takes a 1-D or 2-D tensor of weights, got ${formatShape(shape)}`, site.loc);
  const categories = shape[shape.length - 1];
  if (isBatch(categories)) return fail("shapeMismatch", `${who}: the categories are the last dim, which cannot be the batch (${formatShape(shape)})`, site.loc);
  if (!b.replacement && b.numSamples > categories)
    fail("invalidArgument", `${who}: ${b.numSamples} samples without replacement from ${categories} categories (PyTorch's "cannot sample n_sample > prob_dist.size(-1) samples without replacement")`, locOfArg(b, "numSamples", site));
  const logWeights = f.op("log", [input]);
  if (!b.replacement) {
    const keys = f.op("add", [logWeights, gumbelNoise(f, [...shape])]);
    return (f.method(keys, "topk", b.numSamples, -1) as ObjectValue).props.get("indices")!;
  }
  // [.., numSamples, C] keys: one set per sample
  const rows = shape.slice(0, -1);
  const keys = f.op("add", [f.method(logWeights, "unsqueeze", -2) as TensorValue, gumbelNoise(f, [...rows, b.numSamples, categories])]);
  return em.tensor("argmax", [keys.node], { dims: [rows.length + 1], keepdim: false }, who, site);
}

/** F.distributions (torch.distributions) and F.multinomial. */
export function distributionsNamespace(em: GraphEmitter): NamespaceValue {
  const kinds: DistributionKind[] = ["Normal", "Categorical", "Bernoulli", "Uniform", "Independent", "MultivariateNormal", "OneHotCategorical", "OneHotCategoricalStraightThrough", "TransformedDistribution", "MixtureSameFamily", "Laplace", "Exponential", "Gamma", "Beta", "LogNormal", "Poisson", "StudentT", "Cauchy", "HalfNormal", "Gumbel", "Geometric", "Binomial", "NegativeBinomial", "Dirichlet", "RelaxedBernoulli", "RelaxedOneHotCategorical", "Distribution"];
  const members = new Map<string, Value>(kinds.map((k) => [k, new BuiltinClass(`F.distributions.${k}`, (args, site) => construct(k, args, site, em))]));
  const kl = new BuiltinFunction("F.distributions.klDivergence", (args, site) => {
    const who = "F.distributions.klDivergence";
    const b = bindArgs(who, [arg("p", "any"), arg("q", "any")], args, site);
    // an instance of a class extending a distribution is its base's kind, as PyTorch's KL registry dispatches a subclass
    const [p, q] = (["p", "q"] as const).map((k) => distributionOf(b[k]) ?? fail("wrongArgumentType", `${who}: ${k} must be a distribution, got ${describe(b[k])}`, locOfArg(b, k, site)));
    return klDivergence(p, q, new Formulas(em, site, who), site);
  });
  members.set("klDivergence", kl);
  // torch.distributions.kl.kl_divergence
  members.set("kl", new NamespaceValue("F.distributions.kl", new Map([["klDivergence", kl]])));
  // each class by its defining module's path too, as PyTorch exports it: torch.distributions.normal.Normal
  // (neural-process ports), torch.distributions.categorical.Categorical
  const modules = new Map<string, DistributionKind[]>();
  for (const k of kinds) {
    // torch.distributions.one_hot_categorical holds both one-hot kinds
    const sub = k === "MultivariateNormal" ? "multivariate_normal" : k === "LogNormal" ? "log_normal" : k === "StudentT" ? "studentT" : k === "HalfNormal" ? "half_normal" : k === "NegativeBinomial" ? "negative_binomial" : k === "TransformedDistribution" ? "transformed_distribution" : k === "MixtureSameFamily" ? "mixture_same_family" : isOneHot(k) ? "one_hot_categorical" : k.toLowerCase();
    modules.set(sub, [...(modules.get(sub) ?? []), k]);
  }
  for (const [sub, held] of modules) members.set(sub, new NamespaceValue(`F.distributions.${sub}`, new Map(held.map((k) => [k, members.get(k)!]))));
  members.set("transforms", transformsNamespace(em));
  members.set("constraints", constraintsNamespace());
  return new NamespaceValue("F.distributions", members);
}

export const multinomialFunction = (em: GraphEmitter) => new BuiltinFunction("F.multinomial", (args, site) => multinomial(args, site, em));
