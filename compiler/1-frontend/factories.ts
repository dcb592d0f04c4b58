import { Node as TsNode } from "ts-morph";
import { own } from "./names.ts";
import { CompileError, fail, type SourceLoc } from "../diagnostics/diagnostic.ts";
import { WHERE_OF_CONDITION } from "./refused-names.ts";
import { whereCoordinates } from "./where-coordinates.ts";
import { batchTimes, formatShape, isBatch, type Dim } from "../ir/shape.ts";
import type { Init } from "../ir/node.ts";
import { INLINE_LITERAL_VALUES } from "../ops/factory.ts";
import { broadcastShapes } from "../ops/elementwise.ts";
import { arg, bindArgs, locOfArg, opt, refuseRunTimeNumber, type ArgSpec, type Bound } from "./args.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { claimCaptured, markCaptured, retakeDrawn } from "./in-place.ts";
import { asBoolean, isBooleanMask, markBoolean } from "./boolean-masks.ts";
import { convert } from "./tensor-spellings.ts";
import { normalInit, uniformInit } from "./initial-values.ts";
import { checkTensorSize } from "./size-limits.ts";
import { constantValues } from "./known-values.ts";
import { listsFloatLiteral, writtenAsFloat } from "./float-literals.ts";
import { BatchNumber, BuiltinFunction, ComplexValue, describe, EmptyTensor, isBatchValue, isShape, LayerParamRef, ParameterRegion, ObjectValue, ParameterValue, Poison, StaticTensor, SymInt, TensorValue, type CallSite, type Value } from "./values.ts";

// Tensor factories (torch.zeros, ones, full, randn, arange, linspace, eye) and the triangle masks
// (torch.tril, triu), with PyTorch's names and argument order. Inside forward a factory is a
// constant of the graph; in a constructor it is a constructor tensor (constructor-tensors.ts) that
// math may follow, for nn.Parameter or registerBuffer, as `nn.Parameter(torch.zeros(1, 16, 64))`
// and `register_buffer("bias", torch.tril(torch.ones(T, T)))` do in PyTorch. F.randn / F.rand in a
// constructor is a StaticTensor: a draw made when the model is created, from the runtime's seed; in
// forward, a draw on every call (the sample op), as are F.randLike, F.randnLike and F.bernoulli.

/** The dtypes a listed tensor takes: int64 is held as int32, as every tsdp index. */
const LITERAL_DTYPES = ["float32", "int32", "int64"];

/**
 * torch.tensor(v, dtype=torch.bfloat16): tsdp's tensors are float32, so the constant is refused, naming
 * the float32 number PyTorch's rounded value is (RecurrentGemma's normalizer, sqrt(2560) in bfloat16, is
 * read back as 50.5 by .type(float32)): writing that number gives PyTorch's result where the constant
 * meets float32 tensors, as it does there (type promotion makes the product float32).
 */
function refuseHalfLiteral(dtype: "float16" | "bfloat16", data: Value, loc: SourceLoc): never {
  const rounded = typeof data === "number" && dtype === "bfloat16" ? ` (${data} in bfloat16 is ${roundToBfloat16(data)}: write F.tensor(${roundToBfloat16(data)}))` : "";
  return fail("dtypeMismatch", `F.tensor: dtype ${dtype} is not a tsdp dtype: tensors are float32 (int32 for indices), and lower precision is a compile option (tsdp compile --precision), not a cast; a constant PyTorch stores in ${dtype} is written as the float32 number it rounds to${rounded}`, loc);
}

/** x rounded to the nearest bfloat16 (ties to even), as a float32 number: torch.tensor(x, dtype=torch.bfloat16).float(). */
function roundToBfloat16(x: number): number {
  const bits = new Uint32Array(new Float32Array([x]).buffer);
  const b = bits[0];
  bits[0] = ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) << 16;
  return new Float32Array(bits.buffer)[0];
}

export type PhaseOf = () => "toplevel" | "construct" | "forward";

/**
 * torch.zeros(2, 3), torch.zeros([2, 3]) and torch.zeros(size=(2, 3)) mean the same: leading
 * numbers, one array, or size among the options ({ size: [2, 3], dtype: "int32" }).
 */
function splitSizes(who: string, args: Value[], site: CallSite): { size: Value; rest: Value[] } {
  if (Array.isArray(args[0])) return { size: args[0], rest: args.slice(1) };
  const options = args[0];
  if (args.length === 1 && options instanceof ObjectValue && options.props.has("size")) {
    const others = new Map([...options.props].filter(([k]) => k !== "size"));
    return { size: options.props.get("size")!, rest: others.size > 0 ? [new ObjectValue(others)] : [] };
  }
  let n = 0;
  while (n < args.length && (typeof args[n] === "number" || isBatchValue(args[n]))) n++;
  if (n === 0) fail("wrongArgumentCount", `${who} expects a size (numbers or an array of them), got ${args.length ? describe(args[0]) : "nothing"}`, site.loc);
  return { size: args.slice(0, n), rest: args.slice(n) };
}

/**
 * A size that may name the batch once (x.size(0), or a multiple of it), as torch.zeros(layers,
 * x.size(0), hidden) does for a recurrent layer's initial state: each replica's own batch, as in
 * PyTorch's DataParallel, where x.size(0) is the replica's slice.
 */
export function sizes(who: string, size: Value, site: CallSite): Dim[] {
  // a size that already failed (Poison) was reported where it failed
  if ([size].flat().some((d) => d instanceof Poison)) throw new CompileError([]);
  // torch.ones([]): a 0-d tensor (CLIP's logit_scale = nn.Parameter(torch.ones([]) * log(1/0.07)))
  if (Array.isArray(size) && size.length === 0) return [];
  const dims = [size].flat();
  // b + 1: a number of tensor arithmetic, whose shape would change with each share (PyTorch allows it, tsdp's shapes are k·Batch)
  const shifted = dims.find((d) => d instanceof BatchNumber);
  if (shifted) fail("nonConstant", `${who}: a size of ${describe(shifted)}: only the batch size or a multiple of it (b, 2 * b) is a size here; b - 1 is a number for tensor arithmetic (x.add(b - 1), F.full([n], b - 1))`, site.loc);
  const batchAt = dims.flatMap((d, i) => (d instanceof SymInt ? [i] : []));
  if (batchAt.length > 1)
    fail("nonConstant", `${who}: the size names the batch size ${batchAt.length} times (dims ${batchAt.join(", ")}); a tensor may have one batch dim`, site.loc);
  // the batch dim binds as 1: the checks below see one sample
  const plain = batchAt.length ? dims.map((d) => (d instanceof SymInt ? 1 : d)) : size;
  const { size: shape } = bindArgs(who, [arg("size", "sizes")], [plain], site);
  checkTensorSize(shape, `the result of ${who}`, site.loc);
  return batchAt.length ? shape.map((d: number, i: number) => (i === batchAt[0] ? batchTimes((dims[i] as SymInt).coef) : d)) : shape;
}

/**
 * A factory whose first argument is a size; `make` sees the phase to make a node or a StaticTensor.
 * With `empty`, a size with a 0 in it (a greedy decoder's F.zeros([B, 0]) of the tokens so far) is
 * an EmptyTensor, which F.cat drops.
 */
function sized(who: string, rest: readonly ArgSpec[], make: (shape: Dim[], b: Bound, site: CallSite) => Value, empty = false): BuiltinFunction {
  return new BuiltinFunction(who, (args, site) => {
    const { size, rest: more } = splitSizes(who, args, site);
    const dims = [size].flat();
    if (empty && dims.some((d) => d === 0) && dims.every((d) => d instanceof SymInt || (Number.isInteger(d) && (d as number) >= 0))) {
      const b = bindArgs(who, rest, more, site);
      return new EmptyTensor(dims.map((d) => (d instanceof SymInt ? batchTimes(d.coef) : (d as number))), b.dtype === "int32" || b.dtype === "int64" ? "i32" : "f32");
    }
    return make(sizes(who, size, site), bindArgs(who, rest, more, site), site);
  });
}

const constantInit = (value: number): Init => ({ kind: "constant", value });

/** torch.finfo's bits, eps, max, tiny (smallest normal) and resolution of each float type, by its names. */
const FLOAT_INFO: Record<string, readonly [number, number, number, number, number]> = (() => {
  const f32 = [32, 2 ** -23, 3.4028234663852886e38, 2 ** -126, 1e-6] as const;
  const f16 = [16, 2 ** -10, 65504, 2 ** -14, 1e-3] as const;
  const bf16 = [16, 2 ** -7, 3.3895313892515355e38, 2 ** -126, 1e-2] as const;
  const f64 = [64, 2 ** -52, Number.MAX_VALUE, 2 ** -1022, 1e-15] as const;
  return { float32: f32, float: f32, float16: f16, half: f16, bfloat16: bf16, float64: f64, double: f64 };
})();

/** torch.iinfo's bits, min and max of each integer type, by its names. */
const INT_INFO: Record<string, readonly [number, number, number]> = (() => {
  const i32 = [32, -(2 ** 31), 2 ** 31 - 1] as const;
  const i64 = [64, -(2 ** 63), 2 ** 63 - 1] as const; // as JavaScript's numbers: ±9223372036854775808, as float32 and float64 hold them
  const i16 = [16, -(2 ** 15), 2 ** 15 - 1] as const;
  return { int32: i32, int: i32, int64: i64, long: i64, int16: i16, short: i16, int8: [8, -128, 127], uint8: [8, 0, 255] };
})();
const NARROW_INTS = new Set(["uint8", "int8", "int16", "short"]);

/**
 * torch.iinfo's type: F.uint8, F.int8, F.int16 and F.short are held as int32, so their value "int32"
 * is told from F.int32's by the name written; an int32 value otherwise (a tensor's dtype, a variable)
 * could be PyTorch's int64 or int32, which tsdp does not tell apart, so it is refused.
 */
function iinfoType(value: unknown, site: CallSite, loc: SourceLoc): string {
  const first = TsNode.isCallExpression(site.node) ? site.node.getArguments()[0] : undefined;
  // F.iinfo({ type: F.int8 }): the property's initializer
  const property = first && TsNode.isObjectLiteralExpression(first) ? first.getProperty("type") : undefined;
  const written = property ? (TsNode.isPropertyAssignment(property) ? property.getInitializer() : undefined) : first;
  const name = written && TsNode.isPropertyAccessExpression(written) ? written.getName() : written && TsNode.isStringLiteral(written) ? written.getLiteralValue() : undefined;
  if (name !== undefined && own(INT_INFO, name)) return name;
  if (value === "int64") return "int64";
  if (typeof value === "string" && own(INT_INFO, value) && value !== "int32")
    return value;
  if (value === "int32")
    fail("invalidArgument", `F.iinfo: this int32 type may be PyTorch's int64 (tsdp holds int64 tensors as int32, so a tensor's dtype reads int32 for both); name the type PyTorch's code means, F.iinfo(F.int64) or F.iinfo(F.int32)`, loc);
  fail("invalidArgument", `F.iinfo: ${typeof value === "string" ? `"${value}"` : describe(value as Value)} is not an integer type (PyTorch raises a TypeError; torch.finfo, F.finfo here, is for float types); it takes ${Object.keys(INT_INFO).join(", ")}`, loc);
}

export function factoryMembers(em: GraphEmitter, phase: PhaseOf): Map<string, Value> {
  const inForward = () => phase() === "forward";
  /** A constant-filled tensor: in forward a constant of the graph, in a constructor a constructor tensor. */
  const filled = (who: string, shape: Dim[], value: number, site: CallSite): Value => {
    if (!shape.some(isBatch)) return em.tensor("full", [], { shape, value }, who, site);
    // one scalar expanded to the batch's shape, as zerosLike: its reader computes it in place
    return em.tensor("expand", [em.node("full", [], { shape: [], value }, who, site)], { shape }, who, site);
  };
  // torch's factory keywords besides dtype: device (every tensor is on the model's GPU, so
  // device=x.device and "cuda" are where it is anyway) and requires_grad (a tensor made here is a
  // constant or an initial value; what trains is an nn.Parameter) are accepted and change nothing
  const placement = [opt("device", "any", null, { nullable: true }), opt("requiresGrad", "bool", false)];
  const dtypeOption = opt("dtype", "string", "float32", { choices: ["float32"] });
  const floatOnly = [dtypeOption, ...placement];
  // zeros, ones, full, empty of dtype int32 (torch.long): the fill rounded toward zero; of dtype bool,
  // tsdp's 0/1 mask (a comparison's result, so an attention mask made of it reads as PyTorch's bool one)
  // of dtype complex64 (F.cfloat), a complex tensor of two such fills, the imaginary part 0 (FNO's out_ft, written into by slices)
  const fillDtype = [opt("dtype", "string", "float32", { choices: ["float32", "int32", "int64", "bool", "complex64"] }), ...placement];
  // an integer tensor cannot hold NaN or ±∞: PyTorch's fill raises ("cannot be converted to type int
  // without overflow"), where a conversion in the graph would read it as 0 or INT_MAX
  const integerFill = (who: string, value: number, dtype: unknown, site: CallSite) => {
    if ((dtype === "int32" || dtype === "int64") && !Number.isFinite(value))
      fail("invalidArgument", `${who}: the fill value ${value} cannot be converted to ${dtype} (PyTorch raises: it has no integer value)`, site.loc);
  };
  const filledAs = (who: string, shape: Dim[], value: number, b: Bound, site: CallSite): Value => {
    integerFill(who, value, b.dtype, site);
    if (b.dtype === "complex64") return new ComplexValue(filled(who, shape, value, site) as TensorValue, filled(who, shape, 0, site) as TensorValue);
    return ofDtype(who, filled(who, shape, value, site) as TensorValue, b, site);
  };
  /** A float32 fill as the dtype asked for: bool a 0/1 mask, int32 (int64) the value rounded toward zero. */
  const ofDtype = (who: string, made: TensorValue, b: Bound, site: CallSite): TensorValue => {
    if (b.dtype === "bool") return em.tensor("ne", [made, em.constant(0, site)], {}, who, site);
    return b.dtype === "float32" ? made : em.tensor("to_int", [made], {}, who, site);
  };
  /** torch.full(size, x.size(0)): each replica's own batch size (factory.ts batch_size), expanded as a fill. */
  const filledWithBatch = (who: string, shape: Dim[], batch: SymInt | BatchNumber, b: Bound, site: CallSite): Value => {
    const value = em.batchSize(batch, who, site);
    return ofDtype(who, shape.length ? em.tensor("expand", [value], { shape }, who, site) : value, b, site);
  };
  const x = arg("input", "tensor");
  /**
   * torch.eye(x.size(0)) (triplet mining's indices_equal, SupCon's and SimCLR's self-mask): the
   * [Batch, Batch] pair matrix's main diagonal, each device's own share's identity, as a DataParallel
   * or DDP replica's torch.eye of its x.size(0) — arange(b) compared with itself across the pair.
   */
  const batchEye = (args: Value[], site: CallSite): Value => {
    const b = bindArgs("F.eye", [arg("n", "any"), opt("m", "any", null, { nullable: true }), opt("dtype", "string", "float32", { choices: ["float32", "bool"] }), ...placement], args, site);
    const m = b.m ?? b.n;
    if (!(b.n instanceof SymInt) || !(m instanceof SymInt) || m.coef !== b.n.coef)
      fail("nonConstant", "F.eye with the batch size is the identity of an in-batch pair matrix, F.eye(b) with b = x.size(0) (or a multiple of it) for both sides; other sizes from the batch size are not compile-time constants", site.loc);
    const length = batchTimes(b.n.coef);
    const positions = em.tensor("arange_int", [], { start: 0, step: 1, length }, "F.eye", site);
    const rows = em.tensor("reshape", [positions], { shape: [length, 1] }, "F.eye", site);
    const cols = em.tensor("reshape", [positions], { shape: [1, length] }, "F.eye", site);
    const same = em.tensor("eq", [rows, cols], {}, "F.eye", site);
    return b.dtype === "bool" ? same : new TensorValue(em.floatOfMask(same.node, "F.eye", site));
  };
  /**
   * torch.arange(x.size(0)) (or (0, B), (0, B, 1)): the batch's positions, int32 as PyTorch's
   * integers are (each replica's own, as DataParallel's x.size(0) is its slice's), for indexing
   * `h[arange(B), idx]` and offsets `arange(B).view(-1, 1, 1) * N`.
   */
  const batchArange = (args: Value[], site: CallSite): Value => {
    const bound = givesEndOnly(args) ? [arg("end", "any")] : [arg("start", "number"), arg("end", "any"), opt("step", "number", 1)];
    const b = bindArgs("F.arange", [...bound, opt("dtype", "string", null, { nullable: true, choices: ["float32", "int32", "int64"] }), ...placement], args, site);
    if (!(b.end instanceof SymInt) || (b.start ?? 0) !== 0 || b.step !== undefined && b.step !== 1)
      fail("nonConstant", "F.arange over the batch size runs from 0 to it in steps of 1 (F.arange(x.size(0))); other bounds from the batch size are not compile-time constants", site.loc);
    const positions = em.tensor("arange_int", [], { start: 0, step: 1, length: batchTimes(b.end.coef) }, "F.arange", site);
    return b.dtype === "float32" ? em.tensor("to_float", [positions], {}, "F.arange", site) : positions;
  };
  /**
   * torch.linspace(start, end, steps) with steps the batch size (C51's projection offsets,
   * linspace(0, (B − 1)·atoms, B)): evenly spaced by a step known when compiling only where
   * end = start + k·(B − 1), and then start + k·arange(B) — each replica's own positions, as
   * F.arange(x.size(0)) is. Other spacings change with the replica's share of the batch.
   */
  const batchLinspace = (args: Value[], site: CallSite): Value => {
    const who = "F.linspace";
    const b = bindArgs(who, [arg("start", "any"), arg("end", "any"), arg("steps", "any"), ...floatOnly], args, site);
    const affine = (v: Value): [number, number] | undefined => (typeof v === "number" ? [0, v] : v instanceof SymInt ? [v.coef, 0] : v instanceof BatchNumber ? [v.coef, v.offset] : undefined);
    const [start, end, steps] = [affine(b.start), affine(b.end), affine(b.steps)];
    const k = end && start ? end[0] - start[0] : NaN;
    // end − start = k·(steps − 1) for every batch size: steps is B, start a number, end = start + k·(B − 1)
    if (!start || !end || !steps || start[0] !== 0 || steps[0] !== 1 || steps[1] !== 0 || end[1] - start[1] !== -k)
      return fail("nonConstant", `${who} with the batch size: its points are start + i·(end − start)/(steps − 1), evenly spaced by a compile-time step only when steps is x.size(0) and end = start + k·(x.size(0) − 1) (C51's offsets F.linspace(0, (b − 1) * atoms, b), which is F.arange(b).mul(atoms)); write F.arange(x.size(0)).mul(k).add(start) for such points`, site.loc);
    const positions = em.tensor("to_float", [em.tensor("arange_int", [], { start: 0, step: 1, length: batchTimes(1) }, who, site)], {}, who, site);
    const scaled = k === 1 ? positions : em.tensor("mul", [positions, em.constant(k, site)], {}, who, site);
    return start[1] === 0 ? scaled : em.tensor("add", [scaled, em.constant(start[1], site)], {}, who, site);
  };
  const triangle = (name: "tril" | "triu") =>
    new BuiltinFunction(`F.${name}`, (args, site) => {
      const b = bindArgs(`F.${name}`, [x, opt("diagonal", "int", 0)], args, site);
      return em.tensor("triangle", [b.input], { diagonal: b.diagonal, upper: name === "triu" }, `F.${name}`, site);
    });
  /**
   * torch.zeros_like(x) and friends, in forward: the value broadcast to x's shape, the batch dim
   * included (one scalar constant expanded, so a pointwise reader computes it in its own kernel).
   * x's dtype unless `dtype` says otherwise, as PyTorch's: an int32 fill is the value rounded
   * toward zero; x's values do not matter (a NaN in x gives 0, not NaN).
   */
  const like = (who: string, valueOf: (b: Bound, site: CallSite) => number | SymInt | BatchNumber, extra: ArgSpec[] = []) =>
    new BuiltinFunction(who, (args, site) => {
      const b = bindArgs(who, [arg("input", "any"), ...extra, opt("dtype", "string", null, { nullable: true, choices: ["float32", "int32", "int64", "bool"] }), ...placement], args, site);
      // a parameter in a constructor (torch.zeros_like(self.weight)) gives its shape, float32
      const input: { shape: readonly Dim[]; dtype: string } =
        b.input instanceof TensorValue ? b.input.node
        : b.input instanceof ParameterValue || b.input instanceof LayerParamRef || b.input instanceof ParameterRegion || b.input instanceof StaticTensor ? { shape: b.input.shape, dtype: "f32" }
        : fail("wrongArgumentType", `${who}: input must be a tensor, got ${describe(b.input)}`, locOfArg(b, "input", site));
      const value = valueOf(b, site);
      if (typeof value === "number") integerFill(who, value, b.dtype ?? (input.dtype === "i32" ? "int32" : "float32"), site);
      // full_like(x, x.size(0)): each replica's own batch, in x's dtype (or the one asked for)
      const scalar = typeof value === "number" ? em.node("full", [], { shape: [], value }, who, site) : em.batchSize(value, who, site).node;
      const filled = em.tensor("expand", [scalar], { shape: [...input.shape] }, who, site);
      // dtype bool, or a bool input's (zeros_like(mask) keeps its dtype): tsdp's 0/1 mask, a comparison's result (as filledAs's)
      if (b.dtype === "bool" || (b.dtype === null && b.input instanceof TensorValue && isBooleanMask(b.input.node))) return em.tensor("ne", [filled, em.constant(0, site)], {}, who, site);
      return (b.dtype ?? (input.dtype === "i32" ? "int32" : "float32")) !== "float32" ? em.tensor("to_int", [filled], {}, who, site) : filled;
    });
  /** A random tensor drawn in forward on every call (the sample op; the batch dim, if named, first). */
  const draw = (who: string, shape: Dim[], distribution: "uniform" | "normal", site: CallSite): TensorValue =>
    em.tensor("sample", [], { shape, distribution }, who, site);
  const drawLike = (who: string, distribution: "uniform" | "normal") =>
    new BuiltinFunction(who, (args, site) => {
      const b = bindArgs(who, [x, ...floatOnly], args, site);
      const input = b.input as TensorValue;
      if (!inForward()) fail("nonConstant", `${who} draws in forward; a parameter's random initial value is F.${distribution === "normal" ? "randn" : "rand"}([...]) in the constructor`, site.loc);
      if (input.node.dtype !== "f32") fail("wrongArgumentType", `${who}: tsdp's random tensors are float32; ${who}(x) of an int32 x is not supported (write F.${distribution === "normal" ? "randn" : "rand"} with its size)`, locOfArg(b, "input", site));
      return draw(who, [...input.node.shape], distribution, site);
    });
  /**
   * torch.normal: normal(mean, std, size) of two numbers (insightface's partial-FC weight
   * `Parameter(torch.normal(0, 0.01, (C, D)))` in a constructor; a fresh draw in forward), or in
   * forward a tensor mean and/or std, one draw per element of their broadcast shape: mean + std·z.
   */
  const normal = (args: Value[], site: CallSite): Value => {
    const who = "F.normal";
    const b = bindArgs(who, [arg("mean", "any"), opt("std", "any", 1), opt("size", "any", null, { nullable: true }), ...floatOnly], args, site);
    const isTensor = (v: unknown): v is TensorValue => v instanceof TensorValue;
    if (typeof b.std === "number" && !(b.std >= 0)) fail("invalidArgument", `${who}: std must be at least 0 (PyTorch: "normal expects std >= 0.0"), got ${b.std}`, locOfArg(b, "std", site));
    for (const [name, v] of [["mean", b.mean], ["std", b.std]] as const)
      if (typeof v !== "number" && !isTensor(v)) fail("wrongArgumentType", `${who}: ${name} must be a number or a float32 tensor, got ${describe(v)}`, locOfArg(b, name, site));
    if (typeof b.mean === "number" && typeof b.std === "number") {
      // PyTorch's normal(float, float) takes the size too ("normal() missing 1 required positional arguments: size")
      if (b.size === null) fail("invalidArgument", `${who}(mean, std) of two numbers needs the size: F.normal(${b.mean}, ${b.std}, [rows, cols])`, site.loc);
      const shape = sizes(who, b.size, site);
      if (!inForward()) return new StaticTensor(fixed(who, shape, site), normalInit(b.mean, b.std));
      return scaledDraw(draw(who, shape, "normal", site), b.mean, b.std, who, site);
    }
    if (b.size !== null) fail("invalidArgument", `${who}: size goes with a number mean and std; a tensor's draw has the broadcast shape of mean and std`, locOfArg(b, "size", site));
    if (!inForward()) fail("nonConstant", `${who} of a tensor mean or std draws in forward; a parameter's initial value is F.normal(mean, std, size) of numbers`, site.loc);
    const shapes = [b.mean, b.std].filter(isTensor).map((t) => t.node.shape);
    const shape = shapes.length === 1 ? shapes[0] : broadcastShapes(shapes[0], shapes[1]);
    if (!shape) return fail("shapeMismatch", `${who}: mean ${formatShape(shapes[0])} and std ${formatShape(shapes[1])} do not broadcast`, site.loc);
    return scaledDraw(draw(who, [...shape], "normal", site), b.mean, b.std, who, site);
  };
  /** mean + std·z for a standard normal draw z, each a number or a tensor. */
  const scaledDraw = (z: TensorValue, mean: number | TensorValue, std: number | TensorValue, who: string, site: CallSite): TensorValue => {
    const operand = (v: number | TensorValue) => (typeof v === "number" ? em.constant(v, site) : v);
    const scaled = std === 1 ? z : em.tensor("mul", [z, operand(std)], {}, who, site);
    return mean === 0 ? scaled : em.tensor("add", [scaled, operand(mean)], {}, who, site);
  };
  /** Bernoulli(p) per element: uniform u < p, as a 0/1 float32 tensor of p's shape. */
  const bernoulli = (p: TensorValue, site: CallSite): TensorValue => {
    if (!inForward()) fail("nonConstant", "F.bernoulli draws in forward; it has no constructor form", site.loc);
    if (p.node.dtype !== "f32") fail("wrongArgumentType", "F.bernoulli: p must be a float32 tensor of probabilities", site.loc);
    return em.tensor("lt", [draw("F.bernoulli", [...p.node.shape], "uniform", site), p], {}, "F.bernoulli", site);
  };
  /** A constructor's draw initializes state, whose size cannot name the batch. */
  const fixed = (who: string, shape: Dim[], site: CallSite): number[] => {
    if (shape.some(isBatch)) fail("nonConstant", `${who} in a constructor draws a parameter's or buffer's initial value, whose size cannot depend on the batch size`, site.loc);
    return shape as number[];
  };
  /** torch.tensor's values as a constant: data listed by hand, of the given dtype, or the one PyTorch infers from the numbers. */
  const literalTensor = (who: string, data: Value, given: string | null, dataLoc: SourceLoc, site: CallSite): TensorValue => {
    // torch.tensor(x.size(0)): a 0-dim int64 of each replica's own batch (float32 if asked for)
    if (isBatchValue(data)) {
      const batch = em.batchSize(data, who, site);
      return given === "float32" ? batch : em.tensor("to_int", [batch], {}, who, site);
    }
    const { shape, values } = listed(data, who, dataLoc);
    // dtype int32 (or PyTorch's int64, held as int32 as every tsdp index): indices listed by hand
    const dtype = given ?? (!listsFloatLiteral(site) && values.every((v) => integerScalar(v, site)) ? "int64" : "float32");
    if (inForward() && values.length > INLINE_LITERAL_VALUES)
      fail("invalidArgument", `${who}: ${values.length} listed values inside forward, past the ${INLINE_LITERAL_VALUES} a kernel computes in place; make it a buffer in the constructor (this.registerBuffer("table", ${who}([...])))`, site.loc);
    if (dtype !== "float32") {
      const bad = values.find((v) => !Number.isInteger(v) || Math.abs(v) > 2 ** 24);
      if (bad !== undefined) fail("invalidArgument", `${who}: dtype ${dtype} takes integers of at most 2^24 in magnitude, got ${bad}`, dataLoc);
      return em.tensor("to_int", [em.tensor("literal", [], { shape, values }, who, site)], {}, who, site);
    }
    return em.tensor("literal", [], { shape, values }, who, site);
  };
  /**
   * torch.Tensor and its typed forms (FloatTensor, LongTensor, IntTensor), older code's constructors:
   * sizes one by one make F.empty's tensor of that dtype (Conv-TasNet's nn.Parameter(torch.Tensor(1, C, 1))
   * filled by reset_parameters; zeros, where PyTorch leaves the memory unset), and a list makes its values
   * as that dtype (torch.Tensor([1, 2]) is float32 where torch.tensor([1, 2]) is int64, as PyTorch's;
   * IQN's torch.FloatTensor([π·i for i in …]), LeViT's torch.LongTensor(idxs)), and a tensor itself in it.
   */
  /**
   * A random draw made in the constructor given to torch.tensor / as_tensor / torch.Tensor: the same
   * draw (its values are made when the model is created, so an integer conversion of them cannot be
   * known here); as_tensor and torch.Tensor share its storage (the draw itself), torch.tensor copies it.
   */
  const drawAs = (t: StaticTensor, dtype: string | null, who: string, site: CallSite, shared: boolean): StaticTensor => {
    if (dtype !== null && dtype !== "float32")
      fail("invalidArgument", `${who}: a random draw (F.randn, F.rand, nn.init) in a constructor is float32, its values made when the model is created; ${who} of it cannot convert them to ${dtype}`, site.loc);
    return shared ? t : new StaticTensor(t.shape, t.init, t.origin);
  };
  const legacyConstructor = (who: string, dtype: "float32" | "int32" | "int64"): BuiltinFunction => {
    const empty = sized(who, [], (shape, _b, site) => filledAs(who, shape, 0, { dtype } as Bound, site), true);
    return new BuiltinFunction(who, (args, site) => {
      // of a tensor, that tensor in the class's dtype (torch.FloatTensor(t)); a torch.Size (x.size()) is sizes
      if (args.length === 1 && args[0] instanceof TensorValue) return convert(args[0], dtype, who, site, em);
      // of a random draw (QANet's torch.Tensor(char_mat), the port's table drawn by F.randn): that draw
      if (args.length === 1 && args[0] instanceof StaticTensor) return drawAs(args[0], dtype, who, site, true);
      if (args.length === 1 && Array.isArray(args[0]) && !isShape(args[0])) {
        const b = bindArgs(who, [arg("data", "any")], args, site);
        return literalTensor(who, b.data, dtype, locOfArg(b, "data", site), site);
      }
      if (args.length === 0) fail("invalidArgument", `${who}() is PyTorch's tensor of no elements, and tsdp's tensors are not empty; give the sizes (${who}(n, m)) or the values (${who}([...]))`, site.loc);
      return empty.call(args, site);
    });
  };
  return new Map<string, Value>([
    [
      "tensor",
      // torch.tensor(data): a number or nested arrays of numbers; PyTorch infers int64 from integers
      // (int32 here, as every tsdp index) and float32 where one is written as a float (`[1.0, 2]`)
      new BuiltinFunction("F.tensor", (args, site) => {
        const b = bindArgs("F.tensor", [arg("data", "any"), opt("dtype", "string", null, { nullable: true, choices: [...LITERAL_DTYPES, "float16", "bfloat16"] }), ...placement], args, site);
        if (b.dtype === "float16" || b.dtype === "bfloat16") refuseHalfLiteral(b.dtype, b.data, locOfArg(b, "dtype", site));
        // torch.tensor(t) of a tensor copies it, cut from autograd (PyTorch's clone().detach(), with a
        // warning): the port of torch.tensor(np_array), whose array a port computes as a tensor (N-BEATS's bases)
        if (b.data instanceof StaticTensor) return drawAs(b.data, b.dtype, "F.tensor", site, false);
        if (b.data instanceof TensorValue) {
          const copy = em.tensor("detach", [b.data], {}, "F.tensor", site);
          return b.dtype === null ? copy : convert(copy, b.dtype, "F.tensor", site, em);
        }
        return literalTensor("F.tensor", b.data, b.dtype, locOfArg(b, "data", site), site);
      }),
    ],
    [
      "asTensor",
      // torch.as_tensor(data, dtype): listed data as torch.tensor reads it (the same dtype inference);
      // a tensor is itself, converted when a dtype is given (PyTorch copies only to convert)
      new BuiltinFunction("F.asTensor", (args, site) => {
        const b = bindArgs("F.asTensor", [arg("data", "any"), opt("dtype", "string", null, { nullable: true, choices: LITERAL_DTYPES }), opt("device", "any", null, { nullable: true })], args, site);
        if (b.data instanceof StaticTensor) return drawAs(b.data, b.dtype, "F.asTensor", site, true);
        if (b.data instanceof TensorValue) return b.dtype === null ? b.data : convert(b.data, b.dtype, "F.asTensor", site, em);
        return literalTensor("F.asTensor", b.data, b.dtype, locOfArg(b, "data", site), site);
      }),
    ],
    [
      "scalarTensor",
      // torch.scalar_tensor(s): a 0-dim tensor of the default dtype, float32 even for an integer
      // (torch.scalar_tensor(3) is tensor(3.)), unlike torch.tensor(3), which is int64
      new BuiltinFunction("F.scalarTensor", (args, site) => {
        // s may be x.size(0), PyTorch's Python int: each replica's own batch, as F.tensor(b) is
        const b = bindArgs("F.scalarTensor", [arg("s", "number", { batchSize: true }), opt("dtype", "string", "float32", { choices: LITERAL_DTYPES }), ...placement], args, site);
        return literalTensor("F.scalarTensor", b.s, b.dtype, locOfArg(b, "s", site), site);
      }),
    ],
    // torch.tril_indices(row, col, offset) / triu_indices: the [2, N] int32 coordinates of the
    // triangle's elements, row by row (DLRM's pairwise interactions Z[:, li, lj])
    ...(["trilIndices", "triuIndices"] as const).map((name): [string, Value] => [
      name,
      new BuiltinFunction(`F.${name}`, (args, site) => {
        const who = `F.${name}`;
        const b = bindArgs(who, [arg("row", "nonNegInt"), arg("col", "nonNegInt"), opt("offset", "int", 0), opt("dtype", "string", "int64", { choices: ["int32", "int64"] }), ...placement], args, site);
        const [rows, cols]: number[][] = [[], []];
        for (let r = 0; r < b.row; r++)
          for (let c = 0; c < b.col; c++)
            if (name === "trilIndices" ? c - r <= b.offset : c - r >= b.offset) {
              rows.push(r);
              cols.push(c);
            }
        if (rows.length === 0) fail("invalidArgument", `${who}(${b.row}, ${b.col}, ${b.offset}) has no elements; tsdp's tensors are not empty`, site.loc);
        if (inForward() && 2 * rows.length > INLINE_LITERAL_VALUES)
          fail("invalidArgument", `${who}: ${2 * rows.length} indices inside forward, past the ${INLINE_LITERAL_VALUES} a kernel computes in place; make it a buffer in the constructor (this.registerBuffer("pairs", ${who}(…)))`, site.loc);
        return em.tensor("to_int", [em.tensor("literal", [], { shape: [2, rows.length], values: [...rows, ...cols] }, who, site)], {}, who, site);
      }),
    ]),
    ["zeros", sized("F.zeros", fillDtype, (shape, b, site) => filledAs("F.zeros", shape, 0, b, site), true)],
    ["ones", sized("F.ones", fillDtype, (shape, b, site) => filledAs("F.ones", shape, 1, b, site), true)],
    [
      "full",
      new BuiltinFunction("F.full", (args, site) => {
        // torch.full(size, fill_value): the size is always one array here, since fill_value is a number too
        const b = bindArgs("F.full", [arg("size", "any"), arg("fillValue", "any"), opt("dtype", "string", null, { nullable: true, choices: ["float32", "int32", "int64", "bool"] }), ...placement], args, site);
        const value = b.fillValue;
        // torch.full((2,), 3) is int64 (PyTorch infers the dtype from the fill value, since 1.7), full(…, 3.0) float32
        b.dtype ??= typeof value === "boolean" ? "float32" : isBatchValue(value) || integerScalar(value, site) ? "int64" : "float32";
        if (isBatchValue(value)) return filledWithBatch("F.full", sizes("F.full", b.size, site), value, b, site);
        // torch.full(size, True): a bool tensor, as PyTorch infers the dtype from the fill value
        if (typeof value === "boolean") return filledAs("F.full", sizes("F.full", b.size, site), value ? 1 : 0, { ...b, dtype: b.dtype === "float32" ? "bool" : b.dtype }, site);
        if (typeof value !== "number")
          fail("wrongArgumentType", `F.full: fillValue must be a number, got ${describe(value)}`, locOfArg(b, "fillValue", site));
        return filledAs("F.full", sizes("F.full", b.size, site), value, b, site);
      }),
    ],
    // torch.empty's values are whatever memory held; zeros are one such value, and the same on every run
    ["empty", sized("F.empty", fillDtype, (shape, b, site) => filledAs("F.empty", shape, 0, b, site), true)],
    ["Tensor", legacyConstructor("F.Tensor", "float32")],
    ["FloatTensor", legacyConstructor("F.FloatTensor", "float32")],
    ["LongTensor", legacyConstructor("F.LongTensor", "int64")],
    ["IntTensor", legacyConstructor("F.IntTensor", "int32")],
    ["emptyLike", like("F.emptyLike", () => 0)],
    ["zerosLike", like("F.zerosLike", () => 0)],
    ["onesLike", like("F.onesLike", () => 1)],
    ["fullLike", like("F.fullLike", (b, site) => {
      if (typeof b.fillValue !== "number" && !isBatchValue(b.fillValue)) fail("wrongArgumentType", `F.fullLike: fillValue must be a number or x.size(0), got ${describe(b.fillValue)}`, locOfArg(b, "fillValue", site));
      return b.fillValue as number | SymInt | BatchNumber;
    }, [arg("fillValue", "any")])],
    // in forward, a fresh draw on every call (a VAE's noise, drop path's keep mask); in a
    // constructor, a parameter's or buffer's initial value, drawn when the model is created
    ["randn", sized("F.randn", floatOnly, (shape, _b, site) => (inForward() ? draw("F.randn", shape, "normal", site) : new StaticTensor(fixed("F.randn", shape, site), { kind: "normal", std: 1 })))],
    ["rand", sized("F.rand", floatOnly, (shape, _b, site) => (inForward() ? draw("F.rand", shape, "uniform", site) : new StaticTensor(fixed("F.rand", shape, site), UNIT_UNIFORM)))],
    ["normal", new BuiltinFunction("F.normal", (args, site) => normal(args, site))],
    ["randLike", drawLike("F.randLike", "uniform")],
    ["randnLike", drawLike("F.randnLike", "normal")],
    [
      "bernoulli",
      // torch.bernoulli(p): 1 where a uniform draw falls below p, else 0 (float32)
      new BuiltinFunction("F.bernoulli", (args, site) => bernoulli(bindArgs("F.bernoulli", [x], args, site).input as TensorValue, site)),
    ],
    [
      "arange",
      new BuiltinFunction("F.arange", (args, site) => {
        if (args.some(isOrHoldsBatchSize)) return batchArange(args, site);
        // torch.arange(end) or torch.arange(start, end, step=1): of integers an integer tensor, as
        // PyTorch's (int64 there, int32 here: positions for nn.Embedding, sasrec's pos_emb(arange(T)));
        // a fractional bound or step, or dtype float32, gives float32
        const dtype = opt("dtype", "string", null, { nullable: true, choices: ["float32", "int32", "int64"] });
        const specs = givesEndOnly(args) ? [arg("end", "number"), dtype, ...placement] : [arg("start", "number"), arg("end", "number"), opt("step", "number", 1), dtype, ...placement];
        const b = bindArgs("F.arange", specs, args, site);
        const start = b.start ?? 0;
        const step = b.step ?? 1;
        if (step === 0) fail("invalidArgument", "F.arange: step must be nonzero", locOfArg(b, "step", site));
        if ((b.end - start) * step < 0)
          fail("invalidArgument", `F.arange: upper bound and larger bound inconsistent with step sign (start ${start}, end ${b.end}, step ${step})`, site.loc);
        const length = Math.ceil((b.end - start) / step);
        checkTensorSize([length], "the result of F.arange", site.loc);
        // torch.arange(0, d, 2.0) is a float tensor: a bound or step written as a float literal (float-literals.ts)
        const integral = [start, b.end, step].every((v) => Number.isInteger(v) && !writtenAsFloat(site, v));
        return em.tensor((b.dtype ?? (integral ? "int32" : "float32")) === "float32" ? "arange" : "arange_int", [], { start, step, length }, "F.arange", site);
      }),
    ],
    // torch's dtypes as the names the model language takes (x.to(F.float32), { dtype: F.long })
    // The narrower integer types are int32's name here (as int64 is held as int32): the 0/1 masks
    // and small counts older ports make as uint8 (torch.zeros_like(x, dtype=torch.uint8)) are exact
    // in int32; a value past the narrow type's range does not wrap as it would in PyTorch.
    ...Object.entries({ float32: "float32", float: "float32", int32: "int32", int: "int32", int64: "int64", long: "int64", uint8: "int32", int8: "int32", int16: "int32", short: "int32", float64: "float64", double: "float64", float16: "float16", half: "float16", bfloat16: "bfloat16", bool: "bool", cfloat: "complex64", complex64: "complex64" }),
    // torch.finfo(dtype): a float type's limits (Hugging Face's masks fill with finfo(dtype).min)
    [
      "finfo",
      new BuiltinFunction("F.finfo", (args, site) => {
        const b = bindArgs("F.finfo", [opt("type", "string", "float32", { choices: Object.keys(FLOAT_INFO) })], args, site);
        const [bits, eps, max, tiny, resolution] = FLOAT_INFO[b.type];
        return new ObjectValue(new Map<string, Value>([["bits", bits], ["eps", eps], ["max", max], ["min", -max], ["tiny", tiny], ["smallestNormal", tiny], ["resolution", resolution], ["dtype", b.type]]));
      }),
    ],
    // torch.iinfo(dtype): an integer type's limits (iinfo(torch.long).max as a sentinel, a fill value)
    [
      "iinfo",
      new BuiltinFunction("F.iinfo", (args, site) => {
        const b = bindArgs("F.iinfo", [arg("type", "any")], args, site);
        const type = iinfoType(b.type, site, locOfArg(b, "type", site));
        const [bits, min, max] = INT_INFO[type];
        return new ObjectValue(new Map<string, Value>([["bits", bits], ["min", min], ["max", max], ["dtype", type === "int" ? "int32" : type === "long" ? "int64" : type === "short" ? "int16" : type]]));
      }),
    ],
    [
      "linspace",
      new BuiltinFunction("F.linspace", (args, site) => {
        if (args.some(isOrHoldsBatchSize)) return batchLinspace(args, site);
        const b = bindArgs("F.linspace", [arg("start", "number"), arg("end", "number"), arg("steps", "nonNegInt"), ...floatOnly], args, site);
        return em.tensor("linspace", [], { start: b.start, end: b.end, steps: b.steps }, "F.linspace", site);
      }),
    ],
    [
      "eye",
      new BuiltinFunction("F.eye", (args, site) => {
        if (args.some(isOrHoldsBatchSize)) return batchEye(args, site);
        const b = bindArgs("F.eye", [arg("n", "nonNegInt"), opt("m", "nonNegInt", null, { nullable: true }), opt("dtype", "string", "float32", { choices: ["float32", "bool"] }), ...placement], args, site);
        const eye = em.tensor("eye", [], { n: b.n, m: b.m ?? b.n }, "F.eye", site);
        // dtype bool: tsdp's 0/1 mask, a comparison's result (boolean-masks.ts)
        return b.dtype === "bool" ? em.tensor("ne", [eye, em.constant(0, site)], {}, "F.eye", site) : eye;
      }),
    ],
    ["tril", triangle("tril")],
    ["triu", triangle("triu")],
    [
      "where",
      new BuiltinFunction("F.where", (args, site) => {
        // torch.where(condition) alone is torch.nonzero(condition, as_tuple=True) (Mixtral's dispatch of tokens to an expert)
        // (F.where({ condition, input, other }) is the three-argument form by keyword)
        // (coordinates kept as the condition: as an index they are x[condition], where-coordinates.ts)
        if (args.length === 1 && !namesOperands(args[0])) {
          if (args[0] instanceof TensorValue) return whereCoordinates(args[0], site, em);
          fail("unsupportedSyntax", `F.where(condition) with one argument is PyTorch's nonzero(condition, as_tuple=True): ${WHERE_OF_CONDITION}`, site.loc);
        }
        const b = bindArgs("F.where", [arg("condition", "tensor"), arg("input", "any"), arg("other", "any")], args, site);
        // a number may be ±Infinity (an additive attention mask) or NaN here: a scalar `full`, which allows them;
        // true and false are 1 and 0, and where(c, true, false) (or bool tensors) is a bool mask
        const operand = (v: Value, name: string) =>
          v instanceof TensorValue ? v.node
          : isBatchValue(v) ? em.batchSize(v, "F.where", site).node
          : typeof v === "boolean" ? em.node("full", [], { shape: [], value: Number(v) }, "F.where", site)
          : typeof v === "number" ? em.node("full", [], writtenAsFloat(site, v) ? { shape: [], value: v, float: true } : { shape: [], value: v }, "F.where", site)
          : fail("wrongArgumentType", `F.where: ${name} must be a tensor, a number or a boolean, got ${describe(v)}`, locOfArg(b, name, site));
        const result = em.tensor("where", [b.condition, operand(b.input, "input"), operand(b.other, "other")], {}, "F.where", site);
        const bool = (v: Value) => typeof v === "boolean" || (v instanceof TensorValue && isBooleanMask(v.node));
        if (bool(b.input) && bool(b.other)) return asBoolean(result, em, "F.where", site);
        // torch.where(c, 1, 0): two integers make an int64 tensor (result_type of two Python ints)
        // (x.size(0) is a Python int too)
        const whole = (v: Value) => isBatchValue(v) || integerScalar(v, site);
        return whole(b.input) && whole(b.other) ? em.tensor("to_int", [result], {}, "F.where", site) : result;
      }),
    ],
  ]);
}

/**
 * A number of the call at `site` that PyTorch reads as an integer, making an integer tensor of a
 * factory (torch.full((2,), 3), torch.where(c, 1, 0), torch.tensor([1, 2]): int64 there, int32 here):
 * a whole number not written as a float literal (float-literals.ts), within ±2²⁴, the integers the
 * kernels' float32 holds exactly (past it, as int-arithmetic.ts, a number is taken as a float).
 */
function integerScalar(v: unknown, site: CallSite): boolean {
  return typeof v === "number" && Number.isInteger(v) && Math.abs(v) <= 2 ** 24 && !writtenAsFloat(site, v);
}

/** torch.tensor's data: a number, or nested arrays of numbers with equal lengths at each depth; its shape and values in order. */
function listed(data: Value, who: string, loc: SourceLoc): { shape: number[]; values: number[] } {
  const shape: number[] = [];
  for (let level: Value = data; Array.isArray(level); level = level[0]) {
    if (level.length === 0) fail("invalidArgument", `${who}: an empty list has no values to make a tensor of`, loc);
    shape.push(level.length);
  }
  const values: number[] = [];
  const walk = (v: Value, depth: number) => {
    if (depth === shape.length) {
      // a list is a literal of values known when compiling; the batch size alone is a tensor of its own
      if (typeof v !== "number") fail("wrongArgumentType", `${who}: the data must be numbers, got ${describe(v)}${isBatchValue(v) ? ` (F.tensor(x.size(0)) alone is a 0-dim tensor of it; F.stack of such tensors lists it)` : ""}`, loc);
      if (!Number.isFinite(Math.fround(v)) && Number.isFinite(v)) fail("invalidArgument", `${who}: ${v} is outside float32's range`, loc);
      values.push(v as number);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth])
      fail("shapeMismatch", `${who}: the lists are not rectangular: expected ${shape[depth]} entries at depth ${depth}, got ${Array.isArray(v) ? v.length : describe(v)}`, loc);
    for (const item of v as Value[]) walk(item, depth + 1);
  };
  walk(data, 0);
  return { shape, values };
}

/** A mask's "≠ 0" as 0/1 (what PyTorch's .bool() of a float tensor means). */
export function truth(x: TensorValue, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  return em.tensor("ne", [x, em.constant(0, site)], {}, who, site);
}

function integer(x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter, who: "int" | "long" | "byte" | "char" | "short"): TensorValue {
  bindArgs(who, [], args, site);
  return x.node.dtype === "i32" ? x : em.tensor("to_int", [x], {}, who, site);
}

function maskOperand(v: Value, who: string, site: CallSite): TensorValue {
  if (!(v instanceof TensorValue)) fail("wrongArgumentType", `${who} expects a tensor, got ${describe(v)}`, site.loc);
  return v;
}

/**
 * masked_fill's value as x's dtype holds it, as PyTorch casts it (masked_fill keeps x's dtype): for a
 * bool x, nonzero is True; for an int32 x, rounded toward zero (idx.masked_fill(m, 0.5) is 0, not 0.5),
 * and a value no integer holds (NaN, ±∞, past int64) is refused, as PyTorch's cast raises.
 */
function fillValueIn(x: TensorValue, value: number | boolean, site: CallSite, loc: SourceLoc): number {
  const v = typeof value === "boolean" ? Number(value) : value;
  if (isBooleanMask(x.node)) return v !== 0 ? 1 : 0;
  if (x.node.dtype !== "i32") return v;
  // ±2⁶³ is int64's end as JavaScript's numbers hold it (F.iinfo(F.long).min and max): PyTorch takes it
  if (!Number.isFinite(v) || Math.abs(v) > 2 ** 63)
    fail("invalidArgument", `maskedFill: the value ${v} cannot be converted to the int32 tensor's dtype (PyTorch raises: "value cannot be converted to type int64 without overflow"); fill x.float() for a float result`, loc ?? site.loc);
  const whole = Math.trunc(v) + 0;
  // the fill is computed in float32 and converted back, saturating at int32's ends: a value that does
  // not come back as itself (past int32, or past ±2²⁴ between float32's integers) would not be PyTorch's int64
  if (int32Of(Math.fround(whole)) !== whole)
    fail("invalidArgument", `maskedFill: ${whole} is not a value tsdp's integer tensors hold (tsdp holds PyTorch's int64 as int32, computed in float32: exact within ±2²⁴ and at int32's ends), so the result would not be PyTorch's; fill a value within ±16,777,216 or F.iinfo(F.int32).min / max, or fill x.float() for a float result`, loc ?? site.loc);
  return whole;
}

/** A float32 value converted to int32 as the kernels' to_int does: toward zero, saturating at int32's ends. */
const int32Of = (v: number) => Math.min(2 ** 31 - 1, Math.max(-(2 ** 31), Math.trunc(v)));

/** A 0-dim tensor value computed at run time, as x's dtype holds it (fillValueIn's cast, for a tensor). */
function fillTensorIn(x: TensorValue, value: TensorValue, site: CallSite, em: GraphEmitter): TensorValue {
  if (isBooleanMask(x.node)) return isBooleanMask(value.node) ? value : truth(value, "maskedFill", site, em);
  if (x.node.dtype === "i32") return value.node.dtype === "i32" ? value : em.tensor("to_int", [value], {}, "maskedFill", site);
  return value.node.dtype === "i32" ? em.tensor("to_float", [value], {}, "maskedFill", site) : value;
}

/** The tensor methods of this file: x.tril(k), x.triu(k), x.maskedFill(mask, value), comparisons. */
export const selectionMethods = {
  tril: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => triangleMethod("tril", x, args, site, em),
  triu: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => triangleMethod("triu", x, args, site, em),
  // masks are float 0/1 (compiler/ops/select.ts): bool() makes any tensor one, float() keeps it
  bool: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => {
    bindArgs("bool", [], args, site);
    return truth(x, "bool", site, em);
  },
  // an int32 tensor (argmax's indices, int32 ids or masks) converts; float32 ones are already it, but
  // a bool one becomes a float mask, which attention adds (tensor-spellings.ts convert)
  float: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => {
    bindArgs("float", [], args, site);
    if (x.node.dtype !== "f32" && x.node.dtype !== "i32") fail("dtypeMismatch", `float(): converting a ${x.node.dtype} tensor is not supported`, site.loc);
    return convert(x, "float32", "float", site, em);
  },
  // a float32 tensor to int32, toward zero (tsdp's integers are int32: long() is int()); an int32 one is itself
  int: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => integer(x, args, site, em, "int"),
  long: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => integer(x, args, site, em, "long"),
  // uint8, int8 and int16 are held as int32 as F.uint8 is (Transformer-XL's triu(ones).byte() mask):
  // the 0/1 masks and small counts older ports make with them are exact; past the narrow range no wrap
  byte: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => integer(x, args, site, em, "byte"),
  char: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => integer(x, args, site, em, "char"),
  short: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => integer(x, args, site, em, "short"),
  logicalNot: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => {
    bindArgs("logicalNot", [], args, site);
    return em.tensor("eq", [x, em.constant(0, site)], {}, "logicalNot", site);
  },
  logicalAnd: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => {
    const { other } = bindArgs("logicalAnd", [arg("other", "any")], args, site);
    return markBoolean(em.tensor("mul", [truth(x, "logicalAnd", site, em), truth(maskOperand(other, "logicalAnd", site), "logicalAnd", site, em)], {}, "logicalAnd", site));
  },
  logicalOr: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => {
    const { other } = bindArgs("logicalOr", [arg("other", "any")], args, site);
    const sum = em.tensor("add", [truth(x, "logicalOr", site, em), truth(maskOperand(other, "logicalOr", site), "logicalOr", site, em)], {}, "logicalOr", site);
    return truth(sum, "logicalOr", site, em);
  },
  maskedFill: (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => {
    const b = bindArgs("maskedFill", [arg("mask", "tensor"), arg("value", "any")], args, site);
    if (isBatchValue(b.value)) return filledWithBatchWhere(x, b.mask as TensorValue, b.value, site, em);
    // a 0-dim tensor value (Hugging Face's masked_fill(mask, torch.tensor(finfo.min))): its value where the mask is set
    if (b.value instanceof TensorValue) {
      if (b.value.node.shape.length !== 0) fail("shapeMismatch", `maskedFill: value must be a number or a 0-dim tensor, got a tensor of shape ${formatShape(b.value.node.shape)}`, locOfArg(b, "value", site));
      // cast to x's dtype as a number value is: masked_fill keeps x's dtype (an int32 x filled with
      // torch.tensor(2.7) holds 2, a bool x True), where a plain where would promote to the value's
      const known = constantValues(em, b.value.node);
      if (known) return em.tensor("masked_fill", [x, b.mask], { value: fillValueIn(x, known[0], site, locOfArg(b, "value", site)) }, "maskedFill", site);
      const value = fillTensorIn(x, b.value, site, em);
      return em.tensor("where", [b.mask, em.tensor("expand", [value], { shape: [...x.node.shape] }, "maskedFill", site), x], {}, "maskedFill", site);
    }
    // −Infinity is the point of masked_fill in attention; NaN and +Infinity are PyTorch's too
    if (typeof b.value !== "number" && typeof b.value !== "boolean") fail("wrongArgumentType", `maskedFill: value must be a number or a 0-dim tensor, got ${describe(b.value)}`, locOfArg(b, "value", site));
    return em.tensor("masked_fill", [x, b.mask], { value: fillValueIn(x, b.value, site, locOfArg(b, "value", site)) }, "maskedFill", site);
  },
};

/**
 * x.maskedFill(mask, x.size(0)): PyTorch's Python int cast to x's dtype, each replica's own batch
 * (factory.ts batch_size). A bool x takes True, as b ≥ 1 is nonzero.
 */
function filledWithBatchWhere(x: TensorValue, mask: TensorValue, b: SymInt | BatchNumber, site: CallSite, em: GraphEmitter): TensorValue {
  if (isBooleanMask(x.node)) return em.tensor("masked_fill", [x, mask], { value: 1 }, "maskedFill", site);
  const batch = em.batchSize(b, "maskedFill", site);
  const value = x.node.dtype === "i32" ? em.tensor("to_int", [batch], {}, "maskedFill", site) : batch;
  return em.tensor("where", [mask, em.tensor("expand", [value], { shape: [...x.node.shape] }, "maskedFill", site), x], {}, "maskedFill", site);
}

function triangleMethod(name: "tril" | "triu", x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter): Value {
  const b = bindArgs(name, [opt("diagonal", "int", 0)], args, site);
  return em.tensor("triangle", [x], { diagonal: b.diagonal, upper: name === "triu" }, name, site);
}

// nn.Parameter and nn.init: a module's own trainable tensors.

/** torch.rand's U[0, 1) as an initializer: center 0.5, half-width 0.5. */
const UNIT_UNIFORM: Init = { kind: "uniform", bound: 0.5, center: 0.5 };

/**
 * F.randn(...) or F.rand(...) in a constructor, scaled and shifted: `F.randn(width).mul(scale)` is
 * CLIP's `scale * torch.randn(width)`. A draw stays an initializer (so the runtime's seed draws it);
 * an affine map of N(mean, std²) is N(s·mean + c, (|s|·std)²), of a uniform one again uniform.
 * Other math on a draw is refused.
 */
export function randomDrawProperty(t: StaticTensor, name: string, site: CallSite): Value {
  if (name === "shape") return [...t.shape];
  const affine: Record<string, (v: number) => [number, number]> = {
    mul: (v) => [v, 0],
    div: (v) => [1 / v, 0],
    add: (v) => [1, v],
    sub: (v) => [1, -v],
  };
  const map = (scale: number, shift: number): StaticTensor => {
    const init = t.init;
    // U(c − b, c + b) maps to U(s·c + k − |s|·b, s·c + k + |s|·b)
    if (init.kind === "uniform") return new StaticTensor(t.shape, { kind: "uniform", bound: init.bound * Math.abs(scale), center: (init.center ?? 0) * scale + shift }, t.origin);
    if (init.kind !== "normal" || init.zeroRow !== undefined)
      return fail("unsupportedSyntax", `${name}: a ${init.kind} initial value made by nn.init can become a parameter or buffer as it is, not scaled or shifted; scale the parameter's initializer instead (nn.init.${init.kind}_'s gain)`, site.loc);
    return new StaticTensor(t.shape, normalInit((init.mean ?? 0) * scale + shift, init.std * Math.abs(scale)), t.origin);
  };
  if (name === "neg") return new BuiltinFunction("neg", (args, s) => (bindArgs("neg", [], args, s), map(-1, 0)));
  // in place (StyleGAN2's EqualLinear: torch.randn(out, in).div_(lr_mul)): the draw itself takes the
  // map, as PyTorch's x.div_(v) changes x and returns it; a clone made before keeps its values
  if (name.endsWith("_") && (name === "neg_" || own(affine, name.slice(0, -1)))) {
    const outOfPlace = randomDrawProperty(t, name.slice(0, -1), site) as BuiltinFunction;
    return new BuiltinFunction(name, (args, s) => {
      if (t.shared)
        fail("unsupportedSyntax", `${name}: this draw shares its values with a view, a .detach() or a parameter or buffer made from it, which PyTorch's in-place ${name} changes too; apply .${name} before sharing it (new nn.Parameter(F.randn(o, i).div_(c))), or make the other from .${name.slice(0, -1)}(…)`, s.loc);
      t.init = (outOfPlace.call(args, s) as StaticTensor).init;
      return t;
    });
  }
  // Glow's nn.Parameter(q.unsqueeze(2).unsqueeze(3)), F.randn(16).view(4, 4): the same draws in another shape
  if (own(RESHAPES, name)) return new BuiltinFunction(name, (args, s) => reshapedDraw(t, name as keyof typeof RESHAPES, args, s));
  // the same values: a state made from the copy draws what the original's state draws
  // (detach and contiguous read the same storage, as PyTorch's: an in-place map of either is refused after)
  if (name === "clone" || name === "detach" || name === "contiguous")
    return new BuiltinFunction(name, (args, s) => {
      bindArgs(name, name === "clone" ? [opt("memoryFormat", "any", null, { nullable: true })] : [], args, s);
      const copy = new StaticTensor(t.shape, t.init, t.origin);
      return name === "clone" ? copy : shareStorage(t, copy);
    });
  if (name === "data") return t;
  const f = own(affine, name);
  if (!f)
    fail("unsupportedSyntax", `a random draw (F.randn, nn.init) in a constructor can be scaled and shifted by numbers (.mul, .div, .add, .sub, .neg and their in-place forms), reshaped (.view, .reshape, .unsqueeze, .squeeze, .flatten) and cloned, not .${name}: its values are drawn when the model is created, from the runtime's seed; a tensor computed from a draw's own numbers (Rainbow NoisyLinear's reset_noise: x.sign().mul_(x.abs().sqrt_())) can be drawn in forward instead, where F.randn draws anew on each call`, site.loc);
  return new BuiltinFunction(name, (args, s) => {
    const b = bindArgs(name, [arg("other", "any")], args, s);
    if (typeof b.other !== "number" || !Number.isFinite(b.other) || (name === "div" && b.other === 0))
      fail("wrongArgumentType", `a random draw (F.randn) in a constructor can be scaled and shifted by finite numbers only, got ${describe(b.other)}`, locOfArg(b, "other", s));
    return map(...f(b.other));
  });
}

/** The shape a movement method gives a draw of `shape` (a row-major reading of the same elements), as PyTorch's. */
const RESHAPES = {
  view: (shape: readonly number[], args: Value[], s: CallSite) => resolvedSizes("view", shape, args, s),
  reshape: (shape: readonly number[], args: Value[], s: CallSite) => resolvedSizes("reshape", shape, args, s),
  unsqueeze: (shape: readonly number[], args: Value[], s: CallSite) => {
    const d = normalizedDim("unsqueeze", bindArgs("unsqueeze", [arg("dim", "int")], args, s).dim, shape.length + 1, s);
    return [...shape.slice(0, d), 1, ...shape.slice(d)];
  },
  squeeze: (shape: readonly number[], args: Value[], s: CallSite) => {
    const b = bindArgs("squeeze", [opt("dim", "int", null, { nullable: true })], args, s);
    if (b.dim === null) return shape.filter((n) => n !== 1);
    const d = normalizedDim("squeeze", b.dim, shape.length, s);
    return shape[d] === 1 ? [...shape.slice(0, d), ...shape.slice(d + 1)] : [...shape];
  },
  flatten: (shape: readonly number[], args: Value[], s: CallSite) => {
    const b = bindArgs("flatten", [opt("startDim", "int", 0), opt("endDim", "int", -1)], args, s);
    const [a, e] = [normalizedDim("flatten", b.startDim, shape.length, s), normalizedDim("flatten", b.endDim, shape.length, s)];
    return [...shape.slice(0, a), shape.slice(a, e + 1).reduce((x, y) => x * y, 1), ...shape.slice(e + 1)];
  },
};

function normalizedDim(who: string, dim: number, rank: number, s: CallSite): number {
  const d = dim < 0 ? dim + rank : dim;
  if (d < 0 || d >= rank) fail("invalidArgument", `${who}: dim ${dim} is out of range for ${rank} dims`, s.loc);
  return d;
}

/** view/reshape's sizes (listed or one array, one of them -1) for `shape`'s elements. */
function resolvedSizes(who: string, shape: readonly number[], args: Value[], s: CallSite): number[] {
  const sizes = args.length === 1 && Array.isArray(args[0]) ? (args[0] as Value[]) : args;
  for (const n of sizes) refuseRunTimeNumber(who, "a size", n, s.loc);
  if (!sizes.every((n) => typeof n === "number" && Number.isInteger(n) && n >= -1)) return fail("wrongArgumentType", `${who}: sizes must be integers (one of them may be -1), got ${sizes.map(describe).join(", ")}`, s.loc);
  const ns = sizes as number[];
  const count = shape.reduce((x, y) => x * y, 1);
  const known = ns.filter((n) => n !== -1).reduce((x, y) => x * y, 1);
  const out = ns.filter((n) => n === -1).length > 1 ? undefined : ns.map((n) => (n === -1 ? (known === 0 ? -1 : count / known) : n));
  if (!out || out.some((n) => !Number.isInteger(n) || n < 0) || out.reduce((x, y) => x * y, 1) !== count)
    fail("shapeMismatch", `${who}(${ns.join(", ")}) cannot reshape a draw of shape [${shape.join(", ")}]`, s.loc);
  return out!;
}

/**
 * A constructor draw read in another shape: its elements in the same row-major order, so an
 * elementwise law (uniform, normal, a constant, computed values) is the same law, drawing the same
 * numbers. An orthogonal draw's rows are its first dim with the rest flattened, so a new shape that
 * keeps the first dim (Glow's [C, C] → [C, C, 1, 1]) keeps its matrix; a normal draw with a zero
 * row (nn.Embedding's padding row) keeps it where the row stays a row.
 */
function reshapedDraw(t: StaticTensor, name: keyof typeof RESHAPES, args: Value[], s: CallSite): StaticTensor {
  const shape = RESHAPES[name](t.shape, args, s);
  const init = t.init;
  const rowsKept = shape[0] === t.shape[0];
  const keeps = init.kind === "uniform" || init.kind === "constant" || init.kind === "values" || (init.kind === "normal" && (init.zeroRow === undefined || rowsKept)) || (init.kind === "orthogonal" && rowsKept && shape.length >= 2);
  if (!keeps)
    fail("unsupportedSyntax", `${name}: an ${init.kind} draw of shape [${t.shape.join(", ")}] cannot be read as [${shape.join(", ")}]: its law is laid out along the first dim, which ${name} changes; reshape the parameter's initializer instead`, s.loc);
  return shareStorage(t, new StaticTensor(shape, init, t.origin));
}

/**
 * Marks draws that read one storage (a view and its base, a parameter and the draw it was made
 * from), so that an in-place map of one, which PyTorch's would show in all, is refused; returns the last.
 */
export function shareStorage<T extends Value>(...values: [...Value[], T]): T {
  for (const v of values) if (v instanceof StaticTensor) v.shared = true;
  return values[values.length - 1] as T;
}

/**
 * The initial value of a parameter or buffer made in a constructor: a random draw (F.randn, scaled
 * and shifted at most) or a constructor tensor (constructor-tensors.ts), computed now unless a fill.
 */
export function initialValue(em: GraphEmitter, who: string, data: Value, at: SourceLoc): { shape: readonly number[]; init: Init } {
  if (data instanceof StaticTensor) return data;
  const drawn = data instanceof TensorValue ? redrawn.get(data) : undefined;
  if (drawn) return drawn;
  markCaptured(data);
  if (data instanceof TensorValue && em.constants.owns(data.node))
    return { shape: data.node.shape as number[], init: em.constants.initOf(data.node, who, at) };
  if (data instanceof TensorValue) fail("nonConstant", `${who} needs its initial value in the constructor, where it is computed once (a factory such as F.zeros([...]) or F.randn([...]), and math on those)`, at);
  // the device idiom `self.dummy_param = nn.Parameter(torch.empty(0))`: a parameter of no elements
  // tsdp's state cannot hold; what it is read for has an answer without it
  if (data instanceof EmptyTensor)
    fail("unsupportedSyntax", `${who} of ${describe(data)} holds no elements, which tsdp's state cannot (the device idiom nn.Parameter(torch.empty(0))): leave it out — a model's tensors are on its device already, so x.to(device) is x (write F.zeros(…) without .to(this.dummy_param.device)), and next(self.parameters()).device is this.parameters()[0].device`, at);
  return fail("wrongArgumentType", `${who} takes a tensor made in the constructor (F.zeros, F.ones, F.full, F.arange, F.randn, and math on those), got ${describe(data)}`, at);
}

/**
 * new nn.Parameter(data, requiresGrad = true), data a tensor made in the constructor. In forward,
 * `nn.Parameter(t, requires_grad=False)` (cosFormer's `get_index`) is a constant: a new leaf holding
 * t's values that nothing registers or trains, and no gradient reaches what t was computed from — t
 * detached. One that requires a gradient stays refused: made anew at every call and never in the
 * optimizer, it is almost always a parameter meant for the constructor.
 */
export function parameterClass(
  em: GraphEmitter,
  requireConstruct: (who: string, site: CallSite) => void,
  inForward: () => boolean,
  initFromParameter: (p: ParameterValue, source: LayerParamRef | ParameterValue | ParameterRegion, at: SourceLoc) => Init,
) {
  return (args: Value[], site: CallSite): Value => {
    const b = bindArgs("nn.Parameter", [arg("data", "any"), opt("requiresGrad", "bool", true)], args, site);
    if (inForward() && b.data instanceof TensorValue && !b.requiresGrad) return em.tensor("detach", [b.data], {}, "nn.Parameter", site);
    if (inForward())
      fail("moduleOutsideConstructor", "nn.Parameter is created inside forward: a new parameter at every call, which no optimizer updates; create it in the constructor (this.w = new nn.Parameter(…)), or, for a constant, pass the tensor itself or new nn.Parameter(t, { requiresGrad: false })", site.loc);
    requireConstruct("nn.Parameter", site);
    // another parameter's values (nn.Parameter(m.weight.detach())): its initializer, linked to it
    const source = b.data;
    if (source instanceof LayerParamRef || source instanceof ParameterValue || source instanceof ParameterRegion) {
      const param = new ParameterValue(source.shape, source.init, site.loc, !b.requiresGrad);
      param.init = initFromParameter(param, source, locOfArg(b, "data", site));
      return param;
    }
    const { shape, init } = initialValue(em, "nn.Parameter", b.data, locOfArg(b, "data", site));
    if (init.kind === "constant" && !Number.isFinite(init.value))
      fail("invalidArgument", `nn.Parameter: a parameter's initial value must be finite, got ${init.value}`, locOfArg(b, "data", site));
    const param = new ParameterValue(shape, init, site.loc, !b.requiresGrad);
    // nn.Parameter(t) is t's storage: an in-place map of t after it would change the parameter
    shareStorage(b.data);
    const draw = b.data instanceof StaticTensor ? b.data : b.data instanceof TensorValue ? redrawn.get(b.data) : undefined;
    if (draw) param.drawOrigin = draw.origin;
    claimCaptured(b.data, param);
    return param;
  };
}

/**
 * The largest |z| the initializers' Box–Muller transform can produce: √(−2·ln(1/(2³² + 1))) ≈ 6.66.
 * A truncated normal whose bounds lie beyond mean ± 6.66·std therefore never rejects a draw, and
 * is the plain normal draw; nearer bounds would need rejection, which the initializers lack.
 */
export const MAX_NORMAL_Z = Math.sqrt(-2 * Math.log(1 / 4294967297));

/** N(mean, std²); a zero mean is left out, so the graph reads as before means existed. */

/**
 * Constructor tensors an nn.init function drew into (`nn.init.xavier_normal_(F.empty(e, d, r))`,
 * DCN-V2's and many ports' way to make a parameter): the draw they hold now, which nn.Parameter(t)
 * and registerBuffer take. The tensor's constructor value (the factory's zeros) is gone: math on it
 * afterwards is refused, as its numbers exist only when the model is created.
 */
const redrawn = new WeakMap<TensorValue, StaticTensor>();

/** Whether nn.init drew into t: its values exist only when the model is created, so t itself cannot be read. */
export function drawnInto(t: TensorValue): boolean {
  return redrawn.has(t);
}

/** nn.init's in-place initializers, each rewriting a parameter's initializer (or a constructor tensor's values: a draw). */
export function initNamespaceMembers(requireConstruct: (who: string, site: CallSite) => void, em: GraphEmitter): Map<string, Value> {
  const p = arg("tensor", "any");
  const initializer = (name: string, specs: readonly ArgSpec[], make: (b: Bound, site: CallSite, who: string) => Init) =>
    new BuiltinFunction(`nn.init.${name}`, (args, site) => {
      const who = `nn.init.${name}`;
      requireConstruct(who, site);
      const b = bindArgs(who, [p, ...specs], args, site);
      const target = b.tensor;
      if (target instanceof TensorValue && (redrawn.has(target) || em.constants.owns(target.node))) return drawInto(target, b, site, who, make);
      if (target instanceof StaticTensor) {
        // nn.init on a draw (nn.init.zeros_(F.randn(…))): a new draw of its shape
        b.tensor = { shape: target.shape };
        return new StaticTensor(target.shape, make(b, site, who));
      }
      if (!(target instanceof ParameterValue || target instanceof LayerParamRef || target instanceof ParameterRegion))
        fail("wrongArgumentType", `${who} initializes an nn.Parameter of your module (this.<name>), a layer's parameter (this.fc.weight) or a tensor made in the constructor (F.empty([...])), got ${describe(target)}`, locOfArg(b, "tensor", site));
      target.init = make(b, site, who);
      return target;
    });
  /** `t`, a constructor tensor, holds the initializer's draw from now on (see redrawn). */
  const drawInto = (t: TensorValue, b: Bound, site: CallSite, who: string, make: (b: Bound, site: CallSite, who: string) => Init): StaticTensor => {
    // the node as it is: a tensor drawn into before refuses to be read (its pending failure)
    const node = t.snapshot().node;
    const shape = (redrawn.get(t)?.shape ?? node.shape) as readonly number[];
    if (node.dtype !== "f32") fail("wrongArgumentType", `${who} fills a float32 tensor, got an int32 one`, locOfArg(b, "tensor", site));
    b.tensor = { shape };
    const draw = new StaticTensor(shape, make(b, site, who));
    redrawn.set(t, draw);
    // state already made from t (nn.Parameter(t) before the call) holds the draw too, as it shares t's storage
    retakeDrawn(t, draw.init);
    t.takeOver(node, () =>
      fail("nonConstant", `this tensor was filled by ${who}, whose values are drawn when the model is created: make a parameter or buffer of it (new nn.Parameter(t)), or draw in the parameter's own shape`, site.loc),
    );
    return draw;
  };
  // PyTorch's fan-based initializers: fans from the shape, a gain from the nonlinearity
  const fans = (b: Bound, site: CallSite, who: string) => fanInOut(b.tensor.shape, who, locOfArg(b, "tensor", site));
  // a is leaky_relu's negative slope, any number in PyTorch (the gain uses a²)
  const kaimingArgs = [opt("a", "number", 0), opt("mode", "string", "fan_in", { choices: ["fan_in", "fan_out"] }), opt("nonlinearity", "string", "leaky_relu", { choices: Object.keys(gains) })];
  const kaimingScale = (b: Bound, site: CallSite, who: string) => {
    const { fanIn, fanOut } = fans(b, site, who);
    return gains[b.nonlinearity as keyof typeof gains](b.a) / Math.sqrt(b.mode === "fan_in" ? fanIn : fanOut);
  };
  const xavierScale = (b: Bound, site: CallSite, who: string) => {
    const { fanIn, fanOut } = fans(b, site, who);
    return b.gain * Math.sqrt(2 / (fanIn + fanOut));
  };
  const members = new Map<string, Value>([
    // U(−b, b) with b = gain·√(6/(fan_in + fan_out)) = √3·std
    ["xavier_uniform_", initializer("xavier_uniform_", [opt("gain", "nonNegNumber", 1)], (b, site, who) => ({ kind: "uniform", bound: Math.sqrt(3) * xavierScale(b, site, who) }))],
    ["xavier_normal_", initializer("xavier_normal_", [opt("gain", "nonNegNumber", 1)], (b, site, who) => ({ kind: "normal", std: xavierScale(b, site, who) }))],
    // std = gain/√fan; the uniform bound is √3·std
    ["kaiming_uniform_", initializer("kaiming_uniform_", kaimingArgs, (b, site, who) => ({ kind: "uniform", bound: Math.sqrt(3) * kaimingScale(b, site, who) }))],
    ["kaiming_normal_", initializer("kaiming_normal_", kaimingArgs, (b, site, who) => ({ kind: "normal", std: kaimingScale(b, site, who) }))],
    // nn.init.calculate_gain(nonlinearity, param): the gain the fan-based initializers use
    [
      "calculate_gain",
      new BuiltinFunction("nn.init.calculate_gain", (args, site) => {
        const b = bindArgs("nn.init.calculate_gain", [arg("nonlinearity", "string", { choices: Object.keys(gains) }), opt("param", "number", null, { nullable: true })], args, site);
        return gains[b.nonlinearity as keyof typeof gains](b.param ?? 0.01);
      }),
    ],
    // nn.init._calculate_fan_in_and_fan_out(w): private in torch but what custom layers' reset_parameters
    // (`bound = 1 / math.sqrt(fan_in)`) and timm's variance_scaling_ / lecun_normal_ call; a shape query
    [
      "_calculate_fan_in_and_fan_out",
      new BuiltinFunction("nn.init._calculate_fan_in_and_fan_out", (args, site) => {
        const who = "nn.init._calculate_fan_in_and_fan_out";
        const b = bindArgs(who, [p], args, site);
        const { fanIn, fanOut } = fanInOut(staticShapeOf(b.tensor, who, locOfArg(b, "tensor", site)), who, locOfArg(b, "tensor", site));
        return [fanIn, fanOut];
      }),
    ],
    // nn.init._calculate_correct_fan(w, mode): fan_in or fan_out by the mode's name (SampleRNN's
    // lecun_uniform: bound √(3 / fan_in)); another mode is refused, as PyTorch's ValueError
    [
      "_calculate_correct_fan",
      new BuiltinFunction("nn.init._calculate_correct_fan", (args, site) => {
        const who = "nn.init._calculate_correct_fan";
        const b = bindArgs(who, [p, arg("mode", "string", { choices: ["fan_in", "fan_out"] })], args, site);
        const { fanIn, fanOut } = fanInOut(staticShapeOf(b.tensor, who, locOfArg(b, "tensor", site)), who, locOfArg(b, "tensor", site));
        return b.mode === "fan_in" ? fanIn : fanOut;
      }),
    ],
    // a (semi-)orthogonal matrix times gain (RL ports' layer_init, recurrent weights): rows the first dim
    [
      "orthogonal_",
      initializer("orthogonal_", [opt("gain", "number", 1)], (b, site, who) => {
        if (b.tensor.shape.length < 2) fail("invalidArgument", `${who}: only tensors with 2 or more dimensions are supported, got [${b.tensor.shape.join(", ")}]`, locOfArg(b, "tensor", site));
        return { kind: "orthogonal", gain: b.gain };
      }),
    ],
    // N(0, std²) with ceil(sparsity·rows) zeros in each column, at rows chosen at random per column
    [
      "sparse_",
      initializer("sparse_", [arg("sparsity", "number"), opt("std", "nonNegNumber", 0.01)], (b, site, who) => {
        const shape = b.tensor.shape as readonly number[];
        if (shape.length !== 2) fail("invalidArgument", `${who}: only tensors with 2 dimensions are supported, got [${shape.join(", ")}]`, locOfArg(b, "tensor", site));
        if (!(b.sparsity >= 0 && b.sparsity <= 1)) fail("invalidArgument", `${who}: sparsity is the fraction of each column set to zero, between 0 and 1, got ${b.sparsity}`, locOfArg(b, "sparsity", site));
        return { kind: "sparse", std: b.std, zeros: Math.ceil(b.sparsity * shape[0]) };
      }),
    ],
    // the identity matrix (rows ≠ columns: ones on the leading diagonal)
    [
      "eye_",
      initializer("eye_", [], (b, site, who) => {
        const shape = b.tensor.shape as readonly number[];
        if (shape.length !== 2) fail("invalidArgument", `${who}: only 2-dimensional tensors are supported, got [${shape.join(", ")}]`, locOfArg(b, "tensor", site));
        const values = new Float32Array(shape[0] * shape[1]);
        for (let i = 0; i < Math.min(shape[0], shape[1]); i++) values[i * shape[1] + i] = 1;
        return { kind: "values", values };
      }),
    ],
    // a convolution that passes its input through: within each group, output channel d reads input
    // channel d at the kernel's centre (PyTorch's dirac_: index size // 2 in every spatial dim)
    [
      "dirac_",
      initializer("dirac_", [opt("groups", "posInt", 1)], (b, site, who) => {
        const shape = b.tensor.shape as readonly number[];
        if (shape.length < 3 || shape.length > 5) fail("invalidArgument", `${who}: only tensors of 3, 4 or 5 dims are supported, got [${shape.join(", ")}]`, locOfArg(b, "tensor", site));
        if (shape[0] % b.groups !== 0) fail("invalidArgument", `${who}: dim 0 (${shape[0]}) must be divisible by groups (${b.groups})`, locOfArg(b, "groups", site));
        const perGroup = shape[0] / b.groups;
        const spatial = shape.slice(2);
        const centre = spatial.reduce((at, size) => at * size + Math.floor(size / 2), 0);
        const tap = spatial.reduce((n, size) => n * size, 1);
        const values = new Float32Array(shape.reduce((n, size) => n * size, 1));
        for (let g = 0; g < b.groups; g++)
          for (let d = 0; d < Math.min(perGroup, shape[1]); d++) values[((g * perGroup + d) * shape[1] + d) * tap + centre] = 1;
        return { kind: "values", values };
      }),
    ],
    ["zeros_", initializer("zeros_", [], () => constantInit(0))],
    ["ones_", initializer("ones_", [], () => constantInit(1))],
    ["constant_", initializer("constant_", [arg("val", "number")], (b) => constantInit(b.val))],
    [
      "normal_",
      initializer("normal_", [opt("mean", "number", 0), opt("std", "nonNegNumber", 1)], (b) => normalInit(b.mean, b.std)),
    ],
    [
      "trunc_normal_",
      initializer("trunc_normal_", [opt("mean", "number", 0), opt("std", "nonNegNumber", 1), opt("a", "number", -2), opt("b", "number", 2)], (b, site, who) => {
        if (!(b.a < b.b)) fail("invalidArgument", `${who}: the lower bound a must be below b, got [${b.a}, ${b.b}]`, site.loc);
        if (b.std === 0) {
          if (b.mean < b.a || b.mean > b.b) fail("invalidArgument", `${who}: with std 0 every value is the mean ${b.mean}, outside [${b.a}, ${b.b}]`, site.loc);
          return normalInit(b.mean, 0);
        }
        // bounds the Box–Muller draw never reaches leave it the plain normal; nearer ones cut it (PyTorch's inverse CDF)
        const reach = MAX_NORMAL_Z * b.std;
        if (b.a <= b.mean - reach && b.b >= b.mean + reach) return normalInit(b.mean, b.std);
        return { ...normalInit(b.mean, b.std), truncated: [(b.a - b.mean) / b.std, (b.b - b.mean) / b.std] as const };
      }),
    ],
    [
      "uniform_",
      initializer("uniform_", [opt("a", "number", 0), opt("b", "number", 1)], (b, site, who) => {
        if (!(b.a <= b.b)) fail("invalidArgument", `${who}: the lower bound a must not exceed b, got [${b.a}, ${b.b}]`, site.loc);
        return uniformInit(b.a, b.b, who, site.loc);
      }),
    ],
  ]);
  // torch.nn.init's private no-grad helpers, which the public initializers call and some ports call
  // directly (GRU4Rec's init_parameter_matrix: nn.init._no_grad_uniform_(tensor, -sigma, sigma)):
  // the same initializers under their arguments' names
  for (const [name, to] of [["_no_grad_uniform_", "uniform_"], ["_no_grad_normal_", "normal_"], ["_no_grad_trunc_normal_", "trunc_normal_"], ["_no_grad_fill_", "constant_"], ["_no_grad_zero_", "zeros_"]])
    members.set(name, members.get(to)!);
  // PyTorch's names (kaiming_normal_), and the model language's camelCase for them (kaimingNormal_)
  // (a leading underscore, torch's private _calculate_fan_in_and_fan_out, stays: _calculateFanInAndFanOut)
  for (const [name, f] of [...members]) if (/[a-z]_[a-z]/.test(name)) members.set(name.replace(/(?<=[a-z])_([a-z])/g, (_, c: string) => c.toUpperCase()), f);
  // the names without the underscore that torch.nn.init still keeps as deprecated aliases (old ports:
  // 1Konny's beta-VAE calls init.kaiming_normal(m.weight)), the same functions
  for (const name of ["uniform_", "normal_", "constant_", "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_"]) members.set(name.slice(0, -1), members.get(name)!);
  return members;
}

/** torch.nn.init.calculate_gain, for the nonlinearities kaiming_* accepts; `a` is leaky_relu's slope. */
const gains = {
  linear: () => 1,
  conv1d: () => 1,
  conv2d: () => 1,
  conv3d: () => 1,
  conv_transpose1d: () => 1,
  conv_transpose2d: () => 1,
  conv_transpose3d: () => 1,
  sigmoid: () => 1,
  tanh: () => 5 / 3,
  relu: () => Math.SQRT2,
  leaky_relu: (a: number) => Math.sqrt(2 / (1 + a * a)),
  selu: () => 3 / 4,
};

/**
 * The fixed shape of a tensor-like argument (a parameter, a layer's parameter, a constructor tensor or
 * one computed in forward); a batch dim has no size to compute fans from.
 */
function staticShapeOf(t: Value, who: string, loc: SourceLoc): readonly number[] {
  const shape =
    t instanceof ParameterValue || t instanceof LayerParamRef || t instanceof ParameterRegion || t instanceof StaticTensor
      ? t.shape
      : t instanceof TensorValue
        ? t.node.shape
        : fail("wrongArgumentType", `${who} takes a tensor (a parameter such as this.weight), got ${describe(t)}`, loc);
  if (shape.some((d) => typeof d !== "number"))
    fail("invalidArgument", `${who}: the tensor's shape ${formatShape(shape)} has the batch dim, whose size is not known when the model compiles; pass a parameter or a tensor of fixed size`, loc);
  return shape as readonly number[];
}

/** PyTorch's _calculate_fan_in_and_fan_out: dims 1 and 0, each times the product of dims 2…. */
function fanInOut(shape: readonly number[], who: string, loc: SourceLoc): { fanIn: number; fanOut: number } {
  if (shape.length < 2) fail("invalidArgument", `${who}: fan in and fan out cannot be computed for a tensor with fewer than 2 dims, got [${shape.join(", ")}]`, loc);
  const receptive = shape.slice(2).reduce((a, d) => a * d, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/**
 * torch.arange's one-bound overload, arange(end): one number by position, or end alone as a keyword
 * (torch.arange(end=5) → F.arange({ end: 5 })); any other form is arange(start, end, step).
 */
function givesEndOnly(args: readonly Value[]): boolean {
  const last = args[args.length - 1];
  const keywords = last instanceof ObjectValue ? last.props : new Map<string, Value>();
  // a 0-dim tensor by position is a bound too (torch.arange(0, t)), which binding then refuses by name
  const numbers = args.filter((a) => typeof a === "number" || isBatchValue(a) || (a instanceof TensorValue && a.node.shape.length === 0)).length;
  return (numbers === 1 && !keywords.has("end")) || (numbers === 0 && keywords.has("end") && !keywords.has("start"));
}

/** A bound of F.arange that is the batch size (x.size(0)), by position or as an option ({ end: x.size(0) }). */
function isOrHoldsBatchSize(a: Value): boolean {
  return isBatchValue(a) || (a instanceof ObjectValue && [...a.props.values()].some((v) => isBatchValue(v)));
}

/** F.where's one argument is its operands by keyword ({ condition, input, other }), not nonzero's condition alone. */
function namesOperands(a: Value): boolean {
  return a instanceof ObjectValue && (a.props.has("input") || a.props.has("other"));
}
