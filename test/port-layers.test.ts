// More of torch.nn as compositions (compiler/1-frontend/port-layers.ts) and F.pad's reflect,
// replicate and circular modes (composite-layers.ts), through the float64 reference: values worked
// out by hand, each layer against its functional form, autodiff against central differences, and
// the refusals with where and why. test/pytorch-spellings-target.test.ts runs them on the CPU target.
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd, type NDArray } from "../compiler/reference/ndarray.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const model = (body: string, input: string, fields = "") => `${header}export class M extends nn.Module {\n  ${fields}\n  forward(${input}) {\n    ${body}\n  }\n}\n`;

function run(body: string, input: string, values: Record<string, NDArray>, fields = "") {
  const { graph } = lowerSource(model(body, input, fields));
  const state = initState(graph, 0);
  return { outputs: runReference(graph, values, state).outputs.map((o) => Array.from(o.data)), state };
}
const outputs = (body: string, input: string, values: Record<string, NDArray>, fields = "") => run(body, input, values, fields).outputs;

const close = (got: number[], want: number[]) => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(g, `element ${i}`).toBeCloseTo(want[i], 12));
};
const first = (src: string) => diagnosticsOf(src).map((d) => `${d.code} ${d.loc?.line}: ${d.message}`)[0];

describe("nn.RMSNorm and F.rmsNorm", () => {
  it("x·rsqrt(mean(x²) + eps)·weight over the last dims; eps is float32's machine epsilon unless given", () => {
    const x = nd([1, 2], [3, 4]);
    const got = outputs("return [this.n(x), F.rmsNorm(x, [2], this.n.weight), F.rmsNorm(x, 2, { eps: 0.5 }), this.m(x)];", "x: Tensor<[Batch, 2]>", { x }, "n = new nn.RMSNorm(2); m = new nn.RMSNorm([2], { eps: 0.5, elementwiseAffine: false });");
    close(got[0], [3 / Math.sqrt(12.5 + 2 ** -23), 4 / Math.sqrt(12.5 + 2 ** -23)]);
    expect(got[1]).toEqual(got[0]);
    close(got[2], [3 / Math.sqrt(13), 4 / Math.sqrt(13)]);
    expect(got[3]).toEqual(got[2]);
    expect(gradCheck(model("return [this.n(x.view(-1, 2, 2)).flatten(1), F.rmsNorm(x, [4], this.n2.weight, 1e-3)];", "x: Tensor<[Batch, 4]>", "n = new nn.RMSNorm([2, 2]); n2 = new nn.RMSNorm(4);")).checked).toBeGreaterThan(0);
    expect(first(model("return this.n(x);", "x: Tensor<[Batch, 4]>", "n = new nn.RMSNorm(3);"))).toMatch(/^TSDP\d+ 5: nn\.RMSNorm normalizes over the last dims \[3\], but the input is \[Batch, 4\]/);
  });
});

describe("padding: F.pad's modes and the padding layers", () => {
  const x = nd([1, 1, 4], [1, 2, 3, 4]);
  it("reflect, replicate and circular along the last dim, and the layers", () => {
    const got = outputs(
      "return [F.pad(x, [2, 1], 'reflect'), F.pad(x, [2, 1], { mode: 'replicate' }), F.pad(x, [2, 1], 'circular'), this.r(x), this.p(x), this.c(x), this.z(x), this.k(x)].map((t) => t.flatten(1));",
      "x: Tensor<[Batch, 1, 4]>",
      { x },
      "r = new nn.ReflectionPad1d([2, 1]); p = new nn.ReplicationPad1d([2, 1]); c = new nn.CircularPad1d([2, 1]); z = new nn.ZeroPad1d(1); k = new nn.ConstantPad1d([0, 2], 0.5);",
    );
    expect(got[0]).toEqual([3, 2, 1, 2, 3, 4, 3]);
    expect(got[1]).toEqual([1, 1, 1, 2, 3, 4, 4]);
    expect(got[2]).toEqual([3, 4, 1, 2, 3, 4, 1]);
    expect(got.slice(3, 6)).toEqual(got.slice(0, 3));
    expect(got[6]).toEqual([0, 1, 2, 3, 4, 0]);
    expect(got[7]).toEqual([1, 2, 3, 4, 0.5, 0.5]);
  });
  it("2-D: the last two dims, (left, right, top, bottom)", () => {
    const image = nd([1, 1, 2, 3], [1, 2, 3, 4, 5, 6]);
    const got = outputs("return [this.r(x), this.p(x), this.z(x)].map((t) => t.flatten(1));", "x: Tensor<[Batch, 1, 2, 3]>", { x: image }, "r = new nn.ReflectionPad2d([1, 1, 1, 0]); p = new nn.ReplicationPad2d(1); z = new nn.ZeroPad2d([0, 1, 0, 0]);");
    // reflect: rows [4 5 6] above [1 2 3] [4 5 6], each row mirrored by one column at both ends
    expect(got[0]).toEqual([5, 4, 5, 6, 5, 2, 1, 2, 3, 2, 5, 4, 5, 6, 5]);
    expect(got[1]).toEqual([1, 1, 2, 3, 3, 1, 1, 2, 3, 3, 4, 4, 5, 6, 6, 4, 4, 5, 6, 6]);
    expect(got[2]).toEqual([1, 2, 3, 0, 4, 5, 6, 0]);
  });
  it("3-D: the last three dims, (left, right, top, bottom, front, back)", () => {
    const volume = nd([1, 1, 2, 1, 2], [1, 2, 3, 4]);
    const got = outputs("return [this.r(x), this.p(x), this.c(x), this.k(x)].map((t) => t.flatten(1));", "x: Tensor<[Batch, 1, 2, 1, 2]>", { x: volume }, "r = new nn.ReflectionPad3d([1, 0, 0, 0, 1, 0]); p = new nn.ReplicationPad3d([0, 1, 0, 0, 0, 0]); c = new nn.ConstantPad3d([0, 0, 0, 0, 0, 1], 9); k = new nn.CircularPad3d([1, 0, 0, 0, 0, 0]);");
    // depth slices [1 2] and [3 4]: reflect puts [3 4] before, each row mirrored by one on the left
    expect(got[0]).toEqual([4, 3, 4, 2, 1, 2, 4, 3, 4]);
    expect(got[1]).toEqual([1, 2, 2, 3, 4, 4]);
    expect(got[2]).toEqual([1, 2, 3, 4, 9, 9]);
    expect(got[3]).toEqual([2, 1, 2, 4, 3, 4]);
  });
  it("the gradient of a padded position flows to the value it copies", () => {
    expect(gradCheck(model("return [F.pad(x.view(-1, 1, 4), [2, 3], 'reflect').flatten(1), F.pad(x.view(-1, 1, 2, 2), [1, 1, 1, 1], 'replicate').flatten(1), F.pad(x.view(-1, 1, 4), [3, 2], 'circular').flatten(1)];", "x: Tensor<[Batch, 4]>")).checked).toBeGreaterThan(0);
  });
  it("a negative amount crops, as PyTorch's: reflect and replicate from the input's own edges, circular wrapping what the crop left", () => {
    const got = outputs("return [F.pad(x, [-1, 3], 'reflect'), F.pad(x, [2, -1], 'replicate'), F.pad(x, [-1, 2], 'circular')].map((t) => t.flatten(1));", "x: Tensor<[Batch, 1, 4]>", { x });
    expect(got[0]).toEqual([2, 3, 4, 3, 2, 1]);
    expect(got[1]).toEqual([1, 1, 1, 2, 3]);
    expect(got[2]).toEqual([2, 3, 4, 2, 3]);
    // circular wraps the cropped dim: past its size is refused, as PyTorch's, in the amounts written
    expect(first(model("return F.pad(x, [-2, 3], 'circular');", "x: Tensor<[Batch, 1, 4]>"))).toMatch(/^TSDP\d+ 5: F\.pad: mode "circular" wraps what the crop leaves: dim 2 \(size 4, 2 after the crop\) pads by at most 2 on a side, got \(-2, 3\)/);
    expect(gradCheck(model("return [F.pad(x.view(-1, 1, 4), [-1, 3], 'reflect').flatten(1), F.pad(x.view(-1, 1, 4), [-2, 1], 'circular').flatten(1)];", "x: Tensor<[Batch, 4]>")).checked).toBeGreaterThan(0);
  });
  it("pads a [Batch, W] input's last dim, as PyTorch pads a 2-D (C, W) one (reflect, replicate, circular)", () => {
    const { graph } = lowerSource(model("return [F.pad(x, [1, 2], 'reflect'), F.pad(x, [2, 1], 'replicate'), F.pad(x, [1, 1], 'circular')];", "x: Tensor<[Batch, 4]>"));
    const got = runReference(graph, { x: nd([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]) }, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
    expect(got).toEqual([[2, 1, 2, 3, 4, 3, 2, 6, 5, 6, 7, 8, 7, 6], [1, 1, 1, 2, 3, 4, 4, 5, 5, 5, 6, 7, 8, 8], [4, 1, 2, 3, 4, 1, 8, 5, 6, 7, 8, 5]]);
  });
  it("refuses what PyTorch refuses: reflect by the dim's size, non-spatial dims, a value", () => {
    expect(first(model("return F.pad(x, [4, 0], 'reflect');", "x: Tensor<[Batch, 1, 4]>"))).toMatch(/^TSDP\d+ 5: F\.pad: mode "reflect" pads dim 2 \(size 4\) by at most 3 on a side, got \(4, 0\)/);
    // PyTorch pads a 2-D input's last dim as an unbatched (C, W) one (aten's _pad_enum: two amounts and
    // a 2-D or 3-D input); never the first dim, the batch here
    expect(first(model("return F.pad(x, [1, 1, 1, 1], 'replicate');", "x: Tensor<[Batch, 4]>"))).toMatch(/^TSDP\d+ 5: F\.pad: mode "replicate" pads the spatial dims, at most the last 1 of \[Batch, 4\] \(never the first\)/);
    expect(first(model("return F.pad(x, [1, 1], 'reflect', 2);", "x: Tensor<[Batch, 1, 4]>"))).toMatch(/^TSDP\d+ 5: F\.pad: value applies to mode "constant" only/);
    expect(first(model("return this.p(x);", "x: Tensor<[Batch, 1, 4, 4]>", "p = new nn.ZeroPad2d([1, 1, 1]);"))).toMatch(/^TSDP\d+ 3: nn\.ZeroPad2d: padding must be one number or 4/); // at the constructor's argument
  });
});

describe("pools, shuffles and normalizations", () => {
  it("AdaptiveMaxPool2d/1d over equal windows, and over PyTorch's overlapping windows where the sizes do not divide", () => {
    const x = nd([1, 1, 4, 4], [...Array(16).keys()]);
    const got = outputs("return [this.p(x).flatten(1), F.adaptiveMaxPool2d(x, [1, null]).flatten(1), F.adaptiveMaxPool1d(x.view(-1, 2, 8), 2).flatten(1)];", "x: Tensor<[Batch, 1, 4, 4]>", { x }, "p = new nn.AdaptiveMaxPool2d(2);");
    expect(got[0]).toEqual([5, 7, 13, 15]);
    expect(got[1]).toEqual([12, 13, 14, 15]);
    expect(got[2]).toEqual([3, 7, 11, 15]);
    // 3 from 4: windows [0, 2), [1, 3), [2, 4) along each dim, so the maxima of rows and columns 1, 2, 3
    const [three, wide, mixed] = outputs(
      "return [F.adaptiveMaxPool2d(x, 3).flatten(1), this.p(x.narrow(2, 1, 1).narrow(3, 1, 1)).flatten(1), F.adaptiveMaxPool2d(x, [2, 3]).flatten(1)];",
      "x: Tensor<[Batch, 1, 4, 4]>",
      { x },
      "p = new nn.AdaptiveMaxPool2d(7);",
    );
    expect(three).toEqual([5, 6, 7, 9, 10, 11, 13, 14, 15]);
    // VGG's AdaptiveAvgPool2d((7, 7)) shape from a 1×1 map, as max: every window is the one pixel
    expect(wide).toEqual(Array(49).fill(5));
    // rows in equal halves [0, 2), [2, 4), columns in three overlapping windows
    expect(mixed).toEqual([5, 6, 7, 13, 14, 15]);
    // AlexNet's 13 → 6: windows [0, 3), [2, 5), [4, 7), [6, 9), [8, 11), [10, 13)
    const line = nd([1, 1, 13], [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9]);
    expect(outputs("return F.adaptiveMaxPool1d(x, 6).flatten(1);", "x: Tensor<[Batch, 1, 13]>", { x: line })[0]).toEqual([4, 5, 9, 6, 5, 9]);
    expect(gradCheck(model("return F.adaptiveMaxPool2d(x.view(-1, 1, 5, 4), [3, 3]).flatten(1);", "x: Tensor<[Batch, 20]>")).checked).toBeGreaterThan(0);
    expect(first(model("return F.adaptiveMaxPool1d(x.view(-1, 1, 100), 65).flatten(1);", "x: Tensor<[Batch, 1, 10, 10]>"))).toMatch(
      /^TSDP\d+ 5: F\.adaptiveMaxPool1d: an output of 65 from 100 positions takes windows of different lengths, pooled one at a time; at most 64 of them \(or a size that divides 100: 1, 2, 4, 5, 10, 20, 25, 50, 100\)/,
    );
  });
  it("ChannelShuffle interleaves the groups; Softmax2d is a softmax over the channels", () => {
    const x = nd([1, 6, 1, 1], [0, 1, 2, 3, 4, 5]);
    const got = outputs("return [this.s(x).flatten(1), this.m(x).flatten(1), F.softmax(x, 1).flatten(1)];", "x: Tensor<[Batch, 6, 1, 1]>", { x }, "s = new nn.ChannelShuffle(2); m = new nn.Softmax2d();");
    expect(got[0]).toEqual([0, 3, 1, 4, 2, 5]);
    expect(got[1]).toEqual(got[2]);
  });
  it("LocalResponseNorm: x / (k + α·mean of x² over size channels, zero-padded)^β", () => {
    const x = nd([1, 3, 1, 1], [1, 2, 3]);
    const [lrn, f] = outputs("return [this.n(x).flatten(1), F.localResponseNorm(x, 2, 1, 1, 1).flatten(1)];", "x: Tensor<[Batch, 3, 1, 1]>", { x }, "n = new nn.LocalResponseNorm(2, { alpha: 1, beta: 1, k: 1 });");
    // squares padded [0, 1, 4, 9]; means of pairs 0.5, 2.5, 6.5; divisors 1.5, 3.5, 7.5
    close(lrn, [1 / 1.5, 2 / 3.5, 3 / 7.5]);
    expect(f).toEqual(lrn);
    expect(gradCheck(model("return this.n(x.view(-1, 4, 1, 1)).flatten(1);", "x: Tensor<[Batch, 4]>", "n = new nn.LocalResponseNorm(3);")).checked).toBeGreaterThan(0);
  });
  it("UpsamplingNearest2d and UpsamplingBilinear2d are Upsample with nearest, and bilinear with aligned corners", () => {
    const x = nd([1, 1, 2, 2], [1, 2, 3, 4]);
    const got = outputs(
      "return [this.n(x), F.interpolate(x, { scaleFactor: 2 }), this.b(x), F.interpolate(x, { size: [3, 3], mode: 'bilinear', alignCorners: true })].map((t) => t.flatten(1));",
      "x: Tensor<[Batch, 1, 2, 2]>",
      { x },
      "n = new nn.UpsamplingNearest2d({ scaleFactor: 2 }); b = new nn.UpsamplingBilinear2d({ size: [3, 3] });",
    );
    expect(got[0]).toEqual(got[1]);
    expect(got[2]).toEqual(got[3]);
    close(got[2], [1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4]);
  });
});

describe("ConvTranspose1d, GLU, CosineSimilarity, PairwiseDistance, Identity", () => {
  it("ConvTranspose1d: y[i·stride + k − padding] += x[i]·w[k], PyTorch's weight layout [in, out, k]", () => {
    const x = nd([1, 1, 3], [1, 2, -1]);
    const { outputs: [y], state } = run("return this.t(x).flatten(1);", "x: Tensor<[Batch, 1, 3]>", { x }, "t = new nn.ConvTranspose1d(1, 1, 3, { stride: 2, padding: 1, bias: false });");
    const w = Array.from(state.params.get("t.weight")!.data);
    const want = Array(5).fill(0); // (3 − 1)·2 − 2·1 + 3 = 5
    [1, 2, -1].forEach((v, i) => w.forEach((wk, k) => {
      const at = i * 2 + k - 1;
      if (at >= 0 && at < 5) want[at] += v * wk;
    }));
    close(y, want);
    expect(gradCheck(model("return this.t(x.view(-1, 2, 2)).flatten(1);", "x: Tensor<[Batch, 4]>", "t = new nn.ConvTranspose1d(2, 3, 2, { stride: 2, groups: 1 });")).checked).toBeGreaterThan(0);
  });
  it("the layers equal their functions; PairwiseDistance is ‖x1 − x2 + eps‖ along the last dim; Identity ignores its arguments", () => {
    const a = nd([1, 4], [3, 4, 0, 1]);
    const b = nd([1, 4], [0, 0, 0, 1]);
    const got = outputs(
      "return [this.g(a), F.glu(a), this.c(a, b), F.cosineSimilarity(a, b), this.d(a, b), F.pairwiseDistance(a, b, { eps: 0 }), F.pairwiseDistance(a, b, 1, 0, true), this.i(a)];",
      "a: Tensor<[Batch, 4]>, b: Tensor<[Batch, 4]>",
      { a, b },
      "g = new nn.GLU(); c = new nn.CosineSimilarity(); d = new nn.PairwiseDistance(); i = new nn.Identity(54, { unused: 0.1 });",
    );
    expect(got[0]).toEqual(got[1]);
    expect(got[2]).toEqual(got[3]);
    close(got[4], [Math.hypot(3 + 1e-6, 4 + 1e-6, 1e-6, 1e-6)]);
    close(got[5], [5]);
    close(got[6], [7]);
    expect(got[7]).toEqual([3, 4, 0, 1]);
  });
});

describe("pooling options and a conv's paddingMode", () => {
  const grid = nd([1, 1, 5, 5], Array.from({ length: 25 }, (_, i) => i));
  it("MaxPool2d / F.maxPool2d / MaxPool1d with ceilMode: the partial window at the end is kept", () => {
    const [ceil, floor, fn, one] = outputs(
      "return [this.p(x).flatten(1), this.q(x).flatten(1), F.maxPool2d(x, 3, 2, 1, 1, true).flatten(1), this.r(x.view(-1, 1, 25)).flatten(1)];",
      "x: Tensor<[Batch, 1, 5, 5]>",
      { x: grid },
      "p = new nn.MaxPool2d(2, { stride: 2, ceilMode: true }); q = new nn.MaxPool2d(2, 2); r = new nn.MaxPool1d(4, { stride: 4, ceilMode: true });",
    );
    expect(ceil).toEqual([6, 8, 9, 16, 18, 19, 21, 23, 24]);
    expect(floor).toEqual([6, 8, 16, 18]);
    // kernel 3, stride 2, padding 1 on 5: ⌈(5 + 2 − 3)/2⌉ + 1 = 3 windows, the same as floor here
    expect(fn).toEqual([6, 8, 9, 16, 18, 19, 21, 23, 24]);
    // 25 in windows of 4: 6 full and one of the last element
    expect(one).toEqual([3, 7, 11, 15, 19, 23, 24]);
    expect(gradCheck(model("return this.p(x.view(-1, 1, 2, 3)).flatten(1);", "x: Tensor<[Batch, 6]>", "p = new nn.MaxPool2d(2, { stride: 2, ceilMode: true });")).checked).toBeGreaterThan(0);
  });

  it("AvgPool2d with countIncludePad false divides by the window's real elements", () => {
    const x = nd([1, 1, 2, 2], [1, 2, 3, 4]);
    const [without, withPad] = outputs(
      "return [this.a(x).flatten(1), this.b(x).flatten(1)];",
      "x: Tensor<[Batch, 1, 2, 2]>",
      { x },
      "a = new nn.AvgPool2d(2, { stride: 1, padding: 1, countIncludePad: false }); b = new nn.AvgPool2d(2, 1, 1);",
    );
    close(without, [1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4]);
    close(withPad, [0.25, 0.75, 0.5, 1, 2.5, 1.5, 0.75, 1.75, 1]);
  });

  it("AvgPool2d with ceilMode: the partial window's divisor clipped as PyTorch's (ResNet-D's AvgPool2d(2, 2, ceil_mode=True, count_include_pad=False))", () => {
    // PyTorch's avg_pool2d kernel, per output: the window clipped to the padded input for the
    // divisor (count_include_pad) or to the input itself, the sum over the input's elements
    const direct = (n: number, k: number, st: number, p: number, includePad: boolean) => {
      let out = Math.ceil((n + 2 * p - k) / st) + 1;
      if ((out - 1) * st >= n + p) out--;
      const res: number[] = [];
      for (let oh = 0; oh < out; oh++)
        for (let ow = 0; ow < out; ow++) {
          const [h0, w0] = [oh * st - p, ow * st - p];
          const [h1, w1] = [Math.min(h0 + k, n + p), Math.min(w0 + k, n + p)];
          const size = (h1 - h0) * (w1 - w0);
          const [a0, b0, a1, b1] = [Math.max(h0, 0), Math.max(w0, 0), Math.min(h1, n), Math.min(w1, n)];
          let sum = 0;
          for (let i = a0; i < a1; i++) for (let j = b0; j < b1; j++) sum += grid.data[i * 5 + j];
          res.push(sum / (includePad ? size : (a1 - a0) * (b1 - b0)));
        }
      return res;
    };
    const [resnetD, withPad, padded, fn] = outputs(
      "return [this.a(x), this.b(x), this.c(x), F.avgPool2d(x, 3, 2, 1, true, false)].map((t) => t.flatten(1));",
      "x: Tensor<[Batch, 1, 5, 5]>",
      { x: grid },
      "a = new nn.AvgPool2d(2, 2, 0, true, false); b = new nn.AvgPool2d(2, { stride: 2, ceilMode: true }); c = new nn.AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true });",
    );
    close(resnetD, direct(5, 2, 2, 0, false));
    close(withPad, direct(5, 2, 2, 0, true));
    close(padded, direct(5, 3, 2, 1, true));
    close(fn, direct(5, 3, 2, 1, false));
    // the partial windows are where the two divisors differ: 9 windows, the last row's and column's halves
    expect(resnetD).toHaveLength(9);
    expect(resnetD[8]).toBe(24);
    expect(withPad[8]).toBe(24 / 1);
    expect(gradCheck(model("return this.a(x.view(-1, 1, 3, 3)).flatten(1);", "x: Tensor<[Batch, 9]>", "a = new nn.AvgPool2d(2, 2, 0, true, false);")).checked).toBeGreaterThan(0);
  });

  it("Conv2d and Conv1d with paddingMode reflect, replicate, circular: the conv of F.pad's mode", () => {
    const fields = (mode: string) =>
      `c = new nn.Conv2d(1, 1, 3, { padding: 1, paddingMode: "${mode}" }); d = new nn.Conv2d(1, 1, 3); e = new nn.Conv1d(1, 1, 3, { padding: "same", paddingMode: "${mode}" }); f = new nn.Conv1d(1, 1, 3);\n  constructor() { super(); for (const l of [this.c, this.d]) { nn.init.normal_(l.weight); nn.init.zeros_(l.bias); } for (const l of [this.e, this.f]) { nn.init.ones_(l.weight); nn.init.zeros_(l.bias); } }`;
    for (const mode of ["reflect", "replicate", "circular"]) {
      const [withMode, manual, one, oneManual] = outputs(
        `return [this.c(x).flatten(1), this.d(F.pad(x, [1, 1, 1, 1], "${mode}")).flatten(1), this.e(x.view(-1, 1, 25)).flatten(1), this.f(F.pad(x.view(-1, 1, 25), [1, 1], "${mode}")).flatten(1)];`,
        "x: Tensor<[Batch, 1, 5, 5]>",
        { x: grid },
        fields(mode).replace("nn.init.normal_(l.weight)", "nn.init.constant_(l.weight, 0.5)"),
      );
      expect(withMode, mode).toEqual(manual);
      expect(one, mode).toEqual(oneManual);
      // the first element of the 1-D conv of ones: its left neighbour is the mode's
      expect(one[0], mode).toBe({ reflect: 1 + 0 + 1, replicate: 0 + 0 + 1, circular: 24 + 0 + 1 }[mode]);
    }
  });
});

describe("padding \"same\" with an even kernel", () => {
  it("pads the odd one after, as PyTorch's: Conv2d, Conv1d, F.conv2d, F.conv1d, and with a padding mode", () => {
    const x = nd([1, 1, 4, 4], Array.from({ length: 16 }, (_, i) => Math.sin(i)));
    const [c2, c2m, f2, c1, c1m, f1, c1r, c1rm] = outputs(
      "const l = x.flatten(2); return [this.a(x), F.conv2d(F.pad(x, [0, 1, 0, 1]), this.a.weight, this.a.bias), F.conv2d(x, this.a.weight, { bias: this.a.bias, padding: 'same' }), this.b(l), this.bv(F.pad(l, [1, 2])), F.conv1d(l, this.b.weight, this.b.bias, 1, 'same', 1), this.r(l), this.rv(F.pad(l, [1, 2], 'reflect'))].map((t) => t.flatten(1));",
      "x: Tensor<[Batch, 1, 4, 4]>",
      { x },
      "a = new nn.Conv2d(1, 2, 2, { padding: 'same' }); b = new nn.Conv1d(1, 1, 4, { padding: 'same' }); bv = new nn.Conv1d(1, 1, 4); r = new nn.Conv1d(1, 1, 4, { padding: 'same', paddingMode: 'reflect' }); rv = new nn.Conv1d(1, 1, 4);\n  constructor() { super(); this.bv.weight.copy_(F.tensor([[[1, -2, 3, 0.5]]])); this.b.weight.copy_(F.tensor([[[1, -2, 3, 0.5]]])); this.r.weight.copy_(F.tensor([[[1, -2, 3, 0.5]]])); this.rv.weight.copy_(F.tensor([[[1, -2, 3, 0.5]]])); for (const l of [this.b, this.bv, this.r, this.rv]) l.bias.data.fill_(0.25); }",
    );
    // total k − 1 = 1 for k = 2: 0 before, 1 after; k = 4 (1-D): 3 = 1 before, 2 after
    expect(c2.length).toBe(2 * 16);
    expect(c2).toEqual(c2m);
    expect(f2).toEqual(c2);
    expect(c1.length).toBe(16);
    expect(c1).toEqual(c1m);
    expect(f1).toEqual(c1);
    expect(c1r).toEqual(c1rm);
  });
});

describe("F.conv2d and F.conv1d", () => {
  it("equal the layers on their own weights, take a weight computed in forward, and check what they are given", () => {
    const x = nd([1, 2, 4, 4], Array.from({ length: 32 }, (_, i) => Math.sin(i)));
    const [layer, fn, same, one, oneFn] = outputs(
      "return [this.c(x), F.conv2d(x, this.c.weight, this.c.bias, 1, 1), F.conv2d(x, this.c.weight, { bias: this.c.bias, padding: 'same' }), this.d(x.flatten(2)), F.conv1d(x.flatten(2), this.d.weight, this.d.bias, 2)].map((t) => t.flatten(1));",
      "x: Tensor<[Batch, 2, 4, 4]>",
      { x },
      "c = new nn.Conv2d(2, 3, 3, { padding: 1 }); d = new nn.Conv1d(2, 1, 3, { stride: 2 });",
    );
    expect(fn).toEqual(layer);
    expect(same).toEqual(layer);
    expect(oneFn).toEqual(one);
    // a computed weight: W·2 gives twice the bias-free output
    const [twice, once] = outputs("return [F.conv2d(x, this.c.weight.mul(2)), F.conv2d(x, this.c.weight)].map((t) => t.flatten(1));", "x: Tensor<[Batch, 2, 4, 4]>", { x }, "c = new nn.Conv2d(2, 3, 3, { bias: false });");
    twice.forEach((v, i) => expect(v).toBeCloseTo(2 * once[i], 12));
    expect(gradCheck(model("return F.conv2d(x.view(-1, 1, 2, 3), this.w.sub(this.w.mean()), null, 1, 1).flatten(1);", "x: Tensor<[Batch, 6]>", "w = new nn.Parameter(F.randn([2, 1, 2, 2]));")).checked).toBeGreaterThan(0);
    expect(first(model("return F.conv2d(x, F.ones(3, 3)).flatten(1);", "x: Tensor<[Batch, 2, 4, 4]>"))).toMatch(/^TSDP4001 \d+: F\.conv2d expects a weight \[out, in\/groups, kH, kW\], got \[3, 3\]/);
  });
});

describe("F.interpolate's area mode", () => {
  it("is adaptive average pooling, sizes that divide or not", () => {
    const x = nd([1, 1, 5, 7], Array.from({ length: 35 }, (_, i) => Math.cos(i)));
    const [area, adaptive, area1d] = outputs(
      "return [F.interpolate(x, { size: [3, 4], mode: 'area' }).flatten(1), F.adaptiveAvgPool2d(x, [3, 4]).flatten(1), F.interpolate(x.flatten(2), { size: 3, mode: 'area' }).flatten(1)];",
      "x: Tensor<[Batch, 1, 5, 7]>",
      { x },
    );
    // the weights 1/(e − s) are float32, as the kernels hold them: within float32's rounding of the exact means
    const near = (got: number[], want: number[]) => got.forEach((g, i) => expect(Math.abs(g - want[i]), `element ${i}`).toBeLessThan(1e-7 * Math.max(1, Math.abs(want[i]))));
    near(area, adaptive);
    // along one dim of 35: windows [0, 12), [11, 24), [23, 35)
    const flat = Array.from(x.data);
    const avg = (s: number, e: number) => flat.slice(s, e).reduce((a, b) => a + b, 0) / (e - s);
    near(area1d, [avg(0, 12), avg(11, 24), avg(23, 35)]);
    expect(first(model("return F.interpolate(x, { size: [2, 2], mode: 'area', alignCorners: true }).flatten(1);", "x: Tensor<[Batch, 1, 4, 4]>"))).toMatch(/alignCorners can only be set with modes "linear", "bilinear", "bicubic" and "trilinear" \(PyTorch refuses it for "area" too\)/);
  });
});

describe("F.interpolate's antialias (timm's resample_abs_pos_embed: bicubic, antialias=True)", () => {
  it("is PyTorch's filter in both directions, per spatial dim", () => {
    // [1, 0] along W, bicubic 2 → 4 with A = −0.5: destination 0 has centre ¼, taps 0 and 1 at distances ¼ and 1¼
    // (0.8671875 and −0.0703125 over their sum), destination 1 centre ¾ (0.8671875 and 0.2265625 over theirs)
    const [up, down] = outputs(
      "return [F.interpolate(x.index(':', ':', ':1', ':2'), { size: [1, 4], mode: 'bicubic', antialias: true }).flatten(1), F.interpolate(x, { size: [2, 2], mode: 'bilinear', antialias: true }).flatten(1)];",
      "x: Tensor<[Batch, 1, 4, 4]>",
      { x: nd([1, 1, 4, 4], [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) },
    );
    [0.8671875 / 0.796875, 0.8671875 / 1.09375, 0.2265625 / 1.09375, -0.0703125 / 0.796875].forEach((w, i) => expect(up[i]).toBeCloseTo(w, 6));
    // bilinear 4 → 2 per dim: source 0 weighs 3/7 in destination 0 and nothing in 1, so (3/7)² at [0, 0]
    [9 / 49, 0, 0, 0].forEach((w, i) => expect(down[i]).toBeCloseTo(w, 6));
  });
});

describe("an RNN layer's flatten_parameters()", () => {
  it("changes nothing, in forward (Tacotron 2's encoder) and in a constructor; a cell has none", () => {
    const fields = "lstm = new nn.LSTM(2, 3, { batchFirst: true, bidirectional: true }); gru = new nn.GRU(2, 3, { batchFirst: true }); constructor() { super(); this.gru.flattenParameters(); }";
    const x = nd([2, 4, 2], Array.from({ length: 16 }, (_, i) => Math.sin(i)));
    const plain = outputs("const [y] = this.lstm(x);\n    return [y, this.gru(x)[0]];", "x: Tensor<[Batch, 4, 2]>", { x }, fields);
    const flattened = outputs("this.lstm.flatten_parameters();\n    this.gru.flattenParameters();\n    const [y] = this.lstm(x);\n    return [y, this.gru(x)[0]];", "x: Tensor<[Batch, 4, 2]>", { x }, fields);
    expect(flattened).toEqual(plain);
    expect(first(model("this.cell.flatten_parameters();\n    return this.cell(x);", "x: Tensor<[Batch, 2]>", "cell = new nn.LSTMCell(2, 3);"))).toMatch(/^TSDP2011 5: nn\.LSTMCell has no property 'flatten_parameters'/);
  });
});

describe("an RNN layer's weight names (RNNBase's _all_weights, _flat_weights_names, all_weights)", () => {
  it("group the parameters per layer and direction; DeepAR's forget-gate init through them sets bias[H:2H] to 1", () => {
    const fields = `lstm = new nn.LSTM(2, 3, { numLayers: 2, bidirectional: true, batchFirst: true });
  gru = new nn.GRU(2, 3, { bias: false });
  names: string[][];
  flat: string[];
  constructor() {
    super();
    for (const names of this.lstm._all_weights)
      for (const name of names.filter((n: string) => n.includes("bias"))) {
        const bias = (this.lstm as any)[name];
        const n = bias.size(0);
        bias.data.index(\`\${Math.floor(n / 4)}:\${Math.floor(n / 2)}\`).fill_(1.0);
      }
    this.names = this.lstm._all_weights;
    this.flat = this.gru._flat_weights_names;
    for (const [w] of this.gru.all_weights) nn.init.zeros_(w);
  }`;
    const src = model("const [y] = this.lstm(x);\n    return y.sum(2).mul(this.names.length + this.flat.length);", "x: Tensor<[Batch, 4, 2]>", fields);
    const { graph } = lowerSource(src);
    const state = initState(graph, 0);
    expect(graph.params.filter((p) => (p.attrs.name as string).startsWith("lstm.")).length).toBe(16);
    for (const name of ["bias_ih_l0", "bias_hh_l0", "bias_ih_l1_reverse", "bias_hh_l1_reverse"]) {
      const b = Array.from(state.params.get(`lstm.${name}`)!.data);
      expect(b.slice(3, 6)).toEqual([1, 1, 1]);
      expect(b.slice(0, 3).every((v) => v !== 1 && Math.abs(v) <= 1 / Math.sqrt(3))).toBe(true);
    }
    expect(Array.from(state.params.get("gru.weight_ih_l0")!.data).every((v) => v === 0)).toBe(true);
    // the names as PyTorch lists them: 4 groups of 4 for the LSTM, one flat list of 2 for the bias-less GRU (a factor 6 in forward)
    const named = lowerSource(model("return x.mul(this.names[3].indexOf('bias_hh_l1_reverse') + this.flat.indexOf('weight_hh_l0') * 10 + this.names.length * 100);", "x: Tensor<[Batch, 1]>", fields.replace("const [y] = this.lstm(x);", "")));
    expect(Array.from(runReference(named.graph, { x: nd([1, 1], [1]) }, initState(named.graph, 0)).outputs[0].data)).toEqual([413]);
  });
});

describe("nn forms ports write that PyTorch accepts (port90)", () => {
  it("a built-in class's static method through an instance: this.transformer.generate_square_subsequent_mask(T) is the class's", () => {
    const x = nd([1, 3], [1, 2, 3]);
    const got = outputs(
      "return [this.t.generateSquareSubsequentMask(3), this.t.generate_square_subsequent_mask(3), nn.Transformer.generate_square_subsequent_mask(3)].map((m) => x.unsqueeze(2).mul(0).add(m.exp()).flatten(1));",
      "x: Tensor<[Batch, 3]>",
      { x },
      "t = new nn.Transformer({ dModel: 4, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 8, batchFirst: true });",
    );
    // exp of the mask: 1 on and below the diagonal, 0 above it
    for (const g of got) expect(g).toEqual([1, 0, 0, 1, 1, 0, 1, 1, 1]);
  });
  it("ConvTranspose1d/2d/3d take padding_mode \"zeros\", by keyword or as PyTorch's tenth argument, and refuse the others as PyTorch does", () => {
    const x = nd([1, 1, 2, 2], [1, 2, 3, 4]);
    const got = outputs("return [this.a(x), this.b(x)].map((t) => t.flatten(1));", "x: Tensor<[Batch, 1, 2, 2]>", { x }, "a = new nn.ConvTranspose2d(1, 1, 2, { paddingMode: 'zeros', bias: false }); b = new nn.ConvTranspose2d(1, 1, 2, 1, 0, 0, 1, false, 1, 'zeros');");
    expect(got[0].length).toBe(9);
    expect(outputs("return this.c(x.view(-1, 1, 4));", "x: Tensor<[Batch, 4]>", { x: nd([1, 4], [1, 2, 3, 4]) }, "c = new nn.ConvTranspose1d(1, 1, 2, 1, 0, 0, 1, true, 1, 'zeros');")[0].length).toBe(5);
    expect(outputs("return this.c(x.view(-1, 1, 2, 2, 1)).flatten(1);", "x: Tensor<[Batch, 4]>", { x: nd([1, 4], [1, 2, 3, 4]) }, "c = new nn.ConvTranspose3d(1, 1, 2, { paddingMode: 'zeros' });")[0].length).toBe(18);
    expect(first(model("return this.c(x);", "x: Tensor<[Batch, 1, 2, 2]>", "c = new nn.ConvTranspose2d(1, 1, 2, { paddingMode: 'reflect' });"))).toMatch(/^TSDP\d+ 3: nn.ConvTranspose2d: paddingMode must be one of "zeros", got the string "reflect"/);
  });
  it("nn.NLLLoss2d is NLLLoss (PyTorch's deprecated name for its [N, C, H, W] form)", () => {
    const x = nd([1, 2, 1, 2], [-1, -2, -3, -0.5]);
    const t = nd([1, 1, 2], Int32Array.from([1, 0]));
    const got = outputs("return [this.a(x, t).expand(x.size(0)), this.b(x, t).expand(x.size(0))];", "x: Tensor<[Batch, 2, 1, 2]>, t: Tensor<[Batch, 1, 2], 'int32'>", { x, t }, "a = new nn.NLLLoss2d(); b = new nn.NLLLoss();");
    expect(got[0]).toEqual([(3 + 2) / 2]);
    expect(got[1]).toEqual(got[0]);
  });
});

describe("adaptive max pooling with returnIndices (port90)", () => {
  it("gives PyTorch's (values, indices): the first maximum's flat position in the input's plane, which MaxUnpool2d takes back", () => {
    // one channel 2×4: windows of 1×2 → maxima 5 (at 1), 7 (at 2), 8 (at 4), 9 (at 7)
    const x = nd([1, 1, 2, 4], [1, 5, 7, 7, 8, 0, 3, 9]);
    const got = outputs("const [y, i] = this.p(x); const [z, j] = F.adaptiveMaxPool1d(x.flatten(2), 2, true); return [y.flatten(1), i.flatten(1), z.flatten(1), j.flatten(1), this.u(y, i).flatten(1)];", "x: Tensor<[Batch, 1, 2, 4]>", { x }, "p = new nn.AdaptiveMaxPool2d([null, 2], { returnIndices: true }); u = new nn.MaxUnpool2d([1, 2]);");
    expect(got.slice(0, 4)).toEqual([[5, 7, 8, 9], [1, 2, 4, 7], [7, 9], [2, 7]]);
    expect(got[4]).toEqual([0, 5, 7, 0, 8, 0, 0, 9]);
    expect(first(model("const [y, i] = this.p(x); return y;", "x: Tensor<[Batch, 1, 2, 4]>", "p = new nn.AdaptiveMaxPool2d(3, true);"))).toMatch(/^TSDP\d+ 5: nn.AdaptiveMaxPool2d: returnIndices: true needs windows of one length/);
  });
});

describe("nn classes tsdp does not compute (port90)", () => {
  it("FractionalMaxPool, AdaptiveLogSoftmaxWithLoss, LPPool3d and CrossMapLRN2d are refused with what to write instead", () => {
    const refusal = (fields: string) => first(model("return this.p(x);", "x: Tensor<[Batch, 1, 4, 4]>", fields));
    expect(refusal("p = new nn.FractionalMaxPool2d(2, { outputSize: 2 });")).toMatch(/^TSDP3001 3: nn.FractionalMaxPool2d is not supported: .*nn.AdaptiveMaxPool2d\(outputSize\)/);
    expect(first(model("return F.fractional_max_pool2d(x, 2, { outputSize: 2 });", "x: Tensor<[Batch, 1, 4, 4]>"))).toMatch(/^TSDP3001 5: .*not supported: fractional max pooling/);
    expect(refusal("p = new nn.AdaptiveLogSoftmaxWithLoss(4, 10, [5]);")).toMatch(/^TSDP3001 3: .*nn.Linear\(inFeatures, nClasses\) head with F.crossEntropy/);
    expect(refusal("p = new nn.LPPool3d(2, 2);")).toMatch(/^TSDP3001 3: .*F.avgPool3d\(x.pow\(p\)/);
    expect(refusal("p = new nn.CrossMapLRN2d(3);")).toMatch(/^TSDP3001 3: .*nn.LocalResponseNorm/);
  });
});

describe("1-D layers' sizes as one-element tuples (port100)", () => {
  it("take kernel_size=(3,), stride=(2,), padding=(1,), dilation=(2,) as PyTorch's _single does: the same values as the integers", () => {
    const x = nd([2, 2, 9], Array.from({ length: 36 }, (_, i) => Math.sin(i * 1.3)));
    const input = "x: Tensor<[Batch, 2, 9]>";
    const pairs: [string, string][] = [
      ["c = new nn.Conv1d(2, 3, [3], [2], [1], [2]);", "return this.c(x);"],
      ["c = new nn.ConvTranspose1d(2, 3, [3], { stride: [2], padding: [1], outputPadding: [1], dilation: [1] });", "return this.c(x);"],
      ["p = new nn.MaxPool1d([3], [2], [1], [2]); q = new nn.AvgPool1d([3], [2], [1]); r = new nn.LPPool1d(2, [3], [2]);", "return [this.p(x), this.q(x), this.r(x.abs())];"],
      ["a = new nn.AdaptiveAvgPool1d([4]); m = new nn.AdaptiveMaxPool1d([4]);", "return [this.a(x), this.m(x)];"],
      ["w = new nn.Parameter(F.randn(4, 1, 3));", "const [y, i] = F.maxPool1d(x, [2], { returnIndices: true }); return [F.conv1d(x, this.w, null, [2], [1], [2], 2), F.avgPool1d(x, [3], [2], [1]), F.maxUnpool1d(y, i, [2], [2], [0]), F.adaptiveAvgPool1d(x, [4])];"],
    ];
    for (const [fields, body] of pairs) {
      const ints = (s: string) => s.replace(/\[(\d)\]/g, "$1");
      expect(outputs(body, input, { x }, fields), fields).toEqual(outputs(ints(body), input, { x }, ints(fields)));
    }
    // the layer keeps PyTorch's tuples
    expect(outputs("return x.mul(this.c.kernel_size[0]).add(this.c.padding[0]);", input, { x }, "c = new nn.Conv1d(2, 3, [3], { padding: [1] });")[0][1]).toBeCloseTo(Math.sin(1.3) * 3 + 1, 12);
    // a 2-tuple is not a 1-D size (PyTorch's _single keeps it, and the convolution fails)
    expect(first(model("return this.c(x);", input, "c = new nn.Conv1d(2, 3, [3, 3]);"))).toMatch(/^TSDP3003 3: nn\.Conv1d: kernelSize must be a positive integer or a one-element list of one, got \[3, 3\]/);
    expect(first(model("return F.maxUnpool1d(x, x.int(), [0]);", input))).toMatch(/F\.maxUnpool1d: kernelSize must be a positive integer \(or a one-element list of one\), got \[0\]/);
  });
});

describe("F.conv_transpose3d (port100)", () => {
  it("is nn.ConvTranspose3d's composition of the weight given, positional or by keyword", () => {
    const x = nd([1, 4, 2, 3, 2], Array.from({ length: 48 }, (_, i) => Math.cos(i * 0.7)));
    const input = "x: Tensor<[Batch, 4, 2, 3, 2]>";
    const fields = "c = new nn.ConvTranspose3d(4, 6, [2, 3, 2], { stride: [2, 1, 2], padding: [0, 1, 1], outputPadding: [1, 0, 1], groups: 2, dilation: [1, 2, 1] });";
    const got = outputs("return [this.c(x), F.convTranspose3d(x, this.c.weight, this.c.bias, [2, 1, 2], [0, 1, 1], [1, 0, 1], 2, [1, 2, 1]), F.convTranspose3d(x, this.c.weight, { bias: this.c.bias, stride: [2, 1, 2], padding: [0, 1, 1], outputPadding: [1, 0, 1], groups: 2, dilation: [1, 2, 1] })];", input, { x }, fields);
    expect(got[0].length).toBe(6 * 5 * 5 * 3);
    expect(got[1]).toEqual(got[0]);
    expect(got[2]).toEqual(got[0]);
    expect(gradCheck(model("return F.convTranspose3d(x, this.w, null, 2, 0, 1);", "x: Tensor<[Batch, 2, 2, 2, 2]>", "w = new nn.Parameter(F.randn(2, 3, 2, 1, 2));"), { samples: 8 }).checked).toBeGreaterThan(0);
  });
});

describe("ConvTranspose with stride ≤ output_padding < dilation (port100)", () => {
  it("computes PyTorch's values and gradients (it was refused: the gradient's conv2d is longer than the input)", () => {
    // 1-D, x = [1, 2], kernel [1, 10, 100], stride 1, dilation 2, output_padding 1, padding 1: the taps
    // of x[i] land at i − 1 + 2k, output length (2 − 1) − 2 + 2·2 + 1 + 1 = 5: positions −1…4 kept in 0…4
    const got = outputs("return F.convTranspose1d(x, this.w, null, 1, 1, 1, 1, 2);", "x: Tensor<[Batch, 1, 2]>", { x: nd([1, 1, 2], [1, 2]) }, "w = new nn.Parameter(F.tensor([[[1.0, 10, 100]]]));");
    const want = [0, 0, 0, 0, 0];
    [1, 2].forEach((v, i) => [1, 10, 100].forEach((w, k) => { const o = i - 1 + 2 * k; if (o >= 0 && o < 5) want[o] += v * w; }));
    expect(got[0]).toEqual(want);
    expect(gradCheck(model("return this.c(x);", "x: Tensor<[Batch, 2, 3, 4]>", "c = new nn.ConvTranspose2d(2, 4, [3, 2], { stride: [1, 2], dilation: [3, 2], outputPadding: [2, 1], padding: 1, groups: 2 });"), { samples: 10 }).checked).toBeGreaterThan(0);
    expect(first(model("return this.c(x);", "x: Tensor<[Batch, 2, 3, 4]>", "c = new nn.ConvTranspose2d(2, 2, 3, { stride: 2, dilation: 2, outputPadding: 2 });"))).toMatch(/output_padding \(2\) must be smaller than either stride \(2\) or dilation \(2\)/);
  });
});

describe("a convolution's _reversed_padding_repeated_twice (port100)", () => {
  it("is PyTorch's F.pad amounts, last dim first, and a _conv_forward copied from PyTorch computes the layer", () => {
    const x = nd([1, 2, 5, 6], Array.from({ length: 60 }, (_, i) => Math.sin(i * 0.9)));
    const input = "x: Tensor<[Batch, 2, 5, 6]>";
    // read through a tensor of the list: "same" with a 2×4 kernel pads H (0, 1) and W (1, 2); padding (1, 2) is W (2, 2), H (1, 1)
    const list = (layer: string) => outputs("return F.tensor(this.c._reversed_padding_repeated_twice).float().unsqueeze(0).expand(x.size(0), -1);", input, { x }, `c = ${layer};`)[0];
    expect(list("new nn.Conv2d(2, 2, [2, 4], { padding: 'same' })")).toEqual([1, 2, 0, 1]);
    expect(list("new nn.Conv2d(2, 2, 3, { padding: [1, 2] })")).toEqual([2, 2, 1, 1]);
    expect(list("new nn.Conv1d(2, 2, 4, { padding: 'same', dilation: 3 })")).toEqual([4, 5]);
    expect(list("new nn.Conv3d(2, 2, [2, 3, 4], { padding: 'same' })")).toEqual([1, 2, 1, 1, 0, 1]);
    const fields = "c = new nn.Conv2d(2, 3, [2, 3], { padding: [1, 2], paddingMode: 'circular' });";
    const copied = outputs("return F.conv2d(F.pad(x, this.c._reversed_padding_repeated_twice, this.c.padding_mode), this.c.weight, this.c.bias, this.c.stride, 0, this.c.dilation, this.c.groups);", input, { x }, fields);
    expect(copied).toEqual(outputs("return this.c(x);", input, { x }, fields));
  });
});
