import { fail } from "../diagnostics/diagnostic.ts";
import { BuiltinFunction, NamespaceValue, ObjectValue, describe, type CallSite, type Value } from "./values.ts";

// The few JavaScript globals that model code may use: pure functions of constants.

function numbers(who: string, args: Value[], site: CallSite): number[] {
  return args.map((a) => (typeof a === "number" ? a : fail("wrongArgumentType", `${who} needs numbers, got ${describe(a)}`, site.loc)));
}

/**
 * Spreading a model's array into a native call (Math.max(...xs)) overflows the stack past ~150,000
 * arguments, so max and min fold with a loop and the others take only the arguments they read.
 */
function mathFn(name: string, f: (...xs: number[]) => number): [string, Value] {
  const variadic = f === Math.max || f === Math.min;
  return [
    name,
    new BuiltinFunction(`Math.${name}`, (args, site) => {
      const xs = numbers(`Math.${name}`, args, site);
      if (!variadic) return f(...xs.slice(0, f.length));
      let acc = f === Math.max ? -Infinity : Infinity;
      for (const x of xs) acc = f(acc, x);
      return acc;
    }),
  ];
}

const math = new NamespaceValue(
  "Math",
  new Map<string, Value>([
    ["PI", Math.PI],
    ["E", Math.E],
    ["SQRT2", Math.SQRT2],
    mathFn("floor", Math.floor),
    mathFn("ceil", Math.ceil),
    mathFn("round", Math.round),
    mathFn("trunc", Math.trunc),
    mathFn("sqrt", Math.sqrt),
    mathFn("abs", Math.abs),
    mathFn("max", Math.max),
    mathFn("min", Math.min),
    mathFn("pow", Math.pow),
    mathFn("log", Math.log),
    mathFn("log2", Math.log2),
    mathFn("exp", Math.exp),
  ]),
);

/**
 * What array builtins need from the evaluator: a way to call callbacks, and the budgets, since a
 * builtin's work grows with its array (a copy, a search) while the evaluator counts syntax steps.
 */
export interface ArrayHooks {
  call(f: Value, args: Value[], site: CallSite): Value;
  /** Counts per-element work as evaluation steps. */
  charge(elements: number, site: CallSite): void;
  /** Refuses an array or string of `size` elements or characters past the --max-array budget. */
  size(size: number, what: "array" | "string", site: CallSite): void;
}

/** Array.from({ length: n }, (_, i) => ...) — the usual way to build a list in a loop's place. */
export function arrayNamespace(hooks: ArrayHooks): NamespaceValue {
  return new NamespaceValue(
    "Array",
    new Map<string, Value>([
      ["from", arrayFrom(hooks)],
      ["isArray", new BuiltinFunction("Array.isArray", (args) => Array.isArray(args[0]))],
    ]),
  );
}

export const builtinGlobals = new Map<string, Value>([
  ["Math", math],
  [
    "Number",
    new NamespaceValue(
      "Number",
      new Map<string, Value>([
        ["isInteger", new BuiltinFunction("Number.isInteger", (args) => Number.isInteger(args[0]))],
        ["isFinite", new BuiltinFunction("Number.isFinite", (args) => Number.isFinite(args[0]))],
      ]),
    ),
  ],
  ["Infinity", Infinity],
  ["NaN", NaN],
]);

/** Globals that only exist when code runs; naming them gets a message that says why not. */
export const runtimeOnlyGlobals = new Set([
  "console", "process", "require", "eval", "Function", "globalThis", "window", "fetch", "setTimeout",
  "setInterval", "Date", "Promise", "module", "exports", "__dirname", "__filename", "Buffer", "JSON", "Symbol", "Reflect",
]);

/** Array.from needs the caller to run its callback; bound by the interpreter. */
export function arrayFrom(hooks: ArrayHooks): BuiltinFunction {
  return new BuiltinFunction("Array.from", (args, site) => {
    const [src, fn] = args;
    let items: Value[];
    if (Array.isArray(src)) items = [...src];
    else if (src instanceof ObjectValue && typeof src.props.get("length") === "number") {
      const n = src.props.get("length") as number;
      if (!Number.isInteger(n) || n < 0) fail("invalidArgument", `Array.from: invalid length ${n}`, site.loc);
      hooks.size(n, "array", site);
      items = new Array<Value>(n).fill(undefined);
    } else return fail("wrongArgumentType", `Array.from takes an array or { length: n }, got ${describe(src)}`, site.loc);
    hooks.charge(items.length, site);
    return fn === undefined ? items : items.map((v, i) => hooks.call(fn, [v, i], site));
  });
}

/**
 * A string's methods that compute a new value from it (strings are immutable): the ones
 * initialization and naming code uses, as `name.endsWith("c_proj.weight")` in nanoGPT's loop over
 * named_parameters(). Arguments must be strings or integers as JavaScript would coerce nothing
 * here; a regular expression is no value of the model language. Each costs its length in steps.
 */
export function stringMethod(text: string, name: string, hooks: ArrayHooks): BuiltinFunction | undefined {
  const str = (v: Value, what: string, site: CallSite): string => (typeof v === "string" ? v : fail("wrongArgumentType", `String.${name}: ${what} must be a string, got ${describe(v)}`, site.loc));
  const int = (v: Value, what: string, site: CallSite, dflt: number): number =>
    v === undefined ? dflt : typeof v === "number" && Number.isInteger(v) ? v : fail("wrongArgumentType", `String.${name}: ${what} must be an integer, got ${describe(v)}`, site.loc);
  const m = (arity: number, f: (args: Value[], site: CallSite) => Value) =>
    new BuiltinFunction(`String.${name}`, (args, site) => {
      if (args.length > arity) fail("wrongArgumentCount", `String.${name} takes at most ${arity} argument${arity === 1 ? "" : "s"}, got ${args.length}`, site.loc);
      hooks.charge(text.length + 1, site);
      return f(args, site);
    });
  const sized = (out: string, site: CallSite) => {
    hooks.size(out.length, "string", site);
    return out;
  };
  switch (name) {
    case "startsWith":
      return m(2, ([a, at], site) => text.startsWith(str(a, "the prefix", site), int(at, "the position", site, 0)));
    case "endsWith":
      return m(2, ([a, at], site) => text.endsWith(str(a, "the suffix", site), int(at, "the end", site, text.length)));
    case "includes":
      return m(2, ([a, at], site) => text.includes(str(a, "the text to find", site), int(at, "the position", site, 0)));
    case "indexOf":
      return m(2, ([a, at], site) => text.indexOf(str(a, "the text to find", site), int(at, "the position", site, 0)));
    case "slice":
      return m(2, ([a, b], site) => text.slice(int(a, "the start", site, 0), int(b, "the end", site, text.length)));
    case "split":
      return m(1, ([a], site) => {
        const parts = text.split(str(a, "the separator", site));
        hooks.size(parts.length, "array", site);
        return parts;
      });
    case "toUpperCase":
      return m(0, () => text.toUpperCase());
    case "toLowerCase":
      return m(0, () => text.toLowerCase());
    case "trim":
      return m(0, () => text.trim());
    case "replaceAll":
    case "replace":
      return m(2, ([a, b], site) => {
        const from = str(a, "the text to replace", site);
        const to = str(b, "the replacement", site);
        // a plain string pattern, with the replacement taken literally ($& and friends are patterns' syntax)
        const out = name === "replace" ? text.replace(from, () => to) : text.replaceAll(from, () => to);
        return sized(out, site);
      });
    case "repeat":
      return m(1, ([a], site) => {
        const n = int(a, "the count", site, 0);
        if (n < 0) fail("invalidArgument", `String.repeat: the count must not be negative, got ${n}`, site.loc);
        hooks.size(text.length * n, "string", site);
        return text.repeat(n);
      });
    case "concat":
      return new BuiltinFunction("String.concat", (args, site) => {
        const out = text + args.map((a, i) => str(a, `argument ${i + 1}`, site)).join("");
        hooks.charge(out.length + 1, site);
        return sized(out, site);
      });
    case "at":
      return m(1, ([a], site) => text.at(int(a, "the index", site, 0)));
  }
  return undefined;
}

/** The array methods model code may use. */
export function arrayMethod(arr: Value[], name: string, hooks: ArrayHooks): BuiltinFunction | undefined {
  const call = hooks.call;
  // a method that walks or copies the array costs its length in steps
  const m = (f: (args: Value[], site: CallSite) => Value) =>
    new BuiltinFunction(`Array.${name}`, (args, site) => {
      hooks.charge(arr.length + 1, site);
      return f(args, site);
    });
  switch (name) {
    case "push":
      return new BuiltinFunction("Array.push", (args, site) => {
        hooks.charge(args.length, site);
        hooks.size(arr.length + args.length, "array", site);
        for (const a of args) arr.push(a); // push(...args) overflows the stack past ~100,000
        return arr.length;
      });
    case "map":
      return m((args, site) => arr.map((v, i) => call(args[0], [v, i], site)));
    case "forEach":
      return m((args, site) => {
        arr.forEach((v, i) => call(args[0], [v, i], site));
        return undefined;
      });
    case "filter":
      return m((args, site) => arr.filter((v, i) => Boolean(call(args[0], [v, i], site))));
    case "reduce":
      return m((args, site) => {
        if (args.length < 2) fail("wrongArgumentCount", "reduce needs an initial value in model code", site.loc);
        return arr.reduce<Value>((acc, v, i) => call(args[0], [acc, v, i], site), args[1]);
      });
    case "some":
      return m((args, site) => arr.some((v, i) => Boolean(call(args[0], [v, i], site))));
    case "every":
      return m((args, site) => arr.every((v, i) => Boolean(call(args[0], [v, i], site))));
    case "slice":
      return m((args) => arr.slice(args[0] as number | undefined, args[1] as number | undefined));
    case "concat":
      return m((args, site) => {
        const parts = args.map((a) => (Array.isArray(a) ? a : [a]));
        hooks.size(parts.reduce((n, p) => n + p.length, arr.length), "array", site);
        const out = arr.slice(); // not arr.concat(...parts): a native spread overflows past ~150,000
        for (const p of parts) for (const x of p) out.push(x);
        return out;
      });
    // x.shape.at(-1): a negative index counts from the end
    case "at":
      return new BuiltinFunction("Array.at", (args, site) => {
        if (typeof args[0] !== "number" || !Number.isInteger(args[0])) fail("wrongArgumentType", `at expects an integer index, got ${describe(args[0])}`, site.loc);
        return arr.at(args[0] as number);
      });
    case "includes":
      return m((args) => arr.includes(args[0]));
    case "indexOf":
      return m((args) => arr.indexOf(args[0]));
    case "join":
      return m((args, site) => {
        const sep = args[0] === undefined ? "," : String(args[0]);
        // the length is known before joining, so a join too long for JavaScript is refused first;
        // elements must be primitives, since String([[...]]) recurses as deep as the nesting
        let length = Math.max(0, arr.length - 1) * sep.length;
        for (const v of arr) {
          if (typeof v !== "number" && typeof v !== "string" && typeof v !== "boolean" && v !== undefined && v !== null)
            fail("wrongArgumentType", `join works on numbers and strings, got ${describe(v)}`, site.loc);
          length += v === undefined || v === null ? 0 : String(v).length;
        }
        hooks.size(length, "string", site);
        return arr.join(sep);
      });
    case "entries":
      return m(() => arr.map((v, i) => [i, v]));
    case "reverse":
      return m(() => arr.reverse());
  }
  return undefined;
}
