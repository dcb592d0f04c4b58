import { fail, type SourceLoc } from "../diagnostics/diagnostic.ts";
import type { Init } from "../ir/node.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { LayerParamRef, ModuleValue, ParameterValue, type Value } from "./values.ts";

// copy.deepcopy of a module, as PyTorch's _get_clones makes nn.TransformerEncoder's and
// nn.TransformerDecoder's layers from the one layer given: every copy holds the given layer's
// settings, children and parameters — the same numbers. tsdp draws a parameter's values when the
// model is registered, so a copy's parameters are linked to the first copy's (p.copy_(q)'s link,
// parameter-init.ts): registration gives them the first copy's random stream.

/**
 * `n` deep copies of `m` (a built-in layer or a module of the user's class), each parameter of
 * copy k > 0 drawing copy 0's numbers. A parameter whose draw cannot be repeated into another
 * (orthogonal_, sparse_, a draw in parts) is refused, as p.copy_(q) refuses one.
 */
export function deepCopies(m: ModuleValue, n: number, em: GraphEmitter, who: string, at: SourceLoc): ModuleValue[] {
  const copies = Array.from({ length: n }, () => cloneModule(m, who, at));
  for (let k = 1; k < n; k++) linkDraws(copies[k], copies[0], em, who, at);
  return copies;
}

/** A module and its children again: the same settings, initializers and methods, new state. */
function cloneModule(m: ModuleValue, who: string, at: SourceLoc): ModuleValue {
  if (m.plain || m.distribution || m.transform || m.tied.size > 0 || m.computed.size > 0 || m.removedParams.size > 0)
    fail("unsupportedSyntax", `${who}: ${m.typeName} ${m.tied.size > 0 ? "ties a parameter to another module's" : m.computed.size > 0 || m.removedParams.size > 0 ? "computes a parameter in forward (weight norm, spectral norm, a deleted parameter)" : "is not an nn.Module"}, which tsdp does not copy (PyTorch's copy.deepcopy of the layer); build the layers yourself in an nn.ModuleList`, at);
  const copy = new ModuleValue(m.kind, m.typeName, m.createdAt, m.cls, [...m.params], [...m.buffers], m.forward, m.summary);
  copy.config = m.config;
  copy.defaults = m.defaults;
  copy.statics = m.statics;
  copy.layerType = m.layerType;
  copy.rewriteSetting = m.rewriteSetting;
  copy.sequential = m.sequential;
  copy.dictLike = m.dictLike;
  copy.methodNames = m.methodNames;
  copy.modes = m.modes;
  copy.optional = m.optional;
  for (const local of m.frozen) copy.frozen.add(local);
  for (const local of m.absent) copy.absent.add(local);
  for (const [name, persistent] of m.registeredBuffers) copy.registeredBuffers.set(name, persistent);
  for (const [name, c] of m.constantBuffers) copy.constantBuffers.set(name, c);
  for (const [name, v] of m.fields) copy.fields.set(name, cloneValue(v, who, at));
  return copy;
}

/** A field's value in the copy: modules and parameters copied, lists of them element by element; numbers, strings and settings shared. */
function cloneValue(v: Value, who: string, at: SourceLoc): Value {
  if (v instanceof ModuleValue) return cloneModule(v, who, at);
  if (v instanceof ParameterValue) {
    const p = new ParameterValue(v.shape, v.init, v.createdAt, v.frozen, v.buffer, v.computed);
    p.intTable = v.intTable;
    p.persistent = v.persistent;
    p.dtype = v.dtype;
    return p;
  }
  if (Array.isArray(v)) return v.map((e) => cloneValue(e, who, at));
  return v;
}

/** Links every parameter of `copy` to the same one of `first` (trees of the same shape: both are clones of one module). */
function linkDraws(copy: ModuleValue, first: ModuleValue, em: GraphEmitter, who: string, at: SourceLoc): void {
  for (const p of first.params) link(new LayerParamRef(copy, p.local), new LayerParamRef(first, p.local), p.init, em, who, at);
  for (const [name, v] of first.fields) linkValue(copy.fields.get(name)!, v, em, who, at);
}

function linkValue(copy: Value, first: Value, em: GraphEmitter, who: string, at: SourceLoc): void {
  if (first instanceof ModuleValue) linkDraws(copy as ModuleValue, first, em, who, at);
  else if (first instanceof ParameterValue) link(copy as ParameterValue, first, first.init, em, who, at);
  else if (Array.isArray(first)) first.forEach((e, i) => linkValue((copy as Value[])[i], e, em, who, at));
}

function link(target: LayerParamRef | ParameterValue, source: LayerParamRef | ParameterValue, init: Init, em: GraphEmitter, who: string, at: SourceLoc): void {
  if (init.kind === "constant" || init.kind === "values") return;
  if (init.kind !== "uniform" && init.kind !== "normal")
    fail("unsupportedSyntax", `${who}: the layer holds a parameter whose initial values (${init.kind === "parts" ? "set part by part" : init.kind === "sliceNorm" ? "weight norm's" : `nn.init.${init.kind}_`}) tsdp does not repeat into the layer's copies (PyTorch's copies hold the same numbers); initialize it with nn.init's uniform or normal laws (a layer's default is one), or build the layers yourself in an nn.ModuleList`, at);
  em.parameterCopies.push({ target, source, init });
}
