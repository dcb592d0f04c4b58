// Max pooling with return_indices (SegNet's encoder), dilated max pooling, and max unpooling
// (SegNet's decoder), through the frontend and the float64 reference (compiler/1-frontend/
// pool-indices.ts): values and int32 indices against a direct loop written from PyTorch's
// max_pool2d kernel (first maximum in window order, −∞ padding, ceil mode), unpooling as PyTorch's
// (one write where overlapping windows chose the same element, the gradient a gather), and
// gradients by finite differences.
import { describe, expect, it } from "vitest";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const [N, C, H, W] = [2, 2, 5, 6];
// values with ties (rounded), so the first-maximum rule is exercised
const image = Array.from({ length: N * C * H * W }, (_, i) => Math.round(Math.sin(i * 1.3) * 3) / 2);
const model = (body: string, fields = "", input = `x: Tensor<[Batch, ${C}, ${H}, ${W}]>`) =>
  `${header}\nexport class M extends nn.Module {\n  ${fields}\n  forward(${input}) {\n    ${body}\n  }\n}\n`;

function run(body: string, fields = ""): { outs: number[][]; dtypes: string[] } {
  const { graph } = lowerSource(model(body, fields));
  const outs = runReference(graph, { x: nd([N, C, H, W], image) }, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
  return { outs, dtypes: graph.outputs.map((o) => o.dtype) };
}

/** PyTorch's max_pool2d with indices, written out: −∞ outside, the first maximum in window order. */
function direct(k: number[], s: number[], p: number[], d: number[], ceil: boolean): { values: number[]; indices: number[]; oh: number; ow: number } {
  const size = (n: number, i: number) => {
    const span = n + 2 * p[i] - d[i] * (k[i] - 1) - 1;
    let out = Math.floor((ceil ? span + s[i] - 1 : span) / s[i]) + 1;
    if (ceil && (out - 1) * s[i] >= n + p[i]) out -= 1;
    return out;
  };
  const [oh, ow] = [size(H, 0), size(W, 1)];
  const values: number[] = [];
  const indices: number[] = [];
  for (let nc = 0; nc < N * C; nc++)
    for (let y = 0; y < oh; y++)
      for (let x = 0; x < ow; x++) {
        let best = -Infinity;
        let at = -1;
        for (let i = 0; i < k[0]; i++)
          for (let j = 0; j < k[1]; j++) {
            const [r, c] = [y * s[0] - p[0] + i * d[0], x * s[1] - p[1] + j * d[1]];
            if (r < 0 || r >= H || c < 0 || c >= W) continue;
            const v = image[nc * H * W + r * W + c];
            if (v > best || at < 0) [best, at] = [v, r * W + c];
          }
        values.push(best);
        indices.push(at);
      }
  return { values, indices, oh, ow };
}

describe("max pooling with indices, and dilated", () => {
  it("values and int32 indices are PyTorch's: the first maximum in window order, padding never chosen, ceil mode's partial windows", () => {
    const cases: [string, number[], number[], number[], number[], boolean][] = [
      ["new nn.MaxPool2d(2, 2, 0, 1, true)", [2, 2], [2, 2], [0, 0], [1, 1], false],
      ["new nn.MaxPool2d(3, 2, 1, 1, true)", [3, 3], [2, 2], [1, 1], [1, 1], false],
      ["new nn.MaxPool2d([2, 3], [2, 1], [1, 0], 1, true, true)", [2, 3], [2, 1], [1, 0], [1, 1], true],
      ["new nn.MaxPool2d(2, { stride: 2, dilation: 2, returnIndices: true })", [2, 2], [2, 2], [0, 0], [2, 2], false],
      ["new nn.MaxPool2d(3, { stride: 2, ceilMode: true, returnIndices: true })", [3, 3], [2, 2], [0, 0], [1, 1], true],
    ];
    for (const [layer, k, s, p, d, ceil] of cases) {
      const { outs, dtypes } = run("const [v, i] = this.pool(x); return [v, i];", `pool = ${layer};`);
      const want = direct(k, s, p, d, ceil);
      expect(dtypes, layer).toEqual(["f32", "i32"]);
      expect(outs[0], layer).toEqual(want.values);
      expect(outs[1], layer).toEqual(want.indices);
    }
    // F.maxPool2d's positional order (…, dilation, ceilMode, returnIndices); a dilation without indices gives the values
    const f = run("const [v, i] = F.maxPool2d(x, 3, 1, 1, 1, false, true); return [v, i, F.maxPool2d(x, 2, 1, 0, 2)];");
    const w = direct([3, 3], [1, 1], [1, 1], [1, 1], false);
    expect(f.outs[0]).toEqual(w.values);
    expect(f.outs[1]).toEqual(w.indices);
    expect(f.outs[2]).toEqual(direct([2, 2], [1, 1], [0, 0], [2, 2], false).values);
  });

  it("1-D: the indices are positions along L", () => {
    const { graph } = lowerSource(model("const [v, i] = F.maxPool1d(x, 3, 2, 1, 1, false, true); return [v, i.float()];", "", "x: Tensor<[Batch, 2, 7]>"));
    const seq = [0.5, 2, -1, 2, 7, 7, -3, 1, 1, 1, 0, -2, 4, 4];
    const [v, i] = runReference(graph, { x: nd([1, 2, 7], seq) }, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
    // windows (padding 1): [−∞, .5, 2], [2, −1, 2], [2, 7, 7], [7, −3, −∞]; then [−∞, 1, 1], [1, 1, 0], [0, −2, 4], [4, 4, −∞]
    expect(v).toEqual([2, 2, 7, 7, 1, 1, 4, 4]);
    expect(i).toEqual([1, 1, 4, 5, 0, 1, 5, 5]);
  });

  it("the gradient reaches the chosen element only, as PyTorch's max_pool2d backward", () => {
    const { checked } = gradCheck(`
export class M extends nn.Module {
  conv = new nn.Conv2d(1, 2, 3, { padding: 1 });
  forward(x: Tensor<[Batch, 1, 4, 5]>) {
    const [v, i] = F.maxPool2d(this.conv(x), 3, 2, 1, 1, true, true);
    return v.flatten(1).add(F.maxPool2d(x, 2, 1, 0, 2).flatten(1).sum(1, true));
  }
}`);
    expect(checked).toBeGreaterThan(0);
  });
});

describe("max unpooling", () => {
  it("SegNet's pool then unpool puts each maximum back at its place, zeros elsewhere", () => {
    const { outs } = run("const [v, i] = this.pool(x); return this.unpool(v, i, x.size());", "pool = new nn.MaxPool2d(2, 2, 0, 1, true);\n  unpool = new nn.MaxUnpool2d(2, 2);");
    const { indices, values } = direct([2, 2], [2, 2], [0, 0], [1, 1], false);
    const want = new Array(image.length).fill(0);
    indices.forEach((at, q) => (want[Math.floor(q / 6) * H * W + at] = values[q]));
    // (+ 0: a maximum that is −0 comes back as 0, the correction's subtraction)
    expect(outs[0].map((v) => v + 0)).toEqual(want.map((v) => v + 0));
    // the default output size: (in − 1)·stride − 2·padding + kernel = 4×6 here (the pool dropped row 5)
    const { graph } = lowerSource(model("const [v, i] = F.maxPool2d(x, 2, 2, 0, 1, false, true); return F.maxUnpool2d(v, i, 2);"));
    expect(graph.outputs[0].shape.slice(1)).toEqual([C, 4, 6]);
  });

  it("overlapping windows that chose one element write it once, as PyTorch's; the gradient is the output's at each index", () => {
    // 3×3 windows, stride 1: neighbouring windows share their maximum
    const { outs } = run("const [v, i] = F.maxPool2d(x, 3, 1, 0, 1, false, true); return F.maxUnpool2d(v, i, 3, 1, 0, [H, W]);".replace("[H, W]", `[${H}, ${W}]`));
    const { indices, values } = direct([3, 3], [1, 1], [0, 0], [1, 1], false);
    const want = new Array(image.length).fill(0);
    const per = indices.length / (N * C);
    indices.forEach((at, q) => (want[Math.floor(q / per) * H * W + at] = values[q]));
    outs[0].forEach((v, j) => expect(v).toBeCloseTo(want[j], 12));
    // the gradient: PyTorch's max_unpool backward gathers the output's gradient at each element's
    // index, once per pooled element (so not the derivative of the one write: central differences
    // would disagree where windows share a maximum, PyTorch's autograd as well)
    const { graph } = lowerSource(`${header}
export class M extends nn.Module {
  s = new nn.Parameter(F.ones(1));
  forward(x: Tensor<[Batch, ${C}, ${H}, ${W}]>) {
    const [v, i] = F.maxPool2d(x, 3, 1, 0, 1, false, true);
    return F.maxUnpool2d(v.mul(this.s), i, 3, 1, 0, [${H}, ${W}]).flatten(1);
  }
}
export const training = new Training(M, { loss: new nn.MSELoss({ reduction: "sum" }), optimizer: new optim.SGD({ lr: 0.1 }) });
`);
    const { graph: step, gradients } = differentiate(graph);
    const target = Array.from({ length: image.length }, (_, j) => Math.cos(j));
    const ran = runReference(step, { x: nd([N, C, H, W], image), target: nd([N, C * H * W], target) }, initState(graph, 0), { training: true });
    const g = want.map((o, j) => 2 * (o - target[j]));
    const pytorch = indices.reduce((sum, at, q) => sum + values[q] * g[Math.floor(q / per) * H * W + at], 0);
    expect(ran.values.get(gradients.get("s")!)!.data[0]).toBeCloseTo(pytorch, 10);
  });

  it("refuses indices that are not a pool's, with where and why", () => {
    const first = (body: string, fields = "") => diagnosticsOf(model(body, fields)).map((d) => `${d.code}: ${d.message}`)[0];
    expect(first("return F.maxUnpool2d(x, x, 2);")).toMatch(/^TSDP4001: F.maxUnpool2d: indices must be the int32 indices of the pool that made the input/);
    expect(first("const [v, i] = F.maxPool2d(x, 2, 2, 0, 1, false, true); return F.maxUnpool2d(v, i, 2, 2, 0, 'big');")).toMatch(/^TSDP3004: F.maxUnpool2d: outputSize is the output's \[H, W\]/);
    // PyTorch's range: the default 4×6 within a stride of 2, so H in [3, 5] (a skip.size() of another level)
    expect(first("const [v, i] = F.maxPool2d(x, 2, 2, 0, 1, false, true); return F.maxUnpool2d(v, i, 2, 2, 0, [7, 6]);")).toMatch(/^TSDP3004: F.maxUnpool2d: invalid outputSize \[7, 6\]: dim 0 must be between 3 and 5 \(the default 4 within the stride 2\), as PyTorch's/);
    expect(first("return F.maxPool2d(x, 2, 2, 2);")).toMatch(/^TSDP3004: F.maxPool2d: padding 2×2 must be at most half the kernel 2×2/);
    expect(first("const [v, i] = F.maxPool2d(x, 2, 2, 2, 1, false, true); return v;")).toMatch(/^TSDP3004: F.maxPool2d: pad should be at most half of effective kernel size/);
  });
});

describe("3-D: MaxPool3d with indices and MaxUnpool3d (a volumetric SegNet)", () => {
  const [D3, H3, W3] = [4, 5, 4];
  const volume = Array.from({ length: N * C * D3 * H3 * W3 }, (_, i) => Math.round(Math.sin(i * 0.7) * 3) / 2);
  const input3 = `x: Tensor<[Batch, ${C}, ${D3}, ${H3}, ${W3}]>`;
  const run3 = (body: string, fields = "") => {
    const { graph } = lowerSource(model(body, fields, input3));
    return { outs: runReference(graph, { x: nd([N, C, D3, H3, W3], volume) }, initState(graph, 0)).outputs.map((o) => Array.from(o.data)), graph };
  };
  /** PyTorch's max_pool3d with indices, written out: the first maximum in (d, h, w) order, the index into D×H×W. */
  function direct3(k: number[], s: number[], p: number[], d: number[], ceil: boolean) {
    const size = (n: number, i: number) => {
      const span = n + 2 * p[i] - d[i] * (k[i] - 1) - 1;
      let out = Math.floor((ceil ? span + s[i] - 1 : span) / s[i]) + 1;
      if (ceil && (out - 1) * s[i] >= n + p[i]) out -= 1;
      return out;
    };
    const dims = [D3, H3, W3];
    const [od, oh, ow] = dims.map(size);
    const values: number[] = [];
    const indices: number[] = [];
    for (let nc = 0; nc < N * C; nc++)
      for (let z = 0; z < od; z++)
        for (let y = 0; y < oh; y++)
          for (let x = 0; x < ow; x++) {
            let [best, at] = [-Infinity, -1];
            for (let a = 0; a < k[0]; a++)
              for (let i = 0; i < k[1]; i++)
                for (let j = 0; j < k[2]; j++) {
                  const [t, r, c] = [z * s[0] - p[0] + a * d[0], y * s[1] - p[1] + i * d[1], x * s[2] - p[2] + j * d[2]];
                  if (t < 0 || t >= D3 || r < 0 || r >= H3 || c < 0 || c >= W3) continue;
                  const v = volume[((nc * D3 + t) * H3 + r) * W3 + c];
                  if (v > best || at < 0) [best, at] = [v, (t * H3 + r) * W3 + c];
                }
            values.push(best);
            indices.push(at);
          }
    return { values, indices, shape: [N, C, od, oh, ow] };
  }

  it("values and int32 indices into each D×H×W volume are PyTorch's: the first maximum in (d, h, w) order, padding, dilation, ceil mode", () => {
    const cases: [string, number[], number[], number[], number[], boolean][] = [
      ["new nn.MaxPool3d(2, 2, 0, 1, true)", [2, 2, 2], [2, 2, 2], [0, 0, 0], [1, 1, 1], false],
      ["new nn.MaxPool3d(3, { stride: [2, 1, 2], padding: 1, returnIndices: true })", [3, 3, 3], [2, 1, 2], [1, 1, 1], [1, 1, 1], false],
      ["new nn.MaxPool3d([2, 2, 1], { stride: 1, dilation: [2, 1, 1], returnIndices: true })", [2, 2, 1], [1, 1, 1], [0, 0, 0], [2, 1, 1], false],
      ["new nn.MaxPool3d([3, 2, 3], { stride: 2, ceilMode: true, returnIndices: true })", [3, 2, 3], [2, 2, 2], [0, 0, 0], [1, 1, 1], true],
    ];
    for (const [layer, k, s, p, d, ceil] of cases) {
      const { outs, graph } = run3("const [v, i] = this.pool(x); return [v, i];", `pool = ${layer};`);
      const want = direct3(k, s, p, d, ceil);
      expect(graph.outputs.map((o) => o.dtype), layer).toEqual(["f32", "i32"]);
      expect(graph.outputs[1].shape.slice(1), layer).toEqual(want.shape.slice(1));
      expect(outs[0], layer).toEqual(want.values);
      expect(outs[1], layer).toEqual(want.indices);
    }
    const f = run3("const [v, i] = F.maxPool3d(x, 2, { stride: 1, returnIndices: true }); return [v, i];");
    expect(f.outs[1]).toEqual(direct3([2, 2, 2], [1, 1, 1], [0, 0, 0], [1, 1, 1], false).indices);
    // F.max_pool3d's positional order is (…, dilation, ceil_mode, return_indices), the layer's (…, return_indices, ceil_mode)
    const positional = run3("const [v, i] = F.maxPool3d(x, 3, 2, 1, 1, false, true); return [v, i, F.maxPool3d(x, [3, 2, 3], 2, 0, 1, true)];");
    expect(positional.outs[1]).toEqual(direct3([3, 3, 3], [2, 2, 2], [1, 1, 1], [1, 1, 1], false).indices);
    expect(positional.outs[2]).toEqual(direct3([3, 2, 3], [2, 2, 2], [0, 0, 0], [1, 1, 1], true).values);
  });

  it("unpooling puts each maximum back at its place in the volume; the gradient reaches the chosen element", () => {
    const { outs } = run3("const [v, i] = this.pool(x); return this.unpool(v, i, x.size());", "pool = new nn.MaxPool3d(2, { stride: 2, returnIndices: true });\n  unpool = new nn.MaxUnpool3d(2, { stride: 2 });");
    const { indices, values } = direct3([2, 2, 2], [2, 2, 2], [0, 0, 0], [1, 1, 1], false);
    const want = new Array(volume.length).fill(0);
    const per = indices.length / (N * C);
    indices.forEach((at, q) => (want[Math.floor(q / per) * D3 * H3 * W3 + at] = values[q]));
    expect(outs[0].map((v) => v + 0)).toEqual(want.map((v) => v + 0));
    // the default size (in − 1)·stride − 2·padding + kernel: 4×4×4 (the pool dropped row 5)
    const { graph } = lowerSource(model("const [v, i] = F.maxPool3d(x, 2, { returnIndices: true }); return F.maxUnpool3d(v, i, 2);", "", input3));
    expect(graph.outputs[0].shape.slice(1)).toEqual([C, 4, 4, 4]);
    const { checked } = gradCheck(`
export class M extends nn.Module {
  conv = new nn.Conv3d(1, 2, 2, { padding: 1 });
  pool = new nn.MaxPool3d(2, { stride: 2, returnIndices: true });
  unpool = new nn.MaxUnpool3d(2, { stride: 2 });
  forward(x: Tensor<[Batch, 1, 3, 2, 3]>) {
    const [v, i] = this.pool(this.conv(x));
    return this.unpool(v.mul(2), i, [4, 3, 4]).flatten(1);
  }
}`);
    expect(checked).toBeGreaterThan(0);
  });

  it("refuses indices that are not a pool's and an outputSize out of PyTorch's range", () => {
    const first = (body: string) => diagnosticsOf(model(body, "", input3)).map((d) => `${d.code}: ${d.message}`)[0];
    expect(first("return F.maxUnpool3d(x, x, 2);")).toMatch(/^TSDP4001: F.maxUnpool3d: indices must be the int32 indices of the pool that made the input/);
    expect(first("const [v, i] = F.maxPool3d(x, 2, { returnIndices: true }); return F.maxUnpool3d(v, i, 2, { outputSize: [4, 8, 4] });")).toMatch(/^TSDP3004: F.maxUnpool3d: invalid outputSize \[4, 8, 4\]: dim 1 must be between 3 and 5/);
  });
});
