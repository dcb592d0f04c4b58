// torch.stft and the window functions (compiler/1-frontend/stft.ts): windows against PyTorch's
// documented values and formulas; the short-time transform against its definition written out here
// (reflect-padded frames, windowed, DFT at each non-negative frequency; float64 reference, 1e-10);
// a window shorter than n_fft centred in zeros; the real view; gradients; refusals.
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { formatShape } from "../compiler/ir/shape.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const L = 16;
const signal = Array.from({ length: 2 * L }, (_, i) => Math.sin(i * 0.7) + 0.3 * Math.cos(i * 2.1));
const model = (body: string) => `${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, ${L}]>) {\n    ${body}\n  }\n}\n`;
const run = (body: string) => {
  const { graph } = lowerSource(model(body));
  const outs = runReference(graph, { x: nd([2, L], signal) }, initState(graph, 0)).outputs;
  return outs.map((o, k) => ({ shape: formatShape(graph.outputs[k].shape), values: Array.from(o.data) }));
};

/** The definition: frames of the (reflect-padded) signal times the n_fft window, DFT bins 0…n_fft/2; [re, im] per (f, t). */
function stftOf(x: number[], nFft: number, hop: number, window: number[], center: boolean, normalized: boolean): { re: number[][]; im: number[][] } {
  const p = center ? Math.floor(nFft / 2) : 0;
  const at = (i: number) => {
    const j = i - p;
    return j < 0 ? x[-j] : j >= x.length ? x[2 * (x.length - 1) - j] : x[j];
  };
  const frames = 1 + Math.floor((x.length + 2 * p - nFft) / hop);
  const re: number[][] = [];
  const im: number[][] = [];
  for (let f = 0; f <= nFft / 2; f++) {
    re.push([]);
    im.push([]);
    for (let t = 0; t < frames; t++) {
      let a = 0;
      let b = 0;
      for (let k = 0; k < nFft; k++) {
        const v = window[k] * at(t * hop + k);
        a += v * Math.cos((2 * Math.PI * f * k) / nFft);
        b -= v * Math.sin((2 * Math.PI * f * k) / nFft);
      }
      const s = normalized ? 1 / Math.sqrt(nFft) : 1;
      re[f].push(a * s);
      im[f].push(b * s);
    }
  }
  return { re, im };
}

describe("window functions", () => {
  it("hann, hamming, blackman and bartlett, periodic and symmetric, as PyTorch's", () => {
    const [hann4, hann5, hamming, blackman, bartlett, one] = run(
      "return [F.hannWindow(4).add(x.index(':', 0).view(-1, 1).mul(0)), F.hannWindow(5, false).add(x.index(':', 0).view(-1, 1).mul(0)), F.hammingWindow(6).add(x.index(':', 0).view(-1, 1).mul(0)), F.blackmanWindow(5, false).add(x.index(':', 0).view(-1, 1).mul(0)), F.bartlettWindow(5, false).add(x.index(':', 0).view(-1, 1).mul(0)), F.hannWindow(1).add(x.index(':', 0).view(-1, 1).mul(0))];",
    ).map((o) => o.values.slice(0, o.values.length / 2));
    const close = (got: number[], want: number[]) => got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));
    // torch.hann_window(4) = [0, 0.5, 1, 0.5]; hann_window(5, periodic=False) = [0, 0.5, 1, 0.5, 0]
    close(hann4, [0, 0.5, 1, 0.5]);
    close(hann5, [0, 0.5, 1, 0.5, 0]);
    close(hamming, Array.from({ length: 6 }, (_, n) => 0.54 - 0.46 * Math.cos((2 * Math.PI * n) / 6)));
    close(blackman, Array.from({ length: 5 }, (_, n) => 0.42 - 0.5 * Math.cos((2 * Math.PI * n) / 4) + 0.08 * Math.cos((4 * Math.PI * n) / 4)));
    close(bartlett, [0, 0.5, 1, 0.5, 0]);
    close(one, [1]);
  });
});

describe("F.stft", () => {
  const hann = (n: number) => Array.from({ length: n }, (_, k) => 0.5 - 0.5 * Math.cos((2 * Math.PI * k) / n));
  const compare = (got: { shape: string; values: number[] }, want: ReturnType<typeof stftOf>[], part: "re" | "im") => {
    const flat = want.flatMap((w) => w[part].flat());
    expect(got.values.length).toBe(flat.length);
    got.values.forEach((v, i) => expect(v).toBeCloseTo(flat[i], 10));
  };
  const rows = [signal.slice(0, L), signal.slice(L)];

  it("a Hann-windowed, centred, reflect-padded transform: [B, n_fft/2 + 1, frames], the definition's values", () => {
    const [re, im] = run("const s = F.stft(x, 8, { hopLength: 2, window: F.hannWindow(8), returnComplex: true }); return [s.real, s.imag];");
    expect(re.shape).toBe("[Batch, 5, 9]");
    const want = rows.map((r) => stftOf(r, 8, 2, hann(8), true, false));
    compare(re, want, "re");
    compare(im, want, "im");
  });

  it("normalized, not centred, a shorter window centred in zeros, the default hop n_fft/4; the power spectrum", () => {
    const [re, power] = run("const s = F.stft(x, 8, { winLength: 4, window: F.hammingWindow(4), center: false, normalized: true, returnComplex: true }); return [s.real, s.abs().pow(2)];");
    const w = [0, 0, ...Array.from({ length: 4 }, (_, n) => 0.54 - 0.46 * Math.cos((2 * Math.PI * n) / 4)), 0, 0];
    const want = rows.map((r) => stftOf(r, 8, 2, w, false, true));
    expect(re.shape).toBe("[Batch, 5, 5]");
    compare(re, want, "re");
    const p = want.flatMap((x) => x.re.flatMap((row, f) => row.map((a, t) => a * a + x.im[f][t] ** 2)));
    power.values.forEach((v, i) => expect(v).toBeCloseTo(p[i], 10));
  });

  it("returnComplex false gives the real view [.., 2]; no window is a rectangular one", () => {
    const [view, re] = run("return [F.stft(x, 4, { hopLength: 4, returnComplex: false }).flatten(1), F.stft(x, 4, { hopLength: 4, returnComplex: true }).real.flatten(1)];");
    expect(view.values.filter((_, i) => i % 2 === 0)).toEqual(re.values);
    const want = rows.map((r) => stftOf(r, 4, 4, [1, 1, 1, 1], true, false));
    re.values.forEach((v, i) => expect(v).toBeCloseTo(want.flatMap((x) => x.re.flat())[i], 10));
  });

  it("gradients reach the signal through the frames and the window", () => {
    expect(gradCheck(`export class M extends nn.Module {\n  w = new nn.Parameter(F.hannWindow(8));\n  forward(x: Tensor<[Batch, ${L}]>) {\n    return F.stft(x, 8, { hopLength: 4, window: this.w, returnComplex: true }).abs().flatten(1);\n  }\n}\n`).checked).toBeGreaterThan(10);
  });

  it("refuses a missing returnComplex, a window of the wrong length, a signal shorter than the reflect padding", () => {
    const first = (body: string) => diagnosticsOf(model(body)).map((d) => `${d.code}: ${d.message}`)[0];
    expect(first("return F.stft(x, 8).real;")).toMatch(/^TSDP3004: F.stft: say returnComplex: true/);
    expect(first("return F.stft(x, 8, { window: F.hannWindow(6), returnComplex: true }).real;")).toMatch(/^TSDP4001: F.stft: window must be a 1-D tensor of winLength 8 values, got \[6\]/);
    expect(first("return F.stft(x.index(':', ':4'), 8, { returnComplex: true }).real;")).toMatch(/^TSDP3004: F.stft: reflect padding of 4 needs a signal longer than 4/);
  });
});
