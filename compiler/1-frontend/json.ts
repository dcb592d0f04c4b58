import { fail } from "../diagnostics/diagnostic.ts";
import type { ArrayHooks } from "./globals.ts";
import { BuiltinFunction, CollectionValue, NamespaceValue, ObjectValue, describe, type CallSite, type Value } from "./values.ts";

// JSON.stringify and JSON.parse on a model file's plain values (a config parsed from an inline
// string, shapes compared as text): computed when the model is compiled, as JavaScript's. Only
// plain values cross: numbers, strings, booleans, null, arrays and plain objects (a Map or Set is
// "{}", as JavaScript writes it); a tensor, module or function has no JSON form here, and is
// refused rather than dropped. Both are linear in their input; the result's size is budgeted.

type Plain = number | string | boolean | null | Plain[] | { [key: string]: Plain };

/** A model value as the plain value JSON.stringify writes, or a refusal naming what cannot be written. */
function toPlain(v: Value, who: string, site: CallSite, depth = 0): Plain | undefined {
  if (depth > MAX_JSON_DEPTH) return fail("invalidArgument", `${who}: the value nests deeper than ${MAX_JSON_DEPTH} levels (or holds itself)`, site.loc);
  if (v === undefined) return undefined;
  if (v === null || typeof v === "number" || typeof v === "string" || typeof v === "boolean") return v;
  if (Array.isArray(v)) return v.map((x) => toPlain(x, who, site, depth + 1) ?? null);
  if (v instanceof CollectionValue) return {};
  if (v instanceof ObjectValue) {
    const out: { [key: string]: Plain } = {};
    for (const [k, x] of v.props) {
      const p = toPlain(x, who, site, depth + 1);
      if (p !== undefined) Object.defineProperty(out, k, { value: p, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return fail("wrongArgumentType", `${who}: ${describe(v)} has no JSON form in a model file (numbers, strings, booleans, null, arrays and plain objects do)`, site.loc);
}

/** How deep parsed or written JSON may nest: a config's depth, far from the stack's. */
const MAX_JSON_DEPTH = 64;

/** A parsed JSON value as a model value: objects become plain objects (their keys as written, __proto__ too). */
function fromPlain(v: unknown, depth: number, site: CallSite): Value {
  if (depth > MAX_JSON_DEPTH) return fail("invalidArgument", `JSON.parse: the value nests deeper than ${MAX_JSON_DEPTH} levels`, site.loc);
  if (Array.isArray(v)) return v.map((x) => fromPlain(x, depth + 1, site));
  if (v !== null && typeof v === "object") return new ObjectValue(new Map(Object.entries(v).map(([k, x]) => [k, fromPlain(x, depth + 1, site)])));
  return v as Value;
}

const count = (v: unknown): number => (Array.isArray(v) ? v.reduce((n: number, x) => n + count(x), 1) : v !== null && typeof v === "object" ? Object.values(v).reduce((n: number, x) => n + count(x), 1) : 1);

export function jsonNamespace(hooks: ArrayHooks): NamespaceValue {
  const stringify = new BuiltinFunction("JSON.stringify", (args, site) => {
    const [value, replacer, space] = args;
    if (replacer !== undefined && replacer !== null) fail("unsupportedSyntax", "JSON.stringify: a replacer is not supported in a model file; map the value first", site.loc);
    if (space !== undefined && typeof space !== "number" && typeof space !== "string") fail("wrongArgumentType", `JSON.stringify: space is a number or a string, got ${describe(space)}`, site.loc);
    const plain = toPlain(value, "JSON.stringify", site);
    hooks.charge(count(plain), site);
    const text = JSON.stringify(plain, null, space as number | string | undefined);
    if (text !== undefined) hooks.size(text.length, "string", site);
    return text;
  });
  const parse = new BuiltinFunction("JSON.parse", (args, site) => {
    const [text, reviver] = args;
    if (typeof text !== "string") return fail("wrongArgumentType", `JSON.parse takes a string, got ${describe(text)}`, site.loc);
    if (reviver !== undefined) fail("unsupportedSyntax", "JSON.parse: a reviver is not supported in a model file; map the parsed value instead", site.loc);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      // JavaScript's SyntaxError, as a throw the model did not catch
      return fail("modelThrew", `JSON.parse: ${(e as Error).message}`, site.loc);
    }
    const value = fromPlain(parsed, 0, site);
    hooks.charge(count(parsed), site);
    return value;
  });
  return new NamespaceValue("JSON", new Map<string, Value>([["stringify", stringify], ["parse", parse]]));
}
