import { CompileError, fail, type SourceLoc } from "../diagnostics/diagnostic.ts";
import { formatShape, shapeEq } from "../ir/shape.ts";
import { splitParameter } from "./parameter-parts.ts";
import { describe, ModuleValue, Poison, TensorValue, type CallSite, type ParamDecl, type Value } from "./values.ts";

// A parameter deleted in the constructor and set as a plain tensor in forward: AWD-LSTM's WeightDrop
// (salesforce/awd-lstm-lm) takes weight_hh_l0 out of an nn.LSTM (`del module._parameters[name]`),
// registers its values as weight_hh_l0_raw, and before each call sets `module.weight_hh_l0 =
// F.dropout(raw, p)` (DropConnect on the recurrent weights); fastai's WeightDropout does the same
// with delattr. PyTorch's layer then computes with whatever tensor the attribute holds, so the
// dropped-out weight is what the LSTM reads and the gradient reaches the raw parameter through it.
// Here the name becomes a computed parameter of the module (ModuleValue.computed) that reads the
// value forward last set on it in this call; a read before any set is refused, as PyTorch's layer
// would find no such attribute.

/**
 * `m.bias = null` in a constructor on a built-in layer or a class extending one (timm's
 * LayerNormNoBias, LayerNorm2dNoBias and GroupNorm1NoBias: `self.bias = None` after
 * super().__init__; `conv.bias = None`): PyTorch's Module.__setattr__ sets the registered parameter
 * to None, so it leaves parameters() and the state_dict and forward computes without it, as if built
 * with bias=False. False when `name` is none of the layer's parameters (the caller goes on); a
 * parameter forward cannot do without (a Linear's weight, whose None PyTorch's forward fails on) is refused.
 */
export function nullLayerParameter(m: ModuleValue, name: string, snakeName: string, loc: SourceLoc): boolean {
  const decl = m.params.find((p) => p.local === name || p.local === snakeName);
  if (!decl) return false;
  if (!m.optional.has(decl.local))
    fail("unsupportedSyntax", `${m.typeName}.${decl.local} = null: the layer's forward cannot compute without its ${decl.local} (PyTorch's fails on None there); remove it by building another layer, or keep it and zero it with nn.init.zeros_`, loc);
  if (m.tied.has(decl.local) || m.computed.has(decl.local))
    fail("unsupportedSyntax", `${m.typeName}.${decl.local} = null: it is tied to another parameter or computed (weight norm, a parametrization); set it to null before tying it`, loc);
  const params = m.params as ParamDecl[];
  params.splice(params.indexOf(decl), 1);
  m.frozen.delete(decl.local);
  m.absent.add(decl.local);
  return true;
}

/** `delete m._parameters[name]` or `delete m[name]` (delattr) in a constructor: `name` leaves m's parameters. */
export function removeParameter(m: ModuleValue, name: string, set: (m: ModuleValue, name: string) => Value, loc: SourceLoc): void {
  const who = `delete ${m.typeName}.${name}`;
  const split = splitParameter(who, m, name, loc);
  split.replace([]);
  m.removedParams.set(name, split.shape);
  m.computed.set(name, () => {
    const value = set(m, name);
    if (value instanceof TensorValue) return value;
    // its set in forward was refused, and said so: the layer's read abandons quietly
    if (value instanceof Poison) throw new CompileError([]);
    return fail(
      "unsupportedSyntax",
      `${m.typeName}.${name} was deleted from its parameters here, and forward reads it before setting it: set it in forward before the module runs (AWD-LSTM's WeightDrop: \`module.${name} = F.dropout(raw, { p, training: this.training })\`)`,
      loc,
    );
  });
}

/** Refuses, in forward, a value other than a tensor of its shape for `name`, a parameter the constructor deleted. */
export function checkRemovedParameterSet(m: ModuleValue, name: string, value: Value, site: CallSite): void {
  const shape = m.removedParams.get(name)!;
  if (!(value instanceof TensorValue))
    fail("wrongArgumentType", `${m.typeName}.${name} (a parameter deleted in the constructor) takes a tensor in forward, got ${describe(value)}`, site.loc);
  if (!shapeEq(value.node.shape, shape))
    fail("shapeMismatch", `${m.typeName}.${name} is ${formatShape(shape)} (the parameter deleted in the constructor), got a tensor ${formatShape(value.node.shape)}`, site.loc);
}
