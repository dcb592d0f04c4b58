import { fail } from "../diagnostics/diagnostic.ts";
import { formatShape, isBatch } from "../ir/shape.ts";
import { arg, bindArgs, locOfArg, opt, type Bound } from "./args.ts";
import { ops } from "./composite-ops.ts";
import { sliceMethods as joinMethods } from "./joins.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { BuiltinFunction, ComplexValue, describe, NamespaceValue, TensorValue, type CallSite, type Value } from "./values.ts";

// torch.fft's transforms (FNet's fft(fft(x, dim=-1), dim=-2).real, GFNet's rfft2 / irfft2, Hyena's
// long convolution rfft · rfft → irfft) as discrete Fourier transforms written as matmuls with
// constant cosine and sine matrices along the transformed dim (moved last):
//   X_k = Σ_j x_j e^{−2πi·jk/n}:  Re X = a·C + b·S,  Im X = b·C − a·S   (x = a + ib, C_jk = cos 2πjk/n, S_jk = sin 2πjk/n)
// the inverse with +i, rfft the n//2 + 1 non-negative frequencies of a real x, irfft the real x of
// Hermitian X (its k and n − k terms counted twice, the zero and Nyquist ones once — their imaginary
// parts drop out, as PyTorch's). O(n²) per transform rather than O(n log n): exact to float32
// rounding for the sizes models transform (the phase jk is reduced mod n in exact float32 integers,
// which bounds n to 4096). norm: "backward" (PyTorch's default: the inverse divides by n), "ortho"
// (both by √n), "forward" (the forward by n). Gradients are the matmuls'.

const MAX_FFT = 4096;
type Norm = "backward" | "ortho" | "forward";
const normArg = opt("norm", "string", null, { nullable: true, choices: ["backward", "ortho", "forward"] });

interface Parts {
  readonly re: TensorValue;
  readonly im?: TensorValue;
}

/** The transform's scale: 1, 1/√n or 1/n, by direction and norm. */
function scaleOf(norm: Norm, inverse: boolean, n: number): number {
  if (norm === "ortho") return 1 / Math.sqrt(n);
  return (norm === "backward") === inverse ? 1 / n : 1;
}

function transforms(em: GraphEmitter, site: CallSite, who: string) {
  const c = ops(em, who, site);
  /** cos or sin(2π·(j·k mod n)/n) for j < rows, k < cols, times w_k: [rows, cols]. */
  const table = (f: "cos" | "sin", rows: number, cols: number, n: number, weight?: (k: number) => number) => {
    const j = c.reshape(em.tensor("arange", [], { start: 0, step: 1, length: rows }, who, site), [rows, 1]);
    const k = c.reshape(em.tensor("arange", [], { start: 0, step: 1, length: cols }, who, site), [1, cols]);
    const phase = c.op("mul", [c.op("remainder", [c.op("mul", [j, k]), n]), (2 * Math.PI) / n]);
    const values = c.op(f, [phase]);
    if (!weight) return values;
    const w = em.tensor("literal", [], { shape: [cols], values: Array.from({ length: cols }, (_, i) => weight(i)) }, who, site);
    return c.op("mul", [values, c.reshape(w, [1, cols])]);
  };
  /** t with `dim` last (and back). */
  const toLast = (t: TensorValue, dim: number) => {
    const r = t.node.shape.length;
    return dim === r - 1 ? t : c.permute(t, [...Array(r).keys()].filter((d) => d !== dim).concat(dim));
  };
  const fromLast = (t: TensorValue, dim: number) => {
    const r = t.node.shape.length;
    if (dim === r - 1) return t;
    const perm = [...Array(r - 1).keys()];
    perm.splice(dim, 0, r - 1);
    return c.permute(t, perm);
  };
  /** x along its last dim cut or zero-padded to n. */
  const sized = (t: TensorValue, n: number) => {
    const size = t.node.shape.at(-1) as number;
    if (n === size) return t;
    if (n < size) return c.narrow(t, t.node.shape.length - 1, 0, n);
    const shape = t.node.shape;
    const zeros = c.op("expand", [em.node("full", [], { shape: [], value: 0 }, who, site)], { shape: [...shape.slice(0, -1), n - size] });
    return c.op("concat", [t, zeros], { dim: shape.length - 1 });
  };
  const scaled = (t: TensorValue, s: number) => (s === 1 ? t : c.op("mul", [t, s]));
  return {
    c,
    toLast,
    fromLast,
    sized,
    /** The DFT (or its inverse) of length n along the last dim: m output frequencies. */
    dft(x: Parts, n: number, m: number, inverse: boolean, scale: number): ComplexValue {
      const [cos, sin] = [table("cos", n, m, n), table("sin", n, m, n)];
      const mm = (a: TensorValue, b: TensorValue) => c.op("matmul", [a, b]);
      const sign = inverse ? -1 : 1;
      // forward: Re = a·C + b·S, Im = b·C − a·S; inverse: Re = a·C − b·S, Im = b·C + a·S
      let re = mm(x.re, cos);
      let im = c.op("neg", [mm(x.re, sin)]);
      if (inverse) im = c.op("neg", [im]);
      if (x.im) {
        re = c.op(sign > 0 ? "add" : "sub", [re, mm(x.im, sin)]);
        im = c.op("add", [im, mm(x.im, cos)]);
      }
      return new ComplexValue(scaled(re, scale), scaled(im, scale));
    },
    /** irfft of m Hermitian frequencies to n real values: Σ_k w_k (Re X_k cos − Im X_k sin), w 1 at 0 and n/2, 2 between, 0 past. */
    inverseReal(x: ComplexValue, n: number, scale: number): TensorValue {
      const m = x.re.node.shape.at(-1) as number;
      const w = (k: number) => (k === 0 || 2 * k === n ? 1 : 2 * k < n ? 2 : 0);
      const cos = c.permute(table("cos", n, m, n, w), [1, 0]);
      const sin = c.permute(table("sin", n, m, n, w), [1, 0]);
      return scaled(c.op("sub", [c.op("matmul", [x.re, cos]), c.op("matmul", [x.im, sin])]), scale);
    },
  };
}

/** The transformed dim of x, checked: a fixed size up to MAX_FFT, not the batch. */
function fftDim(x: TensorValue | ComplexValue, dim: number, who: string, site: CallSite, b: Bound): number {
  const shape = (x instanceof ComplexValue ? x.re : x).node.shape;
  const d = dim < 0 ? dim + shape.length : dim;
  if (d < 0 || d >= shape.length) fail("invalidArgument", `${who}: dim ${dim} is out of range for ${formatShape(shape)}`, locOfArg(b, "dim", site));
  if (isBatch(shape[d])) fail("shapeMismatch", `${who}: dim ${dim} of ${formatShape(shape)} is the batch, split across devices; transform a fixed-size dim`, locOfArg(b, "dim", site));
  return d;
}

function checkLength(n: number, who: string, site: CallSite): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_FFT) fail("invalidArgument", `${who}: the transform length must be from 1 to ${MAX_FFT} (a DFT as a matmul), got ${n}`, site.loc);
}

const partsOf = (v: TensorValue | ComplexValue): Parts => (v instanceof ComplexValue ? v : { re: v });

/** One 1-D transform along `dim` (fft, ifft, rfft, irfft, hfft-free), n the signal length. */
export function transform1d(kind: "fft" | "ifft" | "rfft" | "irfft", input: TensorValue | ComplexValue, n: number | null, dim: number, norm: Norm, who: string, site: CallSite, em: GraphEmitter, b: Bound): TensorValue | ComplexValue {
  const t = transforms(em, site, who);
  const d = fftDim(input, dim, who, site, b);
  const size = ((input instanceof ComplexValue ? input.re : input).node.shape[d]) as number;
  const last = (v: TensorValue) => t.toLast(v, d);
  if (kind === "irfft") {
    if (!(input instanceof ComplexValue)) return fail("wrongArgumentType", `${who} takes the complex half-spectrum (F.fft.rfft's), got a real tensor`, site.loc);
    const length = n ?? 2 * (size - 1);
    checkLength(length, who, site);
    const out = t.inverseReal(new ComplexValue(last(input.re), last(input.im)), length, scaleOf(norm, true, length));
    return t.fromLast(out, d);
  }
  if (kind === "rfft" && input instanceof ComplexValue) return fail("wrongArgumentType", `${who} takes a real tensor, got a complex one (use F.fft.fft)`, site.loc);
  const length = n ?? size;
  checkLength(length, who, site);
  const parts = partsOf(input);
  const x: Parts = { re: t.sized(last(parts.re), length), ...(parts.im ? { im: t.sized(last(parts.im), length) } : {}) };
  const m = kind === "rfft" ? Math.floor(length / 2) + 1 : length;
  const out = t.dft(x, length, m, kind === "ifft", scaleOf(norm, kind === "ifft", length));
  return new ComplexValue(t.fromLast(out.re, d), t.fromLast(out.im, d));
}

/** F.fft: torch.fft's fft, ifft, rfft, irfft and their 2-D and N-D forms. */
export function fftNamespace(em: GraphEmitter): NamespaceValue {
  const signal = (v: Value, who: string, site: CallSite) =>
    v instanceof TensorValue || v instanceof ComplexValue ? v : fail("wrongArgumentType", `${who} takes a tensor (real or complex), got ${describe(v)}`, site.loc);
  const oneD = (kind: "fft" | "ifft" | "rfft" | "irfft") =>
    new BuiltinFunction(`F.fft.${kind}`, (args, site) => {
      const who = `F.fft.${kind}`;
      const b = bindArgs(who, [arg("input", "any"), opt("n", "posInt", null, { nullable: true }), opt("dim", "int", -1), normArg], args, site);
      return transform1d(kind, signal(b.input, who, site), b.n, b.dim, b.norm ?? "backward", who, site, em, b);
    });
  // the 2-D forms: the 1-D transforms along each of `dim` (the last one first for rfft2, last for irfft2)
  const twoD = (kind: "fft2" | "ifft2" | "rfft2" | "irfft2") =>
    new BuiltinFunction(`F.fft.${kind}`, (args, site) => {
      const who = `F.fft.${kind}`;
      const b = bindArgs(who, [arg("input", "any"), opt("s", "ints", null, { nullable: true }), opt("dim", "ints", [-2, -1]), normArg], args, site);
      const dims: number[] = b.dim;
      if (dims.length !== 2) fail("invalidArgument", `${who}: dim names two dims, got ${dims.length}`, locOfArg(b, "dim", site));
      const s: (number | null)[] = b.s ?? [null, null];
      if (s.length !== 2) fail("invalidArgument", `${who}: s gives two lengths, got ${s.length}`, locOfArg(b, "s", site));
      const norm: Norm = b.norm ?? "backward";
      let x = signal(b.input, who, site);
      if (kind === "rfft2") {
        x = transform1d("rfft", x, s[1], dims[1], norm, who, site, em, b);
        return transform1d("fft", x, s[0], dims[0], norm, who, site, em, b);
      }
      if (kind === "irfft2") {
        x = transform1d("ifft", x, s[0], dims[0], norm, who, site, em, b);
        return transform1d("irfft", x, s[1], dims[1], norm, who, site, em, b);
      }
      const one = kind === "fft2" ? "fft" : "ifft";
      return transform1d(one, transform1d(one, x, s[1], dims[1], norm, who, site, em, b), s[0], dims[0], norm, who, site, em, b);
    });
  // the N-D forms (FNet's partial(torch.fft.fftn, dim=(1, 2))): the 1-D transforms along each of `dim`,
  // rfftn's real one along the last first and irfftn's last; without dim, the last len(s) dims or every
  // dim, which of a batched tensor is the batch too: refused there, asking for the dims
  const nD = (kind: "fftn" | "ifftn" | "rfftn" | "irfftn") =>
    new BuiltinFunction(`F.fft.${kind}`, (args, site) => {
      const who = `F.fft.${kind}`;
      const b = bindArgs(who, [arg("input", "any"), opt("s", "ints", null, { nullable: true }), opt("dim", "ints", null, { nullable: true }), normArg], args, site);
      let x = signal(b.input, who, site);
      const shape = (x instanceof ComplexValue ? x.re : x).node.shape;
      const s: number[] | null = b.s;
      const given: number[] | null = b.dim === null ? null : [b.dim].flat();
      const dims = given ?? shape.map((_, i) => i).slice(s ? shape.length - s.length : 0);
      if (!given && dims.some((d) => isBatch(shape[d])))
        fail("shapeMismatch", `${who} without dim transforms ${s ? `the last ${s.length} dims` : "every dim"} of ${formatShape(shape)}, the batch too, which is split across devices; give the dims to transform (FNet's F.fft.fftn(x, { dim: [1, 2] }))`, site.loc);
      if (dims.length === 0) fail("invalidArgument", `${who}: dim names no dims`, locOfArg(b, "dim", site));
      if (s && s.length !== dims.length) fail("invalidArgument", `${who}: s gives ${s.length} lengths for ${dims.length} dims`, locOfArg(b, "s", site));
      const lengths: (number | null)[] = s ?? dims.map(() => null);
      const norm: Norm = b.norm ?? "backward";
      const last = dims.length - 1;
      if (kind === "rfftn") {
        x = transform1d("rfft", x, lengths[last], dims[last], norm, who, site, em, b);
        for (let i = last - 1; i >= 0; i--) x = transform1d("fft", x, lengths[i], dims[i], norm, who, site, em, b);
        return x;
      }
      if (kind === "irfftn") {
        for (let i = 0; i < last; i++) x = transform1d("ifft", x, lengths[i], dims[i], norm, who, site, em, b);
        return transform1d("irfft", x, lengths[last], dims[last], norm, who, site, em, b);
      }
      for (let i = last; i >= 0; i--) x = transform1d(kind === "fftn" ? "fft" : "ifft", x, lengths[i], dims[i], norm, who, site, em, b);
      return x;
    });
  return new NamespaceValue(
    "F.fft",
    new Map<string, Value>([
      ["fft", oneD("fft")],
      ["ifft", oneD("ifft")],
      ["rfft", oneD("rfft")],
      ["irfft", oneD("irfft")],
      ["fft2", twoD("fft2")],
      ["ifft2", twoD("ifft2")],
      ["rfft2", twoD("rfft2")],
      ["irfft2", twoD("irfft2")],
      ["fftn", nD("fftn")],
      ["ifftn", nD("ifftn")],
      ["rfftn", nD("rfftn")],
      ["irfftn", nD("irfftn")],
      ["fftshift", shift("fftshift", em)],
      ["ifftshift", shift("ifftshift", em)],
    ]),
  );
}

/**
 * torch.fft.fftshift(x, dim): the zero frequency moved to the middle, a roll by ⌊n/2⌋ along each
 * dim (ifftshift rolls back, by −⌊n/2⌋); a complex tensor's parts alike. Without dim, every dim —
 * of a batched tensor the batch too, which is split across devices: refused, asking for the dims.
 */
function shift(kind: "fftshift" | "ifftshift", em: GraphEmitter): BuiltinFunction {
  const who = `F.fft.${kind}`;
  return new BuiltinFunction(who, (args, site) => {
    const b = bindArgs(who, [arg("input", "any"), opt("dim", "ints", null, { nullable: true })], args, site);
    const x = b.input;
    if (!(x instanceof TensorValue || x instanceof ComplexValue)) return fail("wrongArgumentType", `${who} takes a tensor (real or complex), got ${describe(x)}`, site.loc);
    const shape = (x instanceof ComplexValue ? x.re : x).node.shape;
    const dims = ((b.dim as number[] | null) ?? shape.map((_, i) => i)).map((d) => (d < 0 ? d + shape.length : d));
    const shifts = dims.map((d) => {
      const n = shape[d];
      if (d < 0 || d >= shape.length) return fail("invalidArgument", `${who}: dim ${d} is out of range for ${formatShape(shape)}`, site.loc);
      if (typeof n !== "number") return fail("shapeMismatch", `${who}: dim ${d} of ${formatShape(shape)} is the batch, split across devices; give the dims to shift (dim: [-2, -1])`, site.loc);
      return kind === "fftshift" ? Math.floor(n / 2) : -Math.floor(n / 2);
    });
    const rolled = (t: TensorValue) => joinMethods.roll(t, [shifts, dims], site, em) as TensorValue;
    return x instanceof ComplexValue ? new ComplexValue(rolled(x.re), rolled(x.im)) : rolled(x);
  });
}
