import { arg, bindArgs, opt, type ArgSpec, type Bound } from "./args.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import type { TensorValue, CallSite, Value } from "./values.ts";

// PyTorch's pointwise math, written either way a port has it: x.rsqrt() and torch.rsqrt(x) (F.rsqrt
// here, as tsdp's F holds torch's functions too). One table, so the method and the function agree.
// Each entry is its IR op (ops/elementwise.ts, ops/elementwise-math.ts) or a composition of them.

interface MathFunction {
  /** The arguments after x. */
  readonly args: readonly ArgSpec[];
  readonly lower: (x: TensorValue, b: Bound, site: CallSite, em: GraphEmitter, who: string) => TensorValue;
}

/** A function of x alone: one IR op. */
const op = (name: string): MathFunction => ({ args: [], lower: (x, _b, site, em, who) => em.tensor(name, [x], {}, who, site) });

const mathFunctions: Record<string, MathFunction> = {
  exp: op("exp"),
  log: op("log"),
  sqrt: op("sqrt"),
  rsqrt: op("rsqrt"),
  abs: op("abs"),
  neg: op("neg"),
  sin: op("sin"),
  cos: op("cos"),
  tan: op("tan"),
  sinh: op("sinh"),
  cosh: op("cosh"),
  asin: op("asin"),
  acos: op("acos"),
  atan: op("atan"),
  asinh: op("asinh"),
  acosh: op("acosh"),
  atanh: op("atanh"),
  erf: op("erf"),
  exp2: op("exp2"),
  expm1: op("expm1"),
  log1p: op("log1p"),
  log2: op("log2"),
  log10: op("log10"),
  reciprocal: op("reciprocal"),
  floor: op("floor"),
  ceil: op("ceil"),
  trunc: op("trunc"),
  fix: op("trunc"), // torch.fix is torch.trunc
  sign: op("sign"),
  // x.pow(e), torch.pow(x, e): a number exponent
  pow: { args: [arg("exponent", "number")], lower: (x, b, site, em, who) => em.tensor("pow", [x], { exponent: b.exponent }, who, site) },
  // torch.square(x) is x.pow(2)
  square: { args: [], lower: (x, _b, site, em, who) => em.tensor("pow", [x], { exponent: 2 }, who, site) },
  // x − trunc(x): keeps x's sign; its gradient is 1 (trunc passes none)
  frac: { args: [], lower: (x, _b, site, em, who) => em.tensor("sub", [x, em.tensor("trunc", [x], {}, who, site)], {}, who, site) },
  // torch.round(x, decimals=d): half to even; with decimals, scaled as PyTorch's kernel scales by
  // 10^|d|: rint(x·10^d)/10^d for d > 0, rint(x/10^−d)·10^−d for d < 0
  round: {
    args: [opt("decimals", "int", 0)],
    lower: (x, b, site, em, who) => {
      if (b.decimals === 0) return em.tensor("round", [x], {}, who, site);
      const scale = () => em.constant(10 ** Math.abs(b.decimals), site);
      const [into, back] = b.decimals > 0 ? ["mul", "div"] : ["div", "mul"];
      return em.tensor(back, [em.tensor("round", [em.tensor(into, [x, scale()], {}, who, site)], {}, who, site), scale()], {}, who, site);
    },
  },
};

export const mathFunctionNames: readonly string[] = Object.keys(mathFunctions);

/** x.name(…) */
export function mathMethod(name: string) {
  const f = mathFunctions[name];
  return (x: TensorValue, args: Value[], site: CallSite, em: GraphEmitter): Value => f.lower(x, bindArgs(name, f.args, args, site), site, em, name);
}

/** F.name(x, …), torch.name's arguments */
export function mathFunction(name: string, em: GraphEmitter) {
  const f = mathFunctions[name];
  const who = `F.${name}`;
  const specs = [arg("x", "tensor"), ...f.args];
  return (args: Value[], site: CallSite): Value => {
    const b = bindArgs(who, specs, args, site);
    return f.lower(b.x, b, site, em, who);
  };
}
