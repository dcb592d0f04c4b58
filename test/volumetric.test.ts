// Volumes [N, C, D, H, W] through the 2-D ops (compiler/1-frontend/volumetric.ts): nn.Conv3d,
// MaxPool3d, AvgPool3d, the adaptive pools, BatchNorm3d and InstanceNorm3d, each against a direct
// loop over the 3-D window written here (float64, within 1e-12), autodiff against central
// differences, and the refusals. test/pytorch-spellings-target.test.ts runs them on the CPU target.
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd, type NDArray } from "../compiler/reference/ndarray.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const model = (body: string, input: string, fields = "") => `${header}export class M extends nn.Module {\n  ${fields}\n  forward(${input}) {\n    ${body}\n  }\n}\n`;
const first = (src: string) => diagnosticsOf(src).map((d) => `${d.code} ${d.loc?.line}: ${d.message}`)[0];

type V5 = { data: ArrayLike<number>; shape: readonly number[] };
const at = (t: V5, i: number[]) => {
  let flat = 0;
  for (let k = 0; k < i.length; k++) flat = flat * t.shape[k] + i[k];
  return t.data[flat];
};
/** x [N, C, D, H, W] ⊛ w [O, C/g, kd, kh, kw], PyTorch's conv3d written out. */
function conv3dLoop(x: V5, w: V5, bias: ArrayLike<number> | null, stride: number[], padding: number[], dilation: number[], groups: number): V5 {
  const [n, , d, h, wd] = x.shape;
  const [o, cg, ...k] = w.shape;
  const size = [d, h, wd].map((s, i) => Math.floor((s + 2 * padding[i] - dilation[i] * (k[i] - 1) - 1) / stride[i]) + 1);
  const out: number[] = [];
  for (let b = 0; b < n; b++)
    for (let oc = 0; oc < o; oc++)
      for (let z = 0; z < size[0]; z++)
        for (let y = 0; y < size[1]; y++)
          for (let xx = 0; xx < size[2]; xx++) {
            let s = bias ? bias[oc] : 0;
            const g = Math.floor(oc / (o / groups));
            for (let ic = 0; ic < cg; ic++)
              for (let a = 0; a < k[0]; a++)
                for (let p = 0; p < k[1]; p++)
                  for (let q = 0; q < k[2]; q++) {
                    const pos = [z * stride[0] - padding[0] + a * dilation[0], y * stride[1] - padding[1] + p * dilation[1], xx * stride[2] - padding[2] + q * dilation[2]];
                    if (pos.some((v, i) => v < 0 || v >= [d, h, wd][i])) continue;
                    s += at(x, [b, g * cg + ic, ...pos]) * at(w, [oc, ic, a, p, q]);
                  }
            out.push(s);
          }
  return { data: out, shape: [n, o, ...size] };
}
/** x [N, C, D, H, W] transposed-convolved with w [C, O/g, kd, kh, kw]: each input voxel scatters x·W, PyTorch's conv_transpose3d. */
function convTranspose3dLoop(x: V5, w: V5, bias: ArrayLike<number> | null, stride: number[], padding: number[], outputPadding: number[], dilation: number[], groups: number): V5 {
  const [n, c, ...dims] = x.shape;
  const [, og, ...k] = w.shape;
  const size = dims.map((v, i) => (v - 1) * stride[i] - 2 * padding[i] + dilation[i] * (k[i] - 1) + outputPadding[i] + 1);
  const o = og * groups;
  const out = new Float64Array(n * o * size[0] * size[1] * size[2]);
  const cg = c / groups;
  for (let b = 0; b < n; b++)
    for (let ic = 0; ic < c; ic++)
      for (let z = 0; z < dims[0]; z++)
        for (let y = 0; y < dims[1]; y++)
          for (let xx = 0; xx < dims[2]; xx++)
            for (let oc = 0; oc < og; oc++)
              for (let a = 0; a < k[0]; a++)
                for (let p = 0; p < k[1]; p++)
                  for (let q = 0; q < k[2]; q++) {
                    const pos = [z * stride[0] - padding[0] + a * dilation[0], y * stride[1] - padding[1] + p * dilation[1], xx * stride[2] - padding[2] + q * dilation[2]];
                    if (pos.some((v, i) => v < 0 || v >= size[i])) continue;
                    const outC = Math.floor(ic / cg) * og + oc;
                    out[(((b * o + outC) * size[0] + pos[0]) * size[1] + pos[1]) * size[2] + pos[2]] += at(x, [b, ic, z, y, xx]) * at(w, [ic, oc, a, p, q]);
                  }
  if (bias) for (let i = 0; i < out.length; i++) out[i] += bias[Math.floor(i / (size[0] * size[1] * size[2])) % o];
  return { data: out, shape: [n, o, ...size] };
}
/** max or mean over each k window of stride s and padding p (the mean counting padding or not). */
function pool3dLoop(x: V5, kind: "max" | "avg", k: number[], s: number[], p: number[], includePad = true, dil = [1, 1, 1], divisor?: number): number[] {
  const [n, c, ...dims] = x.shape;
  const size = dims.map((v, i) => Math.floor((v + 2 * p[i] - dil[i] * (k[i] - 1) - 1) / s[i]) + 1);
  const out: number[] = [];
  for (let b = 0; b < n * c; b++)
    for (let z = 0; z < size[0]; z++)
      for (let y = 0; y < size[1]; y++)
        for (let xx = 0; xx < size[2]; xx++) {
          let acc = kind === "max" ? -Infinity : 0;
          let count = 0;
          for (let a = 0; a < k[0]; a++)
            for (let q = 0; q < k[1]; q++)
              for (let r = 0; r < k[2]; r++) {
                const pos = [z * s[0] - p[0] + a * dil[0], y * s[1] - p[1] + q * dil[1], xx * s[2] - p[2] + r * dil[2]];
                if (pos.some((v, i) => v < 0 || v >= dims[i])) continue;
                const v = x.data[(((b * dims[0] + pos[0]) * dims[1]) + pos[1]) * dims[2] + pos[2]];
                acc = kind === "max" ? Math.max(acc, v) : acc + v;
                count++;
              }
          out.push(kind === "max" ? acc : acc / (divisor ?? (includePad ? k[0] * k[1] * k[2] : count)));
        }
  return out;
}

const input = (shape: number[]) => nd(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.37) * 2 + (i % 5) * 0.1));
function run(src: string, values: Record<string, NDArray>) {
  const { graph } = lowerSource(src);
  const state = initState(graph, 3);
  return { outputs: runReference(graph, values, state).outputs, state };
}
const close = (got: ArrayLike<number>, want: ArrayLike<number>) => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(got[i], `element ${i}`).toBeCloseTo(want[i], 12);
};

describe("nn.Conv3d as conv2d per kernel depth", () => {
  for (const [name, options, k] of [
    ["padding 1", "{ padding: 1 }", [3, 3, 3]],
    ["stride, uneven kernel, no bias", "{ stride: [2, 1, 2], padding: [1, 0, 1], bias: false }", [3, 1, 3]],
    ["dilation and groups", "{ dilation: [2, 1, 1], groups: 2, padding: 'same' }", [3, 3, 1]],
  ] as const)
    it(`${name}: equal to the 3-D window's sum`, () => {
      const x = input([2, 4, 5, 5, 4]);
      const { outputs, state } = run(model("return this.c(x);", "x: Tensor<[Batch, 4, 5, 5, 4]>", `c = new nn.Conv3d(4, 2, [${k.join(", ")}], ${options});`), { x });
      const w = state.params.get("c.weight")!;
      const b = state.params.get("c.bias");
      const stride = name.startsWith("stride") ? [2, 1, 2] : [1, 1, 1];
      const padding = name.startsWith("padding") ? [1, 1, 1] : name.startsWith("stride") ? [1, 0, 1] : [2, 1, 0];
      const dilation = name.startsWith("dilation") ? [2, 1, 1] : [1, 1, 1];
      const want = conv3dLoop(x, w, b?.data ?? null, stride, padding, dilation, name.startsWith("dilation") ? 2 : 1);
      expect(outputs[0].shape).toEqual(want.shape);
      close(outputs[0].data, want.data);
    });
  it("F.conv3d of a weight computed in forward; autodiff against central differences", () => {
    const x = input([1, 2, 3, 3, 3]);
    const { outputs, state } = run(model("return F.conv3d(x, this.c.weight.mul(2), null, 1, 1);", "x: Tensor<[Batch, 2, 3, 3, 3]>", "c = new nn.Conv3d(2, 1, 3);"), { x });
    const w = state.params.get("c.weight")!;
    close(outputs[0].data, conv3dLoop(x, { data: Array.from(w.data, (v) => 2 * v), shape: w.shape }, null, [1, 1, 1], [1, 1, 1], [1, 1, 1], 1).data);
    expect(gradCheck(model("return this.c(x.view(-1, 2, 3, 2, 2)).flatten(1);", "x: Tensor<[Batch, 24]>", "c = new nn.Conv3d(2, 2, [2, 2, 1], { stride: [2, 1, 1], padding: [1, 0, 0] });").slice(header.length)).checked).toBeGreaterThan(0);
  });
  it("paddingMode circular, reflect, replicate: the input padded in that mode (D, H, W wrapped, mirrored, repeated), then the convolution unpadded", () => {
    const x = input([1, 2, 3, 4, 4]);
    // the index each padded position reads, per mode (size n, padding 1)
    const source: Record<string, (i: number, n: number) => number> = { circular: (i, n) => (i + n) % n, reflect: (i, n) => (i < 0 ? -i : i >= n ? 2 * n - 2 - i : i), replicate: (i, n) => Math.min(n - 1, Math.max(0, i)) };
    for (const mode of ["circular", "reflect", "replicate"]) {
      const { outputs, state } = run(model("return this.c(x);", "x: Tensor<[Batch, 2, 3, 4, 4]>", `c = new nn.Conv3d(2, 2, 3, { padding: 1, paddingMode: "${mode}" });`), { x });
      const [d, h, w] = [3, 4, 4];
      const data: number[] = [];
      for (let c = 0; c < 2; c++)
        for (let z = -1; z <= d; z++) for (let y = -1; y <= h; y++) for (let q = -1; q <= w; q++) data.push(at(x, [0, c, source[mode](z, d), source[mode](y, h), source[mode](q, w)]));
      const want = conv3dLoop({ shape: [1, 2, d + 2, h + 2, w + 2], data }, state.params.get("c.weight")!, state.params.get("c.bias")!.data, [1, 1, 1], [0, 0, 0], [1, 1, 1], 1);
      close(outputs[0].data, want.data);
    }
  });
  it("padding 'same' with an even kernel: dilation·(k − 1) split, the odd one after (zeros and replicate), as PyTorch's", () => {
    const x = input([1, 2, 3, 4, 5]);
    const [d, h, w] = [3, 4, 5];
    // kernel [2, 3, 4], dilation [1, 1, 2]: totals 1, 2, 6 → before 0, 1, 3 and after 1, 1, 3
    const [before, after] = [[0, 1, 3], [1, 1, 3]];
    const clampTo = (i: number, n: number) => Math.min(n - 1, Math.max(0, i));
    for (const mode of ["zeros", "replicate"]) {
      const { outputs, state } = run(model("return this.c(x);", "x: Tensor<[Batch, 2, 3, 4, 5]>", `c = new nn.Conv3d(2, 2, [2, 3, 4], { padding: "same", dilation: [1, 1, 2], paddingMode: "${mode}" });`), { x });
      const data: number[] = [];
      for (let c = 0; c < 2; c++)
        for (let z = -before[0]; z < d + after[0]; z++)
          for (let y = -before[1]; y < h + after[1]; y++)
            for (let q = -before[2]; q < w + after[2]; q++) {
              const inside = z >= 0 && z < d && y >= 0 && y < h && q >= 0 && q < w;
              data.push(mode === "zeros" && !inside ? 0 : at(x, [0, c, clampTo(z, d), clampTo(y, h), clampTo(q, w)]));
            }
      const padded = { shape: [1, 2, d + 1, h + 2, w + 6], data };
      const want = conv3dLoop(padded, state.params.get("c.weight")!, state.params.get("c.bias")!.data, [1, 1, 1], [0, 0, 0], [1, 1, 2], 1);
      expect(outputs[0].shape, mode).toEqual([1, 2, d, h, w]);
      close(outputs[0].data, want.data);
    }
  });
  it("refuses what PyTorch refuses, where written", () => {
    expect(first(model("return this.c(x);", "x: Tensor<[Batch, 2, 3, 3, 3]>", "c = new nn.Conv3d(2, 2, [3, 3]);"))).toMatch(/^TSDP3004 3: nn\.Conv3d: kernelSize must be an integer ≥ 1 or 3 of them, got \[3,3\]/);
    expect(first(model("return this.c(x);", "x: Tensor<[Batch, 2, 3, 3]>", "c = new nn.Conv3d(2, 2, 3);"))).toMatch(/^TSDP4001 5: nn\.Conv3d expects a 5-D input \[N, C, D, H, W\], got \[Batch, 2, 3, 3\]/);
    expect(first(model("return this.c(x);", "x: Tensor<[Batch, 2, 2, 3, 3]>", "c = new nn.Conv3d(2, 2, 3);"))).toMatch(/the kernel's depth 3 \(dilation 1\) does not fit the input's 2/);
  });
});

describe("nn.ConvTranspose3d as conv_transpose2d per kernel depth, placed along D", () => {
  for (const [name, options, args] of [
    ["stride 2", "{ stride: 2 }", { stride: [2, 2, 2], padding: [0, 0, 0], outputPadding: [0, 0, 0], dilation: [1, 1, 1], groups: 1, k: [2, 2, 2] }],
    ["padding, output padding, groups", "{ stride: [2, 1, 2], padding: [1, 0, 1], outputPadding: [1, 0, 1], groups: 2, bias: false }", { stride: [2, 1, 2], padding: [1, 0, 1], outputPadding: [1, 0, 1], dilation: [1, 1, 1], groups: 2, k: [3, 2, 3] }],
    ["dilation along D, padding cropping whole depths", "{ dilation: [2, 1, 1], padding: [3, 1, 0] }", { stride: [1, 1, 1], padding: [3, 1, 0], outputPadding: [0, 0, 0], dilation: [2, 1, 1], groups: 1, k: [3, 2, 2] }],
  ] as const)
    it(`${name}: equal to each voxel's scatter`, () => {
      const x = input([2, 4, 3, 3, 2]);
      const { outputs, state } = run(model("return this.up(x);", "x: Tensor<[Batch, 4, 3, 3, 2]>", `up = new nn.ConvTranspose3d(4, 2, [${args.k.join(", ")}], ${options});`), { x });
      const want = convTranspose3dLoop(x, state.params.get("up.weight")!, state.params.get("up.bias")?.data ?? null, [...args.stride], [...args.padding], [...args.outputPadding], [...args.dilation], args.groups);
      expect(outputs[0].shape).toEqual(want.shape);
      close(outputs[0].data, want.data);
    });
  it("autodiff against central differences", () => {
    expect(gradCheck(model("return this.up(x.view(-1, 2, 2, 2, 1)).flatten(1);", "x: Tensor<[Batch, 8]>", "up = new nn.ConvTranspose3d(2, 2, [2, 1, 1], { stride: [2, 1, 1], padding: [1, 0, 0], outputPadding: [1, 0, 0] });").slice(header.length)).checked).toBeGreaterThan(0);
  });
});

describe("3-D pooling and normalization", () => {
  it("MaxPool3d and AvgPool3d (padding counted or not) equal the 3-D window's max and mean", () => {
    const x = input([2, 2, 5, 4, 5]);
    const src = model(
      "return [F.maxPool3d(x, 2), this.m(x), this.a(x), this.e(x)];",
      "x: Tensor<[Batch, 2, 5, 4, 5]>",
      "m = new nn.MaxPool3d([3, 2, 3], { stride: [2, 2, 1], padding: [1, 0, 1] }); a = new nn.AvgPool3d(3, { stride: 2, padding: 1 }); e = new nn.AvgPool3d(3, { stride: 2, padding: 1, countIncludePad: false });",
    );
    const [plain, max, avg, exclusive] = run(src, { x }).outputs;
    close(plain.data, pool3dLoop(x, "max", [2, 2, 2], [2, 2, 2], [0, 0, 0]));
    close(max.data, pool3dLoop(x, "max", [3, 2, 3], [2, 2, 1], [1, 0, 1]));
    close(avg.data, pool3dLoop(x, "avg", [3, 3, 3], [2, 2, 2], [1, 1, 1]));
    close(exclusive.data, pool3dLoop(x, "avg", [3, 3, 3], [2, 2, 2], [1, 1, 1], false));
    expect(gradCheck(model("return [F.maxPool3d(x.view(-1, 1, 2, 2, 3), [2, 1, 2], { stride: 1 }).flatten(1), F.avgPool3d(x.view(-1, 1, 2, 2, 3), 2, { padding: 1 }).flatten(1)];", "x: Tensor<[Batch, 12]>").slice(header.length)).checked).toBeGreaterThan(0);
  });
  it("MaxPool3d's dilation and AvgPool3d's divisorOverride, as PyTorch's (the box's max; its sum over the divisor)", () => {
    const x = input([2, 2, 5, 4, 5]);
    const src = model(
      "return [this.m(x), this.a(x)];",
      "x: Tensor<[Batch, 2, 5, 4, 5]>",
      "m = new nn.MaxPool3d([2, 2, 3], { stride: [1, 2, 1], padding: [1, 1, 1], dilation: [2, 1, 2] }); a = new nn.AvgPool3d(3, { stride: 2, padding: 1, divisorOverride: 5 });",
    );
    const [max, avg] = run(src, { x }).outputs;
    close(max.data, pool3dLoop(x, "max", [2, 2, 3], [1, 2, 1], [1, 1, 1], true, [2, 1, 2]));
    close(avg.data, pool3dLoop(x, "avg", [3, 3, 3], [2, 2, 2], [1, 1, 1], true, [1, 1, 1], 5));
  });
  it("adaptive pools to any size, each window PyTorch's [⌊i·in/out⌋, ⌈(i+1)·in/out⌉)", () => {
    const x = input([1, 1, 3, 4, 2]);
    const [avg, max] = run(model("return [F.adaptiveAvgPool3d(x, 1), this.p(x)];", "x: Tensor<[Batch, 1, 3, 4, 2]>", "p = new nn.AdaptiveMaxPool3d([2, 3, null]);"), { x }).outputs;
    close(avg.data, [Array.from(x.data).reduce((a, b) => a + b, 0) / 24]);
    // depth windows [0, 2), [1, 3); height [0, 2), [1, 3), [2, 4); width kept
    const want: number[] = [];
    for (const [d0, d1] of [[0, 2], [1, 3]])
      for (const [h0, h1] of [[0, 2], [1, 3], [2, 4]])
        for (let w = 0; w < 2; w++) {
          let m = -Infinity;
          for (let d = d0; d < d1; d++) for (let h = h0; h < h1; h++) m = Math.max(m, x.data[(d * 4 + h) * 2 + w]);
          want.push(m);
        }
    close(max.data, want);
  });
  it("BatchNorm3d normalizes each channel over N, D, H, W; InstanceNorm3d over D, H, W of each sample", () => {
    const x = input([2, 2, 2, 3, 2]);
    const { graph } = lowerSource(model("return [this.bn(x), this.inorm(x)];", "x: Tensor<[Batch, 2, 2, 3, 2]>", "bn = new nn.BatchNorm3d(2); inorm = new nn.InstanceNorm3d(2);"));
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["bn.weight", "bn.bias"]);
    expect(graph.buffers.map((p) => p.attrs.name)).toEqual(["bn.running_mean", "bn.running_var", "bn.num_batches_tracked"]);
    const [bn, inorm] = runReference(graph, { x }, initState(graph, 0), { training: true }).outputs;
    const normalize = (groups: number[][]) => {
      const out = new Float64Array(x.data.length);
      for (const g of groups) {
        const mean = g.reduce((a, i) => a + x.data[i], 0) / g.length;
        const variance = g.reduce((a, i) => a + (x.data[i] - mean) ** 2, 0) / g.length;
        for (const i of g) out[i] = (x.data[i] - mean) / Math.sqrt(variance + 1e-5);
      }
      return out;
    };
    const per = 12; // D·H·W
    close(bn.data, normalize([0, 1].map((c) => [0, 1].flatMap((n) => Array.from({ length: per }, (_, i) => (n * 2 + c) * per + i)))));
    close(inorm.data, normalize([0, 1, 2, 3].map((nc) => Array.from({ length: per }, (_, i) => nc * per + i))));
  });
});
