import type { Attrs, Node } from "../ir/node.ts";
import { opDef } from "../ops/index.ts";
import { isBooleanMask } from "./boolean-masks.ts";

// Arithmetic on int32 tensors, as PyTorch's integer tensors do it (RoBERTa's position ids
// `mask.cumsum(1).mul(mask).add(padIdx)`, an index clamped `idx.clamp(0, n − 1)`, label offsets
// `y.add(1)`, T5's relative position buckets): tsdp's pointwise, reduction and movement ops
// compute in float32, so an op given int32 operands computes on them converted to float32 and,
// where PyTorch's result is an integer (int32 operands and integer numbers into an op that keeps
// integers: add, sub, mul, clamp, sum, …), converts back. Exact while every value, operand and
// result, stays within ±2²⁴ (float32's integers): indices, positions, counts and labels do.
// Other ops (sqrt, exp, true division, mean) give float32, as PyTorch promotes integers for them.
// Contractions, convolutions, pools and resampling refuse int32 operands, as PyTorch's CUDA does
// ("addmm_cuda" not implemented for 'Long'; int beside float: "expected m1 and m2 to have the same
// dtype"): tsdp compiles for CUDA, where a port's integer matmul would not run (a float literal,
// `F.arange(0, d, 2.0)`, is a float32 tensor: float-literals.ts). Norms and losses refuse them too.

/** Ops whose result is an integer tensor when every operand is (PyTorch's type promotion). */
const KEEPS_INTEGERS = new Set([
  "add", "sub", "mul", "neg", "abs", "sign", "relu", "clamp", "maximum", "minimum", "where", "remainder", "fmod", "floor", "ceil", "round", "trunc", "pow_tensor", "bitwise",
  "sum", "amax", "amin", "cumsum", "cumprod", "cum_extreme", "mode_select", "take",
  // movements that add zeros (tril, F.pad) or join (cat of an int and a bool tensor): integers stay integers
  "triangle", "pad_dim", "concat",
]);
/** KEEPS_INTEGERS, and x.pow(n) of a whole n ≥ 0 (PyTorch's int ** int; a fractional power is float). */
const keepsIntegers = (op: string, attrs: Attrs): boolean =>
  KEEPS_INTEGERS.has(op) ||
  (op === "pow" && typeof attrs.exponent === "number" && Number.isInteger(attrs.exponent) && attrs.exponent >= 0) ||
  // an int tensor's masked_fill with a whole number (idx.masked_fill_(idx < 0, 0)) stays int
  (op === "masked_fill" && Number.isInteger(attrs.value));
const FAMILIES = new Set(["elementwise", "reduce", "movement"]);
/** Families whose PyTorch CUDA kernels take floating operands only: matrix products, convolutions, pools, resampling. */
const FLOAT_FAMILIES = new Set(["contraction", "conv"]);
/**
 * The operands that are values (whose dtypes decide the result's): take's others are int32
 * indices (flip and roll are takes), which stay int32; where's condition and masked_fill's mask are masks.
 */
const valueOperands = (op: string, inputs: readonly Node[]): readonly Node[] => (op === "take" || op === "masked_fill" ? inputs.slice(0, 1) : op === "where" ? inputs.slice(1) : inputs);

/**
 * A whole number as an operand (a const or a fill): an integer one keeps an integer result (past ±2²⁴
 * the emitter refuses it). TypeScript cannot tell PyTorch's `1e9` from `1000000000`, so past ±2²⁴ the
 * number decides: one float32 holds exactly (a port's `-1e9`, `1e10`, 2³⁰) or one past int64's range
 * (finfo's min, -1e30; no PyTorch integer) is taken as a float literal, whose result PyTorch promotes
 * to float — and computes as float32 does, so the values agree either way; one float32 cannot hold (a
 * spatial hash's prime) can only be an integer, which the emitter refuses rather than round. One
 * written as a float literal (`mask.mul(1.0)`, attrs.float: float-literals.ts) is PyTorch's float.
 * The batch size (x.size(0), op batch_size) is PyTorch's Python int.
 */
const wholeNumber = (n: Node) => n.op === "batch_size" || (isNumber(n) && n.attrs.float !== true && Number.isInteger(n.attrs.value) && !floatLiteralPastExactIntegers(n.attrs.value as number));
const floatLiteralPastExactIntegers = (v: number) => Math.abs(v) > 2 ** 24 && (Math.abs(v) >= 2 ** 63 || Math.fround(v) === v);
/** A number written as an operand: a const, or a 0-dim fill (F.where's); F.zeros(5) is a float32 tensor, as PyTorch's. */
const isNumber = (n: Node) => n.op === "const" || (n.op === "full" && n.shape.length === 0);
/** An int32 tensor, a bool one (0/1 float32 here: PyTorch's integers 0 and 1 beside integers) or a whole number. */
const integerValued = (n: Node) => n.dtype === "i32" || isBooleanMask(n) || wholeNumber(n);
/**
 * integerValued, with whole numbers only within ±2²⁴: TypeScript cannot tell PyTorch's `2` from `2.0`,
 * so a whole number is taken as an integer, except one past float32's exact integers, which a port
 * writes as a float (`mask * -1e9`, `-1e30`): that one keeps a bool operand's result float.
 */
const countsWithBooleans = (n: Node) => n.dtype === "i32" || isBooleanMask(n) || n.op === "batch_size" || (wholeNumber(n) && Math.abs(n.attrs.value as number) <= 2 ** 24);

/** Ops where bool operands count as PyTorch's integers 0 and 1: True + 1 is 2, a sum of bools counts them (int64 in PyTorch). */
const COUNTS_BOOLEANS = new Set(["add", "mul", "sum", "cumsum", "cumprod", "where", "remainder", "fmod"]);
/** Reductions and scans, whose result of bool operands is an integer (bool ∘ bool elementwise stays bool: True + True is True). */
const ACCUMULATES = new Set(["sum", "cumsum", "cumprod"]);

/**
 * Whether `op` of these float32 operands, a bool one among them and the others integers (int32
 * tensors, whole numbers), is an integer in PyTorch: `mask.sum(1)` (a length), `mask.cumsum(1)`,
 * `mask * 2`, `where(c, mask, 0)`, all int64 there (torch.result_type: bool below integer).
 */
export function countsBooleans(op: string, inputs: readonly Node[]): boolean {
  if (!COUNTS_BOOLEANS.has(op)) return false;
  const values = valueOperands(op, inputs);
  if (!values.some((v) => v.dtype === "f32" && isBooleanMask(v))) return false;
  if (!ACCUMULATES.has(op) && values.every(isBooleanMask)) return false;
  return values.every(countsWithBooleans);
}

/**
 * `op` of `inputs`, some int32, which the op refused: the op of their float32 values, converted
 * back to int32 where PyTorch keeps integers; undefined when the op does not take this promotion.
 */
export function intArithmetic(op: string, inputs: readonly Node[], add: (op: string, inputs: readonly Node[], attrs?: Attrs) => Node, attrs: Attrs = {}): Node | undefined {
  if (!inputs.some((i) => i.dtype === "i32")) return undefined;
  // an int32 condition or mask (an older port's uint8 one, an index tensor's 0/1) selects where it
  // is nonzero, as a bool one: converted to float32, which keeps every nonzero value nonzero
  const maskAt = op === "where" ? 0 : op === "masked_fill" ? 1 : -1;
  if (maskAt >= 0 && inputs[maskAt].dtype === "i32") {
    const masked = inputs.map((i, k) => (k === maskAt ? add("to_float", [i], {}) : i));
    return masked.some((i) => i.dtype === "i32") ? intArithmetic(op, masked, add, attrs) : add(op, masked);
  }
  if (!FAMILIES.has(opDef(op).family) && !KEEPS_INTEGERS.has(op)) return undefined;
  const values = valueOperands(op, inputs);
  if (!values.some((i) => i.dtype === "i32")) return undefined;
  const floats = inputs.map((i, k) => (i.dtype === "i32" && (op !== "take" || k === 0) ? add("to_float", [i], {}) : i));
  const result = add(op, floats);
  if (!keepsIntegers(op, attrs) || !values.every(integerValued) || result.dtype !== "f32") return result;
  return add("to_int", [result], {});
}

/** How PyTorch names the dtype of a tsdp tensor that is not float: int32 holds its int64 (Long), a 0/1 mask its Bool. */
export function pytorchNonFloatDtype(n: Node): "Long" | "Bool" | undefined {
  return n.dtype === "i32" ? "Long" : isBooleanMask(n) ? "Bool" : undefined;
}

/** Why a port's tensor may be an integer one: a count made by accident (mask * 1 is int64 in PyTorch too). */
const COUNT_HINT = "; a number written without a decimal point is an integer, as Python's, so mask.mul(1) is an int32 count and mask.mul(1.0) a float";

const describeNonFloat = (dtype: "Long" | "Bool") => (dtype === "Long" ? "an int32 tensor (PyTorch's integer tensor)" : "a bool tensor (a comparison's or a logical op's result)");

/**
 * The reason PyTorch raises for `who` of an integer or bool tensor (`ids.mean()`, `mask.std()`,
 * `ids.norm()`: they have no integer result and PyTorch does not promote for them), quoting
 * `pytorchSays` for that dtype; undefined for a float tensor. tsdp could compute them in float32,
 * but a model that only compiles here would not run in PyTorch, whose port it is meant to be.
 */
export function floatOnlyRefusal(n: Node, who: string, pytorchSays: (dtype: "Long" | "Bool") => string, fix = `x.float().${who.replace(/^F\./, "")}(…)`): string | undefined {
  const dtype = pytorchNonFloatDtype(n);
  if (dtype === undefined) return undefined;
  const what = describeNonFloat(dtype);
  // (a kernel's error starts with its quoted name: "lerp_cuda" not implemented for 'Long')
  const says = pytorchSays(dtype);
  return `${who} of ${what}: PyTorch refuses it (${says.startsWith('"') ? says : `"${says}"`}); convert it first, ${fix}`;
}

/**
 * PyTorch's functions whose CUDA kernels are dispatched on floating types only (AT_DISPATCH_FLOATING_TYPES…
 * in ActivationGeluKernel.cu, Lerp.cu, SoftMax.cu, …), with the name its error quotes (null where it is
 * not quoted here), keyed by tsdp's names: IR ops, and the frontend's compositions of other ops (lerp,
 * softplus, the exponential units), whose parts alone would take integers. Unlike sin or sigmoid
 * (unary float ops, which promote an integer input to float32) nothing promotes before these kernels,
 * so an integer or bool input raises '"gelu_cuda…" not implemented for 'Long'' in PyTorch.
 */
const FLOAT_KERNELS: Readonly<Record<string, string | null>> = {
  gelu: "GeluCUDAKernelImpl", silu: "silu_cuda", hardswish: "hardswish_cuda", hardsigmoid: "hardsigmoid_cuda",
  leaky_relu: "leaky_relu_cuda", leakyRelu: "leaky_relu_cuda", mish: "mish_cuda", softplus: "softplus_cuda",
  // selu and celu are ATen's elu with their constants
  elu: "elu_cuda", selu: "elu_cuda", celu: "elu_cuda", logsigmoid: "log_sigmoid_forward_cuda",
  hardshrink: null, softshrink: null, lerp: "lerp_cuda",
  softmax: "host_softmax", log_softmax: "host_softmax", logSoftmax: "host_softmax", softmin: "host_softmax",
  layer_norm: "LayerNormKernelImpl", batch_norm: null,
};

/**
 * The refusal of `name` (a FLOAT_KERNELS key) of `input` when it is an int32 or bool tensor, with PyTorch's
 * error and the fix; undefined for a float32 input or a function that takes integers.
 */
export function floatKernelRefusal(name: string, input: Node, who: string): string | undefined {
  if (!Object.hasOwn(FLOAT_KERNELS, name)) return undefined;
  const kernel = FLOAT_KERNELS[name];
  const dtype = pytorchNonFloatDtype(input);
  if (dtype === undefined) return undefined;
  const says = kernel ? `"${kernel}" not implemented for '${dtype}'` : "its kernel is for floating dtypes only";
  const count = dtype === "Long" ? COUNT_HINT : "";
  return `${who} of ${describeNonFloat(dtype)}: PyTorch refuses it (${says}; unlike sin or sigmoid, nothing promotes its input to float first); convert it first, with .float()${count}`;
}

/** PyTorch's relu and hardtanh (relu6) check for bool inputs before clamping, which takes integers. */
export function boolActivationRefusal(name: "relu" | "hardtanh", input: Node, who: string): string | undefined {
  if (pytorchNonFloatDtype(input) !== "Bool") return undefined;
  const says = name === "relu" ? "Boolean inputs not supported for relu" : "Bool inputs not supported for hardtanh";
  return floatOnlyRefusal(input, who, () => says, "with .float(), or .int() for its 0/1 as integers");
}

/**
 * The refusal of `op` (a contraction, convolution or pool) of an int32 operand: PyTorch's CUDA
 * GEMMs and convolutions dispatch on floating types ("addmm_cuda" not implemented for 'Long'), and
 * an integer operand beside a float one is a dtype mismatch on every device; undefined otherwise.
 */
export function floatFamilyRefusal(op: string, inputs: readonly Node[], who: string): string | undefined {
  const family = opDef(op).family;
  if (!FLOAT_FAMILIES.has(family) || !inputs.some((i) => i.dtype === "i32")) return undefined;
  const says = family === "contraction" ? `its matrix products are for floating dtypes only: "addmm_cuda" not implemented for 'Long'; beside a float tensor, "expected m1 and m2 to have the same dtype"` : "its convolutions and pools are for floating dtypes only; an integer input beside a float weight is a dtype mismatch on every device";
  return `${who} of an int32 tensor (PyTorch's integer tensor): PyTorch's CUDA refuses it (${says}); convert it first, with .float()${COUNT_HINT}`;
}
