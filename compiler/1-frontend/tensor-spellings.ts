import { fail } from "../diagnostics/diagnostic.ts";
import { dtypeNames } from "../ir/node.ts";
import { formatShape } from "../ir/shape.ts";
import { arg, bindArgs, FLOAT64_HINT, locOfArg, opt } from "./args.ts";
import { unflatten } from "./composite-layers.ts";
import { ops, rankedMatmul } from "./composite-ops.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { pointwiseComposites } from "./pointwise-composites.ts";
import { isPackedLengthsArgument } from "./packed-sequence.ts";
import { factoryMembers, truth } from "./factories.ts";
import { asBoolean, isBooleanMask, markBoolean } from "./boolean-masks.ts";
import { BuiltinFunction, describe, EmptyTensor, ObjectValue, TensorValue, type CallSite, type Value } from "./values.ts";
import { vectorNorm } from "./vector-norm.ts";
import { REFUSED_TENSOR_METHODS } from "./refused-names.ts";
import { whereCoordinates } from "./where-coordinates.ts";

// PyTorch's other spellings of what tsdp has: x.clamp_min(ε) for clamp, x.mm(y) for matmul,
// x.type_as(y) for a conversion, x.mT for a transpose, x.norm() for a composition of sum and sqrt.
// Ports use them as often as the canonical names, so each lowers to the same ops.

type Method = (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter) => Value;

/** A conversion to `dtype` ("float32" or "int32"), or x itself when it already is one. */
export function convert(x: TensorValue, dtype: string, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  // int64 (torch.long, indices) is held as int32, as every tsdp index
  // bool: a 0/1 mask, nonzero True (x.to(torch.bool), x.type(torch.bool)), as x.bool()
  if (dtype === "bool") return em.tensor("ne", [x, em.constant(0, site)], {}, who, site);
  const want = dtype === "float32" || dtype === "float" ? "f32" : dtype === "int32" || dtype === "int64" || dtype === "int" || dtype === "long" ? "i32" : undefined;
  if (!want && (dtype === "float64" || dtype === "double")) return fail("invalidArgument", `${who}(${JSON.stringify(dtype)})${FLOAT64_HINT}`, site.loc);
  if (!want) return fail("invalidArgument", `${who}: tsdp's tensors are "float32" or "int32" (int64 is held as int32), got ${JSON.stringify(dtype)}`, site.loc);
  // .float() of a bool tensor is a float mask, which attention adds where a bool one masks (boolean-masks.ts): a new value
  if (x.node.dtype === want) return want === "f32" && isBooleanMask(x.node) ? new TensorValue(em.floatOfMask(x.node, who, site)) : x;
  return em.tensor(want === "f32" ? "to_float" : "to_int", [x], {}, who, site);
}

/** torch.norm's dtype casts the input first; float32 is what tsdp computes in, so it alone is taken. */
const normDtype = opt("dtype", "string", null, { nullable: true, choices: ["float32"] });

/** x's dtype as PyTorch names it: "bool" for a bool mask (tsdp's 0/1 float32, boolean-masks.ts), so x.to(mask) and x.typeAs(mask) make a mask. */
export const torchDtypeOf = (x: TensorValue): string => (isBooleanMask(x.node) ? "bool" : dtypeNames[x.node.dtype]);

/** The device every tensor of a model is on: the GPU it runs on (the CPU target stands in for it). */
const DEVICE = "cuda";


/** matmul with the operand ranks torch.mm (2-D) and torch.bmm (3-D) insist on. */

/** 1 where a ≠ 0 and b = 0 or the other way round: PyTorch's logical_xor as a float mask. */
function logicalXor(a: TensorValue, b: Value, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  if (!(b instanceof TensorValue)) fail("wrongArgumentType", `${who} expects a tensor, got ${describe(b)}`, site.loc);
  return em.tensor("ne", [truth(a, who, site, em), truth(b, who, site, em)], {}, who, site);
}

type BitwiseName = "bitwiseAnd" | "bitwiseOr" | "bitwiseXor" | "bitwiseNot" | "bitwiseLeftShift" | "bitwiseRightShift";
/** The bitwise op's function (compiler/ops/elementwise-math.ts bitwise); not is xor with −1 (all bits set). */
const BITWISE_FN = { bitwiseAnd: "and", bitwiseOr: "or", bitwiseXor: "xor", bitwiseNot: "xor", bitwiseLeftShift: "left_shift", bitwiseRightShift: "right_shift" } as const;

/**
 * torch.bitwise_and / or / xor / not / left_shift / right_shift (and x.bitwise_and, …: the methods
 * behind PyTorch's & | ^ ~ << >>). On bool tensors — the masks a port combines — and, or, xor and
 * not are the logical ops (tsdp holds a bool tensor as float 0/1, told by how it was made:
 * boolean-masks.ts). With an integer among the operands (an int32 tensor, a whole number) they act
 * on the integers' bits, a bool mask being its 0 or 1 (PyTorch promotes bool to the integer type),
 * and give int32. Float tensors and fractional numbers are refused, as PyTorch's kernels are integral only.
 */
function bitwise(name: BitwiseName, operands: Value[], site: CallSite, em: GraphEmitter): TensorValue {
  const shift = name === "bitwiseLeftShift" || name === "bitwiseRightShift";
  const integral = (v: Value) => typeof v === "boolean" || (typeof v === "number" && Number.isInteger(v)) || (v instanceof TensorValue && (v.node.dtype === "i32" || isBooleanMask(v.node)));
  for (const v of operands) {
    if (!(v instanceof TensorValue) && typeof v !== "boolean" && typeof v !== "number") return fail("wrongArgumentType", `${name} expects a tensor, got ${describe(v)}`, site.loc);
    if (!integral(v))
      fail("dtypeMismatch", `${name} of ${v instanceof TensorValue ? `a ${dtypeNames[v.node.dtype]} tensor` : `the number ${v}`}: PyTorch computes bitwise ops on integer and bool tensors only (its kernels for float raise "not implemented for 'Float'"); convert it with .int() first`, site.loc);
  }
  if (!operands.some((v) => v instanceof TensorValue)) return fail("wrongArgumentType", `${name} expects a tensor, got ${operands.map(describe).join(" and ")}`, site.loc);
  const masks = operands.every((v) => typeof v === "boolean" || (v instanceof TensorValue && isBooleanMask(v.node)));
  return masks && !shift ? logicalBitwise(name, operands, site, em) : integerBitwise(name, operands, site, em);
}

/** bitwise of integers: a mask's 0/1 and a boolean as int32 first, so the emitter's int arithmetic gives int32 (int-arithmetic.ts). */
function integerBitwise(name: BitwiseName, operands: Value[], site: CallSite, em: GraphEmitter): TensorValue {
  const asInt = (v: Value): TensorValue | number =>
    typeof v === "boolean" ? Number(v) : typeof v === "number" ? v : (v as TensorValue).node.dtype === "i32" ? (v as TensorValue) : em.tensor("to_int", [v as TensorValue], {}, name, site);
  const [x, other] = name === "bitwiseNot" ? [asInt(operands[0]), -1] : operands.map(asInt);
  const node = (v: TensorValue | number) => (typeof v === "number" ? em.constant(v, site) : v.node);
  return em.tensor("bitwise", [node(x), node(other)], { fn: BITWISE_FN[name] }, name, site);
}

/** bitwise of bool masks: the logical ops. */
function logicalBitwise(name: BitwiseName, operands: Value[], site: CallSite, em: GraphEmitter): TensorValue {
  const [x, other] = operands.map((v) => (typeof v === "boolean" ? em.constant(v ? 1 : 0, site) : (v as TensorValue)));
  const c = ops(em, name, site);
  if (name === "bitwiseNot") return markBoolean(c.op("eq", [x, 0]));
  if (name === "bitwiseXor") return markBoolean(c.op("ne", [x, other]));
  // the masks are 0/1: and is their product, or a nonzero sum
  return asBoolean(name === "bitwiseAnd" ? c.op("mul", [x, other]) : c.op("ne", [c.op("add", [x, other]), 0]), em, name, site);
}

/**
 * x.new_zeros(size) and kin: torch's factories with x's dtype, whatever the data's (an int32 x's: the
 * values rounded toward zero; a float x's: float32 also for integer data, x.new_tensor([1, 2]) and
 * x.new_full(s, 3), which torch.tensor and torch.full alone would make integer tensors).
 */
function newFactory(name: "zeros" | "ones" | "full" | "tensor" | "empty"): Method {
  return (x, args, site, em) => {
    const who = `new${name[0].toUpperCase()}${name.slice(1)}`;
    const made = (factoryMembers(em, () => "forward").get(name) as BuiltinFunction).call(args, site);
    // a dtype given (x.new_zeros(n, dtype=torch.float32)) is the result's, not x's
    if (args.some((a) => a instanceof ObjectValue && a.props.has("dtype"))) return made;
    if (!(made instanceof TensorValue)) return made;
    // a bool x's: mask.new_ones(L, L) is a bool tensor in PyTorch, which attention reads as a mask, not adds
    if (isBooleanMask(x.node)) return markBoolean(em.tensor("ne", [made, em.constant(0, site)], {}, who, site));
    return convert(made, x.node.dtype === "i32" ? "int32" : "float32", who, site, em);
  };
}

/** torch.outer(a, b): a[:, None]·b[None, :] of two 1-D tensors. */
function outer(a: TensorValue, b: Value, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  if (!(b instanceof TensorValue)) return fail("wrongArgumentType", `${who} expects a tensor, got ${describe(b)}`, site.loc);
  if (a.node.shape.length !== 1 || b.node.shape.length !== 1) fail("shapeMismatch", `${who} expects two 1-D tensors, got ${formatShape(a.node.shape)} and ${formatShape(b.node.shape)}`, site.loc);
  const c = ops(em, who, site);
  return c.op("mul", [c.reshape(a, [a.node.shape[0], 1]), c.reshape(b, [1, b.node.shape[0]])]);
}

/** x.half() and kin: tsdp's tensors are float32 and int32; lower precision is a compile option, not a cast. */
const otherPrecision = (name: string): Method => (_x, _args, site) =>
  fail(
    "dtypeMismatch",
    name === "double" ? `double()${FLOAT64_HINT}` : `${name}(): tsdp's tensors are float32 (int32 for indices); compute GEMMs in bf16 or tf32 with tsdp compile --precision, and leave the casts out`,
    site.loc,
  );

export const spellingMethods: Record<string, Method> = {
  half: otherPrecision("half"),
  bfloat16: otherPrecision("bfloat16"),
  double: otherPrecision("double"),
  newZeros: newFactory("zeros"),
  newOnes: newFactory("ones"),
  newFull: newFactory("full"),
  // x.new_empty(size): uninitialized in PyTorch, zeros here (timm's drop path fills it with bernoulli_)
  newEmpty: newFactory("empty"),
  // the legacy x.new(size) (x.new(*sizes)): new_empty's older spelling, β-VAE's std.data.new(std.size()).normal_()
  // x.new() with no size: an empty tensor of x's dtype, which AWD-LSTM's embedded_dropout sizes with
  // resize_ (`weight.data.new().resize_((V, 1)).bernoulli_(1 - p)`, empty-tensors.ts)
  new: (x, args, site, em) => (args.length === 0 ? new EmptyTensor([0], x.node.dtype === "i32" ? "i32" : "f32") : newFactory("empty")(x, args, site, em)),
  // x.clone(): the same values in a tensor of its own (not a view: an in-place change of one leaves
  // the other). Of model state (a parameter, a buffer, a constructor's constant) a node of its own,
  // so that a change of the copy is not taken for a change of the state (w.clone().fill_diagonal_(0))
  clone: (x, args, site, em) => {
    bindArgs("clone", [opt("memoryFormat", "any", null, { nullable: true })], args, site);
    const state = x.node.op === "param" || x.node.op === "buffer" || em.constants.owns(x.node);
    if (!state) return new TensorValue(x.node);
    const copy = em.tensor("reshape", [x], { shape: [...x.node.shape] }, "clone", site);
    return isBooleanMask(x.node) ? markBoolean(copy) : copy;
  },
  // mask.nonzero(as_tuple=True) is torch.where(mask): coordinates taken whole as an index, which is
  // x[mask] (x[mask.nonzero(as_tuple=True)] = 0, where-coordinates.ts); the [count, dims] matrix
  // of nonzero() has a row count only the data knows
  nonzero: (x, args, site, em) => {
    const { asTuple } = bindArgs("nonzero", [opt("asTuple", "bool", false)], args, site);
    if (!asTuple) return fail("unsupportedSyntax", `nonzero: ${REFUSED_TENSOR_METHODS.nonzero}; used whole as an index, x[mask.nonzero(as_tuple=True)] is x[mask]: write x.nonzero({ asTuple: true }) there`, site.loc);
    return whereCoordinates(x, site, em, "nonzero(as_tuple=True)");
  },
  // x.new_tensor(data): torch.tensor(data) with x's dtype
  newTensor: newFactory("tensor"),
  outer: (x, args, site, em) => outer(x, bindArgs("outer", [arg("vec2", "tensor")], args, site).vec2, "outer", site, em),
  // torch.ger: outer's old name (Rainbow's noisy layers: epsilon_out.ger(epsilon_in))
  ger: (x, args, site, em) => outer(x, bindArgs("ger", [arg("vec2", "tensor")], args, site).vec2, "ger", site, em),
  clampMin: (x, args, site, em) => {
    const { min } = bindArgs("clampMin", [arg("min", "boundOrTensor", { batchSize: true })], args, site);
    return pointwiseComposites.clamp({ x, min, max: null }, site, em, "clampMin");
  },
  clampMax: (x, args, site, em) => {
    const { max } = bindArgs("clampMax", [arg("max", "boundOrTensor", { batchSize: true })], args, site);
    return pointwiseComposites.clamp({ x, min: null, max }, site, em, "clampMax");
  },
  // x.to("float32"), x.to(other) (its dtype), x.to({ dtype }), x.to(x.device) (every tensor is on the model's GPU),
  // PyTorch's keywords x.to(device=q.device) (nGPT) and the pair x.to(device, dtype)
  to: (x, args, site, em) => {
    const b = bindArgs("to", [opt("target", "any", null, { nullable: true }), opt("dtype", "any", null, { nullable: true }), opt("device", "any", null, { nullable: true }), opt("nonBlocking", "bool", false)], args, site);
    const onDevice = (d: unknown) => d === "cpu" || d === DEVICE || d === "cuda" || (typeof d === "string" && d.startsWith("cuda:"));
    if ((b.target === "cpu" || b.device === "cpu") && !isPackedLengthsArgument(site.node))
      fail("invalidArgument", `to: a model's tensors stay on its GPU; move results to the host by returning them from forward`, locOfArg(b, b.device === "cpu" ? "device" : "target", site));
    if (b.device !== null && !onDevice(b.device)) fail("wrongArgumentType", `to: device must be x.device or "cuda", got ${describe(b.device)}`, locOfArg(b, "device", site));
    // a device first and a dtype after it: the dtype is the conversion
    const target = b.target !== null && !onDevice(b.target) ? b.target : b.dtype ?? b.target;
    if (target === null) return x;
    if (target instanceof TensorValue) return convert(x, torchDtypeOf(target), "to", site, em);
    if (onDevice(target)) return x;
    if (typeof target !== "string") fail("wrongArgumentType", `to expects a dtype ("float32", "int32"), a tensor or x.device, got ${describe(target)}`, site.loc);
    return convert(x, target, "to", site, em);
  },
  // the sparse layout's conversions (LightGCN's Graph.coalesce(), pygcn's adj.to_dense()): tsdp's tensors are dense, so each is the tensor itself (sparse.ts)
  toDense: (x, args, site) => (bindArgs("toDense", [], args, site), x),
  coalesce: (x, args, site) => (bindArgs("coalesce", [], args, site), x),
  // x.is_complex(), torch.is_complex(x) (FEDformer's compl_mul1d): a tensor is real; a complex one answers in complex.ts
  isComplex: (_x, args, site) => (bindArgs("isComplex", [], args, site), false),
  // x.is_floating_point() (a cast guarded on it): known from the dtype, float32 yes; int32 and a bool mask (float 0/1 here) no
  isFloatingPoint: (x, args, site) => (bindArgs("isFloatingPoint", [], args, site), x.node.dtype === "f32" && !isBooleanMask(x.node)),
  // x.cuda(): every tensor is on the model's GPU already
  cuda: (x, args, site) => (bindArgs("cuda", [opt("device", "any", null, { nullable: true }), opt("nonBlocking", "bool", false)], args, site), x),
  // x.cpu(): a constant the constructor computed (RetNet's gammas: (1 − exp(…)).detach().cpu().tolist())
  // is compile-time data, on no device; a tensor of forward stays on the GPU, as x.to("cpu") says
  cpu: (x, args, site, em) => {
    bindArgs("cpu", [], args, site);
    if (em.constants.owns(x.node)) return x;
    // pack_padded_sequence(emb, lengths.cpu(), …): PyTorch's required move of the lengths, nothing here (packed-sequence.ts)
    if (isPackedLengthsArgument(site.node)) return x;
    // TimesNet's top_list.detach().cpu().numpy(): the values are wanted as host numbers in forward, which they cannot be
    return fail("invalidArgument", `cpu: a model's tensors stay on its GPU; move results to the host by returning them from forward (drop .cpu()). A value forward computes does not become host numbers during forward (TimesNet's top_list.detach().cpu().numpy() periods): it exists only when the model runs, so no size, count or branch can depend on it; keep it a tensor, and take sizes from constants or x.size()`, site.loc);
  },
  // x.type(dtype): a conversion; x.type(): PyTorch's type name of a CUDA tensor
  type: (x, args, site, em) => {
    const { dtype } = bindArgs("type", [opt("dtype", "string", null, { nullable: true })], args, site);
    if (dtype === null) return isBooleanMask(x.node) ? "torch.cuda.BoolTensor" : x.node.dtype === "f32" ? "torch.cuda.FloatTensor" : "torch.cuda.IntTensor";
    return convert(x, dtype === "int64" ? "int32" : dtype, "type", site, em);
  },
  typeAs: (x, args, site, em) => {
    const { other } = bindArgs("typeAs", [arg("other", "tensor")], args, site);
    return convert(x, torchDtypeOf(other as TensorValue), "typeAs", site, em);
  },
  viewAs: (x, args, site, em) => {
    const { other } = bindArgs("viewAs", [arg("other", "tensor")], args, site);
    return em.tensor("reshape", [x], { shape: (other as TensorValue).node.shape as any }, "viewAs", site);
  },
  // LeViT's bn(x.flatten(0, 1)).reshape_as(x)
  reshapeAs: (x, args, site, em) => {
    const { other } = bindArgs("reshapeAs", [arg("other", "tensor")], args, site);
    return em.tensor("reshape", [x], { shape: (other as TensorValue).node.shape as any }, "reshapeAs", site);
  },
  unflatten: (x, args, site, em) => {
    const b = bindArgs("unflatten", [arg("dim", "int"), arg("sizes", "ints")], args, site);
    return unflatten(x, b.dim, b.sizes, site, em, "unflatten");
  },
  // x.bernoulli(): 1 with probability x per element (p, a number, for every element instead), as torch's
  bernoulli: (x, args, site, em) => {
    const b = bindArgs("bernoulli", [opt("p", "prob", null, { nullable: true })], args, site);
    if (b.p === null && x.node.dtype !== "f32") fail("wrongArgumentType", "bernoulli: x must be float32 probabilities", site.loc);
    const u = em.tensor("sample", [], { shape: [...x.node.shape], distribution: "uniform" }, "bernoulli", site);
    return em.tensor("lt", [u, b.p === null ? x : em.node("full", [], { shape: [], value: b.p }, "bernoulli", site)], {}, "bernoulli", site);
  },
  // x.where(condition, y) is torch.where(condition, x, y)
  where: (x, args, site, em) => {
    const b = bindArgs("where", [arg("condition", "tensor"), arg("other", "any")], args, site);
    const other = b.other instanceof TensorValue ? b.other.node : typeof b.other === "number" ? em.node("full", [], { shape: [], value: b.other }, "where", site) : undefined;
    if (!other) fail("wrongArgumentType", `where: other must be a tensor or a number, got ${describe(b.other)}`, locOfArg(b, "other", site));
    return em.tensor("where", [b.condition, x, other], {}, "where", site);
  },
  mm: (x, args, site, em) => rankedMatmul("mm", 2, x, bindArgs("mm", [arg("other", "tensor")], args, site).other, site, em),
  bmm: (x, args, site, em) => rankedMatmul("bmm", 3, x, bindArgs("bmm", [arg("other", "tensor")], args, site).other, site, em),
  norm: (x, args, site, em) => {
    const b = bindArgs("norm", [opt("p", "any", "fro"), opt("dim", "ints", null, { nullable: true }), opt("keepdim", "bool", false), normDtype], args, site);
    return vectorNorm(b.dtype === null ? x : convert(x, b.dtype, "norm", site, em), b.p, b.dim, b.keepdim, site, em, "norm", locOfArg(b, "p", site));
  },
  logicalXor: (x, args, site, em) => logicalXor(x, bindArgs("logicalXor", [arg("other", "any")], args, site).other, "logicalXor", site, em),
  ...Object.fromEntries((["bitwiseAnd", "bitwiseOr", "bitwiseXor", "bitwiseLeftShift", "bitwiseRightShift"] as const).map((name): [string, Method] => [name, (x, args, site, em) => bitwise(name, [x, bindArgs(name, [arg("other", "any")], args, site).other], site, em)])),
  bitwiseNot: (x, args, site, em) => (bindArgs("bitwiseNot", [], args, site), bitwise("bitwiseNot", [x], site, em)),
};

/** x.T (all dims reversed, as PyTorch's), x.mT (the last two swapped), x.dtype, x.device. */
export function spellingProperty(x: TensorValue, name: string, site: CallSite, em: GraphEmitter): Value | undefined {
  const rank = x.node.shape.length;
  if (name === "T") return em.tensor("permute", [x], { perm: x.node.shape.map((_, i) => rank - 1 - i) }, "T", site);
  if (name === "mT") {
    if (rank < 2) fail("shapeMismatch", `mT needs a tensor of at least 2 dims, got ${formatShape(x.node.shape)}`, site.loc);
    return ops(em, "mT", site).transposeLast(x);
  }
  if (name === "dtype") return torchDtypeOf(x);
  // PyTorch's x.ndim, the number of dims (x.dim())
  // PyTorch's x.is_sparse (a property): tsdp's tensors are dense (sparse.ts)
  if (name === "isSparse" || name === "is_sparse") return false;
  if (name === "ndim") return rank;  if (name === "device") return DEVICE;
  // PyTorch's x.data: the same values outside autograd (a parameter read without its gradient)
  if (name === "data") return em.constants.owns(x.node) ? x : em.tensor("detach", [x], {}, "data", site);
  return undefined;
}

/** torch.mm, torch.bmm, torch.matmul, torch.norm and torch.logical_xor as F's functions. */
export function spellingFunctions(em: GraphEmitter): [string, (args: Value[], site: CallSite) => Value][] {
  return [
    ["matmul", (args, site) => {
      const b = bindArgs("F.matmul", [arg("input", "tensor"), arg("other", "tensor")], args, site);
      return em.tensor("matmul", [b.input, b.other], {}, "F.matmul", site);
    }],
    ["mm", (args, site) => {
      const b = bindArgs("F.mm", [arg("input", "tensor"), arg("other", "tensor")], args, site);
      return rankedMatmul("mm", 2, b.input, b.other, site, em);
    }],
    ["bmm", (args, site) => {
      const b = bindArgs("F.bmm", [arg("input", "tensor"), arg("other", "tensor")], args, site);
      return rankedMatmul("bmm", 3, b.input, b.other, site, em);
    }],
    ["norm", (args, site) => {
      const b = bindArgs("F.norm", [arg("x", "tensor"), opt("p", "any", "fro"), opt("dim", "ints", null, { nullable: true }), opt("keepdim", "bool", false), normDtype], args, site);
      return vectorNorm(b.dtype === null ? b.x : convert(b.x, b.dtype, "F.norm", site, em), b.p, b.dim, b.keepdim, site, em, "F.norm", locOfArg(b, "p", site));
    }],
    ...(["outer", "ger"] as const).map((name): [string, (args: Value[], site: CallSite) => Value] => [name, (args, site) => {
      const b = bindArgs(`F.${name}`, [arg("input", "tensor"), arg("vec2", "tensor")], args, site);
      return outer(b.input, b.vec2, `F.${name}`, site, em);
    }]),
    ["logicalXor", (args, site) => {
      const b = bindArgs("F.logicalXor", [arg("input", "tensor"), arg("other", "any")], args, site);
      return logicalXor(b.input, b.other, "F.logicalXor", site, em);
    }],
    ...(["bitwiseAnd", "bitwiseOr", "bitwiseXor", "bitwiseLeftShift", "bitwiseRightShift"] as const).map((name): [string, (args: Value[], site: CallSite) => Value] => [name, (args, site) => {
      const b = bindArgs(`F.${name}`, [arg("input", "any"), arg("other", "any")], args, site);
      return bitwise(name, [b.input, b.other], site, em);
    }]),
    ["bitwiseNot", (args, site) => bitwise("bitwiseNot", [bindArgs("F.bitwiseNot", [arg("input", "tensor")], args, site).input], site, em)],
  ];
}
