import { Node as TsNode } from "ts-morph";
import { fail, type SourceLoc } from "../diagnostics/diagnostic.ts";
import { locOf } from "./source.ts";
import { describe, ModeFlag, ModuleValue, ObjectValue, SymInt, TensorValue, type CallSite, type Value } from "./values.ts";

// Binds call arguments the way a PyTorch port writes them: positional arguments in PyTorch's
// order, then optionally one trailing object literal for the keyword arguments:
//   nn.Conv2d(3, 64, kernel_size=3, padding=1)  →  new nn.Conv2d(3, 64, 3, { padding: 1 })

export type ArgKind =
  | "posInt" // integer ≥ 1 (sizes)
  | "nonNegInt" // integer ≥ 0 (paddings)
  | "int" // any integer (dims)
  | "number" // finite number
  | "prob" // number in [0, 1]
  | "bool"
  | "size2" // int or [int, int] → [int, int]
  | "dims" // int or array of ints
  | "ints" // int or array of ints, kept as an array
  | "tensor"
  | "module"
  | "trainingFlag" // true, false or this.training
  | "string" // one of `choices`
  | "any";

export interface ArgSpec {
  readonly name: string;
  readonly kind: ArgKind;
  /** Omitted means required. */
  readonly default?: Value;
  /** Allowed strings, for enum-like options ("none" | "tanh"). */
  readonly choices?: readonly string[];
  readonly nullable?: boolean;
}

export function arg(name: string, kind: ArgKind, extra: Partial<ArgSpec> = {}): ArgSpec {
  return { name, kind, ...extra };
}

export function opt(name: string, kind: ArgKind, dflt: Value, extra: Partial<ArgSpec> = {}): ArgSpec {
  return { name, kind, default: dflt, ...extra };
}

export type Bound = Record<string, any>;

/** Binds the properties of an options object ({ lr: 0.1, momentum: 0.9 }) as keyword arguments. */
export function bindOptions(who: string, specs: readonly ArgSpec[], options: ObjectValue, site: CallSite): Bound {
  return bindArgs(who, specs, [options], site, true);
}

/** Binds `args` to `specs`; `who` names the callee in messages ("nn.Conv2d"). */
export function bindArgs(who: string, specs: readonly ArgSpec[], args: readonly Value[], site: CallSite, onlyKeywords = false): Bound {
  const bound: Bound = {};
  let positional = [...args];
  let keywords: Map<string, Value> | undefined;
  const last = positional[positional.length - 1];
  const lastSpec = specs[positional.length - 1];
  if (last instanceof ObjectValue && (onlyKeywords || lastSpec?.kind !== "any")) {
    keywords = last.props;
    positional = positional.slice(0, -1);
  }
  if (positional.length > specs.length)
    fail(
      "wrongArgumentCount",
      `${who} takes at most ${specs.length} argument${specs.length === 1 ? "" : "s"} (${specs.map((s) => s.name).join(", ")}), got ${args.length}`,
      site.loc,
    );
  // where each bound value is written, so a bad one is pointed at rather than the whole call
  const at: Record<string, SourceLoc> = {};
  positional.forEach((v, i) => {
    bound[specs[i].name] = v;
    at[specs[i].name] = argLoc(site, i, args.length);
  });
  for (const [key, v] of keywords ?? []) {
    const spec = specs.find((s) => s.name === key);
    if (!spec) {
      const snake = specs.find((s) => s.name === camel(key));
      const hint = snake ? `; write ${snake.name} (camelCase) for PyTorch's ${key}` : "";
      fail(
        "invalidArgument",
        `${who} has no option '${key}'${hint}; it takes ${specs.map((s) => s.name).join(", ")}`,
        keyLoc(site, key, "name"),
      );
    }
    if (key in bound) fail("invalidArgument", `${who}: '${key}' is given both by position and as an option`, keyLoc(site, key, "name"));
    bound[key] = v;
    at[key] = keyLoc(site, key, "value");
  }
  for (const spec of specs) {
    if (!(spec.name in bound) || bound[spec.name] === undefined) {
      if (!("default" in spec)) {
        const required = specs.filter((s) => !("default" in s)).map((s) => s.name);
        fail(
          "wrongArgumentCount",
          `${who} expects ${required.length} argument${required.length === 1 ? "" : "s"} (${required.join(", ")}), missing '${spec.name}'`,
          site.loc,
        );
      }
      bound[spec.name] = spec.default;
      continue;
    }
    bound[spec.name] = check(who, spec, bound[spec.name], at[spec.name] ?? site.loc);
  }
  return bound;
}

/** The written arguments of the call at `site`, when they match the values one to one (no spread). */
function writtenArgs(site: CallSite): TsNode[] | undefined {
  const node = site.node as TsNode | undefined;
  if (!node || !(TsNode.isCallExpression(node) || TsNode.isNewExpression(node))) return undefined;
  const args = node.getArguments();
  return args.some((a) => TsNode.isSpreadElement(a)) ? undefined : args;
}

/** Where argument `i` of `count` values is written; the whole call when that is not known. */
export function argLoc(site: CallSite, i: number, count: number): SourceLoc {
  const args = writtenArgs(site);
  return args && args.length === count && args[i] ? locOf(args[i]) : site.loc;
}

/** Where option `key` of the call's trailing options object is written: its name or its value. */
export function keyLoc(site: CallSite, key: string, part: "name" | "value"): SourceLoc {
  const args = writtenArgs(site);
  const last = args?.[args.length - 1];
  if (!last) return site.loc;
  if (!TsNode.isObjectLiteralExpression(last)) return locOf(last);
  const prop = last.getProperty(key) ?? last.getProperty(`"${key}"`) ?? last.getProperty(`'${key}'`);
  if (TsNode.isPropertyAssignment(prop)) return locOf(part === "name" ? prop.getNameNode() : prop.getInitializerOrThrow());
  if (prop) return locOf(prop);
  return locOf(last);
}

function camel(snake: string): string {
  return snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function check(who: string, spec: ArgSpec, v: Value, loc: SourceLoc): Value {
  const bad = (expected: string): never =>
    fail("wrongArgumentType", `${who}: ${spec.name} must be ${expected}, got ${describe(v)}`, loc);
  if (v === null && spec.nullable) return v;
  if (spec.choices) {
    if (typeof v !== "string" || !spec.choices.includes(v)) bad(`one of ${spec.choices.map((c) => `"${c}"`).join(", ")}`);
    return v;
  }
  const isInt = (x: Value): x is number => typeof x === "number" && Number.isInteger(x);
  if (v instanceof SymInt && spec.kind !== "any")
    fail("nonConstant", `${who}: ${spec.name} cannot depend on the batch size`, loc);
  switch (spec.kind) {
    case "posInt":
      return isInt(v) && v >= 1 ? v : bad("a positive integer");
    case "nonNegInt":
      return isInt(v) && v >= 0 ? v : bad("a non-negative integer");
    case "int":
      return isInt(v) ? v : bad("an integer");
    case "number":
      return typeof v === "number" && Number.isFinite(v) ? v : bad("a finite number");
    case "prob":
      return typeof v === "number" && v >= 0 && v <= 1 ? v : bad("a number between 0 and 1");
    case "bool":
      return typeof v === "boolean" ? v : bad("true or false");
    case "size2": {
      if (isInt(v)) return [v, v];
      if (Array.isArray(v) && v.length === 2 && v.every(isInt)) return v;
      return bad("an integer or a pair of integers");
    }
    case "dims":
    case "ints":
      if (isInt(v)) return spec.kind === "ints" ? [v] : v;
      if (Array.isArray(v) && v.every(isInt)) return v;
      return bad("an integer or an array of integers");
    case "tensor":
      return v instanceof TensorValue ? v : bad("a tensor");
    case "module":
      return v instanceof ModuleValue ? v : bad("a module");
    case "trainingFlag":
      return typeof v === "boolean" || v instanceof ModeFlag ? v : bad("true, false or this.training");
    case "string":
      return typeof v === "string" ? v : bad("a string");
    case "any":
      return v;
  }
}
