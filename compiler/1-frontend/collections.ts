import { fail } from "../diagnostics/diagnostic.ts";
import type { ArrayHooks } from "./globals.ts";
import { BuiltinClass, BuiltinFunction, CollectionValue, describe, type CallSite, type Value } from "./values.ts";

// JavaScript's Map and Set in model code, as a constructor or a module-level constant uses them:
// `new Map([["relu", new nn.ReLU()], …])` (PyTorch's activation dicts), `new Set([1, 3])`. Keys are
// numbers, strings or booleans (what a model's configuration keys are); insertion order is kept.

type Key = number | string | boolean;

function keyOf(v: Value, who: string, site: CallSite): Key {
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") return v;
  return fail("wrongArgumentType", `${who}: keys are numbers, strings or booleans in model code, got ${describe(v)}`, site.loc);
}

/** new Map(entries?) and new Set(values?): from an array of [key, value] pairs or of values. */
export function collectionClasses(hooks: ArrayHooks): [string, BuiltinClass][] {
  const make = (kind: "Map" | "Set") =>
    new BuiltinClass(kind, (args, site) => {
      const c = new CollectionValue(kind);
      const from = args[0];
      if (from === undefined || from === null) return c;
      const items = from instanceof CollectionValue ? (kind === "Map" ? [...from.entries].map(([k, v]) => [k, v]) : [...from.entries.values()]) : from;
      if (!Array.isArray(items)) return fail("wrongArgumentType", `new ${kind}: expects an array of ${kind === "Map" ? "[key, value] pairs" : "values"}, got ${describe(from)}`, site.loc);
      hooks.charge(items.length, site);
      for (const item of items) {
        if (kind === "Set") c.entries.set(keyOf(item, "new Set", site), item);
        else if (Array.isArray(item) && item.length >= 2) c.entries.set(keyOf(item[0], "new Map", site), item[1]);
        else fail("wrongArgumentType", `new Map: each entry is a [key, value] pair, got ${describe(item)}`, site.loc);
      }
      return c;
    });
  return [["Map", make("Map")], ["Set", make("Set")]];
}

/** c.get / set / has / delete / clear / add / size / keys / values / entries / forEach. */
export function collectionProperty(c: CollectionValue, name: string, hooks: ArrayHooks, site: CallSite): Value {
  const who = `${c.kind}.${name}`;
  const fn = (f: (args: Value[], s: CallSite) => Value) => new BuiltinFunction(who, f);
  const asArray = (pick: (k: Key, v: Value) => Value) => fn((_args, s) => (hooks.charge(c.entries.size, s), [...c.entries].map(([k, v]) => pick(k, v))));
  switch (name) {
    case "size":
      return c.entries.size;
    case "has":
      return fn((args, s) => c.entries.has(keyOf(args[0], who, s)));
    case "get":
      if (c.kind === "Map") return fn((args, s) => c.entries.get(keyOf(args[0], who, s)));
      break;
    case "set":
      if (c.kind === "Map") return fn((args, s) => (c.entries.set(keyOf(args[0], who, s), hooks.stored(args[1], s)), c));
      break;
    case "add":
      if (c.kind === "Set") return fn((args, s) => (c.entries.set(keyOf(args[0], who, s), args[0]), c));
      break;
    case "delete":
      return fn((args, s) => c.entries.delete(keyOf(args[0], who, s)));
    case "clear":
      return fn(() => (c.entries.clear(), undefined));
    case "keys":
      return asArray((k) => k);
    case "values":
      return asArray((_k, v) => v);
    case "entries":
      return asArray((k, v) => (c.kind === "Map" ? [k, v] : [v, v]));
    case "forEach":
      // Map's callback gets (value, key, map), Set's (value, value, set), as JavaScript's
      return fn((args, s) => {
        for (const [k, v] of [...c.entries]) hooks.call(args[0], [v], s, [c.kind === "Map" ? k : v, c]);
        return undefined;
      });
  }
  return fail("unknownProperty", `${c.kind} has no property '${name}' in model code (size, has, ${c.kind === "Map" ? "get, set" : "add"}, delete, clear, keys, values, entries, forEach)`, site.loc);
}

/** for…of over a Map gives [key, value] pairs, over a Set its values. */
export function collectionItems(c: CollectionValue): Value[] {
  return [...c.entries].map(([k, v]) => (c.kind === "Map" ? [k, v] : v));
}
