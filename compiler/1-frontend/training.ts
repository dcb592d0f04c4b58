import { fail } from "../diagnostics/diagnostic.ts";
import type { OptimizerSpec } from "../ir/node.ts";
import { arg, argLoc, bindArgs, bindOptions, keyLoc, opt } from "./args.ts";
import {
  BuiltinClass,
  ClassValue,
  FunctionValue,
  ModuleValue,
  NamespaceValue,
  ObjectValue,
  OptimizerValue,
  TrainingValue,
  describe,
  type CallSite,
  type Value,
} from "./values.ts";

// The training declaration and torch.optim. Defaults are PyTorch's. The numbers are defaults
// only: the runtime can change the learning rate (and the rest) at every step.

function checkNonNeg(who: string, name: string, v: number, site: CallSite): void {
  if (!(v >= 0)) fail("invalidArgument", `${who}: ${name} must be ≥ 0, got ${v}`, site.loc);
}

function sgd(args: Value[], site: CallSite): OptimizerValue {
  const who = "optim.SGD";
  const b = bindArgs(who, [opt("options", "any", new ObjectValue())], args, site);
  if (!(b.options instanceof ObjectValue)) fail("wrongArgumentType", `${who} takes an options object, got ${describe(b.options)}`, site.loc);
  const o = bindOptions(who, [
    opt("lr", "number", 1e-3), opt("momentum", "number", 0), opt("dampening", "number", 0),
    opt("weightDecay", "number", 0), opt("nesterov", "bool", false),
  ], b.options, site);
  for (const k of ["lr", "momentum", "dampening", "weightDecay"]) checkNonNeg(who, k, o[k], site);
  if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0))
    fail("invalidArgument", `${who}: nesterov momentum requires a momentum and zero dampening`, site.loc);
  return new OptimizerValue({ kind: "SGD", lr: o.lr, momentum: o.momentum, dampening: o.dampening, weightDecay: o.weightDecay, nesterov: o.nesterov });
}

function adam(kind: "Adam" | "AdamW", args: Value[], site: CallSite): OptimizerValue {
  const who = `optim.${kind}`;
  const b = bindArgs(who, [opt("options", "any", new ObjectValue())], args, site);
  if (!(b.options instanceof ObjectValue)) fail("wrongArgumentType", `${who} takes an options object, got ${describe(b.options)}`, site.loc);
  const o = bindOptions(who, [
    opt("lr", "number", 1e-3), opt("betas", "any", [0.9, 0.999]), opt("eps", "number", 1e-8),
    opt("weightDecay", "number", kind === "AdamW" ? 1e-2 : 0),
  ], b.options, site);
  const betas = o.betas as Value;
  if (!Array.isArray(betas) || betas.length !== 2 || !betas.every((x) => typeof x === "number" && x >= 0 && x < 1))
    fail("invalidArgument", `${who}: betas must be two numbers in [0, 1)`, site.loc);
  for (const k of ["lr", "eps", "weightDecay"]) checkNonNeg(who, k, o[k], site);
  const spec: OptimizerSpec = { kind, lr: o.lr, beta1: betas[0] as number, beta2: betas[1] as number, eps: o.eps, weightDecay: o.weightDecay };
  return new OptimizerValue(spec);
}

export const optimNamespace = new NamespaceValue(
  "optim",
  new Map<string, Value>([
    ["SGD", new BuiltinClass("optim.SGD", sgd)],
    ["Adam", new BuiltinClass("optim.Adam", (a, s) => adam("Adam", a, s))],
    ["AdamW", new BuiltinClass("optim.AdamW", (a, s) => adam("AdamW", a, s))],
  ]),
);

/** new Training(Model, { loss, optimizer }) */
export const trainingClass = new BuiltinClass("Training", (args, site) => {
  const who = "Training";
  const b = bindArgs(who, [arg("model", "any"), arg("options", "any")], args, site);
  if (!(b.model instanceof ClassValue)) fail("badTraining", `${who}: the first argument must be your model class, got ${describe(b.model)}`, argLoc(site, 0, args.length));
  if (!(b.options instanceof ObjectValue)) fail("badTraining", `${who}: the second argument must be { loss, optimizer }`, argLoc(site, 1, args.length));
  const o = bindOptions(who, [arg("loss", "any"), arg("optimizer", "any")], b.options, site);
  const lossOk = o.loss instanceof FunctionValue || (o.loss instanceof ModuleValue && /Loss$/.test(o.loss.typeName));
  if (!lossOk)
    fail("badTraining", `${who}: loss must be a loss module (new nn.CrossEntropyLoss()) or a function (output, target) => tensor, got ${describe(o.loss)}`, keyLoc(site, "loss", "value"));
  if (!(o.optimizer instanceof OptimizerValue))
    fail("badTraining", `${who}: optimizer must be new optim.SGD(...), optim.Adam(...) or optim.AdamW(...), got ${describe(o.optimizer)}`, keyLoc(site, "optimizer", "value"));
  return new TrainingValue(b.model, o.loss, o.optimizer, site.loc, keyLoc(site, "loss", "value"));
});
