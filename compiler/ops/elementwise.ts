import { formatShape, type Dim, type Shape, dimEq } from "../ir/shape.ts";
import { erf, map, zipBroadcast } from "../reference/ndarray.ts";
import { defineOp, requireFloat, ShapeError, type OpDef } from "./op.ts";

// Pointwise ops. Each unary op is its scalar function in float64, as PyTorch defines it;
// binary ops broadcast like PyTorch (align trailing dims; a 1 stretches).

/** `f` is the float64 reference; `cuda` the same function as a float C expression of `x`. */
function unary<A extends Record<string, number | string>>(
  name: string,
  f: (x: number, a: A) => number,
  cuda: (x: string, a: A) => string,
): OpDef<A> {
  return defineOp<A>({
    name,
    family: "elementwise",
    inputs: ["x"],
    infer: ([x], _, who) => {
      requireFloat(x, who);
      return x;
    },
    reference: ([x], a) => map(x, (v) => f(v, a)),
    lowering: { kind: "pointwise", expr: ([x], a) => cuda(x, a) },
  });
}

/** A float literal for generated C: 0.1 → 0.1f, 2 → 2.0f. */
export function cFloat(v: number): string {
  if (Number.isNaN(v)) return "__int_as_float(0x7fc00000)";
  if (!Number.isFinite(v)) return v > 0 ? "__int_as_float(0x7f800000)" : "__int_as_float(0xff800000)";
  const s = String(Math.fround(v) === v ? v : Math.fround(v));
  return /[.eE]/.test(s) ? `${s}f` : `${s}.0f`;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const sigmoidOf = (x: number) => 1 / (1 + Math.exp(-x));

export const relu = unary("relu", (x) => (x > 0 ? x : 0), (x) => `fmaxf(${x}, 0.0f)`);
export const leakyRelu = unary<{ slope: number }>("leaky_relu", (x, a) => (x > 0 ? x : a.slope * x), (x, a) => `(${x} > 0.0f ? ${x} : ${cFloat(a.slope)} * ${x})`);
export const tanh = unary("tanh", Math.tanh, (x) => `tanhf(${x})`);
export const sigmoid = unary("sigmoid", sigmoidOf, (x) => `(1.0f / (1.0f + expf(-${x})))`);
export const silu = unary("silu", (x) => x * sigmoidOf(x), (x) => `(${x} / (1.0f + expf(-${x})))`);
/** approximate "none" is x·Φ(x) with the exact erf; "tanh" is PyTorch's tanh approximation. */
export const gelu = unary<{ approximate: "none" | "tanh" }>(
  "gelu",
  (x, a) =>
    a.approximate === "tanh"
      ? 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)))
      : 0.5 * x * (1 + erf(x / Math.SQRT2)),
  (x, a) =>
    a.approximate === "tanh"
      ? `(0.5f * ${x} * (1.0f + tanhf(0.7978845608028654f * (${x} + 0.044715f * ${x} * ${x} * ${x}))))`
      : `(0.5f * ${x} * (1.0f + erff(${x} * 0.7071067811865476f)))`,
);
export const neg = unary("neg", (x) => -x, (x) => `(-${x})`);
export const exp = unary("exp", Math.exp, (x) => `expf(${x})`);
export const log = unary("log", Math.log, (x) => `logf(${x})`);
export const sqrt = unary("sqrt", Math.sqrt, (x) => `sqrtf(${x})`);
export const abs = unary("abs", Math.abs, (x) => `fabsf(${x})`);
export const pow = unary<{ exponent: number }>("pow", (x, a) => Math.pow(x, a.exponent), (x, a) =>
  a.exponent === 2 ? `(${x} * ${x})` : a.exponent === 1 ? x : a.exponent === 0.5 ? `sqrtf(${x})` : `powf(${x}, ${cFloat(a.exponent)})`,
);

/** Broadcasts symbolic shapes; undefined when they do not broadcast. */
export function broadcastShapes(a: Shape, b: Shape): Dim[] | undefined {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x === 1) out.push(y);
    else if (y === 1 || dimEq(x, y)) out.push(x);
    else return undefined;
  }
  return out;
}

function binary(name: string, symbol: string, f: (x: number, y: number) => number): OpDef<{}> {
  const lowering = { kind: "pointwise", expr: ([a, b]: readonly string[]) => `(${a} ${symbol} ${b})` } as const;
  return defineOp<{}>({
    name,
    family: "elementwise",
    inputs: ["a", "b"],
    infer: ([a, b], _, who) => {
      requireFloat(a, who, "left operand");
      requireFloat(b, who, "right operand");
      const shape = broadcastShapes(a.shape, b.shape);
      if (!shape)
        throw new ShapeError(
          `${who}: shapes ${formatShape(a.shape)} ${symbol} ${formatShape(b.shape)} do not broadcast ` +
            `(each trailing dim must be equal or 1)`,
        );
      return { shape, dtype: "f32" };
    },
    reference: ([a, b]) => zipBroadcast(a, b, f),
    lowering,
  });
}

export const add = binary("add", "+", (x, y) => x + y);
export const sub = binary("sub", "-", (x, y) => x - y);
export const mul = binary("mul", "*", (x, y) => x * y);
export const div = binary("div", "/", (x, y) => x / y);
