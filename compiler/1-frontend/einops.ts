import { fail } from "../diagnostics/diagnostic.ts";
import { batchTimes, formatShape, isBatch, shapeEq, type Dim } from "../ir/shape.ts";
import { ops } from "./composite-ops.ts";
import { einsum } from "./einsum.ts";
import { divide, EinopsError, parseSide, plan, productOf, type Operation } from "./einops-pattern.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { cat, narrowAlongBatch } from "./joins.ts";
import type { LayerHost } from "./layers.ts";
import { queryMethod } from "./tensor-queries.ts";
import { sizeOf, tensorMethods } from "./tensor-methods.ts";
import { BuiltinClass, BuiltinFunction, describe, FunctionValue, ModuleValue, NamespaceValue, ObjectValue, SymInt, TensorValue, type CallSite, type Value } from "./values.ts";

// `import { rearrange, repeat, reduce, Rearrange } from "tsdp/einops"` — Python's `from einops
// import …` and `from einops.layers.torch import …` in one module the frontend knows, as it knows
// tsdp/dsl. Not a model-language file (as tsdp/vision is): einops is pure shape manipulation and
// its patterns are string constants over static shapes, so each call is expanded here, at compile
// time, into the reshape, permute, expand and reduction ops a hand-written version would emit; the
// kernels, autodiff and the reference see only those. A pattern that does not fit the tensor is a
// compile-time error at the call with einops' own wording. The batch dim follows tsdp's reshape
// rules: an axis may be (a multiple of) the batch, and composing it with others ("(b h) n d") is
// the reshape those rules allow, each replica working on its own share.

/** The names tsdp/einops exports; the typings (dsl/einops.d.ts) declare the same. */
export const EINOPS_MODULE = "tsdp/einops";
/** einops' names tsdp does not provide, each with what to write instead. */
export const EINOPS_REFUSED: ReadonlyMap<string, string> = new Map([
  ["EinMix", "einops' EinMix (a layer whose weight's shape its pattern decides) is not supported: rearrange the mixed axes last, apply an nn.Linear, and rearrange back (the same parameters, named weight and bias, in nn.Linear's [out, in] layout)"],
  ["asnumpy", "asnumpy copies to the host, which a compiled forward does not do: return the tensor and read it from the compiled model"],
]);
/** The types the typings export beside the values (no value to bind). */
export const EINOPS_TYPES: ReadonlySet<string> = new Set(["Reduction", "AxesLengths"]);

const REDUCTIONS = ["mean", "sum", "max", "min", "prod"] as const;
type Reduction = (typeof REDUCTIONS)[number];

/** A problem of the pattern or shape reported at the call, as einops would raise it. */
function reported<T>(who: string, site: CallSite, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof EinopsError)) throw e;
    return fail(e.kind === "shape" ? "shapeMismatch" : "invalidArgument", `${who}: ${e.message}`, site.loc);
  }
}

/** einops' axes_lengths: `{ h: this.heads, b: x.shape[0] }`, each a size (a positive integer or the batch size). */
function axesLengths(v: Value, who: string, site: CallSite): Map<string, Dim> {
  const sizes = new Map<string, Dim>();
  if (v === undefined) return sizes;
  if (!(v instanceof ObjectValue)) return fail("wrongArgumentType", `${who}: the axis sizes come after the pattern as an object, { h: 8 } (einops' h=8), got ${describe(v)}`, site.loc);
  for (const [name, size] of v.props) {
    if (size instanceof SymInt) sizes.set(name, batchTimes(size.coef));
    else if (typeof size === "number" && Number.isInteger(size) && size > 0) sizes.set(name, size);
    else fail("wrongArgumentType", `${who}: the size of axis '${name}' must be a positive integer or the batch size (x.shape[0]), got ${describe(size)}`, site.loc);
  }
  return sizes;
}

/** The tensor argument: a tensor, or a list of them stacked along a new first axis (einops' rule for lists). */
function inputTensor(v: Value, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  if (v instanceof TensorValue) return v;
  if (Array.isArray(v) && v.length > 0 && v.every((t) => t instanceof TensorValue)) {
    const c = ops(em, who, site);
    const parts = (v as TensorValue[]).map((t) => c.reshape(t, [1, ...t.node.shape]));
    if (!parts.every((t) => shapeEq(t.node.shape, parts[0].node.shape)))
      fail("shapeMismatch", `${who}: a list of tensors is stacked first, which needs them of one shape: ${parts.map((t) => formatShape(t.node.shape.slice(1))).join(", ")}`, site.loc);
    return cat(who, parts, 0, site, em);
  }
  return fail("wrongArgumentType", `${who}: the first argument is the tensor (or a list of tensors), got ${describe(v)}`, site.loc);
}

function patternArg(v: Value, who: string, site: CallSite): string {
  if (typeof v !== "string") return fail("wrongArgumentType", `${who}: the pattern must be a string such as "b n (h d) -> b h n d", got ${describe(v)}`, site.loc);
  return v;
}

function reductionArg(v: Value, who: string, site: CallSite): Reduction {
  if (v instanceof FunctionValue || v instanceof BuiltinFunction)
    fail("invalidArgument", `${who}: a function as the reduction is not supported (tsdp expands the pattern into its own ops when compiling); use one of ${REDUCTIONS.map((r) => `"${r}"`).join(", ")}, or rearrange the axes to the end and reduce them with tensor methods`, site.loc);
  if (typeof v !== "string" || !(REDUCTIONS as readonly string[]).includes(v))
    fail("invalidArgument", `${who}: the reduction must be one of ${REDUCTIONS.map((r) => `"${r}"`).join(", ")}, got ${describe(v)}`, site.loc);
  return v as Reduction;
}

/** Reduces dims (ascending, distinct) of t as einops' torch backend does (max and min are amax and amin). */
function reduceDims(t: TensorValue, dims: number[], how: Reduction, site: CallSite, em: GraphEmitter): TensorValue {
  if (how === "prod") {
    // torch.prod takes one dim: the last first, so the earlier dims keep their indexes
    const prod = queryMethod("prod");
    return [...dims].reverse().reduce((acc, d) => prod(acc, [d], site, em) as TensorValue, t);
  }
  const method = { mean: "mean", sum: "sum", max: "amax", min: "amin" }[how];
  return tensorMethods[method](t, [dims], site, em) as TensorValue;
}

/** einops' rearrange, repeat or reduce of x, as reshape, reduction, permute, expand and reshape. */
export function transform(op: Operation, x: TensorValue, pattern: string, given: Map<string, Dim>, reduction: Reduction | undefined, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  const p = reported(who, site, () => plan(op, pattern, x.node.shape, given));
  const c = ops(em, who, site);
  let t = shapeEq(x.node.shape, p.elementary) ? x : c.reshape(x, p.elementary);
  let keys = p.keys;
  if (p.reduced.length > 0) {
    t = reduceDims(t, p.reduced, reduction!, site, em);
    keys = keys.filter((_, i) => !p.reduced.includes(i));
  }
  const fromInput = p.order.filter((k) => !p.newAxes.has(k));
  const perm = fromInput.map((k) => keys.indexOf(k));
  if (perm.some((q, i) => q !== i)) t = c.permute(t, perm);
  if (p.newAxes.size > 0) {
    const sizes = new Map(fromInput.map((k, i) => [k, t.node.shape[i]] as const));
    t = c.reshape(t, p.order.map((k) => (p.newAxes.has(k) ? 1 : sizes.get(k)!)));
    t = c.op("expand", [t], { shape: p.order.map((k) => p.newAxes.get(k) ?? sizes.get(k)!) });
  }
  return shapeEq(t.node.shape, p.outShape) ? t : c.reshape(t, p.outShape);
}

/** rearrange(x, pattern, { axes }), repeat(…), reduce(x, pattern, reduction, { axes }). */
function transformFunction(op: Operation, em: GraphEmitter): BuiltinFunction {
  const who = op;
  return new BuiltinFunction(who, (args, site) => {
    const reduction = op === "reduce" ? reductionArg(args[2], who, site) : undefined;
    const rest = op === "reduce" ? args.slice(3) : args.slice(2);
    if (rest.length > 1) fail("wrongArgumentCount", `${who}: after the pattern${op === "reduce" ? " and the reduction" : ""} comes at most one object of axis sizes, { h: 8 }; got ${rest.length} more arguments`, site.loc);
    const x = inputTensor(args[0], who, site, em);
    return transform(op, x, patternArg(args[1], who, site), axesLengths(rest[0], who, site), reduction, who, site, em);
  });
}

/**
 * einops.einsum(a, b, "b i d, b j d -> b i j"): the tensors first and the pattern last, axis names
 * of any length separated by spaces. Each name becomes a letter of torch.einsum's equation.
 */
function einsumFunction(em: GraphEmitter): BuiltinFunction {
  const who = "einsum";
  return new BuiltinFunction(who, (args, site) => {
    const pattern = args[args.length - 1];
    if (typeof args[0] === "string" && args.length > 1)
      fail("wrongArgumentType", `${who}: einops' einsum takes the tensors first and the pattern last, einsum(a, b, "${args[0]}") — torch.einsum's order (the equation first) is F.einsum`, site.loc);
    if (typeof pattern !== "string") return fail("wrongArgumentType", `${who}: the last argument is the pattern, a string such as "b i d, b j d -> b i j", got ${describe(pattern)}`, site.loc);
    const tensors = args.slice(0, -1);
    tensors.forEach((t, k) => {
      if (!(t instanceof TensorValue)) fail("wrongArgumentType", `${who}: operand ${k} must be a tensor, got ${describe(t)}`, site.loc);
    });
    const equation = reported(who, site, () => einsumEquation(pattern));
    return einsum(equation, tensors as TensorValue[], site, em, who);
  });
}

/** "b i d, b j d -> b i j" as "abc,adc->abd": one letter per axis name; "..." stays. */
export function einsumEquation(pattern: string): string {
  const sides = pattern.split("->");
  if (sides.length !== 2) throw new EinopsError(`Einsum pattern must contain '->': "${pattern}"`);
  if (/[()]/.test(pattern)) throw new EinopsError(`Einsum pattern does not support parenthesized compositions: "${pattern}" (rearrange first)`);
  const letters = new Map<string, string>();
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const term = (t: string) =>
    t.trim().split(/\s+/).filter((s) => s !== "").map((name) => {
      if (name === "..." || name === "…") return "...";
      if (/^[0-9]+$/.test(name)) throw new EinopsError(`Einsum pattern does not support anonymous axes ("${name}"): "${pattern}"`);
      parseSide(name);
      if (!letters.has(name)) {
        if (letters.size === alphabet.length) throw new EinopsError(`Einsum pattern names more than ${alphabet.length} axes: "${pattern}"`);
        letters.set(name, alphabet[letters.size]);
      }
      return letters.get(name)!;
    }).join("");
  const inputs = sides[0].split(",").map(term);
  const output = term(sides[1]);
  for (const name of sides[1].trim().split(/\s+/)) if (name !== "" && name !== "..." && !sides[0].split(/[\s,]+/).includes(name)) throw new EinopsError(`Unknown axis ${name} on right side of einsum "${pattern}"`);
  return `${inputs.join(",")}->${output}`;
}

/** pack's pattern: names around one "*"; its position among the dims. */
function packPattern(pattern: string, who: string, site: CallSite): { names: string[]; star: number } {
  const names = pattern.trim().split(/\s+/).filter((s) => s !== "");
  const stars = names.filter((n) => n === "*").length;
  if (stars !== 1) fail("invalidArgument", `${who}: the pattern must have exactly one "*" (the dims packed into one), got "${pattern}"`, site.loc);
  for (const n of names) if (n !== "*") reported(who, site, () => parseSide(n === "..." ? "a" : n));
  if (names.some((n) => n === "..." || n.includes("(")))
    fail("invalidArgument", `${who}: pack and unpack patterns name single axes around one "*" (no "..." or parentheses), got "${pattern}"`, site.loc);
  return { names, star: names.indexOf("*") };
}

/**
 * pack([cls, x], "b * d"): each tensor's dims where "*" stands (any number, none included) viewed as
 * one, and the tensors joined along it; with the packed shapes (ps) that unpack splits it back by.
 */
function packFunction(em: GraphEmitter): BuiltinFunction {
  const who = "pack";
  return new BuiltinFunction(who, (args, site) => {
    const [tensors, pattern] = args;
    if (!Array.isArray(tensors) || tensors.length === 0 || !tensors.every((t) => t instanceof TensorValue))
      return fail("wrongArgumentType", `${who}: the first argument is a list of tensors, pack([a, b], "b * d"), got ${describe(tensors)}`, site.loc);
    const { names, star } = packPattern(patternArg(pattern, who, site), who, site);
    const after = names.length - 1 - star;
    const c = ops(em, who, site);
    const shapes: Value[] = [];
    const parts = (tensors as TensorValue[]).map((t, k) => {
      const shape = t.node.shape;
      if (shape.length < names.length - 1) fail("shapeMismatch", `${who}: tensor ${k} ${formatShape(shape)} has fewer dims than the ${names.length - 1} named in "${pattern}"`, site.loc);
      const packed = shape.slice(star, shape.length - after);
      shapes.push(packed.map(sizeOf));
      const product = productOf(packed);
      if (product === undefined) fail("shapeMismatch", `${who}: tensor ${k}'s packed dims ${formatShape(packed)} would multiply the batch by itself`, site.loc);
      const viewed = [...shape.slice(0, star), product, ...shape.slice(shape.length - after)];
      return shapeEq(viewed, shape) ? t : c.reshape(t, viewed);
    });
    parts.forEach((t, k) => {
      const other = parts[0].node.shape;
      if (t.node.shape.some((d, i) => i !== star && JSON.stringify(d) !== JSON.stringify(other[i])))
        fail("shapeMismatch", `${who}: the dims other than "*" must agree: tensor 0 is ${formatShape(other)} and tensor ${k} ${formatShape(t.node.shape)} viewed as "${pattern}"`, site.loc);
    });
    return [cat(who, parts, star, site, em), shapes];
  });
}

/** A packed shape's dims: numbers and batch sizes, one of them -1 at most (inferred). */
function packedShape(v: Value, k: number, who: string, site: CallSite): (Dim | -1)[] {
  if (!Array.isArray(v)) return fail("wrongArgumentType", `${who}: packed shape ${k} must be an array of sizes (pack's second result), got ${describe(v)}`, site.loc);
  return v.map((d) => {
    if (d instanceof SymInt) return batchTimes(d.coef);
    if (typeof d === "number" && Number.isInteger(d) && (d >= 0 || d === -1)) return d as number;
    return fail("wrongArgumentType", `${who}: packed shape ${k} holds ${describe(d)}; sizes are integers ≥ 0, the batch size, or one -1`, site.loc);
  });
}

/** unpack(packed, ps, "b * d"): the packed dim split by ps's products and each piece viewed with its own dims. */
function unpackFunction(em: GraphEmitter): BuiltinFunction {
  const who = "unpack";
  return new BuiltinFunction(who, (args, site) => {
    const [packed, ps, pattern] = args;
    if (!(packed instanceof TensorValue)) return fail("wrongArgumentType", `${who}: the first argument is the packed tensor, got ${describe(packed)}`, site.loc);
    if (!Array.isArray(ps)) return fail("wrongArgumentType", `${who}: the second argument is the packed shapes (pack's second result), got ${describe(ps)}`, site.loc);
    const { names, star } = packPattern(patternArg(pattern, who, site), who, site);
    const shape = packed.node.shape;
    if (shape.length !== names.length) fail("shapeMismatch", `${who}: the packed tensor ${formatShape(shape)} must have the ${names.length} dims of "${pattern}"`, site.loc);
    const shapes = ps.map((s, k) => packedShape(s, k, who, site));
    const total = shape[star];
    // the packed dim is fixed, or a multiple of the batch (pack([x], "* d") of x [Batch, n, d]):
    // then every piece is a multiple of it too, sliced in whole multiples (joins.ts narrowAlongBatch)
    const batchy = isBatch(total);
    const coef = (d: Dim) => (typeof d === "number" ? d : d.batch);
    const holes = shapes.filter((s) => s.includes(-1)).length;
    if (shapes.some((s) => s.filter((d) => d === -1).length > 1) || holes > 1)
      fail("invalidArgument", `${who}: at most one packed shape may hold -1 (inferred), once`, site.loc);
    const lengths = shapes.map((s) => (s.includes(-1) ? undefined : productOf(s as Dim[])));
    if (holes === 1) {
      const k = lengths.indexOf(undefined);
      const known = lengths.filter((l): l is Dim => l !== undefined);
      const left = coef(total) - known.reduce<number>((a, l) => a + coef(l), 0);
      const hole = left >= 0 && known.every((l) => isBatch(l) === batchy) ? divide(batchy ? batchTimes(left) : left, shapes[k].filter((d) => d !== -1) as Dim[]) : undefined;
      if (hole === undefined || (batchy && left === 0)) return fail("shapeMismatch", `${who}: cannot infer the -1 of packed shape ${k} from dim ${star} of ${formatShape(shape)}`, site.loc);
      shapes[k] = shapes[k].map((d) => (d === -1 ? hole : d));
      lengths[k] = productOf(shapes[k] as Dim[]);
    }
    const sizes = lengths as (Dim | undefined)[];
    if (sizes.some((l) => l === undefined || isBatch(l) !== batchy))
      fail("shapeMismatch", `${who}: the packed shapes [${shapes.map((s) => formatShape(s as Dim[])).join(", ")}] do not split dim ${star} of ${formatShape(shape)}: ${batchy ? "it is a multiple of the batch, so each piece must be one" : "each piece must have a fixed size"}`, site.loc);
    const sum = (sizes as Dim[]).reduce<number>((a, l) => a + coef(l), 0);
    if (sum !== coef(total)) fail("shapeMismatch", `${who}: the packed shapes hold ${sum}${batchy ? "·Batch" : ""} along dim ${star}, the tensor ${formatShape(shape)} has ${formatShape([total]).slice(1, -1)}`, site.loc);
    const c = ops(em, who, site);
    let start = 0;
    return shapes.map((s, k) => {
      const length = coef(sizes[k]!);
      const piece = batchy ? narrowAlongBatch(who, packed, star, start, length, site, em) : c.narrow(packed, star, start, length);
      start += length;
      const viewed = [...shape.slice(0, star), ...(s as Dim[]), ...shape.slice(star + 1)];
      return shapeEq(viewed, piece.node.shape) ? piece : c.reshape(piece, viewed);
    });
  });
}

/** parse_shape(x, "b c _ w"): an object of each named axis's size ("_" skips a dim; "..." the rest). */
function parseShapeFunction(): BuiltinFunction {
  const who = "parseShape";
  return new BuiltinFunction(who, (args, site) => {
    const [x, pattern] = args;
    if (!(x instanceof TensorValue)) return fail("wrongArgumentType", `${who}: the first argument is a tensor, got ${describe(x)}`, site.loc);
    const text = patternArg(pattern, who, site);
    const names = reported(who, site, () => {
      const side = parseSide(text, { allowEllipsisInParens: false, allowUnderscore: true });
      if (side.groups.some((g) => g !== "..." && g.length !== 1)) throw new EinopsError(`parse_shape's pattern names single axes ("_" to skip one, "..." for the rest): "${text}"`);
      return side.groups.map((g) => (g === "..." ? "..." : g[0].key));
    });
    const shape = x.node.shape;
    const dots = names.includes("...") ? shape.length - (names.length - 1) : 0;
    if (dots < 0 || (!names.includes("...") && names.length !== shape.length))
      fail("shapeMismatch", `${who}: can't parse shape with different number of dimensions: pattern "${text}", shape ${formatShape(shape)}`, site.loc);
    const result = new Map<string, Value>();
    let i = 0;
    for (const n of names) {
      if (n === "...") i += dots;
      else {
        if (n !== "_") result.set(n, sizeOf(shape[i]));
        i++;
      }
    }
    return new ObjectValue(result);
  });
}

/**
 * einops.layers.torch's Rearrange(pattern, { axes }) and Reduce(pattern, reduction, { axes }): layers
 * without parameters (nn.Sequential's patch embedding `Rearrange("b c (h p1) (w p2) -> b (h w) (p1 p2 c)", { p1: p, p2: p })`).
 */
function layerClass(op: "rearrange" | "reduce", host: LayerHost): BuiltinClass {
  const who = op === "rearrange" ? "Rearrange" : "Reduce";
  return new BuiltinClass(who, (args, site) => {
    if (!host.inForward()) host.requireConstruct(who, site);
    const pattern = patternArg(args[0], who, site);
    const reduction = op === "reduce" ? reductionArg(args[1], who, site) : undefined;
    const rest = op === "reduce" ? args.slice(2) : args.slice(1);
    if (rest.length > 1) fail("wrongArgumentCount", `${who}: after the pattern${op === "reduce" ? " and the reduction" : ""} comes at most one object of axis sizes, { h: 8 }`, site.loc);
    const given = axesLengths(rest[0], who, site);
    // checked once here as einops' layer checks its recipe when built, against no shape yet
    reported(who, site, () => {
      for (const side of pattern.split("->")) parseSide(side, { allowEllipsisInParens: true });
      if (pattern.split("->").length !== 2) throw new EinopsError(`the pattern needs one "->" between its two sides: "${pattern}"`);
    });
    const forward = (_self: ModuleValue, callArgs: Value[], callSite: CallSite) => {
      if (callArgs.length !== 1 || !(callArgs[0] instanceof TensorValue)) fail("wrongArgumentType", `${who}: forward takes one tensor, got ${callArgs.map(describe).join(", ") || "nothing"}`, callSite.loc);
      return transform(op, callArgs[0] as TensorValue, pattern, given, reduction, who, callSite, host.em);
    };
    const summary = [`'${pattern}'`, ...(reduction ? [`'${reduction}'`] : []), ...[...given].map(([k, v]) => `${k}=${typeof v === "number" ? v : "b"}`)].join(", ");
    return new ModuleValue("layer", who, site.loc, undefined, [], [], forward, summary);
  });
}

/** The names of tsdp/einops, as the frontend binds an import of them. */
export function einopsMembers(host: LayerHost): Map<string, Value> {
  const em = host.em;
  const members = new Map<string, Value>([
    ["rearrange", transformFunction("rearrange", em)],
    ["repeat", transformFunction("repeat", em)],
    ["reduce", transformFunction("reduce", em)],
    ["einsum", einsumFunction(em)],
    ["pack", packFunction(em)],
    ["unpack", unpackFunction(em)],
    ["parseShape", parseShapeFunction()],
    ["Rearrange", layerClass("rearrange", host)],
    ["Reduce", layerClass("reduce", host)],
  ]);
  // Python's spelling, as ports write it
  members.set("parse_shape", members.get("parseShape")!);
  return members;
}

/** `import * as einops from "tsdp/einops"`: the same names under one namespace. */
export function einopsNamespace(host: LayerHost): NamespaceValue {
  return new NamespaceValue("einops", einopsMembers(host));
}
