import { fail } from "../diagnostics/diagnostic.ts";
import { arg, bindArgs, opt, type ArgSpec, type Bound } from "./args.ts";
import type { Emitter } from "./emit.ts";
import { flatten } from "./tensor-methods.ts";
import { BuiltinFunction, ModeFlag, NamespaceValue, TensorValue, type CallSite, type Value } from "./values.ts";

// torch.nn.functional as F. Each entry binds PyTorch's arguments and emits IR ops; the nn
// layers in layers.ts call these same lowerings, so a layer and its functional form agree.

const x = arg("x", "tensor");
type Lowering = (b: Bound, site: CallSite, em: Emitter, who: string) => Value;

interface FunctionalSpec {
  readonly args: readonly ArgSpec[];
  readonly lower: Lowering;
}

const pool2dArgs = [x, arg("kernelSize", "size2"), opt("stride", "size2", null, { nullable: true }), opt("padding", "padding2", [0, 0])];
const reductionArg = opt("reduction", "string", "mean", { choices: ["mean", "sum", "none"] });

export const lowerings = {
  relu: (b: Bound, site: CallSite, em: Emitter, who: string) => em.tensor("relu", [b.x], {}, who, site),
  gelu: (b: Bound, site: CallSite, em: Emitter, who: string) => em.tensor("gelu", [b.x], { approximate: b.approximate }, who, site),
  tanh: (b: Bound, site: CallSite, em: Emitter, who: string) => em.tensor("tanh", [b.x], {}, who, site),
  sigmoid: (b: Bound, site: CallSite, em: Emitter, who: string) => em.tensor("sigmoid", [b.x], {}, who, site),
  silu: (b: Bound, site: CallSite, em: Emitter, who: string) => em.tensor("silu", [b.x], {}, who, site),
  leakyRelu: (b: Bound, site: CallSite, em: Emitter, who: string) =>
    em.tensor("leaky_relu", [b.x], { slope: b.negativeSlope }, who, site),
  softmax: (b: Bound, site: CallSite, em: Emitter, who: string) => em.tensor("softmax", [b.x], { dim: b.dim }, who, site),
  logSoftmax: (b: Bound, site: CallSite, em: Emitter, who: string) => em.tensor("log_softmax", [b.x], { dim: b.dim }, who, site),
  dropout: (b: Bound, site: CallSite, em: Emitter, who: string): Value => {
    if (b.training === false) return b.x;
    const mode = b.training instanceof ModeFlag ? "train" : "always";
    return em.tensor("dropout", [b.x], { p: b.p, mode }, who, site);
  },
  maxPool2d: (b: Bound, site: CallSite, em: Emitter, who: string) =>
    em.tensor("max_pool2d", [b.x], poolAttrs(b), who, site),
  avgPool2d: (b: Bound, site: CallSite, em: Emitter, who: string) =>
    em.tensor("avg_pool2d", [b.x], poolAttrs(b), who, site),
  adaptiveAvgPool2d: (b: Bound, site: CallSite, em: Emitter, who: string) =>
    em.tensor("adaptive_avg_pool2d", [b.x], { outputSize: b.outputSize }, who, site),
  flatten: (b: Bound, site: CallSite, em: Emitter, who: string) => flatten(b.x, b.startDim, b.endDim, who, site, em),
  linear: (b: Bound, site: CallSite, em: Emitter, who: string) => {
    const input: TensorValue = b.x;
    const w: TensorValue = b.weight;
    if (w.node.shape.length !== 2) fail("shapeMismatch", `${who}: weight must be 2-D [out, in]`, site.loc);
    // When x was just flattened, the message names the shape the user sees before the flatten.
    const flattenedFrom = input.node.op === "reshape" ? input.node.inputs[0].shape : undefined;
    const ins = b.bias ? [input, w, b.bias] : [input, w];
    return em.tensor("linear", ins, flattenedFrom ? { flattenedFrom: flattenedFrom as any } : {}, who, site);
  },
  crossEntropy: (b: Bound, site: CallSite, em: Emitter, who: string) =>
    em.tensor("cross_entropy", [b.input, b.target], { reduction: b.reduction, labelSmoothing: b.labelSmoothing }, who, site),
  nllLoss: (b: Bound, site: CallSite, em: Emitter, who: string) =>
    em.tensor("nll_loss", [b.input, b.target], { reduction: b.reduction }, who, site),
  mseLoss: (b: Bound, site: CallSite, em: Emitter, who: string) =>
    em.tensor("mse_loss", [b.input, b.target], { reduction: b.reduction }, who, site),
} satisfies Record<string, Lowering>;

function poolAttrs(b: Bound) {
  return { kernel: b.kernelSize, stride: b.stride ?? b.kernelSize, padding: b.padding };
}

const functional: Record<keyof typeof lowerings, FunctionalSpec> = {
  relu: { args: [x, opt("inplace", "bool", false)], lower: lowerings.relu },
  gelu: { args: [x, opt("approximate", "string", "none", { choices: ["none", "tanh"] })], lower: lowerings.gelu },
  tanh: { args: [x], lower: lowerings.tanh },
  sigmoid: { args: [x], lower: lowerings.sigmoid },
  silu: { args: [x, opt("inplace", "bool", false)], lower: lowerings.silu },
  leakyRelu: { args: [x, opt("negativeSlope", "number", 0.01), opt("inplace", "bool", false)], lower: lowerings.leakyRelu },
  softmax: { args: [x, arg("dim", "int")], lower: lowerings.softmax },
  logSoftmax: { args: [x, arg("dim", "int")], lower: lowerings.logSoftmax },
  // PyTorch's F.dropout defaults to training=True: it drops even in eval mode unless told otherwise.
  dropout: { args: [x, opt("p", "prob", 0.5), opt("training", "trainingFlag", true), opt("inplace", "bool", false)], lower: lowerings.dropout },
  maxPool2d: { args: pool2dArgs, lower: lowerings.maxPool2d },
  avgPool2d: { args: pool2dArgs, lower: lowerings.avgPool2d },
  adaptiveAvgPool2d: { args: [x, arg("outputSize", "size2")], lower: lowerings.adaptiveAvgPool2d },
  // torch.flatten flattens everything by default (startDim 0); nn.Flatten starts at 1.
  flatten: { args: [x, opt("startDim", "int", 0), opt("endDim", "int", -1)], lower: lowerings.flatten },
  linear: { args: [x, arg("weight", "tensor"), opt("bias", "tensor", null, { nullable: true })], lower: lowerings.linear },
  crossEntropy: {
    args: [arg("input", "tensor"), arg("target", "tensor"), reductionArg, opt("labelSmoothing", "prob", 0)],
    lower: lowerings.crossEntropy,
  },
  nllLoss: { args: [arg("input", "tensor"), arg("target", "tensor"), reductionArg], lower: lowerings.nllLoss },
  mseLoss: { args: [arg("input", "tensor"), arg("target", "tensor"), reductionArg], lower: lowerings.mseLoss },
};

export function functionalNamespace(em: Emitter, requireForward: (who: string, site: CallSite) => void): NamespaceValue {
  const members = new Map<string, Value>();
  for (const [name, spec] of Object.entries(functional)) {
    const who = `F.${name}`;
    members.set(
      name,
      new BuiltinFunction(who, (args, site) => {
        requireForward(who, site);
        return spec.lower(bindArgs(who, spec.args, args, site), site, em, who);
      }),
    );
  }
  return new NamespaceValue("F", members);
}
