import { formatShape, type Dim, type Shape, dimEq } from "../ir/shape.ts";
import { erf, map, zipBroadcast } from "../reference/ndarray.ts";
import { defineOp, requireFloat, ShapeError, type OpDef } from "./op.ts";

// Pointwise ops. Each unary op is its scalar function in float64, as PyTorch defines it;
// binary ops broadcast like PyTorch (align trailing dims; a 1 stretches).

function unary<A extends Record<string, number | string>>(
  name: string,
  f: (x: number, a: A) => number,
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
  });
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const sigmoidOf = (x: number) => 1 / (1 + Math.exp(-x));

export const relu = unary("relu", (x) => (x > 0 ? x : 0));
export const leakyRelu = unary<{ slope: number }>("leaky_relu", (x, a) => (x > 0 ? x : a.slope * x));
export const tanh = unary("tanh", Math.tanh);
export const sigmoid = unary("sigmoid", sigmoidOf);
export const silu = unary("silu", (x) => x * sigmoidOf(x));
/** approximate "none" is x·Φ(x) with the exact erf; "tanh" is PyTorch's tanh approximation. */
export const gelu = unary<{ approximate: "none" | "tanh" }>("gelu", (x, a) =>
  a.approximate === "tanh"
    ? 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)))
    : 0.5 * x * (1 + erf(x / Math.SQRT2)),
);
export const neg = unary("neg", (x) => -x);
export const exp = unary("exp", Math.exp);
export const log = unary("log", Math.log);
export const sqrt = unary("sqrt", Math.sqrt);
export const abs = unary("abs", Math.abs);
export const pow = unary<{ exponent: number }>("pow", (x, a) => Math.pow(x, a.exponent));

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
  });
}

export const add = binary("add", "+", (x, y) => x + y);
export const sub = binary("sub", "-", (x, y) => x - y);
export const mul = binary("mul", "*", (x, y) => x * y);
export const div = binary("div", "/", (x, y) => x / y);
