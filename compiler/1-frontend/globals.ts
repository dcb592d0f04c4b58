import { fail } from "../diagnostics/diagnostic.ts";
import { knownScalarValue, refuseRunTimeNumber } from "./args.ts";
import { argumentFloats, copyElementFloats, elementFloats, fieldFloat, noteFieldFloat, setElementFloats, withArgumentFloats } from "./float-literals.ts";
import { BuiltinFunction, ModuleValue, NamespaceValue, ObjectValue, Poison, SymInt, TensorValue, describe, isBatchValue, type CallSite, type Value } from "./values.ts";

// The few JavaScript globals that model code may use: pure functions of constants.

function numbers(who: string, args: Value[], site: CallSite): number[] {
  return args.map((a) => {
    if (typeof a === "number") return a;
    // Python's int(t) / math.floor(t) of a one-element tensor: its value where the compiler knows it, and
    // where it exists only when the model runs (Autoformer's int(index[i]) of a topk), the reason
    if (a instanceof TensorValue) {
      const known = knownScalarValue(a);
      if (known !== undefined) return known;
      refuseRunTimeNumber(who, "its argument", a, site.loc);
    }
    return fail("wrongArgumentType", `${who} needs numbers, got ${describe(a)}`, site.loc);
  });
}

/**
 * Math.min(batch, 4) (StyleGAN2's minibatch-stddev group) and the like: a number of each device's
 * share of the batch, known only at run time, which no size or branch can depend on.
 */
function refuseBatchArgument(who: string, f: (...xs: number[]) => number, site: CallSite): never {
  const grouping =
    f === Math.min
      ? "; StyleGAN2's minibatch stddev (group = min(batch, 4), then view(group, -1, …)) splits the batch into groups of samples, which tsdp does not: the statistic over each device's whole share (ProGAN's MinibatchStdDev: x.sub(x.mean(0, true)).pow(2).mean(0)) is written without it"
      : "";
  return fail("nonConstant", `${who} of the batch size: the batch is split across devices, so each device's share is known only at run time; tsdp follows it through + − × ÷ (x.div(b - 1)), not through ${who}${grouping}`, site.loc);
}

/** Math's roundings, which leave k·Batch as it is (a whole number). */
const ROUNDINGS = new Set<(x: number) => number>([Math.floor, Math.ceil, Math.round, Math.trunc]);

/**
 * Spreading a model's array into a native call (Math.max(...xs)) overflows the stack past ~150,000
 * arguments, so max and min fold with a loop and the others take only the arguments they read.
 */
function mathFn(name: string, f: (...xs: number[]) => number): [string, Value] {
  const variadic = f === Math.max || f === Math.min || f === Math.hypot;
  return [
    name,
    new BuiltinFunction(`Math.${name}`, (args, site) => {
      // k·Batch is a whole number (its / stays symbolic only where it divides): Swin's
      // int(windows.shape[0] / (H * W / ws / ws)) is Math.trunc of it, itself
      if (ROUNDINGS.has(f) && isBatchValue(args[0])) return args[0];
      if (args.some(isBatchValue)) refuseBatchArgument(`Math.${name}`, f, site);
      const xs = numbers(`Math.${name}`, args, site);
      if (!variadic) return f(...xs.slice(0, f.length));
      let acc = f === Math.max ? -Infinity : f === Math.min ? Infinity : 0;
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
    ["SQRT1_2", Math.SQRT1_2],
    ["LN2", Math.LN2],
    ["LN10", Math.LN10],
    ["LOG2E", Math.LOG2E],
    ["LOG10E", Math.LOG10E],
    mathFn("sign", Math.sign),
    mathFn("cbrt", Math.cbrt),
    mathFn("log10", Math.log10),
    mathFn("log1p", Math.log1p),
    mathFn("expm1", Math.expm1),
    mathFn("sin", Math.sin),
    mathFn("cos", Math.cos),
    mathFn("tan", Math.tan),
    mathFn("asin", Math.asin),
    mathFn("acos", Math.acos),
    mathFn("atan", Math.atan),
    mathFn("atan2", Math.atan2),
    mathFn("sinh", Math.sinh),
    mathFn("cosh", Math.cosh),
    mathFn("tanh", Math.tanh),
    mathFn("fround", Math.fround),
    mathFn("hypot", Math.hypot),
    // integer hashing in a seeded generator (mulberry32, xorshift) that picks fixed random blocks or masks
    mathFn("imul", Math.imul),
    mathFn("clz32", Math.clz32),
  ]),
);

/**
 * What array builtins need from the evaluator: a way to call callbacks, and the budgets, since a
 * builtin's work grows with its array (a copy, a search) while the evaluator counts syntax steps.
 */
export interface ArrayHooks {
  /**
   * Calls a callback with `args` (the item; a reduce's accumulator and item) and, for a function of
   * the model file or a module, the `extra` ones JavaScript passes after them (the index, the array).
   */
  call(f: Value, args: Value[], site: CallSite, extra?: Value[]): Value;
  /** Counts per-element work as evaluation steps. */
  charge(elements: number, site: CallSite): void;
  /** Refuses an array or string of `size` elements or characters past the --max-array budget. */
  size(size: number, what: "array" | "string", site: CallSite): void;
  /** The items of an iterable that is no array (a ModuleList, a Map, a tensor's slices along dim 0), for Array.from; undefined if it is none. */
  items(v: Value, site: CallSite): Value[] | undefined;
  /**
   * A value an assignment, an array or a Map stores: a tensor computed under F.noGrad in forward
   * leaves the block without its gradient that way, as one the block returns (no-grad.ts).
   */
  stored(v: Value, site: CallSite): Value;
}

/**
 * Array.from({ length: n }, (_, i) => ...) — the usual way to build a list in a loop's place — and
 * Array(n) / new Array(n) (n holes, for .fill), Array(a, b) (those elements), Array.of.
 */
export function arrayNamespace(hooks: ArrayHooks): NamespaceValue {
  return new NamespaceValue(
    "Array",
    new Map<string, Value>([
      ["from", arrayFrom(hooks)],
      ["isArray", new BuiltinFunction("Array.isArray", (args) => Array.isArray(args[0]))],
      ["of", new BuiltinFunction("Array.of", (args) => [...args])],
    ]),
    (args, site) => {
      if (args.length !== 1 || typeof args[0] !== "number") return [...args];
      const n = args[0];
      if (!Number.isInteger(n) || n < 0) fail("invalidArgument", `Array: invalid length ${n}`, site.loc);
      hooks.size(n, "array", site);
      hooks.charge(n, site);
      return new Array<Value>(n).fill(undefined);
    },
  );
}

/** What Number(v), String(v) and Boolean(v) give, for the values a model's constants are. */
const primitive = (who: string, f: (v: number | string | boolean | null | undefined) => Value) =>
  (args: Value[], site: CallSite): Value => {
    const v = args[0];
    // Number(t.item()) of a value forward computes: a number the model file would need before the data exists
    if (v instanceof TensorValue)
      return fail("nonConstant", `${who}(tensor): a tensor made in a constructor gives its number through .item(); one computed in forward has its values only when the compiled model runs, so it cannot become a JavaScript ${who.toLowerCase()} (a shape, a loop count, a branch): compute with the tensor itself (a 0-dim tensor is an operand of tensor ops)`, site.loc);
    if (v !== null && v !== undefined && typeof v !== "number" && typeof v !== "string" && typeof v !== "boolean")
      return fail("wrongArgumentType", `${who} converts numbers, strings and booleans, got ${describe(v)}`, site.loc);
    return f(v);
  };

function text(who: string, v: Value, site: CallSite): string {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : fail("wrongArgumentType", `${who} parses a string, got ${describe(v)}`, site.loc);
}

const parseIntFn = new BuiltinFunction("parseInt", (args, site) => {
  const radix = args[1];
  if (radix !== undefined && typeof radix !== "number") fail("wrongArgumentType", `parseInt: the radix must be a number, got ${describe(radix)}`, site.loc);
  return Number.parseInt(text("parseInt", args[0], site), radix);
});
const parseFloatFn = new BuiltinFunction("parseFloat", (args, site) => Number.parseFloat(text("parseFloat", args[0], site)));

/**
 * Object.keys / values / entries / fromEntries / assign / freeze over the plain objects a port's
 * configuration is (`for (const [k, v] of Object.entries(cfg))`), in insertion order as JavaScript's.
 */
export function objectNamespace(hooks: ArrayHooks): NamespaceValue {
  const props = (who: string, v: Value, site: CallSite): Map<string, Value> => {
    if (v instanceof ObjectValue) {
      hooks.charge(v.props.size, site);
      return v.props;
    }
    if (Array.isArray(v)) {
      hooks.charge(v.length, site);
      return new Map(v.map((item, i) => [String(i), item]));
    }
    // an nn.ModuleDict's entries (Python's heads.items()), as its keys() / values() / items() list them
    if (v instanceof ModuleValue && (v.kind === "dict" || v.dictLike)) {
      const children = [...v.fields].filter((e): e is [string, ModuleValue] => e[1] instanceof ModuleValue);
      hooks.charge(children.length, site);
      return new Map(children);
    }
    return fail("wrongArgumentType", `${who} takes a plain object, an array or an nn.ModuleDict, got ${describe(v)}`, site.loc);
  };
  const listing = (name: string, f: (entries: [string, Value][]) => Value[]) =>
    [name, new BuiltinFunction(`Object.${name}`, (args, site) => f([...props(`Object.${name}`, args[0], site)]))] as [string, Value];
  return new NamespaceValue(
    "Object",
    new Map<string, Value>([
      listing("keys", (entries) => entries.map(([k]) => k)),
      listing("values", (entries) => entries.map(([, v]) => v)),
      listing("entries", (entries) => entries.map(([k, v]) => [k, v])),
      [
        "fromEntries",
        new BuiltinFunction("Object.fromEntries", (args, site) => {
          if (!Array.isArray(args[0])) return fail("wrongArgumentType", `Object.fromEntries takes an array of [key, value] pairs, got ${describe(args[0])}`, site.loc);
          hooks.charge(args[0].length, site);
          const out = new Map<string, Value>();
          for (const pair of args[0]) {
            if (!Array.isArray(pair) || (typeof pair[0] !== "string" && typeof pair[0] !== "number"))
              fail("wrongArgumentType", `Object.fromEntries: each entry is a [key, value] pair with a string key, got ${describe(pair)}`, site.loc);
            out.set(String(pair[0]), pair[1]);
          }
          return new ObjectValue(out);
        }),
      ],
      [
        "assign",
        new BuiltinFunction("Object.assign", (args, site) => {
          const [target, ...sources] = args;
          if (!(target instanceof ObjectValue)) return fail("wrongArgumentType", `Object.assign's target must be a plain object, got ${describe(target)}`, site.loc);
          for (const source of sources) if (source !== null && source !== undefined) for (const [k, v] of props("Object.assign", source, site)) target.props.set(k, v);
          return target;
        }),
      ],
      ["freeze", new BuiltinFunction("Object.freeze", (args) => args[0])],
    ]),
  );
}

/**
 * Math with random(), which draws: in forward, Python's random.random() of a per-step choice (HF
 * BART's LayerDrop, `random.uniform(0, 1) < layerdrop`) is a fresh 0-dim uniform draw per step, as
 * F.rand([]); `random` makes it (it refuses outside forward, where a number drawn while compiling
 * would be baked into the model).
 */
export function mathNamespace(random: BuiltinFunction): NamespaceValue {
  return new NamespaceValue("Math", new Map<string, Value>([...math.members, ["random", random]]));
}

export const builtinGlobals = new Map<string, Value>([
  [
    "Number",
    new NamespaceValue(
      "Number",
      new Map<string, Value>([
        ["isInteger", new BuiltinFunction("Number.isInteger", (args) => Number.isInteger(args[0]))],
        ["isFinite", new BuiltinFunction("Number.isFinite", (args) => Number.isFinite(args[0]))],
        ["isNaN", new BuiltinFunction("Number.isNaN", (args) => Number.isNaN(args[0]))],
        ["parseInt", parseIntFn],
        ["parseFloat", parseFloatFn],
        ["EPSILON", Number.EPSILON],
        ["MAX_SAFE_INTEGER", Number.MAX_SAFE_INTEGER],
        ["MIN_SAFE_INTEGER", Number.MIN_SAFE_INTEGER],
        ["MAX_VALUE", Number.MAX_VALUE],
        ["MIN_VALUE", Number.MIN_VALUE],
        ["POSITIVE_INFINITY", Infinity],
        ["NEGATIVE_INFINITY", -Infinity],
      ]),
      primitive("Number", (v) => Number(v)),
    ),
  ],
  ["String", new NamespaceValue("String", new Map(), primitive("String", (v) => String(v)))],
  ["Boolean", new NamespaceValue("Boolean", new Map(), primitive("Boolean", (v) => Boolean(v)))],
  ["parseInt", parseIntFn],
  ["parseFloat", parseFloatFn],
  ["isNaN", new BuiltinFunction("isNaN", primitive("isNaN", (v) => Number.isNaN(Number(v))))],
  ["isFinite", new BuiltinFunction("isFinite", primitive("isFinite", (v) => Number.isFinite(Number(v))))],
  ["Infinity", Infinity],
  ["NaN", NaN],
]);

/** Globals that only exist when code runs; naming them gets a message that says why not. */
export const runtimeOnlyGlobals = new Set([
  "console", "process", "require", "eval", "Function", "globalThis", "window", "fetch", "setTimeout",
  "setInterval", "Date", "Promise", "module", "exports", "__dirname", "__filename", "Buffer", "Symbol", "Reflect",
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
    } else items = hooks.items(src, site) ?? fail("wrongArgumentType", `Array.from takes an array, { length: n }, a ModuleList, a Map, a Set or a tensor, got ${describe(src)}`, site.loc);
    hooks.charge(items.length, site);
    return fn === undefined ? items : items.map((v, i) => hooks.call(fn, [v], site, [i]));
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
    // String(i).padStart(2, "0"): layer names numbered with a width
    case "padStart":
    case "padEnd":
      return m(2, ([a, b], site) => {
        const width = int(a, "the length", site, 0);
        hooks.size(width, "string", site);
        const fill = b === undefined ? " " : str(b, "the padding", site);
        return name === "padStart" ? text.padStart(width, fill) : text.padEnd(width, fill);
      });
  }
  return undefined;
}

/** A number's toFixed, toPrecision and toString, as JavaScript's (names and messages built from sizes). */
export function numberMethod(value: number, name: string): BuiltinFunction | undefined {
  const digits = (v: Value, max: number, site: CallSite): number | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) return fail("invalidArgument", `${name}: the digits are an integer from 0 to ${max}, got ${describe(v)}`, site.loc);
    return v;
  };
  if (name === "toFixed") return new BuiltinFunction("Number.toFixed", ([d], site) => value.toFixed(digits(d, 100, site)));
  if (name === "toPrecision") return new BuiltinFunction("Number.toPrecision", ([d], site) => (d === undefined ? value.toPrecision() : value.toPrecision(Math.max(1, digits(d, 100, site)!))));
  if (name === "toString") return new BuiltinFunction("Number.toString", ([radix], site) => value.toString(radix === undefined ? 10 : (typeof radix === "number" && Number.isInteger(radix) && radix >= 2 && radix <= 36 ? radix : fail("invalidArgument", `toString: the radix is an integer from 2 to 36, got ${describe(radix)}`, site.loc))));
  return undefined;
}

/** The element `i` of `arr` as a callback's argument list: its Python float, if it holds one. */
const elementFloat = (arr: readonly Value[], i: number): [number | undefined] => [fieldFloat(arr, String(i), arr[i])];

/** `change` done in place on `arr`, and `move` on its elements' Python floats (by index), so that each float stays with its element. */
function movingFloats<T>(arr: Value[], move: (floats: (number | undefined)[]) => unknown, change: () => T): T {
  const floats = elementFloats(arr);
  const result = change();
  move(floats);
  setElementFloats(arr, floats);
  return result;
}

/** Where Array.slice(start) of an array of `length` begins, as JavaScript counts it. */
function sliceStart(start: Value, length: number): number {
  const s = typeof start === "number" ? Math.trunc(start) || 0 : 0;
  return s < 0 ? Math.max(length + s, 0) : Math.min(s, length);
}

/** The array methods model code may use. */
export function arrayMethod(arr: Value[], name: string, hooks: ArrayHooks): BuiltinFunction | undefined {
  // `floats`: the Python floats among the arguments, offered to the callback's parameters (float-literals.ts)
  const callFloat = (f: Value, args: Value[], site: CallSite, extra?: Value[], floats: readonly (number | undefined)[] = []) => withArgumentFloats(floats, () => hooks.call(f, args, site, extra));
  const call = (f: Value, args: Value[], site: CallSite, extra?: Value[], floats: readonly (number | undefined)[] = []) => callFloat(f, args, site, extra, floats).value;
  // a method that walks or copies the array costs its length in steps
  const m = (f: (args: Value[], site: CallSite) => Value) =>
    new BuiltinFunction(`Array.${name}`, (args, site) => {
      hooks.charge(arr.length + 1, site);
      return f(args, site);
    });
  switch (name) {
    case "push":
      return new BuiltinFunction(
        "Array.push",
        (args, site) => {
          hooks.charge(args.length, site);
          hooks.size(arr.length + args.length, "array", site);
          const floats = argumentFloats(site, args); // xs.push(1.0): a Python float
          for (const [i, a] of args.entries()) {
            arr.push(hooks.stored(a, site)); // push(...args) overflows the stack past ~100,000
            noteFieldFloat(arr, String(arr.length - 1), floats[i]);
          }
          return arr.length;
        },
        // outs.push(<an error>) in a loop: the array holds a Poison for it, so that a later
        // F.stack(outs) stays quiet instead of reporting an empty array after the one real error
        () => void arr.push(Poison.value),
      );
    case "map":
      return m((args, site) => {
        // [1.0, 2.0].map((s) => s * 3): each result's float, as Python's [s * 3 for s in …]
        const results = arr.map((v, i) => callFloat(args[0], [v], site, [i, arr], elementFloat(arr, i)));
        const out = results.map((r) => r.value);
        setElementFloats(out, results.map((r) => r.float));
        return out;
      });
    case "forEach":
      return m((args, site) => {
        arr.forEach((v, i) => call(args[0], [v], site, [i, arr], elementFloat(arr, i)));
        return undefined;
      });
    case "filter":
      return m((args, site) => {
        const kept = new Map<number, number>(); // an element's index in arr → in the result
        const out = arr.filter((v, i) => Boolean(call(args[0], [v], site, [i, arr], elementFloat(arr, i))) && kept.set(i, kept.size) !== undefined);
        copyElementFloats(arr, out, (i) => kept.get(i));
        return out;
      });
    case "reduce":
      return m((args, site) => {
        // without an initial value, the first element is one, as JavaScript's
        if (args.length < 2 && arr.length === 0) fail("wrongArgumentCount", "reduce of an empty array with no initial value", site.loc);
        if (args.length < 2) return arr.slice(1).reduce<Value>((acc, v, i) => call(args[0], [acc, v], site, [i + 1, arr], [undefined, elementFloat(arr, i + 1)[0]]), arr[0]);
        return arr.reduce<Value>((acc, v, i) => call(args[0], [acc, v], site, [i, arr], [undefined, elementFloat(arr, i)[0]]), args[1]);
      });
    case "some":
      return m((args, site) => arr.some((v, i) => Boolean(call(args[0], [v], site, [i, arr], elementFloat(arr, i)))));
    case "every":
      return m((args, site) => arr.every((v, i) => Boolean(call(args[0], [v], site, [i, arr], elementFloat(arr, i)))));
    case "slice":
      return m((args) => {
        const out = arr.slice(args[0] as number | undefined, args[1] as number | undefined);
        const start = sliceStart(args[0], arr.length);
        copyElementFloats(arr, out, (i) => (i >= start && i - start < out.length ? i - start : undefined));
        return out;
      });
    case "concat":
      return m((args, site) => {
        const parts = args.map((a) => (Array.isArray(a) ? a : [a]));
        hooks.size(parts.reduce((n, p) => n + p.length, arr.length), "array", site);
        const out = arr.slice(); // not arr.concat(...parts): a native spread overflows past ~150,000
        copyElementFloats(arr, out);
        const written = argumentFloats(site, args); // [].concat(2.0): a number given is an element
        for (const [k, p] of parts.entries()) {
          const at = out.length;
          for (const x of p) out.push(x);
          if (Array.isArray(args[k])) copyElementFloats(p, out, (i) => at + i);
          else noteFieldFloat(out, String(at), written[k]);
        }
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
      return m(() => movingFloats(arr, (floats) => floats.reverse(), () => arr.reverse()));
    case "fill":
      return m((args, site) =>
        movingFloats(arr, (floats) => floats.fill(argumentFloats(site, args)[0], args[1] as number | undefined, args[2] as number | undefined), () => arr.fill(hooks.stored(args[0], site), args[1] as number | undefined, args[2] as number | undefined)),
      );
    case "find":
      return m((args, site) => arr.find((v, i) => Boolean(call(args[0], [v], site, [i, arr], elementFloat(arr, i)))));
    case "findIndex":
      return m((args, site) => arr.findIndex((v, i) => Boolean(call(args[0], [v], site, [i, arr], elementFloat(arr, i)))));
    case "findLast":
      return m((args, site) => arr.findLast((v, i) => Boolean(call(args[0], [v], site, [i, arr], elementFloat(arr, i)))));
    case "findLastIndex":
      return m((args, site) => arr.findLastIndex((v, i) => Boolean(call(args[0], [v], site, [i, arr], elementFloat(arr, i)))));
    case "lastIndexOf":
      return m((args) => arr.lastIndexOf(args[0]));
    case "keys":
      return m(() => arr.map((_, i) => i));
    case "values":
      return m(() => [...arr]);
    case "flat":
      // one level (depth 1, the default), as ports flatten lists of lists of layers
      return m((args, site) => {
        if (args[0] !== undefined && args[0] !== 1) fail("invalidArgument", `flat flattens one level in model code, got depth ${describe(args[0])}`, site.loc);
        const out: Value[] = [];
        for (const v of arr) if (Array.isArray(v)) for (const x of v) out.push(x); else out.push(v);
        hooks.size(out.length, "array", site);
        return out;
      });
    case "flatMap":
      return m((args, site) => {
        const out: Value[] = [];
        arr.forEach((v, i) => {
          const r = call(args[0], [v], site, [i, arr], elementFloat(arr, i));
          if (Array.isArray(r)) for (const x of r) out.push(x);
          else out.push(r);
        });
        hooks.size(out.length, "array", site);
        return out;
      });
    case "sort":
      // with a comparator, as (a, b) => a - b; without one, JavaScript's order of the elements as strings
      return m((args, site) => {
        // each value's floats, in the array's order: equal elements keep their order (a stable sort), as Python's sorted
        const floatsOf = new Map<Value, { floats: (number | undefined)[]; next: number }>();
        elementFloats(arr).forEach((f, i) => (floatsOf.get(arr[i]) ?? floatsOf.set(arr[i], { floats: [], next: 0 }).get(arr[i])!).floats.push(f));
        const sorted = args[0] === undefined ? arr.sort() : arr.sort((a, b) => {
          const c = call(args[0], [a, b], site);
          return typeof c === "number" ? c : fail("wrongArgumentType", `sort's comparator must return a number, got ${describe(c)}`, site.loc);
        });
        setElementFloats(arr, arr.map((v) => {
          const q = floatsOf.get(v);
          return q ? q.floats[q.next++] : undefined;
        }));
        return sorted;
      });
    // splice(start, deleteCount, ...items): in place, the removed ones returned, as JavaScript's
    case "splice":
      return m((args, site) => {
        const [start, count, ...given] = args;
        const items = given.map((v) => hooks.stored(v, site));
        if (typeof start !== "number" || (count !== undefined && typeof count !== "number")) fail("wrongArgumentType", `splice takes a start and a count (numbers), got ${describe(start)} and ${describe(count)}`, site.loc);
        hooks.size(arr.length + items.length, "array", site);
        // the items are a call's arguments, so a native spread of them is short
        const floats = elementFloats(arr);
        const removedFloats = count === undefined ? floats.splice(start as number) : floats.splice(start as number, count as number, ...argumentFloats(site, args).slice(2));
        const removed = count === undefined ? arr.splice(start as number) : arr.splice(start as number, count as number, ...items);
        setElementFloats(arr, floats);
        setElementFloats(removed, removedFloats);
        return removed;
      });
    case "reduceRight":
      return m((args, site) => {
        if (args.length < 2 && arr.length === 0) fail("wrongArgumentCount", "reduceRight of an empty array with no initial value", site.loc);
        let acc = args.length < 2 ? arr[arr.length - 1] : args[1];
        for (let i = args.length < 2 ? arr.length - 2 : arr.length - 1; i >= 0; i--) acc = call(args[0], [acc, arr[i]], site, [i, arr]);
        return acc;
      });
    case "pop":
      return m(() => movingFloats(arr, (floats) => floats.pop(), () => arr.pop()));
    case "shift":
      return m(() => movingFloats(arr, (floats) => floats.shift(), () => arr.shift()));
    case "unshift": {
      const unshift = m((args, site) => {
        hooks.size(arr.length + args.length, "array", site);
        const items = args.map((v) => hooks.stored(v, site));
        const floats = [...argumentFloats(site, args), ...elementFloats(arr)];
        for (const v of arr) items.push(v);
        arr.length = 0;
        for (const v of items) arr.push(v); // not unshift(...args): a native spread overflows past ~150,000
        setElementFloats(arr, floats);
        return arr.length;
      });
      // as push's: the array holds a Poison for an argument that failed
      return new BuiltinFunction(unshift.name, unshift.call, () => void arr.push(Poison.value));
    }
  }
  return undefined;
}
