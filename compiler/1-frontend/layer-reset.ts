import { fail } from "../diagnostics/diagnostic.ts";
import { BuiltinFunction, type CallSite, type ModuleValue, type ParamDecl } from "./values.ts";

// PyTorch's reset_parameters() of a built-in layer (PyG's and SchNet's reset_parameters call it on
// their Linear and Embedding children; a custom init re-run after a change): each parameter goes
// back to the layer's default initialization, and a norm layer's running statistics to their start
// (BatchNorm's reset_parameters calls reset_running_stats). tsdp's parameters are initializers, so
// this puts back the ones the layer's spec declared, over any nn.init written since.

const NAMES = new Set(["resetParameters", "reset_parameters"]);

/**
 * The layers whose PyTorch constructor ends with `self.reset_parameters()`: through Python's method
 * lookup a subclass's override runs there instead of the layer's own (a Linear subclass that zeroes
 * its weight, icefall's ScaledLinear). nn.MultiheadAttention and nn.Transformer call
 * `self._reset_parameters()` the same way. Layers not listed have no such call in their constructor.
 */
const RESET_IN_CONSTRUCTOR = new Set(
  ["Linear", "Bilinear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "Embedding", "EmbeddingBag", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LayerNorm", "GroupNorm", "RMSNorm", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "PReLU"].map((n) => `nn.${n}`),
);
const STATS_NAMES = new Set(["resetRunningStats", "reset_running_stats"]);
/** PyTorch's _NormBase layers, which keep running statistics that reset_running_stats() sets back. */
const RUNNING_STATS = new Set(["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"].map((n) => `nn.${n}`));
const PRIVATE_RESET_IN_CONSTRUCTOR = new Set(["nn.MultiheadAttention", "nn.Transformer"]);

/**
 * The method names (PyTorch's, then the model language's camelCase) that the constructor of the
 * built-in layer `typeName` calls on itself when it is done, which a subclass may override; empty
 * where PyTorch's constructor calls none.
 */
export function constructorResetNames(typeName: string): readonly string[] {
  if (RESET_IN_CONSTRUCTOR.has(typeName)) return ["reset_parameters", "resetParameters"];
  if (PRIVATE_RESET_IN_CONSTRUCTOR.has(typeName)) return ["_reset_parameters", "_resetParameters"];
  return [];
}

/** The layer's reset method for `name`, or undefined when `name` is not one or `m` has no spec defaults. */
export function layerResetMethod(m: ModuleValue, name: string, requireConstruct: (who: string, site: CallSite) => void): BuiltinFunction | undefined {
  if (!m.defaults) return undefined;
  const defaults = m.defaults;
  const who = `${m.typeName}.${name}`;
  // a norm layer's reset_running_stats(): its buffers alone (a reset_parameters override calls it first)
  if (STATS_NAMES.has(name) && RUNNING_STATS.has(m.layerType ?? m.typeName))
    return new BuiltinFunction(who, (args, site) => {
      requireConstruct(who, site);
      if (args.length > 0) fail("wrongArgumentCount", `${who} takes no arguments, got ${args.length}`, site.loc);
      m.buffers = restore(m.buffers, defaults.buffers);
      return undefined;
    });
  if (!NAMES.has(name)) return undefined;
  return new BuiltinFunction(who, (args, site) => {
    requireConstruct(who, site);
    if (args.length > 0) fail("wrongArgumentCount", `${who} takes no arguments, got ${args.length}`, site.loc);
    // a tied parameter is another module's: resetting it here would re-initialize that one too, which
    // tsdp's per-declaration initializers cannot express
    const tied = defaults.params.find((d) => m.tied.has(d.local));
    if (tied)
      fail("unknownProperty", `${who}: its '${tied.local}' is tied to another module's parameter; initialize the shared parameter where it is declared (nn.init on it) instead`, site.loc);
    m.params = restore(m.params, defaults.params);
    m.buffers = restore(m.buffers, defaults.buffers);
    return undefined;
  });
}

/** `current` with each declaration the spec made given back its default initializer (shapes never change). */
function restore(current: readonly ParamDecl[], defaults: readonly ParamDecl[]): ParamDecl[] {
  return current.map((d) => {
    const initial = defaults.find((x) => x.local === d.local);
    return initial ? { ...d, init: initial.init } : d;
  });
}
