import { fail } from "../diagnostics/diagnostic.ts";
import { formatShape, normalizeDim } from "../ir/shape.ts";
import { arg, bindArgs, locOfArg, type Bound } from "./args.ts";
import { ops } from "./composite-ops.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { BuiltinFunction, TensorValue, type CallSite, type Value } from "./values.ts";

// torch.fake_quantize_per_tensor_affine and torch.fake_quantize_per_channel_affine, which
// quantization-aware training calls (torch.ao.quantization.FakeQuantize's forward), as a
// composition of pointwise ops:
//   r   = round(x · (1/scale)) + zero_point              (round half to even: std::nearbyint)
//   out = (clamp(r, quant_min, quant_max) − zero_point) · scale
// and the gradient PyTorch's kernel gives: the output's gradient where quant_min ≤ r ≤ quant_max,
// 0 where the value was clamped; none to scale or zero_point (these two functions do not learn
// them). So out = where(inside, x + (q − x).detach(), q.detach()): q in both branches, the
// gradient 1 only through the first.

type C = ReturnType<typeof ops>;
// an int32 zero point (PyTorch's is an integer tensor) computes in float32 with x
const float = (c: C, t: TensorValue): Operand => (t.node.dtype === "i32" ? c.op("to_float", [t]) : t);
type Operand = TensorValue | number;

const qparamArgs = [arg("quantMin", "int"), arg("quantMax", "int")];

function checkRange(b: Bound, who: string, site: CallSite): void {
  if (b.quantMin > b.quantMax) fail("invalidArgument", `${who}: quant_min (${b.quantMin}) must not exceed quant_max (${b.quantMax}), as PyTorch checks`, locOfArg(b, "quantMin", site));
}

/** The fake-quantized x for a scale and zero point that broadcast against it. */
function fakeQuantize(c: C, x: TensorValue, scale: () => Operand, zeroPoint: () => Operand, qmin: number, qmax: number): TensorValue {
  // PyTorch multiplies by the float inverse of the scale rather than dividing
  const inverse = (): Operand => {
    const s = scale();
    return typeof s === "number" ? 1 / Math.fround(s) : c.op("reciprocal", [s]);
  };
  const rounded = () => c.op("add", [c.op("round", [c.op("mul", [c.op("detach", [x]), inverse()])]), zeroPoint()]);
  const clamped = () => c.op("where", [c.op("lt", [rounded(), qmin]), qmin, c.op("where", [c.op("gt", [rounded(), qmax]), qmax, rounded()])]);
  const q = () => c.op("mul", [c.op("sub", [clamped(), zeroPoint()]), scale()]);
  const inside = c.op("mul", [c.op("ge", [rounded(), qmin]), c.op("le", [rounded(), qmax])]);
  return c.op("where", [inside, c.op("add", [x, c.op("detach", [c.op("sub", [q(), x])])]), c.op("detach", [q()])]);
}

/** A per-tensor scale or zero point: a number, or a tensor of one element (the tensor_qparams overload). */
function perTensorParam(c: C, v: Value, name: string, who: string, site: CallSite): () => Operand {
  if (typeof v === "number") return () => v;
  const t = v as TensorValue;
  const n = t.node.shape.reduce<number>((p, d) => p * (typeof d === "number" ? d : Infinity), 1);
  if (n !== 1) fail("shapeMismatch", `${who}: ${name} must hold one value (a number or a one-element tensor), got ${formatShape(t.node.shape)}; per-channel parameters go to F.fakeQuantizePerChannelAffine`, site.loc);
  return () => c.op("detach", [c.reshape(float(c, t), [])]);
}

export function fakeQuantizeFunctions(em: GraphEmitter): [string, BuiltinFunction][] {
  const f = (name: string, body: (args: Value[], site: CallSite, who: string, c: C) => Value): [string, BuiltinFunction] => [
    name,
    new BuiltinFunction(`F.${name}`, (args, site) => body(args, site, `F.${name}`, ops(em, `F.${name}`, site))),
  ];
  return [
    f("fakeQuantizePerTensorAffine", (args, site, who, c) => {
      const b = bindArgs(who, [arg("input", "tensor"), arg("scale", "numberOrTensor"), arg("zeroPoint", "numberOrTensor"), ...qparamArgs], args, site);
      checkRange(b, who, site);
      if (typeof b.zeroPoint === "number" && (!Number.isInteger(b.zeroPoint) || b.zeroPoint < b.quantMin || b.zeroPoint > b.quantMax))
        fail("invalidArgument", `${who}: zero_point must be an integer between quant_min and quant_max, got ${b.zeroPoint}`, locOfArg(b, "zeroPoint", site));
      if (typeof b.scale === "number" && !(b.scale > 0)) fail("invalidArgument", `${who}: scale must be positive, got ${b.scale}`, locOfArg(b, "scale", site));
      return fakeQuantize(c, b.input, perTensorParam(c, b.scale, "scale", who, site), perTensorParam(c, b.zeroPoint, "zero_point", who, site), b.quantMin, b.quantMax);
    }),
    f("fakeQuantizePerChannelAffine", (args, site, who, c) => {
      const b = bindArgs(who, [arg("input", "tensor"), arg("scale", "tensor"), arg("zeroPoint", "tensor"), arg("axis", "int"), ...qparamArgs], args, site);
      checkRange(b, who, site);
      const x = b.input as TensorValue;
      const rank = x.node.shape.length;
      const axis = normalizeDim(b.axis, rank);
      if (axis === undefined) return fail("invalidArgument", `${who}: axis ${b.axis} is out of range for an input of ${rank} dims`, locOfArg(b, "axis", site));
      const channels = x.node.shape[axis];
      if (typeof channels !== "number") fail("shapeMismatch", `${who}: axis ${b.axis} of ${formatShape(x.node.shape)} is the batch, which is split across devices; quantize per channel along a fixed-size dim`, locOfArg(b, "axis", site));
      const along = (t: TensorValue, name: string) => {
        const s = t.node.shape;
        if (s.length !== 1 || s[0] !== channels) fail("shapeMismatch", `${who}: ${name} must be 1-D with one value per channel (${channels} along axis ${b.axis}), got ${formatShape(s)}`, site.loc);
        return () => c.op("detach", [c.reshape(float(c, t), x.node.shape.map((_, i) => (i === axis ? channels : 1)))]);
      };
      return fakeQuantize(c, x, along(b.scale, "scale"), along(b.zeroPoint, "zero_point"), b.quantMin, b.quantMax);
    }),
  ];
}
