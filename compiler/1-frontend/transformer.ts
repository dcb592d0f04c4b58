import { fail } from "../diagnostics/diagnostic.ts";
import { arg, bindArgs, CallProblems, locOfArg, opt, type Bound } from "./args.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { lowerings } from "./functional.ts";
import { multiheadAttentionLayer } from "./multihead-attention.ts";
import { x, type LayerSpec } from "./layer-spec.ts";
import { BuiltinClass, BuiltinFunction, describe, ModuleValue, ObjectValue, TensorValue, type CallSite, type Value } from "./values.ts";

// nn.TransformerEncoderLayer and nn.TransformerEncoder, as PyTorch's torch/nn/modules/transformer.py
// builds them: the layer's children self_attn (nn.MultiheadAttention), linear1, dropout, linear2,
// norm1, norm2, dropout1, dropout2, registered in that order, so the state_dict names are
// PyTorch's (layers.0.self_attn.in_proj_weight, layers.0.linear1.weight, layers.0.norm1.bias, …),
// each with its own layer's initialization. The encoder stacks numLayers copies of the layer it is
// given in an nn.ModuleList `layers`, then an optional final `norm`.
//
// One difference from PyTorch: its copies are copy.deepcopy of the given layer, so every layer
// starts from the same values; here each copy keeps the layer's settings and initializers (an
// nn.init applied to the given layer included) but draws its own values.

/** The built-in layers a transformer layer is made of, from layers.ts (which imports this file). */
export interface TransformerParts {
  readonly Linear: LayerSpec;
  readonly Dropout: LayerSpec;
  readonly LayerNorm: LayerSpec;
}

/** A call's options object ({ attnMask, … }) as model code would write it, the null ones left out. */
function callOptions(entries: Record<string, Value>): ObjectValue {
  return new ObjectValue(new Map(Object.entries(entries).filter(([, v]) => v !== null && v !== undefined)));
}

/** Calls a child layer of `self` under its own module path, as a call in user code would. */
function callChild(self: ModuleValue, name: string, args: Value[], site: CallSite, em: GraphEmitter): Value {
  const child = self.fields.get(name) as ModuleValue;
  return em.within(child.path!, () => child.forward!(child, args, site));
}

/** The feed-forward block's activation: PyTorch's "relu" or "gelu", or F.relu / F.gelu themselves. */
function activationOf(value: Value): "relu" | "gelu" | undefined {
  if (value === "relu" || value === "gelu") return value as "relu" | "gelu";
  if (value instanceof BuiltinFunction && (value.name === "F.relu" || value.name === "F.gelu")) return value.name === "F.relu" ? "relu" : "gelu";
  return undefined;
}

/** nn.TransformerEncoderLayer's constructor checks (PyTorch's wording where it has one), added to `problems`. */
export function checkEncoderLayer(b: Bound, site: CallSite, problems: CallProblems): void {
  const who = "nn.TransformerEncoderLayer";
  if (b.dModel % b.nhead !== 0) problems.add("invalidArgument", `${who}: embed_dim must be divisible by num_heads: dModel ${b.dModel}, nhead ${b.nhead}`, locOfArg(b, "nhead", site));
  if (activationOf(b.activation) === undefined)
    problems.add("invalidArgument", `${who}: activation must be "relu", "gelu", F.relu or F.gelu, got ${describe(b.activation)}`, locOfArg(b, "activation", site));
}

function encoderLayer(parts: TransformerParts): LayerSpec {
  return {
    args: [
      arg("dModel", "posInt"),
      arg("nhead", "posInt"),
      opt("dimFeedforward", "posInt", 2048),
      opt("dropout", "prob", 0.1),
      opt("activation", "any", "relu"),
      opt("layerNormEps", "posNumber", 1e-5),
      opt("batchFirst", "bool", false),
      opt("normFirst", "bool", false),
      opt("bias", "bool", true),
    ],
    children: (b) => {
      const d: number = b.dModel;
      const linear = (inFeatures: number, outFeatures: number) => ({ spec: parts.Linear, typeName: "nn.Linear", args: { inFeatures, outFeatures, bias: b.bias } });
      const dropout = { spec: parts.Dropout, typeName: "nn.Dropout", args: { p: b.dropout, inplace: false } };
      const norm = { spec: parts.LayerNorm, typeName: "nn.LayerNorm", args: { normalizedShape: [d], eps: b.layerNormEps, elementwiseAffine: true, bias: b.bias } };
      return [
        { name: "self_attn", typeName: "nn.MultiheadAttention", spec: multiheadAttentionLayer, args: { embedDim: d, numHeads: b.nhead, dropout: b.dropout, bias: b.bias, batchFirst: b.batchFirst } },
        { name: "linear1", ...linear(d, b.dimFeedforward) },
        { name: "dropout", ...dropout },
        { name: "linear2", ...linear(b.dimFeedforward, d) },
        { name: "norm1", ...norm },
        { name: "norm2", ...norm },
        { name: "dropout1", ...dropout },
        { name: "dropout2", ...dropout },
      ];
    },
    summary: (b) => `${b.dModel}, heads=${b.nhead}, feedforward=${b.dimFeedforward}${b.normFirst ? ", norm first" : ""}`,
    inputs: [x, opt("srcMask", "tensor", null, { nullable: true }), opt("srcKeyPaddingMask", "tensor", null, { nullable: true }), opt("isCausal", "bool", false)],
    forward: (self, b, call, site, em, who) => {
      const act = activationOf(b.activation)!;
      const child = (name: string, ...args: Value[]) => callChild(self, name, args, site, em) as TensorValue;
      const add = (a: TensorValue, c: TensorValue) => em.tensor("add", [a, c], {}, who, site);
      // x + dropout1(self_attn(x, x, x)), the attention's weights not computed
      const attention = (t: TensorValue) => {
        const options = callOptions({ attnMask: call.srcMask, keyPaddingMask: call.srcKeyPaddingMask, needWeights: false, isCausal: call.isCausal });
        const [out] = child("self_attn", t, t, t, options) as unknown as [TensorValue];
        return child("dropout1", out);
      };
      // dropout2(linear2(dropout(activation(linear1(x)))))
      const feedForward = (t: TensorValue) => {
        const hidden = lowerings[act]({ x: child("linear1", t), approximate: "none" }, site, em, who);
        return child("dropout2", child("linear2", child("dropout", hidden)));
      };
      let h: TensorValue = call.x;
      if (b.normFirst) {
        h = add(h, attention(child("norm1", h)));
        h = add(h, feedForward(child("norm2", h)));
      } else {
        h = child("norm1", add(h, attention(h)));
        h = child("norm2", add(h, feedForward(h)));
      }
      return h;
    },
  };
}

/** A built-in layer and its children again, with the same settings and initializers (PyTorch deep-copies). */
function copyLayer(m: ModuleValue): ModuleValue {
  const copy = new ModuleValue("layer", m.typeName, m.createdAt, undefined, [...m.params], [...m.buffers], m.forward, m.summary);
  for (const local of m.frozen) copy.frozen.add(local);
  for (const local of m.absent) copy.absent.add(local);
  for (const [name, v] of m.fields) copy.fields.set(name, v instanceof ModuleValue ? copyLayer(v) : v);
  return copy;
}

/** nn.TransformerEncoder(encoderLayer, numLayers, { norm }): `layers` (numLayers copies) then `norm`. */
function encoderClass(requireConstruct: (who: string, site: CallSite) => void, em: () => GraphEmitter): BuiltinClass {
  const who = "nn.TransformerEncoder";
  return new BuiltinClass(who, (args, site) => {
    requireConstruct(who, site);
    const b = bindArgs(
      who,
      [arg("encoderLayer", "module"), arg("numLayers", "posInt"), opt("norm", "module", null, { nullable: true }), opt("enableNestedTensor", "bool", true), opt("maskCheck", "bool", true)],
      args,
      site,
    );
    const layer = b.encoderLayer;
    if (!(layer instanceof ModuleValue) || layer.kind !== "layer")
      fail("wrongArgumentType", `${who}: encoderLayer must be a built-in layer such as nn.TransformerEncoderLayer, got ${describe(layer)}; for layers of your own, write an nn.ModuleList of them`, locOfArg(b, "encoderLayer", site));
    const forward = (self: ModuleValue, callArgs: Value[], callSite: CallSite): Value => {
      const c = bindArgs(who, [x, opt("mask", "tensor", null, { nullable: true }), opt("srcKeyPaddingMask", "tensor", null, { nullable: true }), opt("isCausal", "bool", false)], callArgs, callSite);
      const options = callOptions({ srcMask: c.mask, srcKeyPaddingMask: c.srcKeyPaddingMask, isCausal: c.isCausal });
      let h: Value = c.x;
      for (const each of (self.fields.get("layers") as ModuleValue).items) h = em().within(each.path!, () => each.forward!(each, [h, options], callSite));
      const norm = self.fields.get("norm");
      return norm instanceof ModuleValue ? callChild(self, "norm", [h], callSite, em()) : h;
    };
    const encoder = new ModuleValue("layer", who, site.loc, undefined, [], [], forward, `${b.numLayers} × ${layer.typeName}`);
    const layers = new ModuleValue("list", "nn.ModuleList", site.loc);
    for (let i = 0; i < b.numLayers; i++) layers.fields.set(String(i), copyLayer(layer));
    encoder.fields.set("layers", layers);
    if (b.norm instanceof ModuleValue) encoder.fields.set("norm", b.norm);
    return encoder;
  });
}

/** The transformer layers of nn, built from layers.ts's Linear, Dropout and LayerNorm. */
export function transformerLayers(parts: TransformerParts): Record<string, LayerSpec> {
  return { TransformerEncoderLayer: encoderLayer(parts) };
}

export { encoderClass as transformerEncoderClass };
