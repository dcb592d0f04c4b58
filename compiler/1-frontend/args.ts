import { Node as TsNode } from "ts-morph";
import { CompileError, diagnostic, fail, type Diagnostic, type SourceLoc } from "../diagnostics/diagnostic.ts";
import type { DiagnosticKind } from "../diagnostics/catalog.ts";
import { locOf } from "./source.ts";
import { formatShape } from "../ir/shape.ts";
import { describe, isBatchValue, ModeFlag, ModuleValue, ObjectValue, SymInt, TensorValue, type CallSite, type Value } from "./values.ts";
import { didYouMean, snake } from "./interp/syntax.ts";

// Binds call arguments the way a PyTorch port writes them: positional arguments in PyTorch's
// order, then optionally one trailing object literal for the keyword arguments:
//   nn.Conv2d(3, 64, kernel_size=3, padding=1)  →  new nn.Conv2d(3, 64, 3, { padding: 1 })
// Every argument is checked against its legal range here, and every bad one of a call is
// reported at once (a user fixing `{ lr: NaN, eps: -1 }` should not need two compiles). A value
// of the wrong type is TSDP3003; a value of the right type outside its range (0, NaN, ∞) is TSDP3004.

export type ArgKind =
  | "posInt" // integer ≥ 1 (sizes)
  | "nonNegInt" // integer ≥ 0 (paddings)
  | "int" // any integer (dims)
  | "number" // finite number
  | "posNumber" // finite number > 0 (eps: dividing by it must not blow up)
  | "nonZeroNumber" // finite number ≠ 0 (softplus's β, which may be negative: the result is divided by it)
  | "nonNegNumber" // finite number ≥ 0 (learning rates, momentum, weight decay)
  | "prob" // number in [0, 1]
  | "betas" // two numbers in [0, 1) (Adam's moving-average factors)
  | "bool"
  | "size1" // integer ≥ 1 or a one-element array of one → int (a 1-D layer's kernel, stride, dilation: PyTorch's _single)
  | "padding1" // integer ≥ 0 or a one-element array of one → int (a 1-D layer's padding)
  | "size2" // integer ≥ 1 or a pair of them → [int, int] (kernels, strides, dilations)
  | "outputSize2" // integer ≥ 1 or a pair of them, each possibly null (keep the input's size) → [int | null, int | null]
  | "padding2" // integer ≥ 0 or a pair of them → [int, int]
  | "convPadding" // a padding2, or "valid" or "same" (kept as the string)
  | "sizes" // integer ≥ 1 or an array of them, kept as an array (shapes)
  | "scales" // finite number > 0 or an array of them, kept as an array (F.interpolate's scaleFactor)
  | "dims" // int or array of ints
  | "ints" // int or array of ints, kept as an array
  | "tensor"
  | "numberOrTensor" // a tensor, or a finite number (torch.pow's exponent, torch.lerp's weight)
  | "boundOrTensor" // a tensor, or a number that is finite or ±Infinity (torch.clamp's bounds, torch.maximum's operands)
  | "module"
  | "trainingFlag" // true, false or this.training
  | "string" // one of `choices`
  | "flag" // true, false or null (a PyTorch switch); true refused with `refuseTrue`'s reason when given
  | "legacyReduction" // true, false or null: the losses' deprecated size_average and reduce, which override reduction when given
  | "any";

export interface ArgSpec {
  readonly name: string;
  readonly kind: ArgKind;
  /** Omitted means required. */
  readonly default?: Value;
  /** Allowed strings, for enum-like options ("none" | "tanh"). */
  readonly choices?: readonly string[];
  readonly nullable?: boolean;
  /** A "flag" whose true tsdp does not compute: why, for the message. */
  readonly refuseTrue?: string;
  /** PyTorch's keyword-only argument (after `*` in its signature): given in the options object only. */
  readonly keywordOnly?: boolean;
  /** A "number", "numberOrTensor" or "boundOrTensor" that may be x.size(0), PyTorch's Python int (x % b, x.clamp(0, b), F.scalarTensor(b)): the lowering makes it op batch_size. */
  readonly batchSize?: boolean;
}

export function arg(name: string, kind: ArgKind, extra: Partial<ArgSpec> = {}): ArgSpec {
  return { name, kind, ...extra };
}

export function opt(name: string, kind: ArgKind, dflt: Value, extra: Partial<ArgSpec> = {}): ArgSpec {
  return { name, kind, default: dflt, ...extra };
}

export type Bound = Record<string, any>;

/** A conv layer's padding_mode: "zeros" is the conv's own padding; the others pad the input first (composite-layers.ts convInput). */
export const paddingModeArg = opt("paddingMode", "string", "zeros", { choices: ["zeros", "reflect", "replicate", "circular"] });
/** A transposed conv's padding_mode: PyTorch's ConvTranspose1d/2d/3d accept it, "zeros" only (ports pass it explicitly). */
export const transposedPaddingModeArg = opt("paddingMode", "string", "zeros", { choices: ["zeros"] });

/**
 * PyTorch's deprecated size_average and reduce, kept in their positions so that the arguments after
 * them bind as PyTorch's (F.nll_loss(x, y, None, None, -1) is ignore_index -1). Either given (old
 * ports: beta-VAE's and the VAE example's `size_average=False`) replaces reduction, as PyTorch's
 * legacy_get_string: both true (a null counts as true) is "mean", reduce alone true "sum", reduce
 * false "none" (legacyReduction below).
 */
export const sizeAverageArg = opt("sizeAverage", "legacyReduction", null);
export const reduceArg = opt("reduce", "legacyReduction", null);

/** PyTorch's reduction for a call that gives size_average or reduce (torch.nn._reduction.legacy_get_string). */
function legacyReduction(bound: Bound): void {
  if (!("reduction" in bound)) return;
  const sizeAverage = bound.sizeAverage ?? null;
  const reduce = bound.reduce ?? null;
  if (sizeAverage === null && reduce === null) return;
  bound.reduction = reduce === false ? "none" : sizeAverage === false ? "sum" : "mean";
}

/** Where each bound argument is written, so checks made after binding point at the value. */
const boundLocs = new WeakMap<Bound, Record<string, SourceLoc>>();

/** Where the argument bound as `name` is written; the whole call when it took its default. */
export function locOfArg(b: Bound, name: string, site: CallSite): SourceLoc {
  return boundLocs.get(b)?.[name] ?? site.loc;
}

/**
 * The problems found in one call. Checks that do not depend on each other all run, and the
 * call fails once with every diagnostic, rather than at the first.
 */
export class CallProblems {
  private readonly found: Diagnostic[] = [];
  add(kind: DiagnosticKind, message: string, loc: SourceLoc): void {
    this.found.push(diagnostic(kind, message, loc));
  }
  /** Runs `f`; a CompileError it throws is kept and `undefined` returned. */
  attempt<T>(f: () => T): T | undefined {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof CompileError)) throw e;
      this.found.push(...e.diagnostics);
      return undefined;
    }
  }
  throwIfAny(): void {
    if (this.found.length > 0) throw new CompileError([...this.found]);
  }
}

/** Binds the properties of an options object ({ lr: 0.1, momentum: 0.9 }) as keyword arguments. */
export function bindOptions(who: string, specs: readonly ArgSpec[], options: ObjectValue, site: CallSite): Bound {
  return bindArgs(who, specs, [options], site, true);
}

/**
 * Sees every spec list a call binds: test/dsl-arg-specs.test.ts collects what each builtin accepts
 * to compare it with dsl/index.d.ts (the specs live inside the handlers, so calling them is the
 * one way to read them all). Undefined outside that test.
 */
let specObserver: ((specs: readonly ArgSpec[]) => void) | undefined;
export function observeArgSpecs(observer: ((specs: readonly ArgSpec[]) => void) | undefined): void {
  specObserver = observer;
}

/**
 * The value of a 0-dim tensor the compiler knows (known-values.ts), for the model being lowered: a
 * number argument given one takes it, as PyTorch's arange(t0, t1) reads a scalar tensor's value
 * (Funnel's relative_pos: bounds computed from aranges of sizes). Set by the interpreter.
 */
let knownScalar: ((v: TensorValue) => number | undefined) | undefined;
export function resolveKnownScalars(resolve: ((v: TensorValue) => number | undefined) | undefined): void {
  knownScalar = resolve;
}

/** A one-element tensor's value when the compiler knows it (Python's int(t) of a constant), else undefined. */
export function knownScalarValue(v: TensorValue): number | undefined {
  return v.node.shape.every((d) => d === 1) ? knownScalar?.(v) : undefined;
}

/** Binds `args` to `specs`; `who` names the callee in messages ("nn.Conv2d"). */
export function bindArgs(who: string, specs: readonly ArgSpec[], args: readonly Value[], site: CallSite, onlyKeywords = false): Bound {
  specObserver?.(specs);
  const bound: Bound = {};
  const problems = new CallProblems();
  let positional = [...args];
  let keywords: Map<string, Value> | undefined;
  const last = positional[positional.length - 1];
  const lastSpec = specs[positional.length - 1];
  // x.max(1) passed on as a tensor: PyTorch's named tuple (values, indices) is an object here
  if (last instanceof ObjectValue && last.props.has("values") && last.props.has("indices") && !specs.some((s) => s.name === "values"))
    fail("invalidArgument", `${who} got the { values, indices } that max, min, sort, topk, kthvalue, mode and median return along a dim (PyTorch's named tuple): pass its .values (or [0])`, argLoc(site, args.length - 1, args.length));
  // an options object, unless the argument at its place takes any value and the object names
  // none of the callee's options (new nn.TransformerEncoderLayer(8, 2, 16, 0.1, { normFirst: true })
  // is options; F.where(c, x, { other: y, bogus: 1 }) too, so that bogus is named as unknown)
  const optionNames = last instanceof ObjectValue && [...last.props.keys()].some((k) => specs.some((s) => s.name === k || s.name === camel(k)));
  if (last instanceof ObjectValue && (onlyKeywords || lastSpec?.kind !== "any" || optionNames)) {
    keywords = last.props;
    positional = positional.slice(0, -1);
  }
  refuseKeywordOnlyByPosition(who, specs, positional.length, args.length, site);
  if (positional.length > specs.length)
    fail(
      "wrongArgumentCount",
      `${who} takes at most ${specs.length} argument${specs.length === 1 ? "" : "s"} (${specs.map((s) => s.name).join(", ")}), got ${args.length}`,
      site.loc,
    );
  // where each bound value is written, so a bad one is pointed at rather than the whole call
  const at: Record<string, SourceLoc> = {};
  let unknownOption = false;
  positional.forEach((v, i) => {
    bound[specs[i].name] = v;
    at[specs[i].name] = argLoc(site, i, args.length);
  });
  for (let [key, v] of keywords ?? []) {
    const written = key;
    // numpy's names that PyTorch's functions and tensor methods take for dim and keepdim (its argument
    // parser's aliases: Funnel's torch.cat([...], axis=axis), x.sum(axis=1, keepdims=True)); not a module's
    const alias = NUMPY_ALIASES[key];
    if (alias && !who.startsWith("nn.") && !specs.some((s) => s.name === key) && specs.some((s) => s.name === alias) && !keywords?.has(alias)) key = alias;
    const spec = specs.find((s) => s.name === key);
    if (!spec) {
      const snake = specs.find((s) => s.name === camel(key));
      const hint = snake
        ? `; write ${snake.name} (camelCase) for PyTorch's ${key}`
        : key === "input" && who.startsWith("F.") && specs[0]?.kind === "tensor"
          ? `; PyTorch's input= is the tensor given first, by position, here: ${who}(${specs[0].name}, …)`
          : didYouMean(key, specs.map((s) => s.name), "");
      problems.add("invalidArgument", `${who} has no option '${key}'${hint}; it takes ${specs.map((s) => s.name).join(", ")}`, keyLoc(site, key, "name"));
      unknownOption = true;
      continue;
    }
    if (key in bound) {
      problems.add("invalidArgument", `${who}: '${written}' is given both by position and as an option; give it once`, keyLoc(site, written, "name"));
      continue;
    }
    bound[key] = v;
    at[key] = keyLoc(site, written, "value");
  }
  for (const spec of specs) {
    if (!(spec.name in bound) || bound[spec.name] === undefined) {
      if (!("default" in spec)) {
        // after an unknown option, a missing one is most likely that option misspelled: one error
        if (unknownOption) continue;
        const required = specs.filter((s) => !("default" in s)).map((s) => s.name);
        problems.add(
          "wrongArgumentCount",
          `${who} expects ${required.length} argument${required.length === 1 ? "" : "s"} (${required.join(", ")}), missing '${spec.name}'`,
          site.loc,
        );
        continue;
      }
      bound[spec.name] = spec.default;
      continue;
    }
    problems.attempt(() => (bound[spec.name] = check(who, spec, bound[spec.name], at[spec.name] ?? site.loc)));
  }
  problems.throwIfAny();
  legacyReduction(bound);
  boundLocs.set(bound, at);
  return bound;
}

const NUMPY_ALIASES: Readonly<Record<string, string>> = { axis: "dim", keepdims: "keepdim" };

/**
 * A keyword-only argument given by position: PyTorch raises a TypeError (F.gelu(x, "tanh"): "gelu()
 * takes 1 positional argument but 2 were given"), so tsdp refuses it too, naming the option form.
 */
function refuseKeywordOnlyByPosition(who: string, specs: readonly ArgSpec[], given: number, written: number, site: CallSite): void {
  const first = specs.findIndex((s) => s.keywordOnly);
  if (first < 0 || given <= first) return;
  const keywordOnly = specs.slice(first).filter((s) => s.keywordOnly).map((s) => s.name);
  const positional = specs.slice(0, first).map((s) => s.name);
  fail(
    "wrongArgumentCount",
    `${who} takes ${first} positional argument${first === 1 ? "" : "s"}${first > 0 ? ` (${positional.join(", ")})` : ""}, got ${given}: ${keywordOnly.join(", ")} ${keywordOnly.length === 1 ? "is" : "are"} keyword-only in PyTorch; give ${keywordOnly.length === 1 ? "it" : "them"} in the options object ({ ${keywordOnly[0]}: … })`,
    argLoc(site, first, written),
  );
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

/** PyTorch's snake_case spelling in the model language's camelCase: out_channels → outChannels. */
export function camel(snake: string): string {
  return snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The largest size the generated code indexes (its indices are 32-bit ints). */
export const MAX_SIZE = 2 ** 31 - 1;

const isInt = (x: Value): x is number => typeof x === "number" && Number.isInteger(x);
const isNumber = (x: Value): x is number => typeof x === "number";

/**
 * A tensor where a number must be known when compiling — most often x.item() of a value forward
 * computes (Tacotron 2's max_len = torch.max(lengths).item() into torch.arange), a 0-dim tensor
 * here — is refused saying so, where the argument's kind check would only say "not a number".
 */
export function refuseRunTimeNumber(who: string, name: string, v: Value, loc: SourceLoc): void {
  if (!(v instanceof TensorValue)) return;
  fail(
    "nonConstant",
    `${who}: ${name} must be a number known when the model is compiled, got a tensor of shape ${formatShape(v.node.shape)}: its values exist only when the model runs (x.item() of a tensor computed in forward stays a 0-dim tensor), and tsdp's shapes, counts and settings are fixed at compile time; take a size from a shape (x.size(1), the padded length) or a constant, and keep data-dependent values in tensor ops (a mask from F.arange(L).lt(lengths.unsqueeze(1)))`,
    loc,
  );
}

/** The kinds whose value is a number (or numbers) the compiler must know: a tensor there is refused as such. */
const NUMBER_KINDS: ReadonlySet<ArgKind> = new Set(["posInt", "nonNegInt", "int", "number", "posNumber", "nonZeroNumber", "nonNegNumber", "prob", "size1", "padding1", "size2"]);

/** A value as a message shows it: short arrays of numbers literally ([2, 3]), the rest described. */
function shown(v: Value): string {
  if (Array.isArray(v) && v.length <= 8 && v.every((x) => typeof x === "number" || typeof x === "boolean"))
    return `[${v.map(String).join(", ")}]`;
  return describe(v);
}

/**
 * Why a convolution's groups cannot be the batch size, and the form that computes the same: the
 * batch folded into the channels (StyleGAN2's per-sample weights, input.view(1, B·C, H, W) with
 * groups=B) would put every sample on one device, and the batch is split across them.
 */
/**
 * Why a slice bound cannot be the batch size, and what to write (x[:B] of rows that fold the batch
 * with another dim): the slice's start, end or length, and the same bound put in an index string.
 */
const BOUNDS = new Set(["start", "end", "length"]);
export const BATCH_BOUND =
  "each device runs its own share of the batch, so a bound from the batch size is not one number on every device: a dim made of whole batches (torch.cat([X, Y]) along the batch) is sliced by multiples of the batch size with x.slice(dim, start, end) (FixMatch's logits[:b] is logits.slice(0, 0, b), logits[b:] is logits.slice(0, b)) or taken apart by x.split(b, 0) (GRU4Rec's EXY[:split], EXY[split:] with split = X.shape[0]: const [E, O] = EXY.split(split, 0)); where the batch is folded with another dim into one ([k·Batch] rows) a bound cuts across samples; take whole samples instead: view that dim as [Batch, k] and index the k dim (TimeSformer's x[:B, 0] takes B of its (b t) rows, whose class tokens are all the same value: each sample's own, x.view(B, T, n, m).index(\":\", 0, 0), is that value)";

const BATCH_GROUPS =
  " (the batch is split across devices, so it cannot be folded into the channels): a per-sample weight, as StyleGAN2's modulated conv, is the shared weight applied to the batch — scale the input by the per-sample factor before the conv and the output after it (rosinality's ModulatedConv2d with fused=False)";

/**
 * Why float64 is not needed where PyTorch code asks for it: a diffusion schedule computed in float64
 * in a constructor (lucidrains' linspace(..., dtype=torch.float64), then .to(torch.float32)) is what
 * tsdp computes anyway, since constructor tensors are evaluated in float64 and rounded once.
 */
export const FLOAT64_HINT =
  ": tsdp's tensors are float32 (int32 for indices), and a constructor's tensor math is done in float64 anyway and rounded once to float32 where it becomes state, which is what a schedule computed in float64 and cast with .to(torch.float32) gives (DDPM's betas); leave the float64 out";

/**
 * Why a slice cannot start or end at the batch size, and what takes such parts: x.split(b, 0) cuts
 * a dim made of whole batches (a cat along the batch) on each device's share.
 */
/**
 * A complex dtype where only real ones are taken: the complex tensors a factory makes are the
 * constant ones (zeros, ones, empty: FNO's and FEDformer's out_ft); a random one's parts are drawn
 * as real tensors (torch.randn's complex normal has each part N(0, ½)).
 */
export const COMPLEX64_HINT =
  ": tsdp's complex tensors (complex64) are made by F.zeros, F.ones and F.empty with dtype F.cfloat (FNO's out_ft), or from float32 parts — F.complex(re, im), F.polar(abs, angle), F.viewAsComplex(x). torch.randn(…, dtype=torch.cfloat) draws the real and imaginary parts each N(0, ½): S4D's nn.Parameter(torch.view_as_real(torch.randn(H, N, dtype=torch.cfloat))) is new nn.Parameter(F.randn(H, N, 2).mul(Math.SQRT1_2)), and F.viewAsComplex(this.C) reads it as complex in forward";

function check(who: string, spec: ArgSpec, v: Value, loc: SourceLoc): Value {
  const got = shown(v);
  // the wrong kind of value (a string for a size, 1.5 for a channel count): TSDP3003
  const badType = (expected: string): never => fail("wrongArgumentType", `${who}: ${spec.name} must be ${expected}, got ${got}`, loc);
  // the right kind of value outside its legal range (stride 0, lr NaN): TSDP3004
  const badValue = (expected: string): never => fail("invalidArgument", `${who}: ${spec.name} must be ${expected}, got ${got}`, loc);
  if (v === null && spec.nullable) return v;
  if (spec.kind === "legacyReduction") {
    // a number or a string here is most likely a later argument written at this position (PyTorch
    // reads F.mse_loss(x, y, "sum") as size_average="sum", a mean): refused rather than read as truthy
    if (v !== null && typeof v !== "boolean")
      fail("invalidArgument", `${who}: ${spec.name} is PyTorch's deprecated ${snake(spec.name)}, true, false or null (its default), got ${got}; give reduction ("mean", "sum" or "none") by name instead`, loc);
    return v;
  }
  if (spec.kind === "flag") {
    if (v !== null && typeof v !== "boolean") badType("true, false or null");
    if (v === true && spec.refuseTrue) fail("invalidArgument", `${who}: ${spec.name}: true is not supported (${spec.refuseTrue}); leave it out or set it to false`, loc);
    return v;
  }
  if (spec.choices) {
    if (typeof v !== "string") badType(`one of ${spec.choices.map((c) => `"${c}"`).join(", ")}`);
    if (!spec.choices.includes(v as string)) {
      if (spec.name === "dtype" && v === "complex64") fail("invalidArgument", `${who}: ${spec.name} must be ${spec.choices.map((c) => `"${c}"`).join(", ")}, got complex64 (F.cfloat)${COMPLEX64_HINT}`, loc);
      if (spec.name === "dtype" && (v === "float64" || v === "double")) fail("invalidArgument", `${who}: ${spec.name} must be ${spec.choices.map((c) => `"${c}"`).join(", ")}, got ${got}${FLOAT64_HINT}`, loc);
      badValue(`one of ${spec.choices.map((c) => `"${c}"`).join(", ")}`);
    }
    return v;
  }
  if (NUMBER_KINDS.has(spec.kind) && v instanceof TensorValue && v.node.shape.length === 0) v = knownScalar?.(v) ?? v;
  if (NUMBER_KINDS.has(spec.kind)) refuseRunTimeNumber(who, spec.name, v, loc);
  if (isBatchValue(v) && spec.kind !== "any" && !(spec.batchSize && (spec.kind === "number" || spec.kind === "numberOrTensor" || spec.kind === "boundOrTensor")))
    fail("nonConstant", `${who}: ${spec.name} cannot depend on the batch size${spec.name === "groups" ? BATCH_GROUPS : BOUNDS.has(spec.name) ? ` (${BATCH_BOUND})` : ""}`, loc);
  /** An integer in [min, MAX_SIZE]: NaN, ∞ and 1e300 are numbers but no sizes. */
  const intAtLeast = (x: Value, min: number, expected: string): number => {
    if (!isNumber(x)) return badType(expected);
    if (Number.isFinite(x) && !Number.isInteger(x)) return badType(expected);
    if (!(x >= min) || x === Infinity) return badValue(expected);
    // a size past int32 would overflow the generated code's indices: the tensor is too large
    if (x > MAX_SIZE) fail("tensorTooLarge", `${who}: ${spec.name} is ${got}, past the largest size tsdp indexes (${MAX_SIZE})`, loc);
    return x;
  };
  // PyTorch's _single: a 1-D layer takes kernel_size=3 and kernel_size=(3,) alike
  const singleOf = (min: number, expected: string): number => {
    if (Array.isArray(v) && v.length === 1 && isNumber(v[0])) return intAtLeast(v[0], min, `${expected} or a one-element list of one`);
    if (Array.isArray(v)) return badType(`${expected} or a one-element list of one`);
    return intAtLeast(v, min, expected);
  };
  const pairOf = (min: number, expected: string): [number, number] => {
    if (isNumber(v)) {
      const n = intAtLeast(v, min, expected);
      return [n, n];
    }
    if (!Array.isArray(v) || v.length !== 2 || !v.every(isNumber)) return badType(`${expected} or a pair of them`);
    return [intAtLeast(v[0], min, `${expected} or a pair of them`), intAtLeast(v[1], min, `${expected} or a pair of them`)];
  };
  // The generated code computes in float32: a value past its range would become ±Infinity there,
  // and a positive one below its smallest (about 1.4e-45) would become 0 (an eps of 0 divides by zero).
  const finiteAtLeast = (min: number, strict: boolean, expected: string): number => {
    if (!isNumber(v)) return badType("a number");
    if (!Number.isFinite(v) || v < min || (strict && v === min)) return badValue(expected);
    const f = Math.fround(v);
    if (!Number.isFinite(f) || (strict && f === 0)) return badValue(`${expected}, within float32's range`);
    return v;
  };
  switch (spec.kind) {
    case "posInt":
      return intAtLeast(v, 1, "a positive integer");
    case "nonNegInt":
      return intAtLeast(v, 0, "a non-negative integer");
    case "int":
      if (!isNumber(v)) return badType("an integer");
      if (!Number.isFinite(v)) return badValue("a finite integer");
      return isInt(v) ? v : badType("an integer");
    case "number":
      if (isBatchValue(v)) return v;
      return finiteAtLeast(-Infinity, false, "a finite number");
    case "posNumber":
      return finiteAtLeast(0, true, "a finite number > 0");
    case "nonZeroNumber":
      return finiteAtLeast(-Infinity, true, "a finite number other than 0");
    case "nonNegNumber":
      return finiteAtLeast(0, false, "a finite number ≥ 0");
    case "prob":
      return finiteAtLeast(0, false, "a number between 0 and 1") <= 1 ? v : badValue("a number between 0 and 1");
    case "betas": {
      if (!Array.isArray(v) || v.length !== 2 || !v.every(isNumber)) return badType("a pair of numbers [beta1, beta2]");
      if (!v.every((b) => (b as number) >= 0 && (b as number) < 1)) return badValue("two numbers in [0, 1)");
      return v;
    }
    case "bool":
      return typeof v === "boolean" ? v : badType("true or false");
    case "size1":
      return singleOf(1, "a positive integer");
    case "padding1":
      return singleOf(0, "a non-negative integer");
    case "size2":
      return pairOf(1, "a positive integer");
    case "outputSize2": {
      // an adaptive pool's (None, 1): None keeps that dim's input size (the pool resolves it)
      const one = (d: unknown) => (d === null ? null : intAtLeast(d as number, 1, "a positive integer or null"));
      if (isNumber(v)) return pairOf(1, "a positive integer");
      if (!Array.isArray(v) || v.length !== 2 || !v.every((d) => d === null || isNumber(d))) return badType("a positive integer, or a pair of them or null");
      return [one(v[0]), one(v[1])];
    }
    case "padding2":
      return pairOf(0, "a non-negative integer");
    case "convPadding":
      if (v === "valid" || v === "same") return v;
      if (typeof v === "string") return badValue(`a non-negative integer, a pair of them, "valid" or "same"`);
      return pairOf(0, "a non-negative integer");
    case "sizes":
      if (isNumber(v)) return [intAtLeast(v, 1, "a positive integer")];
      if (!Array.isArray(v) || v.length === 0 || !v.every(isNumber)) return badType("a positive integer or a non-empty array of them");
      return v.map((d) => intAtLeast(d, 1, "an array of positive integers"));
    case "scales": {
      const list = Array.isArray(v) ? v : [v];
      if (list.length === 0 || !list.every(isNumber)) return badType("a positive number or a non-empty array of them");
      if (!list.every((f) => Number.isFinite(f) && (f as number) > 0)) return badValue("a finite number > 0 or an array of them");
      return list;
    }
    case "dims":
    case "ints":
      if (isInt(v)) return spec.kind === "ints" ? [v] : v;
      if (Array.isArray(v) && v.every(isInt)) return v;
      if ([v].flat().some((d) => typeof d === "number" && !Number.isFinite(d))) return badValue("finite integers");
      return badType("an integer or an array of integers");
    case "tensor":
      return v instanceof TensorValue ? v : badType("a tensor");
    case "numberOrTensor":
      if (v instanceof TensorValue || isBatchValue(v)) return v;
      if (!isNumber(v)) return badType("a number or a tensor");
      return finiteAtLeast(-Infinity, false, "a finite number or a tensor");
    case "boundOrTensor":
      // ±Infinity is a bound as in PyTorch (x.clamp(-inf, 0.5)); NaN and a finite number past float32 are not
      if (v instanceof TensorValue || isBatchValue(v)) return v;
      if (!isNumber(v)) return badType("a number or a tensor");
      return v === Infinity || v === -Infinity ? v : finiteAtLeast(-Infinity, false, "a number (±Infinity included) or a tensor, not NaN");
    case "module":
      return v instanceof ModuleValue ? v : badType("a module");
    case "trainingFlag":
      return typeof v === "boolean" || v instanceof ModeFlag ? v : badType("true, false or this.training");
    case "string":
      return typeof v === "string" ? v : badType("a string");
    case "any":
      return v;
  }
}
