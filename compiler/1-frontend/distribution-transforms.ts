import { fail } from "../diagnostics/diagnostic.ts";
import { isBatch, type Dim } from "../ir/shape.ts";
import { arg, bindArgs, locOfArg, opt } from "./args.ts";
import { ops, softplus } from "./composite-ops.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { requireFormulas } from "./distributions.ts";
import { BuiltinClass, BuiltinFunction, describe, DistributionValue, distributionOf, ModuleValue, NamespaceValue, ObjectValue, TensorValue, type CallSite, type TransformBehavior, type Value } from "./values.ts";

// torch.distributions' transforms and TransformedDistribution, as SAC ports squash a Gaussian:
//   CORL's actors:  TransformedDistribution(Normal(mu, std), TanhTransform(cache_size=1))
//   pytorch_sac:    class TanhTransform(pyd.transforms.Transform) (its own _call, _inverse,
//                   log_abs_det_jacobian) inside class SquashedNormal(TransformedDistribution)
// A transform is a plain instance (values.ts ModuleValue.transform): callable as y = t(x), with
// t.inv(y) and t.log_abs_det_jacobian(x, y). PyTorch's cache (cache_size=1) keeps the last (x, y):
// t.inv of that very y gives that x back — what makes log_prob of an rsample exact where atanh
// of a tanh near ±1 is not. "That very y" is the same tensor, here the same graph node.

/** f32's smallest positive normal and its step above 1 (torch.finfo(float32).tiny and eps): SigmoidTransform's clamp. */
const [TINY, EPS] = [1.1754943508222875e-38, 1.1920928955078125e-7];

type Formula = (c: ReturnType<typeof ops>, t: TensorValue) => TensorValue;
type Jacobian = (c: ReturnType<typeof ops>, x: TensorValue, y: TensorValue) => TensorValue;

/** The elementwise transforms: y = f(x), x = f⁻¹(y), log|f′(x)|, each PyTorch's formula. */
const ELEMENTWISE: Record<string, { forward: Formula; inverse: Formula; jacobian: Jacobian }> = {
  // 2·(log 2 − x − softplus(−2x)), the stable form of log(1 − tanh²x); f⁻¹ atanh, unclamped as PyTorch's
  TanhTransform: {
    forward: (c, x) => c.op("tanh", [x]),
    inverse: (c, y) => c.op("atanh", [y]),
    jacobian: (c, x) => c.op("mul", [c.op("sub", [c.op("sub", [Math.log(2), x]), softplus(c, c.op("mul", [x, -2]))]), 2]),
  },
  ExpTransform: { forward: (c, x) => c.op("exp", [x]), inverse: (c, y) => c.op("log", [y]), jacobian: (_c, x) => x },
  // f⁻¹ logit of y clamped into [tiny, 1 − eps]; log σ′(x) = −softplus(−x) − softplus(x)
  SigmoidTransform: {
    forward: (c, x) => c.op("sigmoid", [x]),
    inverse: (c, y) => {
      const clamped = c.op("where", [c.op("lt", [y, TINY]), TINY, c.op("where", [c.op("gt", [y, 1 - EPS]), 1 - EPS, y])]);
      return c.op("sub", [c.op("log", [clamped]), c.op("log1p", [c.op("neg", [clamped])])]);
    },
    jacobian: (c, x) => c.op("neg", [c.op("add", [softplus(c, c.op("neg", [x])), softplus(c, x)])]),
  },
};

const cacheArg = opt("cacheSize", "nonNegInt", 0);

function cacheSizeOf(b: Record<string, Value>, who: string, site: CallSite): 0 | 1 {
  if (b.cacheSize !== 0 && b.cacheSize !== 1) return fail("invalidArgument", `${who}: cacheSize must be 0 or 1, got ${String(b.cacheSize)} (PyTorch's ValueError)`, locOfArg(b, "cacheSize", site));
  return b.cacheSize as 0 | 1;
}

/** A transform as a plain instance of its class. */
function transformInstance(behavior: TransformBehavior, site: CallSite): ModuleValue {
  const m = new ModuleValue("user", `F.distributions.transforms.${behavior.name}`, site.loc);
  m.plain = true;
  m.transform = behavior;
  return m;
}

/** x as the float32 tensor a transform takes. */
function operand(v: Value, who: string, site: CallSite): TensorValue {
  if (!(v instanceof TensorValue) || v.node.dtype !== "f32") return fail("wrongArgumentType", `${who} takes a float32 tensor, got ${describe(v)}`, site.loc);
  return v;
}

/** t(x): PyTorch's Transform.__call__, the cached y where x is the cached x. */
export function applyTransform(t: TransformBehavior, x: TensorValue, site: CallSite): TensorValue {
  if (t.cacheSize === 1 && t.cache?.x.node === x.node) return t.cache.y;
  const y = t.forward(x, site);
  if (t.cacheSize === 1) t.cache = { x, y };
  return y;
}

/** t.inv(y): PyTorch's Transform._inv_call, the cached x where y is the cached y. */
export function invertTransform(t: TransformBehavior, y: TensorValue, site: CallSite): TensorValue {
  if (t.cacheSize === 1 && t.cache?.y.node === y.node) return t.cache.x;
  const x = t.inverse(y, site);
  if (t.cacheSize === 1) t.cache = { x, y };
  return x;
}

/** `t.name` for a transform instance (its class's own methods come first, classes.ts). */
export function transformProperty(t: TransformBehavior, name: string, site: CallSite): Value {
  const who = `F.distributions.transforms.${t.name}`;
  const unary = (f: (x: TensorValue, s: CallSite) => TensorValue, what: string) =>
    new BuiltinFunction(`${who}.${what}`, (args, s) => f(operand(bindArgs(`${who}.${what}`, [arg("x", "any")], args, s).x, `${who}.${what}`, s), s));
  if (name === "inv") return unary((y, s) => invertTransform(t, y, s), "inv");
  if (name === "_call") return unary((x, s) => t.forward(x, s), name);
  if (name === "_inverse") return unary((y, s) => t.inverse(y, s), name);
  if (name === "log_abs_det_jacobian" || name === "logAbsDetJacobian")
    return new BuiltinFunction(`${who}.${name}`, (args, s) => {
      const b = bindArgs(`${who}.${name}`, [arg("x", "any"), arg("y", "any")], args, s);
      return t.logAbsDetJacobian(operand(b.x, `${who}.${name}`, s), operand(b.y, `${who}.${name}`, s), s);
    });
  if (name === "event_dim" || name === "eventDim") return t.eventDim;
  if (name === "sign") return t.sign ?? fail("unknownProperty", `${who}.sign is not known when compiling: an AffineTransform's with a tensor scale is the data's (compare the scale itself); a Transform subclass's is the one its class declares`, site.loc);
  if (name === "bijective") return true;
  return fail("unknownProperty", `${who} has no '${name}' in tsdp (it has inv, log_abs_det_jacobian, event_dim, sign, bijective; calling it applies it)`, site.loc);
}

/** F.distributions.transforms: the base class Transform and the elementwise transforms, AffineTransform. */
export function transformsNamespace(em: GraphEmitter): NamespaceValue {
  const members = new Map<string, Value>();
  // the base class, for a class of the model's that extends it (its _call, _inverse and
  // log_abs_det_jacobian, classes.ts): on its own it computes nothing, as PyTorch's raises NotImplementedError
  members.set(
    "Transform",
    new BuiltinClass("F.distributions.transforms.Transform", (args, site) => {
      const who = "F.distributions.transforms.Transform";
      const cacheSize = cacheSizeOf(bindArgs(who, [cacheArg], args, site), who, site);
      const missing = (method: string) => (...args: unknown[]): TensorValue => fail("unknownProperty", `${who}.${method} is not defined: a class extending Transform defines _call, _inverse and log_abs_det_jacobian (PyTorch's NotImplementedError)`, (args.at(-1) as CallSite).loc);
      return transformInstance({ name: "Transform", cacheSize, eventDim: 0, forward: missing("_call"), inverse: missing("_inverse"), logAbsDetJacobian: missing("log_abs_det_jacobian") }, site);
    }),
  );
  for (const [name, f] of Object.entries(ELEMENTWISE))
    members.set(
      name,
      new BuiltinClass(`F.distributions.transforms.${name}`, (args, site) => {
        const who = `F.distributions.transforms.${name}`;
        const cacheSize = cacheSizeOf(bindArgs(who, [cacheArg], args, site), who, site);
        const c = (s: CallSite) => ops(em, who, s);
        return transformInstance({ name, cacheSize, eventDim: 0, sign: 1, forward: (x, s) => f.forward(c(s), x), inverse: (y, s) => f.inverse(c(s), y), logAbsDetJacobian: (x, y, s) => f.jacobian(c(s), x, y) }, site);
      }),
    );
  members.set("AffineTransform", new BuiltinClass("F.distributions.transforms.AffineTransform", (args, site) => affineTransform(args, site, em)));
  return new NamespaceValue("F.distributions.transforms", members);
}

/** AffineTransform(loc, scale, eventDim = 0): y = loc + scale·x; log|scale| summed over eventDim rightmost dims. */
function affineTransform(args: Value[], site: CallSite, em: GraphEmitter): ModuleValue {
  const who = "F.distributions.transforms.AffineTransform";
  const b = bindArgs(who, [arg("loc", "any"), arg("scale", "any"), opt("eventDim", "nonNegInt", 0), cacheArg], args, site);
  const cacheSize = cacheSizeOf(b, who, site);
  for (const k of ["loc", "scale"] as const)
    if (typeof b[k] !== "number" && !(b[k] instanceof TensorValue)) fail("wrongArgumentType", `${who}: ${k} must be a number or a tensor, got ${describe(b[k])}`, locOfArg(b, k, site));
  const [loc, scale, eventDim] = [b.loc as TensorValue | number, b.scale as TensorValue | number, b.eventDim as number];
  const c = (s: CallSite) => ops(em, who, s);
  return transformInstance(
    {
      name: "AffineTransform",
      cacheSize,
      eventDim,
      sign: typeof scale === "number" ? Math.sign(scale) : undefined,
      forward: (x, s) => c(s).op("add", [loc, c(s).op("mul", [scale, x])]),
      inverse: (y, s) => c(s).op("div", [c(s).op("sub", [y, loc]), scale]),
      logAbsDetJacobian: (x, _y, s) => {
        const o = c(s);
        // log|scale| as x's shape (a number: full_like), its last eventDim dims summed away
        let result = typeof scale === "number" ? o.op("add", [o.op("mul", [x, 0]), Math.log(Math.abs(scale))]) : o.op("log", [o.op("abs", [scale])]);
        const shape: Dim[] = [...x.node.shape];
        if (eventDim > 0) {
          const r = result.node.shape.length;
          result = o.op("sum", [result], { dims: Array.from({ length: eventDim }, (_, i) => r - eventDim + i), keepdim: false });
          shape.splice(shape.length - eventDim);
        }
        const same = result.node.shape.length === shape.length && result.node.shape.every((d, i) => d === shape[i] || (isBatch(d) && isBatch(shape[i])));
        return same ? result : o.op("expand", [result], { shape });
      },
    },
    site,
  );
}

/** F.distributions.constraints: what a Transform subclass declares as its domain and codomain; tsdp reads their event_dim. */
export function constraintsNamespace(): NamespaceValue {
  const constraint = (eventDim: number) => new ObjectValue(new Map<string, Value>([["event_dim", eventDim]]));
  const members = new Map<string, Value>([
    ["real", constraint(0)],
    ["positive", constraint(0)],
    ["nonnegative", constraint(0)],
    ["unit_interval", constraint(0)],
    ["real_vector", constraint(1)],
    ["interval", new BuiltinFunction("F.distributions.constraints.interval", () => constraint(0))],
    ["greater_than", new BuiltinFunction("F.distributions.constraints.greater_than", () => constraint(0))],
    ["less_than", new BuiltinFunction("F.distributions.constraints.less_than", () => constraint(0))],
  ]);
  return new NamespaceValue("F.distributions.constraints", members);
}

/**
 * TransformedDistribution(base, transforms): PyTorch's shapes — the transforms' largest event_dim D;
 * a base with fewer event dims is made Independent over the rest; the event dims are
 * max(D, the base's).
 */
export function transformedDistribution(args: Value[], site: CallSite): DistributionValue {
  const who = "F.distributions.TransformedDistribution";
  const b = bindArgs(who, [arg("baseDistribution", "any"), arg("transforms", "any"), opt("validateArgs", "any", null, { nullable: true })], args, site);
  let base = distributionOf(b.baseDistribution);
  if (!base) return fail("wrongArgumentType", `${who}: baseDistribution must be a distribution (F.distributions.Normal(…), …), got ${describe(b.baseDistribution)}`, locOfArg(b, "baseDistribution", site));
  requireFormulas(base, who, site);
  const list = Array.isArray(b.transforms) ? b.transforms : [b.transforms];
  const transforms = list.map((t) => (t instanceof ModuleValue && t.transform ? t : fail("wrongArgumentType", `${who}: transforms must be a transform or a list of them (F.distributions.transforms.TanhTransform(), …), got ${describe(t)}`, locOfArg(b, "transforms", site))));
  const shape = [...base.batchShape, ...base.eventShape];
  const domainDims = Math.max(0, ...transforms.map((t) => t.transform!.eventDim));
  if (shape.length < domainDims) fail("shapeMismatch", `${who}: the base's shape has ${shape.length} dims, fewer than the transforms' event_dim ${domainDims} (PyTorch's ValueError)`, site.loc);
  const reinterpreted = domainDims - base.eventShape.length;
  if (reinterpreted > 0) {
    if (base.batchShape.slice(base.batchShape.length - reinterpreted).some(isBatch))
      fail("invalidArgument", `${who}: the batch dim cannot be an event dim of the transforms', and each device holds only its share of the batch`, site.loc);
    const cut = base.batchShape.length - reinterpreted;
    base = new DistributionValue("Independent", {}, base.batchShape.slice(0, cut), [...base.batchShape.slice(cut), ...base.eventShape], base, reinterpreted);
  }
  const eventDims = Math.max(domainDims, base.eventShape.length);
  if (shape.slice(shape.length - eventDims).some(isBatch)) fail("invalidArgument", `${who}: the batch dim cannot be an event dim`, site.loc);
  return new DistributionValue("TransformedDistribution", {}, shape.slice(0, shape.length - eventDims), shape.slice(shape.length - eventDims), base, 0, transforms);
}

/** A draw of the base pushed through the transforms (cached, as PyTorch's). */
export function transformedDraw(d: DistributionValue, base: TensorValue, site: CallSite): TensorValue {
  return d.transforms.reduce((x, t) => applyTransform(t.transform!, x, site), base);
}

/**
 * log p(y): from the last transform back, x = t.inv(y) and −log|det| summed over the event dims
 * the transform does not cover, then the base's log-probability of the first x, as PyTorch's.
 */
export function transformedLogProb(d: DistributionValue, value: TensorValue, baseLogProb: (x: TensorValue) => TensorValue, site: CallSite, em: GraphEmitter): TensorValue {
  const c = ops(em, "F.distributions.TransformedDistribution.logProb", site);
  const sumRightmost = (t: TensorValue, n: number) => (n <= 0 ? t : c.op("sum", [t], { dims: Array.from({ length: n }, (_, i) => t.node.shape.length - n + i), keepdim: false }));
  let eventDim = d.eventShape.length;
  let y = value;
  let logProb: TensorValue | undefined;
  for (const t of [...d.transforms].reverse()) {
    const x = invertTransform(t.transform!, y, site);
    const term = sumRightmost(t.transform!.logAbsDetJacobian(x, y, site), eventDim - t.transform!.eventDim);
    logProb = logProb ? c.op("sub", [logProb, term]) : c.op("neg", [term]);
    y = x;
  }
  const base = sumRightmost(baseLogProb(y), eventDim - d.base!.eventShape.length);
  return logProb ? c.op("add", [logProb, base]) : base;
}
