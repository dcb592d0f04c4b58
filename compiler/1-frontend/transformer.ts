import { fail } from "../diagnostics/diagnostic.ts";
import { arg, bindArgs, CallProblems, locOfArg, opt, type ArgSpec, type Bound } from "./args.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { lowerings } from "./functional.ts";
import { deepCopies } from "./module-clone.ts";
import { multiheadAttentionLayer } from "./multihead-attention.ts";
import { x, xavierUniform, type LayerSpec } from "./layer-spec.ts";
import { BuiltinClass, BuiltinFunction, describe, FunctionValue, ModuleValue, ObjectValue, TensorValue, type CallSite, type ParamDecl, type Value } from "./values.ts";

// nn.TransformerEncoderLayer, nn.TransformerDecoderLayer, nn.TransformerEncoder,
// nn.TransformerDecoder and nn.Transformer, as PyTorch's torch/nn/modules/transformer.py builds
// them. A layer's children are registered in PyTorch's order — encoder: self_attn, linear1,
// dropout, linear2, norm1, norm2, dropout1, dropout2; decoder: self_attn, multihead_attn, linear1,
// dropout, linear2, norm1, norm2, norm3, dropout1, dropout2, dropout3 — so the state_dict names
// are PyTorch's (layers.0.self_attn.in_proj_weight, layers.0.linear1.weight, …), each with its own
// layer's initialization. A stack holds numLayers copies of the layer it is given in an
// nn.ModuleList `layers`, then an optional final `norm`; nn.Transformer is an encoder stack and a
// decoder stack, each ending in a LayerNorm, with xavier_uniform_ on every parameter of 2 or
// more dims (its _reset_parameters).
//
// Its copies are copy.deepcopy of the given layer, as PyTorch's _get_clones: every layer starts from
// the same values (module-clone.ts), the given layer's settings and initializers (an nn.init applied
// to it included); nn.Transformer's xavier_uniform_ then draws each matrix anew, as PyTorch's
// _reset_parameters does after the copies.

/** The built-in layers a transformer layer is made of, from layers.ts (which imports this file). */
export interface TransformerParts {
  readonly Linear: LayerSpec;
  readonly Dropout: LayerSpec;
  readonly LayerNorm: LayerSpec;
}

/** What the stack classes need from layers.ts: the constructor check, the emitter, and building a layer by name. */
export interface TransformerHost {
  requireConstruct(who: string, site: CallSite): void;
  em(): GraphEmitter;
  /** A built-in layer (nn.<name>) from its constructor arguments, checked as `new nn.<name>(...)` would be. */
  build(name: string, args: Value[], site: CallSite): ModuleValue;
  /** Calls a module as model code does (its hooks, a user class's forward): how a stack calls its layers, as PyTorch's calls mod(…). */
  callModule(m: ModuleValue, args: Value[], site: CallSite): Value;
}

/** A call's options object ({ attnMask, … }) as model code would write it, the null ones left out. */
function callOptions(entries: Record<string, Value>): ObjectValue {
  return new ObjectValue(new Map(Object.entries(entries).filter(([, v]) => v !== null && v !== undefined)));
}

/** Calls a child module of `self` under its own module path, as a call in user code would. */
function callChild(self: ModuleValue, name: string, args: Value[], site: CallSite, em: GraphEmitter): Value {
  return callModule(self.fields.get(name) as ModuleValue, args, site, em);
}

function callModule(m: ModuleValue, args: Value[], site: CallSite, em: GraphEmitter): Value {
  return em.within(m.path!, () => m.forward!(m, args, site));
}

/**
 * The feed-forward block's activation: PyTorch's "relu" or "gelu" (F.relu / F.gelu themselves too,
 * lowered as those), or any other callable of a tensor — F.silu, an arrow, a module (layers.ts
 * wraps a model file's function or module as a built-in that calls it).
 */
function activationOf(value: Value): "relu" | "gelu" | BuiltinFunction | undefined {
  if (value === "relu" || value === "gelu") return value as "relu" | "gelu";
  if (value instanceof BuiltinFunction && (value.name === "F.relu" || value.name === "F.gelu")) return value.name === "F.relu" ? "relu" : "gelu";
  if (value instanceof BuiltinFunction) return value;
  return undefined;
}

/**
 * The function a string activation names, as PyTorch's layer keeps it (`self.activation = F.relu`
 * for "relu"): what a subclass's own forward calls, `this.activation(this.linear1(x))`.
 */
export function namedActivation(name: "relu" | "gelu", em: GraphEmitter): BuiltinFunction {
  const who = `F.${name}`;
  return new BuiltinFunction(who, (args, site) => {
    const t = args[0];
    if (args.length !== 1 || !(t instanceof TensorValue)) return fail("wrongArgumentType", `${who} (the layer's activation) takes one tensor, got ${args.map(describe).join(", ") || "nothing"}`, site.loc);
    return lowerings[name]({ x: t, approximate: "none", inplace: false }, site, em, who);
  });
}

/** A transformer layer's activation argument that is a model file's function or module: callable through `call`. */
export function callableActivation(value: Value): value is FunctionValue | ModuleValue {
  return value instanceof FunctionValue || value instanceof ModuleValue;
}

function applyActivation(f: BuiltinFunction, t: TensorValue, site: CallSite, who: string): TensorValue {
  const out = f.call([t], site);
  if (!(out instanceof TensorValue) || out.node.dtype !== "f32" || out.node.shape.length !== t.node.shape.length || out.node.shape.some((d, i) => d !== t.node.shape[i]))
    return fail("wrongArgumentType", `${who}: the activation must return a float tensor of its input's shape, got ${describe(out)}`, site.loc);
  return out;
}

/** The constructor checks of the layers and nn.Transformer (PyTorch's wording where it has one), added to `problems`. */
export function checkTransformerArgs(name: string, b: Bound, site: CallSite, problems: CallProblems): void {
  const who = `nn.${name}`;
  if (b.dModel % b.nhead !== 0) problems.add("invalidArgument", `${who}: embed_dim must be divisible by num_heads: dModel ${b.dModel}, nhead ${b.nhead}`, locOfArg(b, "nhead", site));
  if (activationOf(b.activation) === undefined && !callableActivation(b.activation))
    problems.add("invalidArgument", `${who}: activation must be "relu", "gelu" or a function of a tensor (F.silu, an arrow, a module), got ${describe(b.activation)}`, locOfArg(b, "activation", site));
}

/** The settings every transformer layer and nn.Transformer share, after dModel and nhead (and nn.Transformer's layer counts). */
const layerOptions: ArgSpec[] = [
  opt("dimFeedforward", "posInt", 2048),
  opt("dropout", "prob", 0.1),
  opt("activation", "any", "relu"),
  opt("layerNormEps", "posNumber", 1e-5),
  opt("batchFirst", "bool", false),
  opt("normFirst", "bool", false),
  opt("bias", "bool", true),
];
const layerArgs: ArgSpec[] = [arg("dModel", "posInt"), arg("nhead", "posInt"), ...layerOptions];

type StackKind = "Encoder" | "Decoder";

/** The decoder's masks and causal flags after (tgt, memory): its layer's, its stack's and nn.Transformer's call options. */
const DECODER_OPTIONS = ["tgtMask", "memoryMask", "tgtKeyPaddingMask", "memoryKeyPaddingMask", "tgtIsCausal", "memoryIsCausal"];

/** A stack's call arguments: the encoder's (src, mask, …), the decoder's (tgt, memory, tgtMask, …), which its layer shares. */
const stackInputs: Record<StackKind, ArgSpec[]> = {
  Encoder: [x, opt("mask", "tensor", null, { nullable: true }), opt("srcKeyPaddingMask", "tensor", null, { nullable: true }), opt("isCausal", "bool", false)],
  Decoder: [x, arg("memory", "tensor"), ...DECODER_OPTIONS.map((n) => (n.endsWith("Causal") ? opt(n, "bool", false) : opt(n, "tensor", null, { nullable: true })))],
};

/** The decoder's options of a bound call, as an options object for the next call down. */
const decoderOptions = (c: Bound) => callOptions(Object.fromEntries(DECODER_OPTIONS.map((n) => [n, c[n]])));

function layerSpec(parts: TransformerParts, decoder: boolean): LayerSpec {
  const norms = decoder ? 3 : 2;
  return {
    args: layerArgs,
    children: (b) => {
      const d: number = b.dModel;
      const linear = (inFeatures: number, outFeatures: number) => ({ spec: parts.Linear, typeName: "nn.Linear", args: { inFeatures, outFeatures, bias: b.bias } });
      const dropout = { spec: parts.Dropout, typeName: "nn.Dropout", args: { p: b.dropout, inplace: false } };
      const norm = { spec: parts.LayerNorm, typeName: "nn.LayerNorm", args: { normalizedShape: [d], eps: b.layerNormEps, elementwiseAffine: true, bias: b.bias } };
      const attention = { typeName: "nn.MultiheadAttention", spec: multiheadAttentionLayer, args: { embedDim: d, numHeads: b.nhead, dropout: b.dropout, bias: b.bias, batchFirst: b.batchFirst } };
      return [
        { name: "self_attn", ...attention },
        ...(decoder ? [{ name: "multihead_attn", ...attention }] : []),
        { name: "linear1", ...linear(d, b.dimFeedforward) },
        { name: "dropout", ...dropout },
        { name: "linear2", ...linear(b.dimFeedforward, d) },
        ...Array.from({ length: norms }, (_, i) => ({ name: `norm${i + 1}`, ...norm })),
        ...Array.from({ length: norms }, (_, i) => ({ name: `dropout${i + 1}`, ...dropout })),
      ];
    },
    summary: (b) => `${b.dModel}, heads=${b.nhead}, feedforward=${b.dimFeedforward}${b.normFirst ? ", norm first" : ""}`,
    inputs: decoder ? stackInputs.Decoder : [x, opt("srcMask", "tensor", null, { nullable: true }), opt("srcKeyPaddingMask", "tensor", null, { nullable: true }), opt("isCausal", "bool", false)],
    forward: (self, b, call, site, em, who) => {
      const act = activationOf(b.activation)!;
      const child = (name: string, ...args: Value[]) => callChild(self, name, args, site, em) as TensorValue;
      const add = (a: TensorValue, c: TensorValue) => em.tensor("add", [a, c], {}, who, site);
      // dropout_k(attn(q, kv, kv)), the attention's weights not computed
      const attend = (name: string, k: number, q: TensorValue, kv: TensorValue, mask: Value, padding: Value, causal: Value) => {
        const options = callOptions({ attnMask: mask, keyPaddingMask: padding, needWeights: false, isCausal: causal });
        const [out] = child(name, q, kv, kv, options) as unknown as [TensorValue];
        return child(`dropout${k}`, out);
      };
      // dropout_k(linear2(dropout(activation(linear1(x)))))
      const feedForward = (t: TensorValue) => {
        const hidden = typeof act === "string" ? lowerings[act]({ x: child("linear1", t), approximate: "none" }, site, em, who) : applyActivation(act, child("linear1", t), site, who);
        return child(`dropout${norms}`, child("linear2", child("dropout", hidden)));
      };
      const blocks: ((t: TensorValue) => TensorValue)[] = decoder
        ? [
            (t) => attend("self_attn", 1, t, t, call.tgtMask, call.tgtKeyPaddingMask, call.tgtIsCausal),
            (t) => attend("multihead_attn", 2, t, call.memory, call.memoryMask, call.memoryKeyPaddingMask, call.memoryIsCausal),
            feedForward,
          ]
        : [(t) => attend("self_attn", 1, t, t, call.srcMask, call.srcKeyPaddingMask, call.isCausal), feedForward];
      // norm first: x + block(norm_k(x)); else norm_k(x + block(x))
      return blocks.reduce((h: TensorValue, block, i) => (b.normFirst ? add(h, block(child(`norm${i + 1}`, h))) : child(`norm${i + 1}`, add(h, block(h)))), call.x);
    },
  };
}

/** nn.TransformerEncoder / nn.TransformerDecoder: `layers` (numLayers copies of the layer), then the optional `norm`. */
function makeStack(kind: StackKind, layer: ModuleValue, numLayers: number, norm: ModuleValue | null, site: CallSite, host: TransformerHost, settings: Record<string, Value> = {}): ModuleValue {
  const em = host.em;
  const who = `nn.Transformer${kind}`;
  const forward = (self: ModuleValue, callArgs: Value[], callSite: CallSite): Value => {
    const c = bindArgs(who, stackInputs[kind], callArgs, callSite);
    const options =
      kind === "Encoder"
        ? callOptions({ srcMask: c.mask, srcKeyPaddingMask: c.srcKeyPaddingMask, isCausal: c.isCausal })
        : decoderOptions(c);
    let h: Value = c.x;
    for (const each of (self.fields.get("layers") as ModuleValue).items) h = host.callModule(each, kind === "Encoder" ? [h, options] : [h, c.memory, options], callSite);
    return self.fields.get("norm") instanceof ModuleValue ? callChild(self, "norm", [h], callSite, em()) : h;
  };
  const stack = new ModuleValue("layer", who, site.loc, undefined, [], [], forward, `${numLayers} × ${layer.typeName}`);
  const layers = new ModuleValue("list", "nn.ModuleList", site.loc);
  deepCopies(layer, numLayers, em(), who, site.loc).forEach((copy, i) => layers.fields.set(String(i), copy));
  stack.fields.set("layers", layers);
  if (norm) stack.fields.set("norm", norm);
  // PyTorch's attributes: num_layers (the encoder's enable_nested_tensor and mask_check too)
  stack.config = { numLayers, ...(kind === "Encoder" ? { enableNestedTensor: true, maskCheck: true } : {}), ...settings };
  return stack;
}

function stackClass(kind: StackKind, host: TransformerHost): BuiltinClass {
  const who = `nn.Transformer${kind}`;
  const layerName = kind === "Encoder" ? "encoderLayer" : "decoderLayer";
  return new BuiltinClass(who, (args, site) => {
    host.requireConstruct(who, site);
    const specs = [arg(layerName, "module"), arg("numLayers", "posInt"), opt("norm", "module", null, { nullable: true })];
    const b = bindArgs(who, kind === "Encoder" ? [...specs, opt("enableNestedTensor", "bool", true), opt("maskCheck", "bool", true)] : specs, args, site);
    // any module, as PyTorch's: nn.Transformer${kind}Layer, or a layer of the user's class (called as
    // PyTorch's stack calls it: (x, { srcMask, srcKeyPaddingMask, isCausal }), the decoder's (x, memory, { tgtMask, … }))
    const layer = b[layerName];
    if (!(layer instanceof ModuleValue) || layer.plain)
      fail("wrongArgumentType", `${who}: ${layerName} must be a module (nn.Transformer${kind}Layer or one of your own), got ${describe(layer)}`, locOfArg(b, layerName, site));
    return makeStack(kind, layer, b.numLayers, b.norm, site, host, kind === "Encoder" ? { enableNestedTensor: b.enableNestedTensor, maskCheck: b.maskCheck } : {});
  });
}

/** xavier_uniform_ on every parameter of 2 or more dims, as nn.Transformer's _reset_parameters. */
function xavierAll(m: ModuleValue): void {
  const params = m.params as ParamDecl[];
  params.forEach((p, i) => {
    if (p.shape.length < 2) return;
    const [out, inp, ...rest] = p.shape as number[];
    const receptive = rest.reduce((a, d) => a * d, 1);
    params[i] = { ...p, init: xavierUniform(inp * receptive, out * receptive) };
  });
  for (const v of m.fields.values()) if (v instanceof ModuleValue) xavierAll(v);
}

/** nn.Transformer: `encoder` and `decoder` stacks, each with a final LayerNorm; forward(src, tgt, masks…). */
function transformerClass(host: TransformerHost): BuiltinClass {
  const who = "nn.Transformer";
  return new BuiltinClass(who, (args, site) => {
    host.requireConstruct(who, site);
    const specs = [
      opt("dModel", "posInt", 512),
      opt("nhead", "posInt", 8),
      opt("numEncoderLayers", "posInt", 6),
      opt("numDecoderLayers", "posInt", 6),
      ...layerOptions.slice(0, 3),
      opt("customEncoder", "any", null, { nullable: true }),
      opt("customDecoder", "any", null, { nullable: true }),
      ...layerOptions.slice(3),
    ];
    const b = bindArgs(who, specs, args, site);
    const problems = new CallProblems();
    checkTransformerArgs("Transformer", b, site, problems);
    for (const custom of ["customEncoder", "customDecoder"])
      if (b[custom] !== null) problems.add("invalidArgument", `${who}: ${custom} is not supported; build the stacks with nn.TransformerEncoder / nn.TransformerDecoder`, locOfArg(b, custom, site));
    problems.throwIfAny();
    const settings = new ObjectValue(new Map(layerOptions.map((s) => [s.name, b[s.name]])));
    const norm = () => host.build("LayerNorm", [b.dModel, new ObjectValue(new Map<string, Value>([["eps", b.layerNormEps], ["bias", b.bias]]))], site);
    const stack = (kind: StackKind, count: number) => makeStack(kind, host.build(`Transformer${kind}Layer`, [b.dModel, b.nhead, settings], site), count, norm(), site, host);
    const forward = (self: ModuleValue, callArgs: Value[], callSite: CallSite): Value => {
      const masks = ["srcMask", "tgtMask", "memoryMask", "srcKeyPaddingMask", "tgtKeyPaddingMask", "memoryKeyPaddingMask"];
      const c = bindArgs(who, [arg("src", "tensor"), arg("tgt", "tensor"), ...masks.map((n) => opt(n, "tensor", null, { nullable: true })), ...["srcIsCausal", "tgtIsCausal", "memoryIsCausal"].map((n) => opt(n, "bool", false))], callArgs, callSite);
      const memory = callChild(self, "encoder", [c.src, callOptions({ mask: c.srcMask, srcKeyPaddingMask: c.srcKeyPaddingMask, isCausal: c.srcIsCausal })], callSite, host.em());
      return callChild(self, "decoder", [c.tgt, memory, decoderOptions(c)], callSite, host.em());
    };
    const model = new ModuleValue("layer", who, site.loc, undefined, [], [], forward, `${b.dModel}, heads=${b.nhead}, ${b.numEncoderLayers} + ${b.numDecoderLayers} layers`);
    // PyTorch's attributes d_model, nhead, batch_first
    model.config = { dModel: b.dModel, nhead: b.nhead, batchFirst: b.batchFirst };
    model.fields.set("encoder", stack("Encoder", b.numEncoderLayers));
    model.fields.set("decoder", stack("Decoder", b.numDecoderLayers));
    xavierAll(model);
    return model;
  }, new Map([["generateSquareSubsequentMask", squareSubsequentMask(host)]]));
}

/**
 * nn.Transformer.generateSquareSubsequentMask(sz, device?, dtype?), in forward: the float causal mask [sz, sz],
 * 0 on and below the diagonal, −∞ above it (PyTorch's generate_square_subsequent_mask).
 */
function squareSubsequentMask(host: TransformerHost): BuiltinFunction {
  const who = "nn.Transformer.generateSquareSubsequentMask";
  return new BuiltinFunction(who, (args, site) => {
    // PyTorch's (sz, device=None, dtype=None): one device here; the mask is float32, PyTorch's default dtype
    const { sz } = bindArgs(who, [arg("sz", "posInt"), opt("device", "any", null, { nullable: true }), opt("dtype", "string", null, { nullable: true, choices: ["float32"] })], args, site);
    const em = host.em();
    const full = (value: number) => em.tensor("full", [], { shape: [sz, sz], value }, who, site);
    const above = em.tensor("triangle", [full(1)], { diagonal: 1, upper: true }, who, site);
    return em.tensor("masked_fill", [full(0), above], { value: -Infinity }, who, site);
  });
}

/** The transformer layers of nn, built from layers.ts's Linear, Dropout and LayerNorm. */
export function transformerLayers(parts: TransformerParts): Record<string, LayerSpec> {
  return { TransformerEncoderLayer: layerSpec(parts, false), TransformerDecoderLayer: layerSpec(parts, true) };
}

/** nn.TransformerEncoder, nn.TransformerDecoder and nn.Transformer. */
export function transformerClasses(host: TransformerHost): Map<string, BuiltinClass> {
  return new Map([
    ["TransformerEncoder", stackClass("Encoder", host)],
    ["TransformerDecoder", stackClass("Decoder", host)],
    ["Transformer", transformerClass(host)],
  ]);
}
