import { fail } from "../diagnostics/diagnostic.ts";
import type { DrawnInit, Init } from "../ir/node.ts";
import { arg, bindArgs, locOfArg, opt } from "./args.ts";
import { ops } from "./composite-ops.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { rnnUtilsNamespace } from "./packed-sequence.ts";
import { spectralNormFunction } from "./spectral-norm.ts";
import { parametrizeNamespace } from "./parametrize.ts";
import { BuiltinFunction, describe, ModuleValue, NamespaceValue, TensorValue, type CallSite, type ParamDecl, type Value } from "./values.ts";

// torch.nn.utils.weight_norm(module, name="weight", dim=0) (TCN's and WaveNet's convolutions) and
// torch.nn.utils.parametrizations.weight_norm: the layer's weight becomes w = g·v/‖v‖, ‖v‖ the
// 2-norm of each dim-0 row of v, computed in forward wherever the layer (or `this.fc.weight`)
// reads it; g and v are the parameters trained. As PyTorch's, v starts as the weight's initial
// value and g as its rows' norms, so the layer computes what it did before it was wrapped.
// The state_dict names are PyTorch's: weight_g and weight_v after the layer's other parameters,
// or parametrizations.weight.original0 (g) and original1 (v).

interface Host {
  readonly em: GraphEmitter;
  requireConstruct(who: string, site: CallSite): void;
  callModule(m: ModuleValue, args: Value[], site: CallSite): Value;
}

/** nn.utils: weightNorm (and PyTorch's weight_norm), parametrizations.weightNorm, spectralNorm (spectral-norm.ts), parametrize (parametrize.ts), and rnn's packed sequences (packed-sequence.ts). */
export function utilsNamespace(host: Host): NamespaceValue {
  const legacy = weightNormFunction("nn.utils.weightNorm", (name) => [`${name}_g`, `${name}_v`], host);
  const parametrized = weightNormFunction("nn.utils.parametrizations.weightNorm", (name) => [`parametrizations.${name}.original0`, `parametrizations.${name}.original1`], host);
  const spectralParametrized = spectralNormFunction("nn.utils.parametrizations.spectralNorm", host, (l) => [`parametrizations.${l}.original`, `parametrizations.${l}.0._u`, `parametrizations.${l}.0._v`]);
  const parametrizations = new NamespaceValue(
    "nn.utils.parametrizations",
    new Map<string, Value>([["weightNorm", parametrized], ["weight_norm", parametrized], ["spectralNorm", spectralParametrized], ["spectral_norm", spectralParametrized]]),
  );
  const spectral = spectralNormFunction("nn.utils.spectralNorm", host);
  return new NamespaceValue(
    "nn.utils",
    new Map<string, Value>([["weightNorm", legacy], ["weight_norm", legacy], ["spectralNorm", spectral], ["spectral_norm", spectral], ["parametrizations", parametrizations], ["parametrize", parametrizeNamespace(host)], ["rnn", rnnUtilsNamespace(host.em)]]),
  );
}

function weightNormFunction(who: string, names: (name: string) => [string, string], host: Host): BuiltinFunction {
  return new BuiltinFunction(who, (args, site) => {
    host.requireConstruct(who, site);
    const b = bindArgs(who, [arg("module", "any"), opt("name", "string", "weight"), opt("dim", "int", 0, { nullable: true })], args, site);
    const m = b.module;
    if (!(m instanceof ModuleValue) || !m.isLayer) return fail("wrongArgumentType", `${who} takes a layer (nn.Linear, nn.Conv1d, …), got ${describe(m)}`, locOfArg(b, "module", site));
    const decl = m.params.find((p) => p.local === b.name);
    if (!decl) return fail("invalidArgument", `${who}: ${m.typeName} has no parameter '${b.name}' (its parameters: ${m.params.map((p) => p.local).join(", ") || "none"})`, locOfArg(b, "name", site));
    if (m.tied.has(decl.local)) return fail("unsupportedSyntax", `${who}: ${m.typeName}.${decl.local} is tied to another parameter; weight norm would split it in two`, locOfArg(b, "module", site));
    // PyTorch's norm_except_dim over every dim but 0 (its default); another dim or None is refused, not changed
    if (b.dim !== 0 && b.dim !== -decl.shape.length)
      return fail("invalidArgument", `${who}: only dim 0 (each output's row, PyTorch's default) is supported, got ${b.dim}`, locOfArg(b, "dim", site));
    const [gLocal, vLocal] = names(decl.local);
    const shape = decl.shape as number[];
    const gShape = shape.map((d, i) => (i === 0 ? d : 1));
    const g: ParamDecl = { local: gLocal, shape: gShape, init: rowNorms(decl.init, shape, vLocal.slice(vLocal.lastIndexOf(".") + 1)) };
    const v: ParamDecl = { local: vLocal, shape, init: decl.init };
    const params = m.params as ParamDecl[];
    params.splice(params.indexOf(decl), 1);
    params.push(g, v);
    // a frozen weight freezes both of its parts
    if (m.frozen.delete(decl.local)) {
      m.frozen.add(gLocal);
      m.frozen.add(vLocal);
    }
    const dims = shape.slice(1).map((_, i) => i + 1);
    m.computed.set(decl.local, () => {
      const c = ops(host.em, who, site);
      const [gNode, vNode] = [m.paramNodes.get(gLocal), m.paramNodes.get(vLocal)];
      if (!gNode || !vNode) return fail("moduleNotInModel", `${who}: ${m.typeName} is not part of the model`, site.loc);
      const vt = new TensorValue(vNode);
      // w = v·(g/‖v‖), as PyTorch's _weight_norm
      const norm = dims.length === 0 ? c.op("abs", [vt]) : c.op("sqrt", [c.op("sum", [c.op("mul", [vt, vt])], { dims, keepdim: true })]);
      return c.op("mul", [vt, c.op("div", [new TensorValue(gNode), norm])]);
    });
    return m;
  });
}

/** g's initial value: the norms of v's rows, computed now for values known now, else from v's draw (Init rowNorm). */
function rowNorms(init: Init, shape: readonly number[], sibling: string): Init {
  const rows = shape[0];
  const width = shape.slice(1).reduce((p, d) => p * d, 1);
  if (init.kind === "constant") return { kind: "constant", value: Math.sqrt(width) * Math.abs(Math.fround(init.value)) };
  if (init.kind === "values")
    return { kind: "values", values: Float32Array.from({ length: rows }, (_, r) => Math.sqrt(init.values.subarray(r * width, (r + 1) * width).reduce((acc, x) => acc + x * x, 0))) };
  if (init.kind === "rowNorm") throw new Error("weight-norm: v cannot itself be a row norm");
  return { kind: "rowNorm", of: init as DrawnInit, sibling, siblingShape: [...shape] };
}
