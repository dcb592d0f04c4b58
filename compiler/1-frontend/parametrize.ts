import { CompileError, fail } from "../diagnostics/diagnostic.ts";
import { formatShape } from "../ir/shape.ts";
import { arg, bindArgs, locOfArg, opt } from "./args.ts";
import { splitParameter } from "./parameter-parts.ts";
import { BuiltinFunction, describe, ModuleValue, NamespaceValue, Poison, TensorValue, type CallSite, type Value } from "./values.ts";

// torch.nn.utils.parametrize.register_parametrization(layer, "weight", Symmetric()) (PyTorch's
// parametrizations tutorial): a layer's (or a user module's) parameter becomes the result of the user's module applied
// to a trained tensor, `parametrizations.weight.original`, wherever forward reads it (the layer's
// own forward, `this.layer.weight`). A second registration on the same tensor chains after the
// first. The state_dict names are PyTorch's: parametrizations.<name>.original, then the
// parametrizations' own state under parametrizations.<name>.0, .1, ….
// original starts as the parameter's initial value, as PyTorch's without right_inverse; a
// parametrization with a right_inverse (which PyTorch applies to the value at registration) is
// refused: the initial value is drawn when the model is created, not now.

interface Host {
  requireConstruct(who: string, site: CallSite): void;
  callModule(m: ModuleValue, args: Value[], site: CallSite): Value;
}

/** Each parametrized layer's parametrizations, by parameter name, in the order applied. */
const chains = new WeakMap<ModuleValue, Map<string, ModuleValue[]>>();

function registerParametrization(host: Host): BuiltinFunction {
  const who = "nn.utils.parametrize.registerParametrization";
  return new BuiltinFunction(who, (args, site) => {
    host.requireConstruct(who, site);
    const b = bindArgs(who, [arg("module", "any"), arg("tensorName", "string"), arg("parametrization", "any"), opt("unsafe", "bool", false)], args, site);
    const m = b.module;
    const p = b.parametrization;
    const name: string = b.tensorName;
    if (!(p instanceof ModuleValue)) return fail("wrongArgumentType", `${who}: the parametrization is a module whose forward computes the parameter, got ${describe(p)}`, locOfArg(b, "parametrization", site));
    const inverse = p.cls?.decl.getMethod("rightInverse") ?? p.cls?.decl.getMethod("right_inverse");
    if (inverse) fail("unsupportedSyntax", `${who}: ${p.typeName}.${inverse.getName()} would compute the starting value of original from the parameter's, which is drawn when the model is created; drop it (original then starts as the parameter's value, as PyTorch's without right_inverse)`, locOfArg(b, "parametrization", site));
    const originalLocal = `parametrizations.${name}.original`;
    let chain = m instanceof ModuleValue ? chains.get(m)?.get(name) : undefined;
    if (!chain) {
      // the parameter's place in the state_dict goes to its parametrizations, after the module's own
      // (splitParameter refuses what is not a module with that parameter)
      const split = splitParameter(who, m, name, locOfArg(b, "tensorName", site));
      const byName = chains.get(m) ?? new Map<string, ModuleValue[]>();
      chains.set(m, byName);
      split.replace([{ local: originalLocal, shape: split.shape, init: split.init, original: true }]);
      chain = [];
      byName.set(name, chain);
      const applied = chain;
      const shape = split.shape;
      m.computed.set(name, (): TensorValue => {
        const node = m.paramNodes.get(originalLocal);
        if (!node) return fail("moduleNotInModel", `${who}: ${m.typeName} is not part of the model`, site.loc);
        let value = new TensorValue(node);
        for (const q of applied) {
          const out = host.callModule(q, [value], site);
          // a forward that failed has said why already (Poison): nothing more to report
          if (out instanceof Poison) throw new CompileError([]);
          if (!(out instanceof TensorValue)) return fail("wrongArgumentType", `${who}: ${q.typeName}'s forward must return a tensor, got ${describe(out)}`, q.createdAt);
          value = out;
          // PyTorch checks the parametrized tensor keeps its shape unless unsafe
          if (!b.unsafe && formatShape(value.node.shape) !== formatShape(shape))
            return fail("shapeMismatch", `${who}: ${q.typeName} changes ${m.typeName}.${name}'s shape ${formatShape(shape)} to ${formatShape(value.node.shape)} (pass unsafe: true if the layer accepts it)`, q.createdAt);
        }
        return value;
      });
    }
    m.fields.set(`parametrizations.${name}.${chain.length}`, p);
    chain.push(p);
    return m;
  });
}

/** nn.utils.parametrize: registerParametrization and isParametrized (PyTorch's snake_case names too). */
export function parametrizeNamespace(host: Host): NamespaceValue {
  const register = registerParametrization(host);
  const isParametrized = new BuiltinFunction("nn.utils.parametrize.isParametrized", (args, site) => {
    const b = bindArgs("nn.utils.parametrize.isParametrized", [arg("module", "any"), opt("tensorName", "string", null, { nullable: true })], args, site);
    const byName = b.module instanceof ModuleValue ? chains.get(b.module) : undefined;
    return byName !== undefined && (b.tensorName === null ? byName.size > 0 : byName.has(b.tensorName));
  });
  return new NamespaceValue(
    "nn.utils.parametrize",
    new Map<string, Value>([
      ["registerParametrization", register],
      ["register_parametrization", register],
      ["isParametrized", isParametrized],
      ["is_parametrized", isParametrized],
    ]),
  );
}
