import { fail } from "../diagnostics/diagnostic.ts";
import { formatShape } from "../ir/shape.ts";
import { arg, bindArgs, opt } from "./args.ts";
import { ops } from "./composite-ops.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { tensorProperty } from "./tensor-methods.ts";
import { BuiltinFunction, ComplexValue, describe, TensorValue, type CallSite, type Value } from "./values.ts";

// Complex tensors as LLaMA's rotary embedding uses them (Meta's reference model.py):
//   freqs_cis = torch.polar(torch.ones_like(freqs), freqs)            e^{iθ}
//   xq_ = torch.view_as_complex(xq.float().reshape(*xq.shape[:-1], -1, 2))
//   xq_out = torch.view_as_real(xq_ * freqs_cis).flatten(3)
// A complex tensor is its two float32 parts (values.ts ComplexValue); arithmetic is written out on
// them — (a + bi)(c + di) = (ac − bd) + (ad + bc)i — so the kernels, autodiff and the reference
// see real ops only, and a gradient reaches the parts as PyTorch's (Wirtinger) one reaches a real
// input through view_as_complex / view_as_real. Movement (view, reshape, indexing, unsqueeze, …)
// applies to both parts. A complex value cannot be forward's result or model state: view_as_real
// (or .real / .imag / .abs()) makes it real.

/** Methods that move or select elements: the same call on both parts. */
const MOVEMENT = new Set([
  "view", "reshape", "unsqueeze", "squeeze", "transpose", "permute", "flatten", "unflatten", "index", "narrow", "expand", "expandAs", "repeat",
  "contiguous", "clone", "detach", "flip", "roll", "select", "t", "movedim", "swapaxes", "swapdims", "chunk", "split", "unbind", "slice", "tile",
]);
/** Linear reductions and scans: the same call on both parts (S4D's kernel summed over its state dim). */
const LINEAR = new Set(["sum", "mean", "cumsum", "nansum"]);
/** Queries of the shape: the real part's. */
const SHAPE_QUERIES = new Set(["size", "dim", "numel", "ndimension"]);

type Operand = ComplexValue | TensorValue | number;

const isOperand = (v: Value): v is Operand => v instanceof ComplexValue || v instanceof TensorValue || typeof v === "number";
const partsOf = (v: Operand): [TensorValue | number, TensorValue | number] => (v instanceof ComplexValue ? [v.re, v.im] : [v, 0]);

/** a + b, a − b, a·b, a / b of complex or real operands, on the parts. */
export function complexArithmetic(op: "add" | "sub" | "mul" | "div", a: Operand, b: Operand, site: CallSite, em: GraphEmitter, who: string): ComplexValue {
  const c = ops(em, who, site);
  const [ar, ai] = partsOf(a);
  const [br, bi] = partsOf(b);
  const part = (name: string, x: TensorValue | number, y: TensorValue | number): TensorValue | number => {
    // keep a zero imaginary part of a real operand out of the graph
    if (name === "mul" && (x === 0 || y === 0)) return 0;
    if ((name === "add" || name === "sub") && y === 0) return x;
    if (name === "add" && x === 0) return y;
    if (typeof x === "number" && typeof y === "number") return name === "add" ? x + y : name === "sub" ? x - y : name === "mul" ? x * y : x / y;
    return c.op(name, [x, y]);
  };
  // a part that folded to a number (z.mul(0): both parts 0) as a tensor of the operands' broadcast shape
  const tensor = (v: TensorValue | number, like: TensorValue): TensorValue => (v instanceof TensorValue ? v : c.op("add", [c.op("mul", [like, 0]), v]));
  let re: TensorValue | number;
  let im: TensorValue | number;
  if (op === "add" || op === "sub") [re, im] = [part(op, ar, br), part(op, ai, bi)];
  else if (op === "mul") [re, im] = [part("sub", part("mul", ar, br), part("mul", ai, bi)), part("add", part("mul", ar, bi), part("mul", ai, br))];
  else {
    // (a + bi)/(c + di) = ((ac + bd) + (bc − ad)i) / (c² + d²)
    const norm = part("add", part("mul", br, br), part("mul", bi, bi));
    [re, im] = [part("div", part("add", part("mul", ar, br), part("mul", ai, bi)), norm), part("div", part("sub", part("mul", ai, br), part("mul", ar, bi)), norm)];
  }
  const like = [re, im, ar, ai, br, bi].find((v): v is TensorValue => v instanceof TensorValue)!;
  return new ComplexValue(tensor(re, like), tensor(im, like));
}

/** Both parts' results of one method: a complex tensor, or an array of them (chunk, split, unbind). */
function zipParts(re: Value, im: Value, who: string, site: CallSite): Value {
  if (re instanceof TensorValue && im instanceof TensorValue) return new ComplexValue(re, im);
  if (Array.isArray(re) && Array.isArray(im) && re.length === im.length) return re.map((r, i) => zipParts(r, im[i], who, site));
  return fail("unsupportedSyntax", `${who} of a complex tensor gives ${describe(re)}`, site.loc);
}

/** Whether a complex tensor has the method `name` (F.exp(z), F.sum(z, 1) are z's methods). */
export function isComplexMethod(name: string): boolean {
  return MOVEMENT.has(name) || LINEAR.has(name) || ["add", "sub", "mul", "div", "conj", "abs", "angle", "exp"].includes(name);
}

/** `z.name` for a complex tensor z. */
export function complexProperty(z: ComplexValue, name: string, em: GraphEmitter, site: CallSite, tensorMethod?: (t: TensorValue, name: string) => Value): Value {
  const who = name;
  const c = ops(em, who, site);
  if (name === "real") return z.re;
  if (name === "imag") return z.im;
  if (name === "dtype") return "complex64";
  if (name === "device") return "cuda";
  if (name === "isComplex") return new BuiltinFunction(name, (args, s) => (bindArgs(name, [], args, s), true));
  if (name === "shape") return tensorProperty(z.re, "shape", em, site);
  const fn = (f: (args: Value[], s: CallSite) => Value) => new BuiltinFunction(name, f);
  if (SHAPE_QUERIES.has(name)) return tensorProperty(z.re, name, em, site);
  // through the interpreter where it is given, which records each part's view of its base, so a
  // write into the view (out_ft[:, :, :modes] = …) reaches the complex tensor it came from
  if (MOVEMENT.has(name))
    return fn((args, s) => {
      const on = (t: TensorValue) => ((tensorMethod ? tensorMethod(t, name) : tensorProperty(t, name, em, s)) as BuiltinFunction).call(args, s);
      return zipParts(on(z.re), on(z.im), name, s);
    });
  if (LINEAR.has(name))
    return fn((args, s) => {
      const on = (t: TensorValue) => (tensorProperty(t, name, em, s) as BuiltinFunction).call(args, s);
      return zipParts(on(z.re), on(z.im), name, s);
    });
  if (name === "add" || name === "sub" || name === "mul" || name === "div")
    return fn((args, s) => {
      const b = bindArgs(name, [arg("other", "any")], args, s);
      if (!isOperand(b.other)) return fail("wrongArgumentType", `${name}: the other operand of a complex tensor is a complex or real tensor or a number, got ${describe(b.other)}`, s.loc);
      return complexArithmetic(name, z, b.other, s, em, name);
    });
  if (name === "conj") return fn((args, s) => (bindArgs(name, [], args, s), new ComplexValue(z.re, c.op("neg", [z.im]))));
  // |z| = √(re² + im²), arg z = atan2(im, re)
  if (name === "abs") return fn((args, s) => (bindArgs(name, [], args, s), c.op("sqrt", [c.op("add", [c.op("mul", [z.re, z.re]), c.op("mul", [z.im, z.im])])])));
  if (name === "angle") return fn((args, s) => (bindArgs(name, [], args, s), c.op("atan2", [z.im, z.re])));
  // e^z = e^re (cos im + i sin im)
  if (name === "exp")
    return fn((args, s) => {
      bindArgs(name, [], args, s);
      const m = c.op("exp", [z.re]);
      return new ComplexValue(c.op("mul", [m, c.op("cos", [z.im])]), c.op("mul", [m, c.op("sin", [z.im])]));
    });
  if (name === "to" || name === "type")
    return fn((args, s) => {
      const b = bindArgs(name, [arg("target", "any")], args, s);
      if (b.target === "cuda" || b.target === "complex64") return z;
      return fail("invalidArgument", `${name}: a complex tensor stays complex64 on the model's GPU; take .real, .imag or F.viewAsReal(z) for a float32 tensor`, s.loc);
    });
  // a slice write (FNO's and FEDformer's out_ft[:, :, :modes] = …, a copy_ into a view of
  // torch.zeros(…, dtype=torch.cfloat)): written into each float32 part, whose views write into
  // their bases (views.ts), so the complex tensor the view came from sees it as PyTorch's does
  if (name === "copy_" || name === "fill_" || name === "zero_") {
    if (!tensorMethod) return fail("unsupportedSyntax", `${name}: a complex tensor is written in place only in model code`, site.loc);
    return fn((args, s) => {
      const call = (t: TensorValue, method: string, rest: Value[]) => void (tensorMethod(t, method) as BuiltinFunction).call(rest, s);
      if (name === "zero_") {
        bindArgs(name, [], args, s);
        call(z.re, "zero_", []);
        call(z.im, "zero_", []);
        return z;
      }
      const b = bindArgs(name, [arg(name === "copy_" ? "src" : "value", "any"), ...(name === "copy_" ? [opt("nonBlocking", "bool", false)] : [])], args, s);
      const v = (name === "copy_" ? b.src : b.value) as Value;
      if (!isOperand(v)) return fail("wrongArgumentType", `${name}: a complex tensor takes a complex or real tensor or a number, got ${describe(v)}`, s.loc);
      // a real source (or number) is a complex one with imaginary part 0, as PyTorch converts it
      const [re, im] = partsOf(v);
      call(z.re, re instanceof TensorValue ? "copy_" : "fill_", [re]);
      if (im instanceof TensorValue) call(z.im, "copy_", [im]);
      else call(z.im, "fill_", [im]);
      return z;
    });
  }
  if (name.endsWith("_") && name.length > 1)
    return fail("unsupportedSyntax", `${name}: complex tensors are changed out of place (z = z.${name.slice(0, -1)}(…))`, site.loc);
  return fail("unknownProperty", `complex tensors have no property '${name}' in tsdp (real, imag, abs(), angle(), conj(), exp(), add, sub, mul, div, sum, mean, cumsum, and the movement methods)`, site.loc);
}

/** torch's complex functions: view_as_complex, view_as_real, polar, complex, real, imag, conj, angle. */
export function complexFunctions(em: GraphEmitter): [string, BuiltinFunction][] {
  const complexArg = (v: Value, who: string, site: CallSite): ComplexValue =>
    v instanceof ComplexValue ? v : fail("wrongArgumentType", `${who} takes a complex tensor, got ${describe(v)}`, site.loc);
  const f = (name: string, body: (args: Value[], site: CallSite, who: string) => Value): [string, BuiltinFunction] => [name, new BuiltinFunction(`F.${name}`, (args, site) => body(args, site, `F.${name}`))];
  return [
    // [..., 2] float32 → [...] complex: the last dim's two elements are the real and imaginary parts
    f("viewAsComplex", (args, site, who) => {
      const { input } = bindArgs(who, [arg("input", "tensor")], args, site);
      const shape = (input as TensorValue).node.shape;
      if (shape.at(-1) !== 2) fail("shapeMismatch", `${who} takes a tensor whose last dim is 2 (the real and imaginary parts), got ${formatShape(shape)}`, site.loc);
      const c = ops(em, who, site);
      const part = (k: number) => c.reshape(c.narrow(input, shape.length - 1, k, 1), shape.slice(0, -1));
      return new ComplexValue(part(0), part(1));
    }),
    // complex [...] → [..., 2] float32
    f("viewAsReal", (args, site, who) => {
      const z = complexArg(bindArgs(who, [arg("input", "any")], args, site).input, who, site);
      const c = ops(em, who, site);
      const shape = z.re.node.shape;
      return c.op("concat", [c.reshape(z.re, [...shape, 1]), c.reshape(z.im, [...shape, 1])], { dim: shape.length });
    }),
    // abs·e^{i·angle}
    f("polar", (args, site, who) => {
      const b = bindArgs(who, [arg("abs", "tensor"), arg("angle", "tensor")], args, site);
      const c = ops(em, who, site);
      return new ComplexValue(c.op("mul", [b.abs, c.op("cos", [b.angle])]), c.op("mul", [b.abs, c.op("sin", [b.angle])]));
    }),
    f("complex", (args, site, who) => {
      const b = bindArgs(who, [arg("real", "tensor"), arg("imag", "tensor")], args, site);
      const [re, im] = [b.real as TensorValue, b.imag as TensorValue];
      if (formatShape(re.node.shape) !== formatShape(im.node.shape)) fail("shapeMismatch", `${who}: real and imag must have one shape, got ${formatShape(re.node.shape)} and ${formatShape(im.node.shape)}`, site.loc);
      return new ComplexValue(re, im);
    }),
    // torch.is_complex(x): whether x is a complex tensor (a real one has no complex parts)
    f("isComplex", (args, site, who) => bindArgs(who, [arg("input", "any")], args, site).input instanceof ComplexValue),
    ...(["real", "imag", "conj", "angle"] as const).map((name) =>
      f(name, (args, site, who) => {
        const z = complexArg(bindArgs(who, [arg("input", "any")], args, site).input, who, site);
        const v = complexProperty(z, name, em, site);
        return v instanceof BuiltinFunction ? v.call([], site) : v;
      }),
    ),
  ];
}
