import { fail } from "../diagnostics/diagnostic.ts";
import { BuiltinFunction, type CallSite, type ModuleValue, type ParamDecl } from "./values.ts";

// PyTorch's reset_parameters() of a built-in layer (PyG's and SchNet's reset_parameters call it on
// their Linear and Embedding children; a custom init re-run after a change): each parameter goes
// back to the layer's default initialization, and a norm layer's running statistics to their start
// (BatchNorm's reset_parameters calls reset_running_stats). tsdp's parameters are initializers, so
// this puts back the ones the layer's spec declared, over any nn.init written since.

const NAMES = new Set(["resetParameters", "reset_parameters"]);

/** The layer's reset method for `name`, or undefined when `name` is not one or `m` has no spec defaults. */
export function layerResetMethod(m: ModuleValue, name: string, requireConstruct: (who: string, site: CallSite) => void): BuiltinFunction | undefined {
  if (!NAMES.has(name) || !m.defaults) return undefined;
  const defaults = m.defaults;
  const who = `${m.typeName}.${name}`;
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
