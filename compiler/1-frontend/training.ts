import { fail } from "../diagnostics/diagnostic.ts";
import type { GradientClipping, GroupHyperparameter, Node, OptimizerSpec, OptimizerVariant, ParamGroup } from "../ir/node.ts";
import type { SourceLoc } from "../diagnostics/diagnostic.ts";
import { opDef } from "../ops/index.ts";
import { arg, argLoc, bindArgs, bindOptions, type Bound, CallProblems, keyLoc, locOfArg, opt } from "./args.ts";
import {
  BuiltinClass,
  ClassValue,
  FunctionValue,
  ModuleValue,
  NamespaceValue,
  ObjectValue,
  OptimizerValue,
  TrainingValue,
  type ParamGroupDecl,
  describe,
  type CallSite,
  type Value,
} from "./values.ts";

// The training declaration and torch.optim. Defaults are PyTorch's. The numbers are defaults
// only: the runtime can change the learning rate (and the rest) at every step.

/**
 * The options object of an optimizer: new optim.SGD({ lr: 0.1 }), or nothing for the defaults;
 * after PyTorch's param groups when given (new optim.AdamW([{ params, weightDecay }, …], { lr })).
 */
function optionsOf(who: string, args: Value[], site: CallSite): ObjectValue {
  const rest = Array.isArray(args[0]) ? args.slice(1) : args;
  const b = bindArgs(who, [opt("options", "any", new ObjectValue())], rest, site);
  if (!(b.options instanceof ObjectValue))
    fail("wrongArgumentType", `${who} takes an options object such as { lr: 0.01 }, got ${describe(b.options)}`, argLoc(site, args.length - rest.length, args.length));
  return b.options;
}

/** At most this many groups: the update reads each element's group from a byte, their decays from the step's constants. */
export const MAX_PARAM_GROUPS = 8;

/**
 * The keys of each optimizer's defaults that a param group may set for itself beside params, lr
 * and weightDecay (PyTorch lets a group set any of its optimizer's defaults), as the TypeScript
 * name, the value's kind and the ParamGroup field it sets. NAdam's betas and momentumDecay are not
 * among them: its μ product is kept once per optimizer here (PyTorch keeps one per parameter).
 */
type GroupKey = { readonly key: string; readonly kind: "nonNegNumber" | "prob" | "betas" | "bool"; readonly field: GroupHyperparameter };
const ADAM_GROUP_KEYS: readonly GroupKey[] = [{ key: "betas", kind: "betas", field: "beta1" }, { key: "eps", kind: "nonNegNumber", field: "eps" }];
const GROUP_KEYS: Record<OptimizerSpec["kind"], readonly GroupKey[]> = {
  SGD: [{ key: "momentum", kind: "nonNegNumber", field: "momentum" }, { key: "dampening", kind: "nonNegNumber", field: "dampening" }, { key: "nesterov", kind: "bool", field: "nesterov" }],
  Adam: ADAM_GROUP_KEYS,
  AdamW: ADAM_GROUP_KEYS,
  Adamax: ADAM_GROUP_KEYS,
  RAdam: ADAM_GROUP_KEYS,
  NAdam: [{ key: "eps", kind: "nonNegNumber", field: "eps" }],
  RMSprop: [{ key: "alpha", kind: "nonNegNumber", field: "alpha" }, { key: "eps", kind: "nonNegNumber", field: "eps" }, { key: "momentum", kind: "nonNegNumber", field: "momentum" }],
  Adagrad: [{ key: "eps", kind: "nonNegNumber", field: "eps" }],
  Adadelta: [{ key: "rho", kind: "prob", field: "alpha" }, { key: "eps", kind: "nonNegNumber", field: "eps" }],
};
/** Keys a group may not set, with the reason: they shape the update's kernel and state for every parameter. */
const BUILD_WIDE = ["amsgrad", "maximize", "centered", "decoupledWeightDecay", "lrDecay", "initialAccumulatorValue", "foreach", "fused", "capturable", "differentiable"];

/** A group's own value of `k`, checked as the optimizer's own option is. */
function groupValue(who: string, i: number, k: GroupKey, v: Value, at: SourceLoc): Partial<Pick<ParamGroup, GroupHyperparameter>> {
  const bad = (want: string) => fail("invalidArgument", `${who}: param group ${i}'s ${k.key} must be ${want}, got ${describe(v)}`, at);
  if (k.kind === "bool") return typeof v === "boolean" ? { [k.field]: v } : bad("true or false");
  if (k.kind === "betas") {
    const ok = Array.isArray(v) && v.length === 2 && v.every((b) => typeof b === "number" && b >= 0 && b < 1);
    if (!ok) bad("two numbers in [0, 1)");
    const [b1, b2] = v as number[];
    return { beta1: b1, beta2: b2 };
  }
  if (!(typeof v === "number" && Number.isFinite(v) && v >= 0 && (k.kind !== "prob" || v <= 1))) bad(k.kind === "prob" ? "a number in [0, 1]" : "a finite number ≥ 0");
  return { [k.field]: v as number };
}

/**
 * PyTorch's param groups, each `{ params: (name, p) => boolean, lr?, weightDecay?, … }`: nanoGPT's and
 * Hugging Face's decay/no-decay split (`p.dim() >= 2` decays), a head with its own betas. tsdp's
 * optimizer is declared beside the model, not over its parameters, so a group names its parameters
 * by a function that lower.ts calls for each trained one; a group may set its own lr, weightDecay
 * and the optimizer's keys in GROUP_KEYS.
 */
function groupsOf(who: string, kind: OptimizerSpec["kind"], args: Value[], site: CallSite, declared?: { momentum: number; dampening: number; nesterov: boolean }): ParamGroupDecl[] {
  if (!Array.isArray(args[0])) return [];
  const at = argLoc(site, 0, args.length);
  const list = args[0];
  const keys = GROUP_KEYS[kind];
  const shape = `{ params: (name, p) => boolean, lr?, weightDecay?${keys.map((k) => `, ${k.key}?`).join("")} }`;
  if (list.length === 0 || list.length > MAX_PARAM_GROUPS)
    fail("invalidArgument", `${who}: param groups must be 1 to ${MAX_PARAM_GROUPS} objects ${shape}, got ${list.length}`, at);
  return list.map((g, i) => {
    if (!(g instanceof ObjectValue))
      fail("wrongArgumentType", `${who}: param group ${i} must be an object ${shape}, got ${describe(g)}`, at);
    const wide = [...g.props.keys()].filter((k) => BUILD_WIDE.includes(k));
    if (wide.length > 0)
      fail("invalidArgument", `${who}: param group ${i} sets ${wide.join(", ")}, which tsdp compiles into the update of every parameter (its kernel and state); set it in the optimizer's options instead, for all groups`, at);
    const extra = [...g.props.keys()].filter((k) => k !== "params" && k !== "weightDecay" && k !== "lr" && !keys.some((o) => o.key === k));
    if (extra.length > 0) {
      const nadam = kind === "NAdam" && extra.some((k) => k === "betas" || k === "momentumDecay") ? " (NAdam's μ product is kept once for the optimizer, so its betas and momentumDecay are the optimizer's)" : "";
      fail("invalidArgument", `${who}: param group ${i} sets ${extra.join(", ")}; a group of ${who} may set params, lr, weightDecay${keys.map((k) => `, ${k.key}`).join("")}${nadam}`, at);
    }
    const select = g.props.get("params");
    if (!(select instanceof FunctionValue))
      fail("wrongArgumentType", `${who}: param group ${i}'s params must be a function (name: string, p: Tensor) => boolean, such as (name, p) => p.dim() >= 2, got ${describe(select)}`, at);
    const weightDecay = g.props.get("weightDecay");
    if (weightDecay !== undefined && !(typeof weightDecay === "number" && Number.isFinite(weightDecay) && weightDecay >= 0))
      fail("invalidArgument", `${who}: param group ${i}'s weightDecay must be a finite number ≥ 0, got ${describe(weightDecay)}`, at);
    const lr = g.props.get("lr");
    if (lr !== undefined && !(typeof lr === "number" && Number.isFinite(lr) && lr >= 0))
      fail("invalidArgument", `${who}: param group ${i}'s lr must be a finite number ≥ 0, got ${describe(lr)}`, at);
    const own = Object.assign({}, ...keys.flatMap((k) => (g.props.has(k.key) ? [groupValue(who, i, k, g.props.get(k.key)!, at)] : []))) as ParamGroupDecl["own"];
    // torch.optim.SGD's rule, for the group's settings with the optimizer's where it has none
    if (declared) {
      const momentum = own.momentum ?? declared.momentum, dampening = own.dampening ?? declared.dampening;
      if ((own.nesterov ?? declared.nesterov) && (momentum <= 0 || dampening !== 0))
        fail("invalidArgument", `${who}: param group ${i}: nesterov momentum requires a momentum > 0 and zero dampening, got momentum ${momentum} and dampening ${dampening}`, at);
    }
    return { select, weightDecay: weightDecay as number | undefined, lr: lr as number | undefined, own, at };
  });
}

/**
 * PyTorch's flags that pick an implementation (foreach, fused, capturable, differentiable: the same
 * update) are accepted as true, false or null and change nothing here; the flags that change the
 * update (maximize; Adam's amsgrad, RMSprop's centered, NAdam's and RAdam's decoupled weight decay)
 * are the spec's OptimizerVariant when true.
 */
const implementationFlags = ["foreach", "fused", "capturable", "differentiable"];
const flagSpecs = (variants: readonly string[]) => [...implementationFlags.map((name) => opt(name, "flag", null)), ...variants.map((name) => opt(name, "bool", false))];
const MAXIMIZE = ["maximize"];

/** The variant switches set in `o` (true ones only, so a default spec stays as it was). */
function variantOf(o: Record<string, unknown>, names: readonly string[]): OptimizerVariant {
  return Object.fromEntries(names.filter((n) => o[n] === true).map((n) => [n, true])) as OptimizerVariant;
}

// Ranges are PyTorch's (torch/optim/sgd.py, adam.py: "Invalid learning rate", ...), plus
// finiteness: an lr of Infinity is no learning rate. Adam's eps must be > 0, where PyTorch allows
// 0: with eps 0 a parameter whose gradient is 0 gets the update 0/0 = NaN.
function sgd(args: Value[], site: CallSite): OptimizerValue {
  const who = "optim.SGD";
  const o = bindOptions(who, [
    opt("lr", "nonNegNumber", 1e-3), opt("momentum", "nonNegNumber", 0), opt("dampening", "nonNegNumber", 0),
    opt("weightDecay", "nonNegNumber", 0), opt("nesterov", "bool", false), ...flagSpecs(MAXIMIZE),
  ], optionsOf(who, args, site), site);
  if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0))
    fail(
      "invalidArgument",
      `${who}: nesterov momentum requires a momentum > 0 and zero dampening, got momentum ${o.momentum} and dampening ${o.dampening}`,
      locOfArg(o, "nesterov", site),
    );
  return new OptimizerValue({ kind: "SGD", lr: o.lr, momentum: o.momentum, dampening: o.dampening, weightDecay: o.weightDecay, nesterov: o.nesterov, ...variantOf(o, MAXIMIZE) }, groupsOf(who, "SGD", args, site, { momentum: o.momentum, dampening: o.dampening, nesterov: o.nesterov }));
}

function adam(kind: "Adam" | "AdamW" | "Adamax" | "RAdam" | "NAdam", args: Value[], site: CallSite): OptimizerValue {
  const who = `optim.${kind}`;
  const variants = kind === "Adamax" ? MAXIMIZE : kind === "RAdam" || kind === "NAdam" ? ["decoupledWeightDecay", ...MAXIMIZE] : ["amsgrad", ...MAXIMIZE];
  const o = bindOptions(who, [
    opt("lr", "nonNegNumber", kind === "Adamax" || kind === "NAdam" ? 2e-3 : 1e-3), opt("betas", "betas", [0.9, 0.999]), opt("eps", "nonNegNumber", 1e-8),
    opt("weightDecay", "nonNegNumber", kind === "AdamW" ? 1e-2 : 0),
    ...(kind === "NAdam" ? [opt("momentumDecay", "nonNegNumber", 4e-3)] : []),
    ...flagSpecs(variants),
  ], optionsOf(who, args, site), site);
  const common = { lr: o.lr, beta1: o.betas[0], beta2: o.betas[1], eps: o.eps, weightDecay: o.weightDecay, ...variantOf(o, variants) };
  const spec: OptimizerSpec = kind === "NAdam" ? { kind, ...common, momentum: o.momentumDecay } : { kind, ...common };
  return new OptimizerValue(spec, groupsOf(who, kind, args, site));
}

/** torch.optim.Adagrad (lr 1e-2, eps 1e-10): lr_decay (η/(1 + (t − 1)·d)) and initial_accumulator_value (the sums' start). */
function adagrad(args: Value[], site: CallSite): OptimizerValue {
  const who = "optim.Adagrad";
  const o = bindOptions(who, [
    opt("lr", "nonNegNumber", 1e-2), opt("lrDecay", "nonNegNumber", 0), opt("weightDecay", "nonNegNumber", 0),
    opt("initialAccumulatorValue", "nonNegNumber", 0), opt("eps", "nonNegNumber", 1e-10), ...flagSpecs(MAXIMIZE),
  ], optionsOf(who, args, site), site);
  const schedule = { ...(o.lrDecay !== 0 ? { lrDecay: o.lrDecay } : {}), ...(o.initialAccumulatorValue !== 0 ? { initialAccumulatorValue: o.initialAccumulatorValue } : {}) };
  return new OptimizerValue({ kind: "Adagrad", lr: o.lr, eps: o.eps, weightDecay: o.weightDecay, ...schedule, ...variantOf(o, MAXIMIZE) }, groupsOf(who, "Adagrad", args, site));
}

/** torch.optim.Adadelta (lr 1.0, rho 0.9, eps 1e-6): PyTorch's MNIST example's optimizer. */
function adadelta(args: Value[], site: CallSite): OptimizerValue {
  const who = "optim.Adadelta";
  const o = bindOptions(who, [
    opt("lr", "nonNegNumber", 1.0), opt("rho", "prob", 0.9), opt("eps", "nonNegNumber", 1e-6), opt("weightDecay", "nonNegNumber", 0), ...flagSpecs(MAXIMIZE),
  ], optionsOf(who, args, site), site);
  return new OptimizerValue({ kind: "Adadelta", lr: o.lr, alpha: o.rho, eps: o.eps, weightDecay: o.weightDecay, ...variantOf(o, MAXIMIZE) }, groupsOf(who, "Adadelta", args, site));
}

function rmsprop(args: Value[], site: CallSite): OptimizerValue {
  const who = "optim.RMSprop";
  const o = bindOptions(who, [
    opt("lr", "nonNegNumber", 1e-2), opt("alpha", "nonNegNumber", 0.99), opt("eps", "nonNegNumber", 1e-8),
    opt("weightDecay", "nonNegNumber", 0), opt("momentum", "nonNegNumber", 0), ...flagSpecs(["centered", ...MAXIMIZE]),
  ], optionsOf(who, args, site), site);
  return new OptimizerValue({ kind: "RMSprop", lr: o.lr, alpha: o.alpha, eps: o.eps, weightDecay: o.weightDecay, momentum: o.momentum, ...variantOf(o, ["centered", ...MAXIMIZE]) }, groupsOf(who, "RMSprop", args, site));
}

export const optimNamespace = new NamespaceValue(
  "optim",
  new Map<string, Value>([
    ["SGD", new BuiltinClass("optim.SGD", sgd)],
    ["Adam", new BuiltinClass("optim.Adam", (a, s) => adam("Adam", a, s))],
    ["AdamW", new BuiltinClass("optim.AdamW", (a, s) => adam("AdamW", a, s))],
    ["RMSprop", new BuiltinClass("optim.RMSprop", rmsprop)],
    ["Adamax", new BuiltinClass("optim.Adamax", (a, s) => adam("Adamax", a, s))],
    ["NAdam", new BuiltinClass("optim.NAdam", (a, s) => adam("NAdam", a, s))],
    ["RAdam", new BuiltinClass("optim.RAdam", (a, s) => adam("RAdam", a, s))],
    ["Adagrad", new BuiltinClass("optim.Adagrad", adagrad)],
    ["Adadelta", new BuiltinClass("optim.Adadelta", adadelta)],
  ]),
);

/**
 * Gradient clipping of a Training: `clipGradNorm: maxNorm` (clip_grad_norm_(params, max_norm)), or
 * `clipGradNorm: { maxNorm, normType }` for its norm_type (a p > 0, or Infinity / "inf": the largest
 * |g|); `clipGradValue: v` is clip_grad_value_(params, v). One of the two: PyTorch's loop calls them
 * in an order the declaration does not say. error_if_nonfinite (which raises mid-loop) is refused.
 */
function clippingOf(who: string, o: Bound, site: CallSite): GradientClipping {
  let maxNorm = 0;
  let normType: number | "inf" = 2;
  if (o.clipGradNorm instanceof ObjectValue) {
    const c = bindOptions(`${who}: clipGradNorm`, [arg("maxNorm", "nonNegNumber"), opt("normType", "any", 2), opt("errorIfNonfinite", "bool", false), opt("foreach", "flag", null)], o.clipGradNorm, site);
    maxNorm = c.maxNorm;
    const p = c.normType;
    if (p === Infinity || p === "inf") normType = "inf";
    else if (typeof p === "number" && Number.isFinite(p) && p > 0) normType = p;
    else fail("invalidArgument", `${who}: clipGradNorm's normType must be a number > 0, or Infinity (or "inf") for the largest |g|, got ${describe(p)}`, locOfArg(c, "normType", site));
    if (c.errorIfNonfinite)
      fail("invalidArgument", `${who}: clipGradNorm's errorIfNonfinite is not supported: tsdp's step does not stop on a non-finite gradient norm (as PyTorch's default, error_if_nonfinite=False, every gradient becomes NaN); trainStep's detectNonFinite option reports a non-finite loss`, locOfArg(c, "errorIfNonfinite", site));
  } else maxNorm = o.clipGradNorm;
  if (maxNorm > 0 && o.clipGradValue > 0)
    fail("invalidArgument", `${who}: clipGradNorm and clipGradValue together: which PyTorch's loop calls first (clip_grad_norm_ or clip_grad_value_) changes the gradients, and a declaration does not say; declare one`, locOfArg(o, "clipGradValue", site));
  return { ...(maxNorm > 0 ? { clipGradNorm: maxNorm, ...(normType !== 2 ? { clipGradNormType: normType } : {}) } : {}), ...(o.clipGradValue > 0 ? { clipGradValue: o.clipGradValue } : {}) };
}

/** new Training(Model, { loss, optimizer, clipGradNorm?, clipGradValue? }) */
export const trainingClass = new BuiltinClass("Training", (args, site) => {
  const who = "Training";
  const b = bindArgs(who, [arg("model", "any"), arg("options", "any")], args, site);
  if (!(b.model instanceof ClassValue)) fail("badTraining", `${who}: the first argument must be your model class, got ${describe(b.model)}`, argLoc(site, 0, args.length));
  if (!(b.options instanceof ObjectValue)) fail("badTraining", `${who}: the second argument must be { loss, optimizer }`, argLoc(site, 1, args.length));
  // clipGradNorm: torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm) before each step (0: none); clipGradValue: clip_grad_value_
  // clipGradNorm: a number (max_norm, checked as every option's) or { maxNorm, normType }
  const normKind = b.options.props.get("clipGradNorm") instanceof ObjectValue ? "any" : "nonNegNumber";
  const o = bindOptions(who, [arg("loss", "any"), arg("optimizer", "any"), opt("clipGradNorm", normKind, 0), opt("clipGradValue", "nonNegNumber", 0)], b.options, site);
  const clipping = clippingOf(who, o, site);
  const lossOk = o.loss instanceof FunctionValue || (o.loss instanceof ModuleValue && /Loss$/.test(o.loss.typeName));
  const problems = new CallProblems();
  if (!lossOk)
    problems.add("badTraining", `${who}: loss must be a loss module (new nn.CrossEntropyLoss()) or a function (output, target) => tensor, got ${describe(o.loss)}`, keyLoc(site, "loss", "value"));
  if (!(o.optimizer instanceof OptimizerValue))
    problems.add("badTraining", `${who}: optimizer must be new optim.SGD(...), optim.Adam(...), optim.AdamW(...), optim.RMSprop(...), optim.Adamax(...), optim.NAdam(...), optim.RAdam(...), optim.Adagrad(...) or optim.Adadelta(...), got ${describe(o.optimizer)}`, keyLoc(site, "optimizer", "value"));
  problems.throwIfAny();
  const declared = o.optimizer as OptimizerValue;
  const optimizer = Object.keys(clipping).length > 0 ? new OptimizerValue({ ...declared.spec, ...clipping }, declared.groups) : declared;
  return new TrainingValue(b.model, o.loss, optimizer, site.loc, keyLoc(site, "loss", "value"));
});

/**
 * A training declaration needs something to train. PyTorch refuses the same two ways: an
 * optimizer over no parameters ("optimizer got an empty parameter list"), and a loss that no
 * parameter reaches ("element 0 of tensors does not require grad" from backward). tsdp refuses
 * both at compile time, at the declaration, instead of building a step that updates nothing.
 * Parameters that some path reaches and others that none does are fine: the unused ones get a
 * zero gradient.
 */
export function requireSomethingToTrain(modelName: string, params: readonly Node[], loss: Node, training: TrainingValue): void {
  if (params.length === 0)
    fail("nothingToTrain", `${modelName} has no parameters, so ${training.optimizer.spec.kind} has nothing to update`, training.loc);
  // walk back from the loss through ops that have a gradient rule (argmax, for one, has none)
  const reached = new Set<Node>([loss]);
  const todo = [loss];
  while (todo.length > 0) {
    const n = todo.pop()!;
    if (!opDef(n.op).grad) continue;
    for (const i of n.inputs)
      if (!reached.has(i)) {
        reached.add(i);
        todo.push(i);
      }
  }
  if (!params.some((p) => reached.has(p)))
    fail(
      "nothingToTrain",
      `the loss of ${modelName} does not depend on any of its parameters through differentiable ops, so training cannot change it`,
      training.loc,
    );
}
