import { fail } from "../diagnostics/diagnostic.ts";
import type { DrawnInit, Init } from "../ir/node.ts";
import { arg, bindArgs, locOfArg, opt } from "./args.ts";
import { ops } from "./composite-ops.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { rnnUtilsNamespace } from "./packed-sequence.ts";
import { spectralNormFunction } from "./spectral-norm.ts";
import { parametrizeNamespace } from "./parametrize.ts";
import { splitParameter } from "./parameter-parts.ts";
import { BuiltinFunction, ModuleValue, NamespaceValue, TensorValue, type CallSite, type Value } from "./values.ts";

// torch.nn.utils.weight_norm(module, name="weight", dim=0) (TCN's and WaveNet's convolutions) and
// torch.nn.utils.parametrizations.weight_norm: the layer's weight becomes w = g·v/‖v‖, ‖v‖ the
// 2-norm of v over every dim but `dim` (each dim-0 row by default; wav2vec2's positional conv takes
// dim 2; None the whole tensor), computed in forward wherever the layer (or `this.fc.weight`) reads
// it; g and v are the parameters trained. A user module's nn.Parameter can be split too. As PyTorch's, v starts as the weight's initial
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
    const m = b.module as ModuleValue;
    const split = splitParameter(who, m, b.name, locOfArg(b, "module", site));
    const shape = split.shape as number[];
    // PyTorch's norm_except_dim: dim None (and -1, which PyTorch reads as None) norms the whole tensor
    if (b.dim !== null && b.dim !== -1 && (b.dim < -shape.length || b.dim >= shape.length))
      return fail("invalidArgument", `${who}: dim ${b.dim} is out of range for ${m.typeName}.${b.name} [${shape.join(", ")}]`, locOfArg(b, "dim", site));
    const dim = b.dim === null || b.dim === -1 ? null : (b.dim + shape.length) % shape.length;
    const [gLocal, vLocal] = names(b.name);
    const gShape = dim === null ? [] : shape.map((d, i) => (i === dim ? d : 1));
    split.replace([
      { local: gLocal, shape: gShape, init: sliceNorms(split.init, shape, dim, vLocal.slice(vLocal.lastIndexOf(".") + 1)) },
      { local: vLocal, shape, init: split.init, original: true },
    ]);
    const dims = shape.map((_, i) => i).filter((i) => i !== dim);
    m.computed.set(b.name, () => {
      const c = ops(host.em, who, site);
      const [gNode, vNode] = [m.paramNodes.get(gLocal), m.paramNodes.get(vLocal)];
      if (!gNode || !vNode) return fail("moduleNotInModel", `${who}: ${m.typeName} is not part of the model`, site.loc);
      const vt = new TensorValue(vNode);
      // w = v·(g/‖v‖), as PyTorch's _weight_norm, ‖v‖ over every dim but `dim`
      const norm = dims.length === 0 ? c.op("abs", [vt]) : c.op("sqrt", [c.op("sum", [c.op("mul", [vt, vt])], { dims, keepdim: dim !== null })]);
      return c.op("mul", [vt, c.op("div", [new TensorValue(gNode), norm])]);
    });
    return m;
  });
}

/**
 * g's initial value: the 2-norms of v's slices along `dim` (all of v where null), computed now for
 * values known now, else from v's draw (Init sliceNorm).
 */
function sliceNorms(init: Init, shape: readonly number[], dim: number | null, sibling: string): Init {
  const count = shape.reduce((p, d) => p * d, 1);
  const slices = dim === null ? 1 : shape[dim];
  // the values of one slice along dim come in runs of `inner`: element i is in slice ⌊i / inner⌋ mod slices
  const inner = dim === null ? count : shape.slice(dim + 1).reduce((p, d) => p * d, 1);
  if (init.kind === "constant") return { kind: "constant", value: Math.sqrt(count / slices) * Math.abs(Math.fround(init.value)) };
  if (init.kind === "values") {
    const sums = new Float64Array(slices);
    init.values.forEach((x, i) => (sums[Math.floor(i / inner) % slices] += x * x));
    return { kind: "values", values: Float32Array.from(sums, Math.sqrt) };
  }
  if (init.kind === "sliceNorm") throw new Error("weight-norm: v cannot itself be a norm of slices");
  return { kind: "sliceNorm", of: init as DrawnInit, sibling, siblingShape: [...shape], inner };
}
