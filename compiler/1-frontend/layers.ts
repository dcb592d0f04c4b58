import { convSummary, reversedPaddingTwice } from "./layer-settings.ts";
import { modeOf } from "./module-modes.ts";
import { fail } from "../diagnostics/diagnostic.ts";
import { formatShape } from "../ir/shape.ts";
import { arg, bindArgs, CallProblems, FLOAT64_HINT, keyLoc, locOfArg, opt, type ArgSpec, type Bound } from "./args.ts";
import { compositeLayers, validateComposite } from "./composite-layers.ts";
import { recurrentLayers } from "./recurrent.ts";
import { portLayers } from "./port-layers.ts";
import { moreLayers } from "./more-layers.ts";
import { unpoolLayers } from "./pool-indices.ts";
import { checkConv3d, poolAttributes, volumetricLayers } from "./volumetric.ts";
import { adaptiveMaxPool } from "./port-layers.ts";
import { pairwiseLossLayers, tripletMarginWithDistance, tripletWithDistanceOptions } from "./pairwise-losses.ts";
import { ctcLossLayer } from "./ctc-loss.ts";
import { klDiv, klDivArgs } from "./functional-compositions.ts";
import { callableActivation, checkTransformerArgs, namedActivation, transformerClasses, transformerLayers } from "./transformer.ts";
import { hardtanhRangeProblem } from "./pointwise-composites.ts";
import { fanInUniform, ones, param, param_, x, zeros, type LayerSpec } from "./layer-spec.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { bceArgs, classificationArgs, lowerings, regressionArgs, pool1dArgs, pool2dArgs } from "./functional.ts";
import { poolOptions } from "./pool-options.ts";
import { convInput } from "./composite-layers.ts";
import { normalizeByStatistics, requireValuesPerChannel } from "./functional-batch-norm.ts";
import { ops } from "./composite-ops.ts";
import { paddingModeArg, transposedPaddingModeArg } from "./args.ts";
import { initialValue, initNamespaceMembers, parameterClass, shareStorage } from "./factories.ts";
import { initFromParameter } from "./parameter-init.ts";
import { checkTensorSize } from "./size-limits.ts";
import { checkLayerName } from "./names.ts";
import { parameterDictEntries } from "./parameter-dict.ts";
import { utilsNamespace } from "./weight-norm.ts";
import { inPlaceResult } from "./in-place.ts";
import { renormLookedUpRows } from "./embedding-max-norm.ts";
import { outputPaddingFor } from "./transposed-output-size.ts";
import {
  BuiltinClass,
  BuiltinFunction,
  CollectionValue,
  describe,
  ModeFlag,
  ModuleValue,
  NamespaceValue,
  ObjectValue,
  LayerParamRef,
  ParameterValue,
  TensorValue,
  type CallSite,
  type ParamDecl,
  type Value,
} from "./values.ts";

// The built-in layers of nn: constructor arguments (PyTorch's, camelCased), parameters with
// PyTorch's names, layouts and default initialization, and forward as IR ops.

export interface LayerHost {
  readonly em: GraphEmitter;
  /** Fails unless modules may be created here (constructors and field initializers). */
  requireConstruct(who: string, site: CallSite): void;
  /** Whether forward (or a loss function) is running: where only a layer without state may be created. */
  inForward(): boolean;
  callModule(m: ModuleValue, args: Value[], site: CallSite): Value;
  /** Calls a model file's function, arrow, module or one of tsdp's (a loss's distance function). */
  call(f: Value, args: Value[], site: CallSite): Value;
}

const pair = (p: readonly [number, number]) => (p[0] === p[1] ? `${p[0]}` : `${p[0]}×${p[1]}`);

function activation(lower: keyof typeof lowerings, args: ArgSpec[] = []): LayerSpec {
  return {
    args,
    inputs: [x],
    forward: (_self, b, call, site, em, who) => lowerings[lower]({ ...b, ...call }, site, em, who),
  };
}

function batchNorm(ranks: readonly number[]): LayerSpec {
  return {
    optional: ["weight", "bias"],
    args: [arg("numFeatures", "posInt"), opt("eps", "posNumber", 1e-5), opt("momentum", "prob", 0.1, { nullable: true }), opt("affine", "bool", true), opt("trackRunningStats", "bool", true)],
    state: (b) => ({
      params: b.affine ? [param("weight", [b.numFeatures], ones), param("bias", [b.numFeatures], zeros)] : [],
      buffers: b.trackRunningStats
        ? [param("running_mean", [b.numFeatures], zeros), param("running_var", [b.numFeatures], ones), param("num_batches_tracked", [], zeros, "i64")]
        : [],
    }),
    summary: (b) => `${b.numFeatures}`,
    inputs: [x],
    forward: (self, b, call, site, em, who) => {
      const input: TensorValue = call.x;
      if (!ranks.includes(input.node.shape.length))
        fail("shapeMismatch", `${who} expects a ${ranks.join("-D or ")}-D input, got ${formatShape(input.node.shape)}`, site.loc);
      if (b.trackRunningStats && modeOf(self) !== ModeFlag.value) return heldBatchNorm(self, b, input, site, em, who);
      requireValuesPerChannel(input.node.shape, b.trackRunningStats ? "training" : "always", who, site, em);
      return batchNormOp(self, input, { eps: b.eps, momentum: b.momentum, track: b.trackRunningStats }, site, em, who);
    },
  };
}

/**
 * The batch_norm op over the layer's state. Its affine form takes weight and bias together; a layer
 * left with one of them (`bn.bias = null` in a constructor, PyTorch's F.batch_norm with bias=None)
 * normalizes without them and applies the one it has per channel after, the same computation.
 */
function batchNormOp(self: ModuleValue, input: TensorValue, attrs: Record<string, unknown>, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const [weight, bias] = [param_(self, "weight"), param_(self, "bias")];
  const stats = ["running_mean", "running_var", "num_batches_tracked"].map((n) => param_(self, n)).filter((t): t is TensorValue => t !== null);
  if ((weight === null) === (bias === null)) return em.tensor("batch_norm", [input, ...(weight ? [weight, bias!] : []), ...stats], { ...attrs, affine: weight !== null }, who, site);
  const c = ops(em, who, site);
  const perChannel = (t: TensorValue) => c.reshape(t, input.node.shape.map((d, i) => (i === 1 ? d : 1)));
  const normed = em.tensor("batch_norm", [input, ...stats], { ...attrs, affine: false }, who, site);
  return weight ? c.op("mul", [normed, perChannel(weight)]) : c.op("add", [normed, perChannel(bias!)]);
}

/**
 * A BatchNorm an overridden train(mode) holds in one mode. In eval always (norm_eval), PyTorch's
 * eval formula in both of the model's modes: (x − running_mean)/√(running_var + ε)·w + b, the
 * statistics left as they are and the gradient flowing to x, w and b. Held in train mode, its
 * train-mode kernel in both: the batch's statistics, and the running ones updated by eval forwards too.
 */
function heldBatchNorm(self: ModuleValue, b: Bound, input: TensorValue, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  // held in train mode: PyTorch's train-mode layer in both of the model's modes — the batch's statistics,
  // and the running ones updated in eval forwards too (the kernel's update, as in a training step)
  if (modeOf(self) === true) {
    requireValuesPerChannel(input.node.shape, "always", who, site, em);
    return batchNormOp(self, input, { eps: b.eps, momentum: b.momentum, track: true, heldTrain: true }, site, em, who);
  }
  const [mean, variance] = ["running_mean", "running_var"].map((n) => em.stateValue(self.paramNodes.get(n)!));
  return normalizeByStatistics(ops(em, who, site), input, mean, variance, param_(self, "weight"), param_(self, "bias"), b.eps);
}

const pool2d = (lower: "maxPool2d" | "avgPool2d"): LayerSpec => ({
  args: [...pool2dArgs.slice(1), ...(lower === "maxPool2d" ? poolOptions.maxLayer : poolOptions.avgLayer)],
  summary: (b) => `kernel=${pair(b.kernelSize)}, stride=${pair(b.stride ?? b.kernelSize)}`,
  attributes: poolAttributes,
  inputs: [x],
  forward: (_self, b, call, site, em, who) => lowerings[lower]({ ...b, ...call }, site, em, who),
});

const channelDropoutLayer = (lower: "dropout1d" | "dropout2d" | "dropout3d"): LayerSpec => ({
  args: [opt("p", "prob", 0.5), opt("inplace", "bool", false)],
  summary: (b) => `p=${b.p}`,
  inputs: [x],
  forward: (self, b, call, site, em, who) => lowerings[lower]({ x: call.x, p: b.p, training: modeOf(self) }, site, em, who),
});

/** nn.AvgPool1d keeps its sizes as 1-tuples (`_single(kernel_size)`, the stride the kernel's when not given). */
const avgPool1dAttributes = (b: Bound): Record<string, Value> => ({ kernelSize: [b.kernelSize], stride: [b.stride ?? b.kernelSize], padding: [b.padding] });

const pool1d = (lower: "maxPool1d" | "avgPool1d"): LayerSpec => ({
  args: [...pool1dArgs.slice(1), ...(lower === "maxPool1d" ? poolOptions.maxLayer : poolOptions.avgLayer)],
  summary: (b) => `kernel=${b.kernelSize}, stride=${b.stride ?? b.kernelSize}`,
  attributes: lower === "maxPool1d" ? poolAttributes : avgPool1dAttributes,
  inputs: [x],
  forward: (_self, b, call, site, em, who) => lowerings[lower]({ ...b, ...call }, site, em, who),
});

type LossLowering = "crossEntropy" | "nllLoss" | "mseLoss" | "l1Loss" | "smoothL1Loss" | "huberLoss";
/** A loss module: its constructor's arguments (reduction and `extra` after it, unless given whole), then (input, target). */
const lossLayer = (lower: LossLowering, extra: ArgSpec[] = [], args = [opt("reduction", "string", "mean", { choices: ["mean", "sum", "none"] }), ...extra]): LayerSpec => ({
  args,
  inputs: [arg("input", "tensor"), arg("target", "tensor")],
  forward: (_self, b, call, site, em, who) => lowerings[lower]({ ...b, ...call }, site, em, who),
});

const layers: Record<string, LayerSpec> = {
  Linear: {
    optional: ["bias"],
    args: [arg("inFeatures", "posInt"), arg("outFeatures", "posInt"), opt("bias", "bool", true)],
    state: (b) => ({
      params: [
        param("weight", [b.outFeatures, b.inFeatures], fanInUniform(b.inFeatures)),
        ...(b.bias ? [param("bias", [b.outFeatures], fanInUniform(b.inFeatures))] : []),
      ],
    }),
    summary: (b) => `${b.inFeatures} → ${b.outFeatures}${b.bias ? "" : ", no bias"}`,
    inputs: [x],
    forward: (self, _b, call, site, em, who) =>
      lowerings.linear({ x: call.x, weight: param_(self, "weight"), bias: param_(self, "bias") }, site, em, who),
  },
  Conv2d: {
    optional: ["bias"],
    args: [
      arg("inChannels", "posInt"),
      arg("outChannels", "posInt"),
      arg("kernelSize", "size2"),
      opt("stride", "size2", [1, 1]),
      opt("padding", "convPadding", [0, 0]),
      opt("dilation", "size2", [1, 1]),
      opt("groups", "posInt", 1),
      opt("bias", "bool", true),
      paddingModeArg,
    ],
    state: (b) => {
      const [kh, kw] = b.kernelSize;
      const fanIn = (b.inChannels / b.groups) * kh * kw;
      return {
        params: [
          param("weight", [b.outChannels, b.inChannels / b.groups, kh, kw], fanInUniform(fanIn)),
          ...(b.bias ? [param("bias", [b.outChannels], fanInUniform(fanIn))] : []),
        ],
      };
    },
    summary: (b) => convSummary(b),
    attributes: (b) => ({ _reversed_padding_repeated_twice: reversedPaddingTwice(b.padding, b.sameExtra) }),
    inputs: [x],
    forward: (self, b, call, site, em, who) => {
      const { input, padding } = convInput(call.x, b.padding, b.sameExtra ?? [0, 0], b.paddingMode, site, em, who);
      const ins = [input, param_(self, "weight"), param_(self, "bias")].filter((t) => t !== null);
      return em.tensor("conv2d", ins, { stride: b.stride, padding, dilation: b.dilation, groups: b.groups }, who, site);
    },
  },
  ConvTranspose2d: {
    optional: ["bias"],
    args: [
      arg("inChannels", "posInt"),
      arg("outChannels", "posInt"),
      arg("kernelSize", "size2"),
      opt("stride", "size2", [1, 1]),
      opt("padding", "padding2", [0, 0]),
      opt("outputPadding", "padding2", [0, 0]),
      opt("groups", "posInt", 1),
      opt("bias", "bool", true),
      opt("dilation", "size2", [1, 1]),
      transposedPaddingModeArg,
    ],
    state: (b) => {
      const [kh, kw] = b.kernelSize;
      // PyTorch takes fan_in from the weight's dim 1, here out/groups
      const fanIn = (b.outChannels / b.groups) * kh * kw;
      return {
        params: [
          param("weight", [b.inChannels, b.outChannels / b.groups, kh, kw], fanInUniform(fanIn)),
          ...(b.bias ? [param("bias", [b.outChannels], fanInUniform(fanIn))] : []),
        ],
      };
    },
    summary: (b) => convSummary(b),
    // forward(x, outputSize): PyTorch's output_size, which picks the output padding (U-Net's up path to a skip's size)
    inputs: [x, opt("outputSize", "any", null, { nullable: true })],
    forward: (self, b, call, site, em, who) => {
      const ins = [call.x, param_(self, "weight"), param_(self, "bias")].filter((t) => t !== null);
      const outputPadding = call.outputSize === null ? b.outputPadding : outputPaddingFor(call.outputSize, call.x, { kernelSize: b.kernelSize, stride: b.stride, padding: b.padding, dilation: b.dilation }, site, who);
      const attrs = { stride: b.stride, padding: b.padding, outputPadding, dilation: b.dilation, groups: b.groups };
      return em.tensor("conv_transpose2d", ins, attrs, who, site);
    },
  },
  MaxPool2d: pool2d("maxPool2d"),
  AvgPool2d: pool2d("avgPool2d"),
  AdaptiveAvgPool2d: {
    args: [arg("outputSize", "outputSize2")],
    summary: (b) => pair(b.outputSize.map((d: number | null) => d ?? "None")),
    inputs: [x],
    forward: (_self, b, call, site, em, who) => lowerings.adaptiveAvgPool2d({ ...b, ...call }, site, em, who),
  },
  Flatten: {
    args: [opt("startDim", "int", 1), opt("endDim", "int", -1)],
    inputs: [x],
    forward: (_self, b, call, site, em, who) => lowerings.flatten({ ...b, ...call }, site, em, who),
  },
  Dropout: {
    args: [opt("p", "prob", 0.5), opt("inplace", "bool", false)],
    summary: (b) => `p=${b.p}`,
    inputs: [x],
    forward: (self, b, call, site, em, who) => lowerings.dropout({ x: call.x, p: b.p, training: modeOf(self) }, site, em, who),
  },
  Dropout1d: channelDropoutLayer("dropout1d"),
  Dropout2d: channelDropoutLayer("dropout2d"),
  Dropout3d: channelDropoutLayer("dropout3d"),
  BatchNorm2d: batchNorm([4]),
  BatchNorm1d: batchNorm([2, 3]),
  LayerNorm: {
    optional: ["weight", "bias"],
    args: [arg("normalizedShape", "sizes"), opt("eps", "posNumber", 1e-5), opt("elementwiseAffine", "bool", true), opt("bias", "bool", true)],
    state: (b) => ({
      params: b.elementwiseAffine
        ? [param("weight", b.normalizedShape, ones), ...(b.bias ? [param("bias", b.normalizedShape, zeros)] : [])]
        : [],
    }),
    summary: (b) => `[${b.normalizedShape.join(", ")}]`,
    inputs: [x],
    forward: (self, b, call, site, em, who) => {
      const w = param_(self, "weight");
      const bias = param_(self, "bias");
      const ins = [call.x, w, bias].filter((t) => t !== null);
      return em.tensor("layer_norm", ins, { normalizedShape: b.normalizedShape, eps: b.eps, hasWeight: w !== null, hasBias: bias !== null }, who, site);
    },
  },
  Embedding: {
    // PyTorch's nn.Embedding(num_embeddings, embedding_dim, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse)
    args: [
      arg("numEmbeddings", "posInt"), arg("embeddingDim", "posInt"), opt("paddingIdx", "int", null, { nullable: true }),
      opt("maxNorm", "any", null, { nullable: true }), opt("normType", "number", 2),
      opt("scaleGradByFreq", "flag", null, { nullable: true, refuseTrue: "gradients scaled by the inverse frequency of the words in the batch are not computed" }),
      // sparse: PyTorch's gradient format (the same values as the dense one tsdp computes)
      opt("sparse", "flag", null, { nullable: true }),
    ],
    state: (b) => {
      const pad = b.paddingIdx === null ? undefined : b.paddingIdx < 0 ? b.paddingIdx + b.numEmbeddings : b.paddingIdx;
      return { params: [param("weight", [b.numEmbeddings, b.embeddingDim], pad === undefined ? { kind: "normal", std: 1 } : { kind: "normal", std: 1, zeroRow: pad })] };
    },
    summary: (b) => `${b.numEmbeddings} × ${b.embeddingDim}`,
    inputs: [arg("indices", "tensor")],
    forward: (self, b, call, site, em, who) => {
      // maxNorm: the looked-up rows renormed in the weight first, as PyTorch's forward does (embedding-max-norm.ts)
      // (the weight as state: the tensor every read of it in forward shares)
      const node = self.paramNodes.get("weight");
      if (b.maxNorm !== null) renormLookedUpRows(node && !self.computed.has("weight") ? em.stateValue(node) : param_(self, "weight")!, call.indices, b.maxNorm, b.normType, em, who, site);
      return em.tensor("embedding", [call.indices, param_(self, "weight")!], { paddingIdx: b.paddingIdx }, who, site);
    },
  },
  ReLU: activation("relu", [opt("inplace", "bool", false)]),
  GELU: activation("gelu", [opt("approximate", "string", "none", { choices: ["none", "tanh"] })]),
  Tanh: activation("tanh"),
  Sigmoid: activation("sigmoid"),
  SiLU: activation("silu", [opt("inplace", "bool", false)]),
  LeakyReLU: activation("leakyRelu", [opt("negativeSlope", "number", 0.01), opt("inplace", "bool", false)]),
  Softmax: activation("softmax", [opt("dim", "int", null, { nullable: true })]),
  LogSoftmax: activation("logSoftmax", [opt("dim", "int", null, { nullable: true })]),
  // PyTorch's Identity takes any arguments and ignores them (a stand-in for a layer's constructor)
  Identity: { args: ["a", "b", "c", "d"].map((n) => opt(n, "any", null, { nullable: true })), inputs: [x], forward: (_self, _b, call) => call.x },
  MaxPool1d: pool1d("maxPool1d"),
  AvgPool1d: pool1d("avgPool1d"),
  AdaptiveAvgPool1d: { args: [arg("outputSize", "size1")], summary: (b) => `${b.outputSize}`, inputs: [x], forward: (_self, b, call, site, em, who) => lowerings.adaptiveAvgPool1d({ ...b, ...call }, site, em, who) },
  // PyTorch's order: the class weight first (nn.CrossEntropyLoss(class_weights))
  CrossEntropyLoss: lossLayer("crossEntropy", [], classificationArgs(true)),
  NLLLoss: lossLayer("nllLoss", [], classificationArgs(false)),
  // PyTorch's order: the deprecated size_average and reduce before reduction (HuberLoss has none)
  MSELoss: lossLayer("mseLoss", [], regressionArgs()),
  L1Loss: lossLayer("l1Loss", [], regressionArgs()),
  SmoothL1Loss: lossLayer("smoothL1Loss", [], regressionArgs(opt("beta", "nonNegNumber", 1))),
  HuberLoss: lossLayer("huberLoss", [opt("delta", "posNumber", 1)]),
  // nn.KLDivLoss(reduction="mean", log_target=False): distillation's loss (functional-compositions.ts)
  KLDivLoss: { args: klDivArgs, inputs: [arg("input", "tensor"), arg("target", "tensor")], forward: (_self, b, call, site, em, who) => klDiv({ ...b, ...call }, site, em, who) },
  // weight / posWeight: tensors made at the declaration (F.full([C], 3)), PyTorch's buffers of the loss
  BCELoss: { args: bceArgs(false), inputs: [arg("input", "tensor"), arg("target", "tensor")], forward: (_self, b, call, site, em, who) => lowerings.binaryCrossEntropy({ ...b, ...call }, site, em, who) },
  BCEWithLogitsLoss: { args: bceArgs(true), inputs: [arg("input", "tensor"), arg("target", "tensor")], forward: (_self, b, call, site, em, who) => lowerings.binaryCrossEntropyWithLogits({ ...b, ...call }, site, em, who) },
  Softplus: activation("softplus", [opt("beta", "nonZeroNumber", 1), opt("threshold", "number", 20)]),
  Hardswish: activation("hardswish", [opt("inplace", "bool", false)]),
  Hardsigmoid: activation("hardsigmoid", [opt("inplace", "bool", false)]),
  ReLU6: activation("relu6", [opt("inplace", "bool", false)]),
  Hardtanh: activation("hardtanh", [opt("minVal", "number", -1), opt("maxVal", "number", 1), opt("inplace", "bool", false)]),
  ELU: activation("elu", [opt("alpha", "number", 1), opt("inplace", "bool", false)]),
  SELU: activation("selu", [opt("inplace", "bool", false)]),
  CELU: activation("celu", [opt("alpha", "number", 1), opt("inplace", "bool", false)]),
  Softsign: activation("softsign"),
  Tanhshrink: activation("tanhshrink"),
  Hardshrink: activation("hardshrink", [opt("lambd", "nonNegNumber", 0.5)]),
  Softshrink: activation("softshrink", [opt("lambd", "nonNegNumber", 0.5)]),
  Threshold: activation("threshold", [arg("threshold", "number"), arg("value", "number"), opt("inplace", "bool", false)]),
  Softmin: activation("softmin", [opt("dim", "int", null, { nullable: true })]),
  LogSigmoid: activation("logsigmoid"),
  Mish: activation("mish", [opt("inplace", "bool", false)]),
  ...compositeLayers,
  ...portLayers,
  ...moreLayers,
  ...unpoolLayers,
  ...volumetricLayers((t, size, site, em, who) => adaptiveMaxPool(t, size, 2, site, em, who), batchNorm([4]), compositeLayers.InstanceNorm2d),
  ...pairwiseLossLayers,
  CTCLoss: ctcLossLayer,
  ...recurrentLayers,
};
Object.assign(layers, transformerLayers({ Linear: layers.Linear, Dropout: layers.Dropout, LayerNorm: layers.LayerNorm }));

/** Validations PyTorch makes in constructors, with its wording where it has one; all reported at once. */
function validate(name: string, b: Bound, site: CallSite): void {
  const problems = new CallProblems();
  if (name === "Conv2d") {
    const at = locOfArg(b, "groups", site);
    if (b.inChannels % b.groups !== 0) problems.add("invalidArgument", `nn.Conv2d: inChannels (${b.inChannels}) must be divisible by groups (${b.groups})`, at);
    if (b.outChannels % b.groups !== 0) problems.add("invalidArgument", `nn.Conv2d: outChannels (${b.outChannels}) must be divisible by groups (${b.groups})`, at);
    problems.attempt(() => (b.padding = convPadding(b, site)));
  }
  if (name === "Conv3d" || name === "ConvTranspose3d") problems.attempt(() => checkConv3d(b, site, `nn.${name}`));
  if (name === "Embedding" && b.paddingIdx !== null && (b.paddingIdx >= b.numEmbeddings || b.paddingIdx < -b.numEmbeddings))
    problems.add("invalidArgument", `nn.Embedding: paddingIdx must be within numEmbeddings (${b.numEmbeddings}), got ${b.paddingIdx}`, locOfArg(b, "paddingIdx", site));
  if (name === "Embedding" && b.maxNorm !== null && (typeof b.maxNorm !== "number" || !(b.maxNorm >= 0) || !Number.isFinite(b.maxNorm)))
    problems.add("invalidArgument", `nn.Embedding: maxNorm must be a finite number ≥ 0 or null, got ${b.maxNorm}`, locOfArg(b, "maxNorm", site));
  if (name === "EmbeddingBag" && b.maxNorm !== null)
    problems.add("invalidArgument", `nn.EmbeddingBag: maxNorm is not supported yet (nn.Embedding's is); leave it null, or renormalize the weight yourself: F.noGrad(() => this.bag.weight.renorm_(2, 0, maxNorm)) renorms every row, not only the looked-up ones`, locOfArg(b, "maxNorm", site));
  if (name === "EmbeddingBag" && b._weight !== null)
    problems.add("invalidArgument", "nn.EmbeddingBag: _weight is not supported; start from given rows with nn.EmbeddingBag.fromPretrained(embeddings, { freeze: false }), or copy_ them into .weight in the constructor", locOfArg(b, "_weight", site));
  if ((name === "MaxPool2d" || name === "AvgPool2d") && [0, 1].some((i) => b.padding[i] * 2 > b.kernelSize[i]))
    problems.add("invalidArgument", `nn.${name}: padding ${pair(b.padding)} must be at most half the kernel ${pair(b.kernelSize)}`, locOfArg(b, "padding", site));
  // nn.Hardtanh asserts in its constructor; F.hardtanh checks at its call (pointwise-composites.ts)
  if (name === "LSTM" && b.projSize >= b.hiddenSize) problems.add("invalidArgument", `nn.LSTM: projSize (${b.projSize}) must be smaller than hiddenSize (${b.hiddenSize}), as PyTorch requires`, locOfArg(b, "projSize", site));
  if (name === "TransformerEncoderLayer" || name === "TransformerDecoderLayer") checkTransformerArgs(name, b, site, problems);
  const hardtanh = name === "Hardtanh" ? hardtanhRangeProblem("nn.Hardtanh", b) : undefined;
  if (hardtanh) problems.add("invalidArgument", hardtanh, locOfArg(b, "maxVal", site));
  problems.throwIfAny();
  validateComposite(name, b, site);
}

/**
 * Conv2d's padding as a pair: "valid" is 0, "same" needs stride 1 — half of dilation·(k − 1) on
 * each side, and an odd one left over (an even kernel) in b.sameExtra, padded after (convInput).
 */
function convPadding(b: Bound, site: CallSite): [number, number] {
  const p = b.padding;
  const at = locOfArg(b, "padding", site);
  if (p === "valid") return [0, 0];
  if (p === "same") {
    if (b.stride[0] !== 1 || b.stride[1] !== 1) fail("invalidArgument", `nn.Conv2d: padding "same" needs stride 1, got stride ${pair(b.stride)}`, at);
    const total = [0, 1].map((i) => b.dilation[i] * (b.kernelSize[i] - 1));
    b.sameExtra = total.map((t) => t % 2);
    return [Math.floor(total[0] / 2), Math.floor(total[1] / 2)];
  }
  return p;
}

/** Parameters and buffers must fit the generated code's 32-bit indices, as the runtime requires. */
function checkStateSize(who: string, state: { params?: ParamDecl[]; buffers?: ParamDecl[] }, site: CallSite): void {
  for (const p of [...(state.params ?? []), ...(state.buffers ?? [])]) checkTensorSize(p.shape, `${who}'s ${p.local}`, site.loc);
}

/**
 * PyTorch's factory keywords of a layer with state (nn.Linear(…, device=None, dtype=None), deepxde's
 * Linear(…, dtype=config.real(torch))): the model's parameters live where load() puts them, in
 * float32, so device is any and dtype float32; another dtype is refused. Taken out of the trailing
 * options object before the layer's own arguments bind.
 */
function withoutFactoryKwargs(who: string, args: Value[], site: CallSite): Value[] {
  const last = args[args.length - 1];
  if (!(last instanceof ObjectValue) || !(last.props.has("device") || last.props.has("dtype"))) return args;
  const dtype = last.props.get("dtype");
  if (dtype !== undefined && dtype !== null && dtype !== "float32" && dtype !== "float")
    fail("invalidArgument", `${who}: dtype ${typeof dtype === "string" ? JSON.stringify(dtype) : describe(dtype)}: a layer's parameters are float32 in tsdp${dtype === "float64" || dtype === "double" ? FLOAT64_HINT : ""}`, keyLoc(site, "dtype", "value"));
  const rest = new Map([...last.props].filter(([k]) => k !== "device" && k !== "dtype"));
  return rest.size ? [...args.slice(0, -1), new ObjectValue(rest)] : args.slice(0, -1);
}

function layerClass(name: string, spec: LayerSpec, host: LayerHost): BuiltinClass {
  const who = `nn.${name}`;
  const construct = (args: Value[], site: CallSite) => {
    const inForward = host.inForward();
    if (!inForward) host.requireConstruct(who, site);
    let b = bindArgs(who, spec.args, spec.state ? withoutFactoryKwargs(who, args, site) : args, site);
    // validation turns padding "same" into numbers; the attribute stays the string, as PyTorch's
    const padding = b.padding;
    const written = { ...b };
    validate(name, b, site);
    // a transformer layer's activation written in the model file (an arrow, a function, a module): called through the host
    const act: Value = b.activation;
    if (name.startsWith("Transformer") && callableActivation(act)) b = { ...b, activation: new BuiltinFunction("activation", (callArgs, s) => host.call(act, callArgs, s)) };
    const holder = { b };
    const m = makeLayer(who, spec, b, site, host, holder);
    m.rewriteSetting = settingWriter(name, spec, written, holder);
    // a module given as the activation is the layer's child "activation", as PyTorch's attribute makes it
    if (act instanceof ModuleValue && callableActivation(act)) m.fields.set("activation", act);
    // "relu" and "gelu" read back as the functions they name, as PyTorch's attribute holds F.relu
    if (name.startsWith("Transformer") && (act === "relu" || act === "gelu")) m.config = { ...m.config, activation: namedActivation(act as "relu" | "gelu", host.em) };
    if (typeof padding === "string" && m.config) m.config = { ...m.config, padding };
    if (inForward) statelessInForward(who, m, site);
    return m;
  };
  const statics = name === "Embedding" || name === "EmbeddingBag" ? fromPretrainedStatics(who, construct, host) : undefined;
  return new BuiltinClass(who, construct, statics);
}

/**
 * Layers without state whose forward follows train/eval mode: a new PyTorch module is in train mode
 * whatever model.eval() set. (A norm without running statistics computes alike in both modes; one
 * with them has buffers.)
 */
const MODE_DEPENDENT = /Dropout|RReLU/;

/**
 * A layer created inside forward or a loss function — Hugging Face's `loss_fct = CrossEntropyLoss()`
 * before `loss_fct(logits.view(-1, V), labels.view(-1))`, `nn.Softmax(dim=-1)(scores)` — is a
 * function of its call when it holds no parameters, buffers or children: PyTorch registers nothing
 * for it either. One with state would be a fresh, unregistered (never trained, never saved) layer
 * at every call; one that follows train/eval mode is in PyTorch always in train mode (a new
 * module's `training` is True), which tsdp's model-wide mode cannot give.
 */
function statelessInForward(who: string, m: ModuleValue, site: CallSite): void {
  const state = m.params.length > 0 ? "parameters" : m.buffers.length > 0 ? "buffers" : m.fields.size > 0 ? "child layers" : undefined;
  if (state) fail("moduleOutsideConstructor", `${who} is created inside forward: its ${state} would be new at every call and not part of the model`, site.loc);
  if (MODE_DEPENDENT.test(who))
    fail("moduleOutsideConstructor", `${who} is created inside forward: PyTorch's new module is in train mode whatever model.eval() set; create it in the constructor (it then follows the model's mode), or call its F. function with the mode you mean`, site.loc);
}

/**
 * nn.Embedding.from_pretrained(embeddings, freeze=True, …) (and EmbeddingBag's): the layer of the
 * table's size whose weight starts as the table — a tensor made in the constructor (word vectors
 * computed there, or loaded later into the weight) — frozen unless freeze is false. The other
 * options are the layer's own (paddingIdx, mode, …); the table's padding row is kept, as PyTorch's.
 */
function fromPretrainedStatics(who: string, construct: (args: Value[], site: CallSite) => ModuleValue, host: LayerHost): Map<string, Value> {
  const f = new BuiltinFunction(`${who}.fromPretrained`, (args, site) => {
    const name = `${who}.fromPretrained`;
    host.requireConstruct(name, site);
    const [table, options] = [args[0], args[1]];
    if (args.length > 2) fail("wrongArgumentCount", `${name} takes the table and an options object ({ freeze, paddingIdx, … })`, site.loc);
    if (options !== undefined && !(options instanceof ObjectValue)) fail("wrongArgumentType", `${name}: the second argument is an options object ({ freeze, paddingIdx, … }), got ${describe(options)}`, site.loc);
    // PyTorch's from_pretrained makes the weight a Parameter of the table itself (its storage)
    const { shape, init } = initialValue(host.em, name, shareStorage(table), site.loc);
    if (shape.length !== 2) fail("shapeMismatch", `${name}: embeddings must be 2-D [num, dim], got [${shape.join(", ")}]`, site.loc);
    const rest = new Map<string, Value>(options?.props ?? []);
    const freeze = rest.get("freeze") ?? true;
    rest.delete("freeze");
    if (typeof freeze !== "boolean") fail("wrongArgumentType", `${name}: freeze must be true or false, got ${describe(freeze)}`, site.loc);
    const m = construct(rest.size ? [shape[0], shape[1], new ObjectValue(rest)] : [shape[0], shape[1]], site);
    const params = m.params as ParamDecl[];
    const at = params.findIndex((p) => p.local === "weight");
    params[at] = { ...params[at], init };
    if (freeze) m.frozen.add("weight");
    return m;
  });
  return new Map([["fromPretrained", f], ["from_pretrained", f]]);
}

/** The module of a layer from its bound, checked arguments; its child layers made the same way. */
function makeLayer(who: string, spec: LayerSpec, b: Bound, site: CallSite, host: LayerHost, holder: { readonly b: Bound } = { b }): ModuleValue {
  const state = spec.state?.(b) ?? {};
  checkStateSize(who, state, site);
  const forward = (self: ModuleValue, callArgs: Value[], callSite: CallSite) => {
    // the settings as they are when forward runs: a write in the constructor after the layer was made changes them
    const b = holder.b;
    const call = bindArgs(who, spec.inputs ?? [], callArgs, callSite);
    const result = spec.forward(self, b, call, callSite, host.em, who);
    // nn.ReLU(inplace=True) and kin overwrite their input in PyTorch: it takes over the result (in-place.ts)
    return b.inplace === true && call.x instanceof TensorValue ? inPlaceResult(call.x, result, who, callSite, host.em, "forward") : result;
  };
  const m = new ModuleValue("layer", who, site.loc, undefined, state.params, state.buffers, forward, spec.summary?.(b) ?? "");
  m.config = layerConfig(b, spec);
  // the layers with state are those with PyTorch's reset_parameters (not ReLU, Dropout, Identity);
  // copies: nn.init replaces the module's declarations in place (LayerParamRef)
  if (spec.state) m.defaults = { params: [...(state.params ?? [])], buffers: [...(state.buffers ?? [])] };
  for (const local of spec.optional ?? []) if (!state.params?.some((p) => p.local === local)) m.absent.add(local);
  m.optional = new Set(spec.optional ?? []);
  for (const child of spec.children?.(b) ?? []) m.fields.set(child.name, makeLayer(child.typeName, child.spec, child.args, site, host));
  return m;
}

/**
 * A setting written after the layer was made (YOLOv5's initialize_weights: `m.eps = 1e-3;
 * m.momentum = 0.03` for every BatchNorm2d; timm's `m.momentum = bn_momentum`; `m.p = 0.2`): PyTorch's
 * forward reads the attribute, so the layer computes as if constructed with it. That holds where the
 * setting only shapes the computation; one that decides the parameters, buffers or children
 * (BatchNorm's affine and trackRunningStats, a Linear's inFeatures) PyTorch reads only in
 * __init__, so a later write would leave the layer inconsistent: such writes return false (refused
 * by the caller). The value is checked and validated as the constructor checks it.
 */
function settingWriter(name: string, spec: LayerSpec, written: Bound, holder: { b: Bound }): NonNullable<ModuleValue["rewriteSetting"]> {
  const who = `nn.${name}`;
  return (target, setting, value, site) => {
    const argSpec = spec.args.find((a) => a.name === setting);
    if (spec.children || !argSpec) return false;
    const checked = bindArgs(who, [argSpec], [new ObjectValue(new Map([[setting, value]]))], site, true)[setting];
    const nextWritten = { ...written, [setting]: checked };
    const next = { ...nextWritten };
    validate(name, next, site);
    if (!sameState(spec.state?.(holder.b) ?? {}, spec.state?.(next) ?? {})) return false;
    written = nextWritten;
    holder.b = next;
    const config = layerConfig(next, spec);
    // the attribute reads back as written ("same", not the pair validation computes), as construct keeps it
    if (typeof written.padding === "string") config.padding = written.padding;
    target.config = config;
    target.summary = spec.summary?.(next) ?? "";
    return true;
  };
}

/** Whether two derivations of a layer's state declare the same parameters and buffers (names, shapes, dtypes). */
function sameState(a: { params?: ParamDecl[]; buffers?: ParamDecl[] }, b: { params?: ParamDecl[]; buffers?: ParamDecl[] }): boolean {
  const key = (s: typeof a) => JSON.stringify([...(s.params ?? []), ...(s.buffers ?? [])].map((p) => [p.local, p.shape, p.dtype ?? "f32"]));
  return key(a) === key(b);
}

/**
 * A layer's settings as attributes: the bound constructor arguments (sizes as PyTorch's tuples
 * where the binding made them pairs: Conv2d's kernelSize [3, 3]), the spec's own spellings over them.
 */
function layerConfig(b: Bound, spec: LayerSpec): Record<string, Value> {
  const config: Record<string, Value> = {};
  for (const [name, value] of Object.entries({ ...b, ...spec.attributes?.(b) })) if (value !== undefined && !(value instanceof TensorValue)) config[name] = value;
  return config;
}

/** nn.Sequential's forward: each child called on the previous one's result, the first on `args`. */
export function callInOrder(children: readonly ModuleValue[], args: Value[], site: CallSite, callModule: LayerHost["callModule"]): Value {
  let out: Value[] = args;
  for (const child of children) out = [callModule(child, out, site)];
  return out[0];
}

/** An nn.Sequential without children yet (they are its fields "0", "1", … or named ones), its forward calling them in order. */
export function sequentialModule(site: CallSite, callModule: LayerHost["callModule"]): ModuleValue {
  return new ModuleValue("sequential", "nn.Sequential", site.loc, undefined, [], [], (self, callArgs, callSite) => callInOrder(self.items, callArgs, callSite, callModule));
}

/** nn.TripletMarginWithDistanceLoss({ distanceFunction, margin, swap, reduction }): its forward calls the distance function (pairwise-losses.ts). */
function tripletWithDistanceClass(host: LayerHost): BuiltinClass {
  const who = "nn.TripletMarginWithDistanceLoss";
  return new BuiltinClass(who, (args, site) => {
    host.requireConstruct(who, site);
    const b = bindArgs(who, tripletWithDistanceOptions, args, site);
    const forward = (_self: ModuleValue, callArgs: Value[], callSite: CallSite) =>
      tripletMarginWithDistance({ ...b, ...bindArgs(who, ["anchor", "positive", "negative"].map((n) => arg(n, "tensor")), callArgs, callSite) }, host.call, callSite, host.em, who);
    const m = new ModuleValue("layer", who, site.loc, undefined, [], [], forward, `margin=${b.margin}${b.swap ? ", swap" : ""}`);
    // a module given as the distance (nn.PairwiseDistance()) is a child, as PyTorch's attribute makes it
    if (b.distanceFunction instanceof ModuleValue) m.fields.set("distance_function", b.distanceFunction);
    return m;
  });
}

/**
 * nn.Sequential(OrderedDict([("conv", …), ("relu", …)])), written with an object or a Map, and a
 * subclass's super(layers) with one (torchvision's RegNet BottleneckTransform): named children, in
 * the order given. False when the arguments are not one object or Map.
 */
export function setNamedSequentialChildren(seq: ModuleValue, args: Value[], site: CallSite): boolean {
  const named = args.length === 1 && args[0] instanceof ObjectValue ? args[0].props : args.length === 1 && args[0] instanceof CollectionValue && args[0].kind === "Map" ? args[0].entries : undefined;
  if (!named) return false;
  for (const [key, m] of named) {
    const name = String(key);
    if (!(m instanceof ModuleValue)) fail("wrongArgumentType", `nn.Sequential takes modules, '${name}' is ${describe(m)}`, site.loc);
    checkLayerName(name, "a layer", site.loc);
    seq.fields.set(name, m);
  }
  return true;
}

/** nn.Sequential(a, b, c): children "0", "1", "2", called in order. */
function sequentialClass(host: LayerHost): BuiltinClass {
  return new BuiltinClass("nn.Sequential", (args, site) => {
    host.requireConstruct("nn.Sequential", site);
    const seq = sequentialModule(site, (m, a, s) => host.callModule(m, a, s));
    if (setNamedSequentialChildren(seq, args, site)) return seq;
    const items = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
    items.forEach((m, i) => {
      if (!(m instanceof ModuleValue)) fail("wrongArgumentType", `nn.Sequential takes modules, argument ${i + 1} is not one`, site.loc);
      seq.fields.set(String(i), m);
    });
    return seq;
  });
}

/**
 * nn.DataParallel(module, device_ids, output_device, dim) inside a model (muzero-general wraps each of
 * its networks): the wrapped module as the child "module" (its state under "<name>.module.…", as
 * PyTorch's), called as it is. The whole model is already replicated over the devices, so the wrapper
 * splits nothing itself; its device arguments are taken and have no effect. nn.parallel.DataParallel
 * is the same, and nn.parallel.DistributedDataParallel too (its state also "<name>.module.…"; its
 * bucket and process-group options are the harness's, which all-reduces the gradients itself).
 */
function dataParallelClass(host: LayerHost, who = "nn.DataParallel"): BuiltinClass {
  const distributed = who.endsWith("DistributedDataParallel");
  // DDP's further options: its buckets, graph and process group are the harness's (tsdp compile --bucket-cap-mb)
  const ddpOptions = distributed
    ? [opt("broadcastBuffers", "bool", true), ...["processGroup", "bucketCapMb", "findUnusedParameters", "checkReduction", "gradientAsBucketView", "staticGraph", "initSync", "mixedPrecision", "deviceMesh"].map((n) => opt(n, "any", null, { nullable: true }))]
    : [];
  return new BuiltinClass(who, (args, site) => {
    host.requireConstruct(who, site);
    const b = bindArgs(who, [arg("module", "any"), opt("deviceIds", "any", null, { nullable: true }), opt("outputDevice", "any", null, { nullable: true }), opt("dim", "int", 0), ...ddpOptions], args, site);
    // each rank keeping its own buffers has no counterpart: the harness keeps replica 0's (DDP's default)
    if (distributed && b.broadcastBuffers === false)
      fail("invalidArgument", `${who}: broadcastBuffers false keeps each rank's own buffers; tsdp keeps replica 0's on every device and process, as DDP's default broadcastBuffers true does`, locOfArg(b, "broadcastBuffers", site));
    const inner = b.module;
    if (!(inner instanceof ModuleValue)) return fail("wrongArgumentType", `${who} wraps a module, got ${describe(inner)}`, locOfArg(b, "module", site));
    const m = new ModuleValue("layer", who, site.loc, undefined, [], [], (_self, callArgs, callSite) => host.callModule(inner, callArgs, callSite));
    m.fields.set("module", inner);
    return m;
  });
}

/** nn.ModuleList([...]): children "0", "1", ...; iterated and indexed, not called. */
function moduleListClass(host: LayerHost): BuiltinClass {
  return new BuiltinClass("nn.ModuleList", (args, site) => {
    host.requireConstruct("nn.ModuleList", site);
    if (args.length > 1) fail("wrongArgumentCount", `nn.ModuleList takes one array of modules, got ${args.length} arguments`, site.loc);
    const list = new ModuleValue("list", "nn.ModuleList", site.loc);
    const items = args[0] ?? [];
    if (!Array.isArray(items)) fail("wrongArgumentType", "nn.ModuleList takes an array of modules", site.loc);
    for (const m of items) appendModule(list, m, site);
    return list;
  });
}

/**
 * nn.ParameterList([...]) / nn.ParameterDict({ name: p }): a container module whose parameters
 * are its fields "0", "1", … (or by name), registered as "ps.0", "ps.1" as PyTorch names them;
 * indexed (this.ps[0], this.pd.scale), and iterated and measured (length). A dict's entries come
 * in PyTorch's order (parameter-dict.ts: an object literal, a plain dict, sorted by key).
 */
function parameterContainerClass(host: LayerHost, kind: "List" | "Dict"): BuiltinClass {
  const who = `nn.Parameter${kind}`;
  return new BuiltinClass(who, (args, site) => {
    host.requireConstruct(who, site);
    if (args.length > 1) fail("wrongArgumentCount", `${who} takes one ${kind === "List" ? "array" : "object"} of nn.Parameter, got ${args.length} arguments`, site.loc);
    const container = new ModuleValue("user", who, site.loc);
    const given = args[0] ?? (kind === "List" ? [] : new ObjectValue());
    const entries: [string, Value][] =
      kind === "Dict" ? parameterDictEntries(given, site) : Array.isArray(given) ? given.map((p, i) => [String(i), p]) : fail("wrongArgumentType", `${who} takes an array of nn.Parameter, got ${describe(given)}`, site.loc);
    for (const [name, p] of entries) addParameterEntry(container, name, p, site);
    return container;
  });
}

/** An entry of an nn.ParameterList or nn.ParameterDict: a parameter made for it, under its key (a new key last, an existing one in its place). */
export function addParameterEntry(container: ModuleValue, name: string, p: Value, site: CallSite): void {
  const who = container.typeName;
  if (p instanceof LayerParamRef)
    // a layer's own weight shared into a list: PyTorch lists it twice in the state_dict, one tensor
    fail("wrongArgumentType", `${who}: '${name}' is ${describe(p)}, a parameter its layer owns; tsdp's ${who} holds parameters made for it (new nn.Parameter(…)) and does not share a layer's — read it where it lives (this.fc.weight), or iterate the layer's parameters()`, site.loc);
  if (!(p instanceof ParameterValue)) fail("wrongArgumentType", `${who} holds nn.Parameter only; '${name}' is ${describe(p)}`, site.loc);
  if (who === "nn.ParameterDict") checkLayerName(name, "a parameter", site.loc);
  container.fields.set(name, p);
}

/**
 * nn.ModuleDict({ name: module, ... }): children by name, in insertion order; indexed
 * (`this.heads["cls"]` or `this.heads.cls`), iterated (its keys, as Python's), with keys(),
 * values(), items() and has(key); not called. Names are layer names (identifiers).
 */
function moduleDictClass(host: LayerHost): BuiltinClass {
  return new BuiltinClass("nn.ModuleDict", (args, site) => {
    host.requireConstruct("nn.ModuleDict", site);
    if (args.length > 1) fail("wrongArgumentCount", `nn.ModuleDict takes one object of modules, got ${args.length} arguments`, site.loc);
    const dict = new ModuleValue("dict", "nn.ModuleDict", site.loc);
    for (const [name, m] of moduleDictEntries(args[0] ?? new ObjectValue(), site)) setDictEntry(dict, name, m, site);
    return dict;
  });
}

/**
 * The entries of nn.ModuleDict(x) or update(x), in order: an object's (a dict keeps its insertion
 * order in ModuleDict, unlike ParameterDict), a Map's (an OrderedDict), or an array of
 * [name, module] pairs (PyTorch's iterable of pairs).
 */
export function moduleDictEntries(given: Value, site: CallSite, at = site.loc, who = "nn.ModuleDict"): [string, Value][] {
  if (given instanceof ObjectValue) return [...given.props];
  if (given instanceof CollectionValue && given.kind === "Map") return [...given.entries].map(([k, v]) => [String(k), v]);
  if (Array.isArray(given) && given.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === "string")) return given.map((p) => [(p as Value[])[0] as string, (p as Value[])[1]]);
  return fail("wrongArgumentType", `${who} takes an object of modules ({ name: module }), got ${describe(given)}`, at);
}

/** dict[name] = module: a child registered under that name (replacing one of the same name in its place). */
export function setDictEntry(dict: ModuleValue, name: string, m: Value, site: CallSite): void {
  if (!(m instanceof ModuleValue)) fail("wrongArgumentType", `nn.ModuleDict holds modules only; '${name}' is ${describe(m)}`, site.loc);
  checkLayerName(name, "a layer", site.loc);
  dict.fields.set(name, m);
}

/** A module for a list's place: a module, or null in an nn.ModuleList (PyTorch's None entry, no child). */
function listEntry(list: ModuleValue, m: Value, site: CallSite): ModuleValue | null {
  if (m === null && list.kind === "list") return null;
  return m instanceof ModuleValue ? m : fail("wrongArgumentType", `${list.typeName} holds modules${list.kind === "list" ? " (or null)" : ""} only, got ${describe(m)}`, site.loc);
}

export function appendModule(list: ModuleValue, m: Value, site: CallSite): void {
  const entry = listEntry(list, m, site);
  list.fields.set(String(list.elements.length), entry);
}

/**
 * seq[i] = module (PyTorch's Sequential.__setitem__ and ModuleList.__setitem__): the child at
 * position i (negative from the end) replaced, under its name and in its place, so the state_dict
 * keys are the ones a PyTorch model with the replaced layer has (classifier.6.weight).
 */
export function setSequenceItem(seq: ModuleValue, index: number, m: Value, site: CallSite, requireConstruct: (who: string, site: CallSite) => void): void {
  const who = `${seq.typeName}[${index}] = …`;
  requireConstruct(who, site);
  const keys = [...seq.fields].filter(([, v]) => v instanceof ModuleValue || (v === null && seq.kind === "list")).map(([k]) => k);
  const i = index < 0 ? index + keys.length : index;
  if (i < 0 || i >= keys.length) fail("invalidArgument", `${who}: index ${index} is out of range for ${keys.length} modules (PyTorch raises IndexError)`, site.loc);
  seq.fields.set(keys[i], listEntry(seq, m, site));
}

/** nn.ModuleList.insert(index, module), as Python's list.insert: the children renumbered 0, 1, …. */
export function insertModule(list: ModuleValue, index: number, m: Value, site: CallSite): void {
  const entry = listEntry(list, m, site);
  const items = list.elements;
  const at = index < 0 ? Math.max(0, items.length + index) : Math.min(index, items.length);
  items.splice(at, 0, entry);
  list.fields.clear();
  items.forEach((c, i) => list.fields.set(String(i), c));
}

/**
 * The base class. Constructed directly (`self.temb = nn.Module()` in the diffusion codebases) it is
 * an empty container: children assigned to it are registered under its path (temb.dense.0.weight),
 * and, having no forward, it is not called — as PyTorch's, whose forward raises.
 */
export const moduleBase = new BuiltinClass("nn.Module", (args, site) => {
  if (args.length > 0) fail("wrongArgumentCount", `nn.Module() takes no arguments (an empty container; extend nn.Module for a layer of your own), got ${args.length}`, site.loc);
  return new ModuleValue("user", "nn.Module", site.loc);
});

export function nnNamespace(host: LayerHost): NamespaceValue {
  const members = new Map<string, Value>([
    ["Module", moduleBase],
    ["Sequential", sequentialClass(host)],
    ["ModuleList", moduleListClass(host)],
    ["DataParallel", dataParallelClass(host)],
    // torch.nn.parallel's wrappers in a model: the same child "module", the model already replicated
    ["parallel", new NamespaceValue("nn.parallel", new Map<string, Value>([["DataParallel", dataParallelClass(host, "nn.parallel.DataParallel")], ["DistributedDataParallel", dataParallelClass(host, "nn.parallel.DistributedDataParallel")]]))],
    ["ParameterList", parameterContainerClass(host, "List")],
    ["ParameterDict", parameterContainerClass(host, "Dict")],
    ["ModuleDict", moduleDictClass(host)],
    ["Parameter", new BuiltinClass("nn.Parameter", parameterClass(host.em, host.requireConstruct, () => host.inForward(), (p, source, at) => initFromParameter(p, source, host.em, at)))],
    ["init", new NamespaceValue("nn.init", initNamespaceMembers(host.requireConstruct, host.em))],
    ["utils", utilsNamespace(host)],
  ]);
  for (const [name, spec] of Object.entries(layers)) members.set(name, layerClass(name, spec, host));
  members.set("TripletMarginWithDistanceLoss", tripletWithDistanceClass(host));
  // PyTorch's deprecated NLLLoss2d (older segmentation ports): NLLLoss itself, whose [N, C, H, W] form it was
  members.set("NLLLoss2d", members.get("NLLLoss")!);
  const build = (name: string, args: Value[], site: CallSite) => layerClass(name, layers[name], host).construct(args, site) as ModuleValue;
  for (const [name, cls] of transformerClasses({ requireConstruct: host.requireConstruct, em: () => host.em, build, callModule: (m, a, s) => host.callModule(m, a, s) })) members.set(name, cls);
  return new NamespaceValue("nn", members);
}
