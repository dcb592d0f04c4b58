import { fail } from "../diagnostics/diagnostic.ts";
import { formatShape, isBatch, type Dim } from "../ir/shape.ts";
import { arg, bindArgs, locOfArg, opt } from "./args.ts";
import { ops } from "./composite-ops.ts";
import { transform1d } from "./fft.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { pad } from "./composite-layers.ts";
import { tensorProperty } from "./tensor-methods.ts";
import { BuiltinFunction, ComplexValue, describe, TensorValue, type CallSite, type Value } from "./values.ts";

// torch.stft and the window functions, as audio front ends write them (a log-mel spectrogram:
// torch.stft(wav, n_fft, hop, window=torch.hann_window(n_fft), return_complex=True).abs() ** 2).
// The short-time transform is Tensor.unfold's frames times the window, then torch.fft.rfft of each
// frame (fft.ts: a DFT matmul), its frequencies moved before the frames, as PyTorch's layout:
//   X[f, t] = Σ_k w[k]·x[t·hop + k]·e^{−2πi·fk/n_fft},  x padded by n_fft/2 each side when center.
// A window shorter than n_fft is zero-padded on both sides to it (centred), as PyTorch's.

/** F.hannWindow(N, periodic = true) and the other windows: float32 [N], computed from the positions k = 0…N−1 with M = N (periodic) or N − 1. */
function windowFunction(name: "hannWindow" | "hammingWindow" | "blackmanWindow" | "bartlettWindow", em: GraphEmitter): BuiltinFunction {
  const who = `F.${name}`;
  return new BuiltinFunction(who, (args, site) => {
    const extra = name === "hammingWindow" ? [opt("alpha", "number", 0.54), opt("beta", "number", 0.46)] : [];
    const b = bindArgs(who, [arg("windowLength", "nonNegInt"), opt("periodic", "bool", true), ...extra, opt("dtype", "string", null, { nullable: true, choices: ["float32"] }), opt("device", "any", null, { nullable: true }), opt("requiresGrad", "bool", false)], args, site);
    const n: number = b.windowLength;
    if (n === 0) fail("invalidArgument", `${who}: a window of length 0 is empty; tsdp's tensors are not`, locOfArg(b, "windowLength", site));
    // N = 1 is [1], as PyTorch's
    if (n === 1) return filled([1], 1, em, who, site);
    const c = ops(em, who, site);
    const m = b.periodic ? n : n - 1;
    const k = em.tensor("arange", [], { start: 0, step: 1, length: n }, who, site);
    const cosine = (times: number) => c.op("cos", [c.op("mul", [k, (times * 2 * Math.PI) / m])]);
    const minus = (a: number, t: TensorValue) => c.op("sub", [a, t]);
    if (name === "hannWindow") return minus(0.5, c.op("mul", [cosine(1), 0.5]));
    if (name === "hammingWindow") return minus(b.alpha, c.op("mul", [cosine(1), b.beta]));
    if (name === "blackmanWindow") return c.op("add", [minus(0.42, c.op("mul", [cosine(1), 0.5])), c.op("mul", [cosine(2), 0.08])]);
    // 1 − |2k/M − 1|
    return minus(1, c.op("abs", [c.op("sub", [c.op("mul", [k, 2 / m]), 1])]));
  });
}

/** A [..shape] tensor of one value (a scalar expanded). */
function filled(shape: readonly Dim[], value: number, em: GraphEmitter, who: string, site: CallSite): TensorValue {
  return em.tensor("expand", [em.node("full", [], { shape: [], value }, who, site)], { shape: [...shape] }, who, site);
}

/**
 * x's last dim padded by p on each side with F.pad's mode (reflect: x[p], …, x[1] | x | x[L−2], …),
 * as PyTorch's stft pads: the signal viewed [N, 1, L], whose last dim is the spatial one.
 */
function padEnds(x: TensorValue, p: number, mode: string, who: string, site: CallSite, em: GraphEmitter): TensorValue {
  if (p === 0) return x;
  const shape = x.node.shape;
  const length = shape[shape.length - 1] as number;
  if (mode === "reflect" && p >= length) fail("invalidArgument", `${who}: reflect padding of ${p} needs a signal longer than ${p}, got ${length} samples (pass padMode: "constant" or center: false)`, site.loc);
  const c = ops(em, who, site);
  const padded = pad({ x: c.reshape(x, [shape.length === 2 ? shape[0] : 1, 1, length]), pad: [p, p], mode, value: 0 }, site, em, who);
  return c.reshape(padded, [...shape.slice(0, -1), length + 2 * p]);
}

/**
 * torch.stft(input, n_fft, hop_length = n_fft // 4, win_length = n_fft, window = ones, center = True,
 * pad_mode = "reflect", normalized = False, onesided = True, return_complex): complex
 * [.., n_fft // 2 + 1, frames] of a [L] or [B, L] signal (returnComplex false: the real view, a last dim of 2).
 */
function stft(args: Value[], site: CallSite, em: GraphEmitter): Value {
  const who = "F.stft";
  const b = bindArgs(
    who,
    [
      arg("input", "tensor"),
      arg("nFft", "posInt"),
      opt("hopLength", "posInt", null, { nullable: true }),
      opt("winLength", "posInt", null, { nullable: true }),
      opt("window", "any", null, { nullable: true }),
      opt("center", "bool", true),
      opt("padMode", "string", "reflect", { choices: ["reflect", "constant", "replicate"] }),
      opt("normalized", "bool", false),
      opt("onesided", "bool", null, { nullable: true }),
      opt("returnComplex", "bool", null, { nullable: true }),
    ],
    args,
    site,
  );
  const x = b.input as TensorValue;
  const shape = x.node.shape;
  if (shape.length < 1 || shape.length > 2) fail("shapeMismatch", `${who} takes a signal [L] or a batch of them [B, L], got ${formatShape(shape)}`, site.loc);
  if (isBatch(shape[shape.length - 1])) fail("shapeMismatch", `${who}: the signal's length is its last dim, which cannot be the batch (${formatShape(shape)})`, site.loc);
  if (x.node.dtype !== "f32") fail("wrongArgumentType", `${who} takes a float32 signal`, site.loc);
  if (b.returnComplex === null) fail("invalidArgument", `${who}: say returnComplex: true (PyTorch requires return_complex for a real input)`, site.loc);
  const nFft: number = b.nFft;
  const hop: number = b.hopLength ?? Math.floor(nFft / 4);
  const winLength: number = b.winLength ?? nFft;
  if (winLength > nFft) fail("invalidArgument", `${who}: winLength ${winLength} is more than nFft ${nFft}`, locOfArg(b, "winLength", site));
  const c = ops(em, who, site);
  let window: TensorValue | undefined;
  if (b.window !== null) {
    if (!(b.window instanceof TensorValue) || b.window.node.shape.length !== 1 || b.window.node.shape[0] !== winLength)
      fail("shapeMismatch", `${who}: window must be a 1-D tensor of winLength ${winLength} values, got ${b.window instanceof TensorValue ? formatShape(b.window.node.shape) : describe(b.window)}`, locOfArg(b, "window", site));
    window = b.window as TensorValue;
  }
  // a window shorter than n_fft sits in its middle, zeros around it
  if (winLength < nFft) {
    const before = Math.floor((nFft - winLength) / 2);
    window = pad({ x: window ?? filled([winLength], 1, em, who, site), pad: [before, nFft - winLength - before], mode: "constant", value: 0 }, site, em, who);
  }
  const padded = b.center ? padEnds(x, Math.floor(nFft / 2), b.padMode, who, site, em) : x;
  const length = padded.node.shape[padded.node.shape.length - 1] as number;
  if (length < nFft) fail("invalidArgument", `${who}: the signal${b.center ? ", padded," : ""} has ${length} samples, fewer than nFft ${nFft}`, site.loc);
  // [.., frames, n_fft], each frame times the window
  const frames = (tensorProperty(padded, "unfold", em, site) as BuiltinFunction).call([padded.node.shape.length - 1, nFft, hop], site) as TensorValue;
  const windowed = window ? c.op("mul", [frames, window]) : frames;
  const onesided = b.onesided ?? true;
  const spectrum = transform1d(onesided ? "rfft" : "fft", windowed, nFft, -1, b.normalized ? "ortho" : "backward", who, site, em, b) as ComplexValue;
  // [.., frames, freq] → [.., freq, frames]
  const r = spectrum.re.node.shape.length;
  const swap = (t: TensorValue) => c.op("permute", [t], { perm: [...Array(r - 2).keys(), r - 1, r - 2] });
  const out = new ComplexValue(swap(spectrum.re), swap(spectrum.im));
  if (b.returnComplex) return out;
  const shapeOut = out.re.node.shape;
  return c.op("concat", [c.reshape(out.re, [...shapeOut, 1]), c.reshape(out.im, [...shapeOut, 1])], { dim: shapeOut.length });
}

/** F.stft and the window functions. */
export function spectralFunctions(em: GraphEmitter): [string, BuiltinFunction][] {
  return [
    ["stft", new BuiltinFunction("F.stft", (args, site) => stft(args, site, em))],
    ...(["hannWindow", "hammingWindow", "blackmanWindow", "bartlettWindow"] as const).map((name): [string, BuiltinFunction] => [name, windowFunction(name, em)]),
  ];
}
