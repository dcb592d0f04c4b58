// nn.ParameterDict's entries and members. Its order is PyTorch's: the state_dict lists the
// parameters in it, and keys()/values()/items() walk it (a forward that concatenates its values
// computes in it), so the order a construction form gives must be the one PyTorch's gives.
import { fail } from "../diagnostics/diagnostic.ts";
import { arg, bindArgs, locOfArg, opt } from "./args.ts";
import { BuiltinFunction, CollectionValue, ModuleValue, ObjectValue, ParameterValue, describe, type CallSite, type Value } from "./values.ts";

const WHO = "nn.ParameterDict";

/**
 * The (key, value) pairs of ParameterDict(x) or update(x), in the order PyTorch adds them: a plain
 * dict (an object literal) in sorted key order — ParameterDict.update sorts a Mapping that is not
 * an OrderedDict — while an OrderedDict (a Map), another ParameterDict and an iterable of
 * [key, value] pairs keep theirs.
 */
export function parameterDictEntries(given: Value, site: CallSite, at = site.loc): [string, Value][] {
  if (given instanceof ObjectValue) return [...given.props].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (given instanceof CollectionValue && given.kind === "Map") return [...given.entries].map(([k, v]) => [String(k), v]);
  if (given instanceof ModuleValue && given.typeName === WHO) return [...given.fields].filter(([, v]) => v instanceof ParameterValue);
  if (Array.isArray(given))
    return given.map((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string")
        fail("wrongArgumentType", `${WHO}: element ${i} of the array is ${describe(pair)}; an array gives [key, parameter] pairs, as PyTorch's iterable of pairs`, at);
      return [pair[0] as string, pair[1]];
    });
  return fail("wrongArgumentType", `${WHO} takes an object ({ name: nn.Parameter }: a dict, whose keys PyTorch sorts), a Map (an OrderedDict, in its order) or an array of [name, nn.Parameter] pairs; got ${describe(given)}`, at);
}

/** What the container reads as, and how an entry is added (the host's own registration rules). */
export interface ParameterDictHost {
  readEntry(dict: ModuleValue, key: string, site: CallSite): Value;
  addEntry(dict: ModuleValue, key: string, value: Value, site: CallSite): void;
  requireConstructPhase(who: string, site: CallSite): void;
  charge(n: number, site: CallSite): void;
}

/** The keys in order: the fields that are its parameters. */
export function parameterDictKeys(dict: ModuleValue): string[] {
  return [...dict.fields].filter(([, v]) => v instanceof ParameterValue).map(([k]) => k);
}

/** length, keys(), values(), items(), has(key), get(key, default) and update(x), as Python's dict; undefined for other names. */
export function parameterDictMember(dict: ModuleValue, name: string, host: ParameterDictHost): Value | undefined {
  const who = `${WHO}.${name}`;
  const listing = (f: (key: string, s: CallSite) => Value) =>
    new BuiltinFunction(who, (args, s) => {
      bindArgs(who, [], args, s);
      const keys = parameterDictKeys(dict);
      host.charge(keys.length, s);
      return keys.map((k) => f(k, s));
    });
  switch (name) {
    case "length":
      return parameterDictKeys(dict).length;
    case "keys":
      return listing((k) => k);
    case "values":
      return listing((k, s) => host.readEntry(dict, k, s));
    case "items":
      return listing((k, s) => [k, host.readEntry(dict, k, s)]);
    case "has":
      return new BuiltinFunction(who, (args, s) => parameterDictKeys(dict).includes(bindArgs(who, [arg("key", "string")], args, s).key));
    case "get":
      return new BuiltinFunction(who, (args, s) => {
        const b = bindArgs(who, [arg("key", "string"), opt("default", "any", null, { nullable: true })], args, s);
        return parameterDictKeys(dict).includes(b.key) ? host.readEntry(dict, b.key, s) : b.default;
      });
    case "update":
      return new BuiltinFunction(who, (args, s) => {
        host.requireConstructPhase(who, s);
        const b = bindArgs(who, [arg("parameters", "any")], args, s);
        for (const [k, v] of parameterDictEntries(b.parameters, s, locOfArg(b, "parameters", s))) host.addEntry(dict, k, v, s);
        return undefined;
      });
  }
  return undefined;
}
