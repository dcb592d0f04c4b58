// nn.GroupNorm, nn.Conv1d, nn.Upsample / F.interpolate, nn.MultiheadAttention, the layer forms of
// Softplus/Hardswish/Mish, and weight tying, in the reference interpreter against PyTorch's
// definitions written out here independently as float64 loops (pytorch.org/docs and
// aten/src/ATen/native/UpSample.h for the interpolation coordinates, which PyTorch computes in
// float32 for float tensors: so do these loops, with Math.fround). Tolerance 1e-9 relative to
// max(1, |value|): float64 on both sides, different summation orders. Gradients: gradcheck.ts.
import { describe, expect, it } from "vitest";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { initState, type ModelState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd, type NDArray } from "../compiler/reference/ndarray.ts";
import { normals } from "../compiler/reference/rng.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const TOL = 1e-9;
const f32 = Math.fround;

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    if (!(Math.abs(got[i] - want[i]) <= TOL * Math.max(1, Math.abs(want[i])))) expect.fail(`${what}: element ${i} is ${got[i]}, PyTorch's formula gives ${want[i]}`);
}

/** The model's outputs for inputs named like forward's parameters; parameters drawn N(0, 1) so that affine terms matter. */
function run(body: string, inputs: Record<string, number[]>, shapes: Record<string, number[]>, training = false) {
  const { graph } = lowerSource(`${header}${body}`);
  const state: ModelState = initState(graph, 3);
  for (const [name, v] of state.params) v.data.set(normals(v.data.length, 9, name.length));
  const ins: Record<string, NDArray> = {};
  for (const [k, shape] of Object.entries(shapes)) ins[k] = nd(shape, inputs[k] ?? normals(shape.reduce((a, b) => a * b, 1), 4, k.length));
  const outs = runReference(graph, ins, state, { training, seed: 1 }).outputs;
  const param = (name: string) => Array.from(state.params.get(name)!.data);
  return { graph, outs: outs.map((o) => Array.from(o.data)), ins: Object.fromEntries(Object.entries(ins).map(([k, v]) => [k, Array.from(v.data)])), param };
}

describe("nn.GroupNorm and F.groupNorm", () => {
  // PyTorch: per sample and group, mean and biased variance over the group's channels and positions
  function groupNorm(x: number[], [N, C, S]: number[], G: number, w: number[] | null, b: number[] | null, eps: number): number[] {
    const out = new Array(x.length).fill(0);
    const per = C / G;
    for (let n = 0; n < N; n++)
      for (let g = 0; g < G; g++) {
        const idx: number[] = [];
        for (let c = g * per; c < (g + 1) * per; c++) for (let s = 0; s < S; s++) idx.push((n * C + c) * S + s);
        const mean = idx.reduce((a, i) => a + x[i], 0) / idx.length;
        const variance = idx.reduce((a, i) => a + (x[i] - mean) ** 2, 0) / idx.length;
        for (const i of idx) {
          const c = Math.floor(i / S) % C;
          out[i] = ((x[i] - mean) / Math.sqrt(variance + eps)) * (w ? w[c] : 1) + (b ? b[c] : 0);
        }
      }
    return out;
  }

  it("normalizes each group of channels over its positions, then the per-channel affine (4-D and 3-D inputs)", () => {
    const r = run(
      `export class M extends nn.Module {
  gn = new nn.GroupNorm(3, 6, { eps: 1e-3 });
  plain = new nn.GroupNorm(2, 6, { affine: false });
  forward(x: Tensor<[Batch, 6, 2, 3]>, y: Tensor<[Batch, 6, 5]>) {
    return [this.gn(x), this.plain(y), F.groupNorm(y, 6)];
  }
}`,
      {},
      { x: [2, 6, 2, 3], y: [2, 6, 5] },
    );
    expect(r.graph.params.map((p) => p.attrs.name)).toEqual(["gn.weight", "gn.bias"]);
    expectClose(r.outs[0], groupNorm(r.ins.x, [2, 6, 6], 3, r.param("gn.weight"), r.param("gn.bias"), 1e-3), "GroupNorm(3, 6)");
    expectClose(r.outs[1], groupNorm(r.ins.y, [2, 6, 5], 2, null, null, 1e-5), "GroupNorm(2, 6, affine false)");
    expectClose(r.outs[2], groupNorm(r.ins.y, [2, 6, 5], 6, null, null, 1e-5), "F.groupNorm(y, 6): instance norm");
  });

  it("refuses a group count that does not divide the channels, and an input with other channels", () => {
    const bad = (layer: string, input = "Tensor<[Batch, 6, 4]>") =>
      diagnosticsOf(`${header}export class M extends nn.Module {\n  n = ${layer};\n  forward(x: ${input}) {\n    return this.n(x);\n  }\n}\n`).map((d) => `${d.code} ${d.message}`);
    expect(bad("new nn.GroupNorm(4, 6)")[0]).toMatch(/^TSDP3004 nn\.GroupNorm: numChannels \(6\) must be divisible by numGroups \(4\)/);
    expect(bad("new nn.GroupNorm(2, 8)")[0]).toMatch(/^TSDP4001 nn\.GroupNorm expects 8 channels/);
  });

  it("gradients", () => {
    expect(gradCheck(`export class M extends nn.Module {\n  gn = new nn.GroupNorm(2, 4);\n  forward(x: Tensor<[Batch, 4, 3]>) {\n    return this.gn(x);\n  }\n}\n`).checked).toBeGreaterThanOrEqual(20);
  });
});

describe("nn.Conv1d", () => {
  // PyTorch: out[n, o, l] = b[o] + Σ_{c in o's group, k} w[o, c, k]·x[n, g·C/G + c, l·stride + k·dilation − padding]
  function conv1d(x: number[], w: number[], b: number[] | null, [N, C, L]: number[], O: number, K: number, s: number, p: number, d: number, G: number): number[] {
    const Lout = Math.floor((L + 2 * p - d * (K - 1) - 1) / s) + 1;
    const cg = C / G;
    const out: number[] = [];
    for (let n = 0; n < N; n++)
      for (let o = 0; o < O; o++)
        for (let l = 0; l < Lout; l++) {
          let acc = b ? b[o] : 0;
          const g = Math.floor(o / (O / G));
          for (let c = 0; c < cg; c++)
            for (let k = 0; k < K; k++) {
              const at = l * s + k * d - p;
              if (at >= 0 && at < L) acc += w[(o * cg + c) * K + k] * x[(n * C + g * cg + c) * L + at];
            }
          out.push(acc);
        }
    return out;
  }

  it("is PyTorch's 1-D convolution (stride, padding, dilation, groups, \"same\"), weight [out, in/groups, k]", () => {
    const r = run(
      `export class M extends nn.Module {
  a = new nn.Conv1d(4, 6, 3, { stride: 2, padding: 1, dilation: 2, groups: 2 });
  b = new nn.Conv1d(4, 3, 5, { padding: "same", bias: false });
  forward(x: Tensor<[Batch, 4, 9]>) {
    return [this.a(x), this.b(x)];
  }
}`,
      {},
      { x: [2, 4, 9] },
    );
    expect(r.graph.params.map((p) => `${p.attrs.name} [${p.shape.join(", ")}]`)).toEqual(["a.weight [6, 2, 3]", "a.bias [6]", "b.weight [3, 4, 5]"]);
    expectClose(r.outs[0], conv1d(r.ins.x, r.param("a.weight"), r.param("a.bias"), [2, 4, 9], 6, 3, 2, 1, 2, 2), "Conv1d(4, 6, 3, stride 2, padding 1, dilation 2, groups 2)");
    expectClose(r.outs[1], conv1d(r.ins.x, r.param("b.weight"), null, [2, 4, 9], 3, 5, 1, 2, 1, 1), "Conv1d(4, 3, 5, same)");
  });

  it("gradients; refuses a 4-D input and groups that do not divide the channels", () => {
    expect(gradCheck(`export class M extends nn.Module {\n  c = new nn.Conv1d(2, 3, 3, { padding: 1 });\n  forward(x: Tensor<[Batch, 2, 5]>) {\n    return this.c(x);\n  }\n}\n`).checked).toBeGreaterThan(20);
    const bad = (layer: string, input: string) =>
      diagnosticsOf(`${header}export class M extends nn.Module {\n  n = ${layer};\n  forward(x: ${input}) {\n    return this.n(x);\n  }\n}\n`).map((d) => `${d.code} ${d.message}`);
    expect(bad("new nn.Conv1d(2, 3, 3)", "Tensor<[Batch, 2, 5, 5]>")[0]).toMatch(/^TSDP4001 nn\.Conv1d expects a 3-D input/);
    expect(bad("new nn.Conv1d(3, 4, 3, { groups: 2 })", "Tensor<[Batch, 3, 5]>")[0]).toMatch(/^TSDP3004 nn\.Conv1d: inChannels \(3\) must be divisible by groups \(2\)/);
  });
});

describe("nn.Upsample and F.interpolate have PyTorch's coordinates", () => {
  /** PyTorch's source coordinate scale for one dim, in float32 (area_pixel_compute_scale). */
  const scaleOf = (inSize: number, outSize: number, alignCorners: boolean, factor: number | null) =>
    alignCorners ? (outSize > 1 ? f32((inSize - 1) / (outSize - 1)) : 0) : factor !== null ? f32(1 / factor) : f32(inSize / outSize);
  /** upsample_nearest: src = min(⌊dst·scale⌋, in − 1). */
  const nearestIndex = (dst: number, inSize: number, scale: number) => Math.min(Math.floor(f32(dst * scale)), inSize - 1);
  /** upsample_nearest_exact: src = min(⌊(dst + ½)·scale⌋, in − 1). */
  const nearestExactIndex = (dst: number, inSize: number, scale: number) => Math.min(Math.floor(f32(f32(dst + 0.5) * scale)), inSize - 1);
  /** upsample_bilinear2d's per-dim neighbours and weights: [i0, i1, λ0, λ1]. */
  function linearTaps(dst: number, inSize: number, scale: number, alignCorners: boolean): [number, number, number, number] {
    const src = alignCorners ? f32(scale * dst) : Math.max(f32(f32(scale * f32(dst + 0.5)) - 0.5), 0);
    const i0 = Math.floor(src);
    const i1 = i0 + (i0 < inSize - 1 ? 1 : 0);
    const l1 = f32(src - i0);
    return [i0, i1, f32(1 - l1), l1];
  }
  function resample2d(x: number[], [N, C, H, W]: number[], [OH, OW]: number[], mode: "nearest" | "nearest-exact" | "bilinear", alignCorners: boolean, factors: [number, number] | null): number[] {
    const sh = scaleOf(H, OH, alignCorners, factors && factors[0]);
    const sw = scaleOf(W, OW, alignCorners, factors && factors[1]);
    const out: number[] = [];
    const at = (n: number, c: number, h: number, w: number) => x[((n * C + c) * H + h) * W + w];
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++)
        for (let i = 0; i < OH; i++)
          for (let j = 0; j < OW; j++) {
            if (mode === "nearest") out.push(at(n, c, nearestIndex(i, H, sh), nearestIndex(j, W, sw)));
            else if (mode === "nearest-exact") out.push(at(n, c, nearestExactIndex(i, H, sh), nearestExactIndex(j, W, sw)));
            else {
              const [h0, h1, a0, a1] = linearTaps(i, H, sh, alignCorners);
              const [w0, w1, b0, b1] = linearTaps(j, W, sw, alignCorners);
              out.push(a0 * (b0 * at(n, c, h0, w0) + b1 * at(n, c, h0, w1)) + a1 * (b0 * at(n, c, h1, w0) + b1 * at(n, c, h1, w1)));
            }
          }
    return out;
  }

  it("nearest (scaleFactor, size, 3-D) and bilinear (alignCorners false and true, down and up)", () => {
    const r = run(
      `export class M extends nn.Module {
  up = new nn.Upsample({ scaleFactor: 2 });
  bl = new nn.Upsample({ scaleFactor: [1.5, 2.5], mode: "bilinear" });
  forward(x: Tensor<[Batch, 2, 3, 4]>, s: Tensor<[Batch, 2, 5]>) {
    return [
      this.up(x),
      F.interpolate(x, { size: [7, 3] }),
      F.interpolate(s, { scaleFactor: 1.7 }),
      this.bl(x),
      F.interpolate(x, { size: [5, 2], mode: "bilinear", alignCorners: true }),
      F.interpolate(x, { size: [2, 7], mode: "bilinear" }),
      F.interpolate(x, 4, null, "bilinear", false),
      F.interpolate(s, { scaleFactor: 1.5, mode: "linear", alignCorners: true }),
      F.interpolate(x, { size: [5, 3], mode: "nearest-exact" }),
    ];
  }
}`,
      {},
      { x: [2, 2, 3, 4], s: [2, 2, 5] },
    );
    const x = r.ins.x;
    const shape = [2, 2, 3, 4];
    expectClose(r.outs[0], resample2d(x, shape, [6, 8], "nearest", false, [2, 2]), "Upsample(scaleFactor 2)");
    expectClose(r.outs[1], resample2d(x, shape, [7, 3], "nearest", false, null), "interpolate(size [7, 3])");
    // 3-D nearest is the 2-D rule with H = 1
    expectClose(r.outs[2], resample2d(r.ins.s, [2, 2, 1, 5], [1, 8], "nearest", false, [1, 1.7]), "interpolate(3-D, scaleFactor 1.7)");
    expectClose(r.outs[3], resample2d(x, shape, [4, 10], "bilinear", false, [1.5, 2.5]), "Upsample(bilinear, [1.5, 2.5])");
    expectClose(r.outs[4], resample2d(x, shape, [5, 2], "bilinear", true, null), "bilinear, alignCorners");
    expectClose(r.outs[5], resample2d(x, shape, [2, 7], "bilinear", false, null), "bilinear, size [2, 7]");
    expectClose(r.outs[6], resample2d(x, shape, [4, 4], "bilinear", false, null), "interpolate(x, 4) positional");
    // linear over [N, C, L] is bilinear with H = 1
    expectClose(r.outs[7], resample2d(r.ins.s, [2, 2, 1, 5], [1, 7], "bilinear", true, null), "interpolate(3-D, linear, alignCorners)");
    // nearest-exact takes the source at the destination's centre: another pick than nearest's here
    expectClose(r.outs[8], resample2d(x, shape, [5, 3], "nearest-exact", false, null), "interpolate(nearest-exact, size [5, 3])");
    expect(resample2d(x, shape, [5, 3], "nearest-exact", false, null)).not.toEqual(resample2d(x, shape, [5, 3], "nearest", false, null));
    // alignCorners keeps the corners exactly
    const corners = r.outs[4];
    expect([corners[0], corners[9]]).toEqual([x[0], x[11]]);
  });

  it("gradients (the matmul's, through the constant weights)", () => {
    expect(gradCheck(`export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 1, 2, 3]>) {\n    return [F.interpolate(x, { scaleFactor: 2, mode: "bilinear" }), F.interpolate(x, { size: [3, 5] })];\n  }\n}\n`).checked).toBeGreaterThan(10);
  });

  it("refuses unsupported modes, size with scaleFactor, alignCorners with nearest, bilinear on 3-D", () => {
    const bad = (call: string, input = "Tensor<[Batch, 2, 3, 4]>") =>
      diagnosticsOf(`${header}export class M extends nn.Module {\n  forward(x: ${input}) {\n    return ${call};\n  }\n}\n`).map((d) => `${d.code} ${d.message}`);
    expect(bad(`F.interpolate(x, { scaleFactor: 2, mode: "lanczos" })`)[0]).toMatch(/^TSDP3004 F\.interpolate: mode must be one of "nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area", got/);
    expect(bad(`F.interpolate(x, { scaleFactor: 2, mode: "bicubic" })`, "Tensor<[Batch, 2, 3]>")[0]).toMatch(/^TSDP4001 .*"bicubic" needs a 4-D input/);
    expect(bad(`F.interpolate(x, { scaleFactor: 2, size: 4 })`)[0]).toMatch(/^TSDP3004 .*only one of size and scaleFactor/);
    expect(bad(`F.interpolate(x, {})`)[0]).toMatch(/^TSDP3004 .*either size or scaleFactor/);
    expect(bad(`F.interpolate(x, { scaleFactor: 2, alignCorners: false })`)[0]).toMatch(/^TSDP3004 .*alignCorners can only be set with modes "linear", "bilinear", "bicubic" and "trilinear"/);
    expect(bad(`F.interpolate(x, { scaleFactor: 2, mode: "bilinear" })`, "Tensor<[Batch, 2, 3]>")[0]).toMatch(/^TSDP4001 .*"bilinear" needs a 4-D input/);
    expect(bad(`F.interpolate(x, { scaleFactor: 2, mode: "linear" })`)[0]).toMatch(/^TSDP4001 .*"linear" needs a 3-D input/);
    expect(bad(`F.interpolate(x, { scaleFactor: 0 })`)[0]).toMatch(/^TSDP3004 .*scaleFactor must be a finite number > 0/);
    expect(bad(`F.interpolate(x, { size: [2, 3, 4] })`)[0]).toMatch(/^TSDP3004 .*one value or 2/);
  });
});

describe("nn.MultiheadAttention (batchFirst)", () => {
  const [N, E, H] = [2, 6, 2];
  const [L, S] = [3, 4];
  const D = E / H;
  /** x·Wᵀ + b for rows of `inF` features; W rows [r0, r0 + outF). */
  function linear(x: number[], rows: number, inF: number, w: number[], b: number[] | null, r0: number, outF: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < rows; i++)
      for (let o = 0; o < outF; o++) {
        let acc = b ? b[r0 + o] : 0;
        for (let k = 0; k < inF; k++) acc += x[i * inF + k] * w[(r0 + o) * inF + k];
        out.push(acc);
      }
    return out;
  }
  /** PyTorch's multi_head_attention_forward: returns [output, weights averaged over heads]. */
  function mha(q: number[], k: number[], v: number[], p: (n: string) => number[], mask: (r: number, c: number) => number, L = 3, S = 4, separate?: { kdim: number; vdim: number }, append: { key: number[]; value: number[] }[] = []): [number[], number[]] {
    const bin = p("attn.in_proj_bias");
    // kdim / vdim: PyTorch's q_proj_weight, k_proj_weight, v_proj_weight, the bias still in_proj_bias's thirds
    const qp = separate ? linear(q, N * L, E, p("attn.q_proj_weight"), bin.slice(0, E), 0, E) : linear(q, N * L, E, p("attn.in_proj_weight"), bin, 0, E);
    const kp = separate ? linear(k, N * S, separate.kdim, p("attn.k_proj_weight"), bin.slice(E, 2 * E), 0, E) : linear(k, N * S, E, p("attn.in_proj_weight"), bin, E, E);
    const vp = separate ? linear(v, N * S, separate.vdim, p("attn.v_proj_weight"), bin.slice(2 * E), 0, E) : linear(v, N * S, E, p("attn.in_proj_weight"), bin, 2 * E, E);
    // addBiasKv / addZeroAttn: projected keys and values appended to every sample's, never masked
    const T = S + append.length;
    const keyAt = (n: number, c: number, i: number) => (c < S ? kp[(n * S + c) * E + i] : append[c - S].key[i]);
    const valueAt = (n: number, c: number, i: number) => (c < S ? vp[(n * S + c) * E + i] : append[c - S].value[i]);
    const joined = new Array(N * L * E).fill(0);
    const avg = new Array(N * L * T).fill(0);
    for (let n = 0; n < N; n++)
      for (let h = 0; h < H; h++)
        for (let r = 0; r < L; r++) {
          const scores: number[] = [];
          for (let c = 0; c < T; c++) {
            let dot = 0;
            for (let d = 0; d < D; d++) dot += qp[(n * L + r) * E + h * D + d] * keyAt(n, c, h * D + d);
            scores.push(dot / Math.sqrt(D) + (c < S ? mask(r, c) : 0));
          }
          const max = Math.max(...scores);
          const e = scores.map((s) => Math.exp(s - max));
          const sum = e.reduce((a, b) => a + b, 0);
          e.forEach((w, c) => {
            avg[(n * L + r) * T + c] += w / sum / H;
            for (let d = 0; d < D; d++) joined[(n * L + r) * E + h * D + d] += (w / sum) * valueAt(n, c, h * D + d);
          });
        }
    return [linear(joined, N * L, E, p("attn.out_proj.weight"), p("attn.out_proj.bias"), 0, E), avg];
  }

  const body = `export class M extends nn.Module {
  attn = new nn.MultiheadAttention(${E}, ${H}, { batchFirst: true });
  forward(q: Tensor<[Batch, ${L}, ${E}]>, k: Tensor<[Batch, ${S}, ${E}]>, v: Tensor<[Batch, ${S}, ${E}]>) {
    const [out, weights] = this.attn(q, k, v);
    const [masked] = this.attn(q, k, v, { attnMask: F.where(F.ones([${L}, ${S}]).tril(1), 0, -Infinity), needWeights: false });
    const [selfOut, none] = this.attn(k, k, k, { isCausal: true, needWeights: false });
    const [padded] = this.attn(q, k, v, { keyPaddingMask: F.where(k.sum(2).gt(0).logicalAnd(F.arange(${S}).lt(${S - 1})), -Infinity, 0), needWeights: false });
    return none === null ? [out, weights, masked, selfOut, padded] : [out];
  }
}`;

  it("PyTorch's parameter names and initialization", () => {
    const { graph } = lowerSource(`${header}${body}`);
    expect(graph.params.map((p) => `${p.attrs.name} [${p.shape.join(", ")}]`)).toEqual([
      `attn.in_proj_weight [${3 * E}, ${E}]`,
      `attn.in_proj_bias [${3 * E}]`,
      `attn.out_proj.weight [${E}, ${E}]`,
      `attn.out_proj.bias [${E}]`,
    ]);
    const state = initState(graph, 0);
    // xavier_uniform_ on [3E, E]: |w| ≤ √(6/(E + 3E)); the biases start at 0
    const bound = Math.sqrt(6 / (4 * E));
    expect(Math.max(...Array.from(state.params.get("attn.in_proj_weight")!.data, Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...Array.from(state.params.get("attn.in_proj_weight")!.data, Math.abs))).toBeGreaterThan(bound / 2);
    expect([...state.params.get("attn.in_proj_bias")!.data, ...state.params.get("attn.out_proj.bias")!.data].every((b) => b === 0)).toBe(true);
  });

  it("forward: the output and head-averaged weights; a float attnMask; isCausal self-attention with one packed projection", () => {
    const r = run(body, {}, { q: [N, L, E], k: [N, S, E], v: [N, S, E] });
    expect(r.outs).toHaveLength(5);
    const [out, weights] = mha(r.ins.q, r.ins.k, r.ins.v, r.param, () => 0);
    expectClose(r.outs[0], out, "output");
    expectClose(r.outs[1], weights, "weights averaged over heads");
    expectClose(r.outs[2], mha(r.ins.q, r.ins.k, r.ins.v, r.param, (row, c) => (c - row <= 1 ? 0 : -Infinity))[0], "with attnMask");
    // self-attention over k (length S) with the causal mask
    expectClose(r.outs[3], mha(r.ins.k, r.ins.k, r.ins.k, r.param, (row, c) => (c > row ? -Infinity : 0), S, S)[0], "causal self-attention");
    // keyPaddingMask [N, S]: −∞ at the keys whose features sum above 0, except the last key (so no row is all −∞)
    const pad = (n: number, c: number) => (c < S - 1 && r.ins.k.slice((n * S + c) * E, (n * S + c + 1) * E).reduce((a, b) => a + b, 0) > 0 ? -Infinity : 0);
    const perSample = (n: number) => mha(r.ins.q, r.ins.k, r.ins.v, r.param, (_row, c) => pad(n, c))[0].slice(n * L * E, (n + 1) * L * E);
    expectClose(r.outs[4], [...perSample(0), ...perSample(1)], "with keyPaddingMask");
    expect([0, 1].some((n) => [0, 1, 2].some((c) => pad(n, c) === -Infinity))).toBe(true);
    // query = key = value: one projection GEMM with the whole in_proj_weight
    const inProj = r.graph.params.find((p) => p.attrs.name === "attn.in_proj_weight");
    expect(r.graph.nodes.filter((n) => n.op === "linear" && n.inputs[1] === inProj)).toHaveLength(1);
  });

  it("sequence first (PyTorch's default batchFirst: false): [L, N, E] in and out, the weights [N, L, S], self-attention still one projection", () => {
    const seqFirst = `export class M extends nn.Module {
  attn = new nn.MultiheadAttention(${E}, ${H});
  forward(q: Tensor<[Batch, ${L}, ${E}]>, k: Tensor<[Batch, ${S}, ${E}]>, v: Tensor<[Batch, ${S}, ${E}]>) {
    const [out, weights] = this.attn(q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1));
    const ks = k.transpose(0, 1);
    const [selfOut] = this.attn(ks, ks, ks, { isCausal: true, needWeights: false });
    return [out.transpose(0, 1), weights, selfOut.transpose(0, 1)];
  }
}`;
    const r = run(seqFirst, {}, { q: [N, L, E], k: [N, S, E], v: [N, S, E] });
    const [out, weights] = mha(r.ins.q, r.ins.k, r.ins.v, r.param, () => 0);
    expectClose(r.outs[0], out, "output");
    expectClose(r.outs[1], weights, "weights averaged over heads");
    expectClose(r.outs[2], mha(r.ins.k, r.ins.k, r.ins.k, r.param, (row, c) => (c > row ? -Infinity : 0), S, S)[0], "causal self-attention");
    const inProj = r.graph.params.find((p) => p.attrs.name === "attn.in_proj_weight");
    // the two calls: three slices of in_proj_weight for q, k, v, and one whole projection for self-attention
    expect(r.graph.nodes.filter((n) => n.op === "linear" && n.inputs[1] === inProj)).toHaveLength(1);
  });

  it("gradients", () => {
    expect(
      gradCheck(`export class M extends nn.Module {
  attn = new nn.MultiheadAttention(4, 2, { batchFirst: true });
  forward(q: Tensor<[Batch, 2, 4]>, kv: Tensor<[Batch, 3, 4]>) {
    const [a] = this.attn(q, kv, kv, { needWeights: false });
    const [b, w] = this.attn(kv, kv, kv, { isCausal: true });
    return [a, b, w];
  }
}
`).checked,
    ).toBeGreaterThan(40);
  });

  it("kdim and vdim (cross-attention to features of other widths): PyTorch's q/k/v_proj_weight, the layer's settings", () => {
    const [K, V] = [4, 5];
    const cross = `export class M extends nn.Module {
  attn = new nn.MultiheadAttention(${E}, ${H}, { batchFirst: true, kdim: ${K}, vdim: ${V} });
  forward(q: Tensor<[Batch, ${L}, ${E}]>, k: Tensor<[Batch, ${S}, ${K}]>, v: Tensor<[Batch, ${S}, ${V}]>) {
    const [out, weights] = this.attn(q, k, v);
    return [out, weights, q.mul(this.attn.kdim * 10 + this.attn.vdim)];
  }
}`;
    const r = run(cross, {}, { q: [N, L, E], k: [N, S, K], v: [N, S, V] });
    expect(r.graph.params.map((p) => `${p.attrs.name} [${p.shape.join(", ")}]`)).toEqual([
      `attn.q_proj_weight [${E}, ${E}]`, `attn.k_proj_weight [${E}, ${K}]`, `attn.v_proj_weight [${E}, ${V}]`, `attn.in_proj_bias [${3 * E}]`, `attn.out_proj.weight [${E}, ${E}]`, `attn.out_proj.bias [${E}]`,
    ]);
    // xavier_uniform_ on each: k_proj_weight's bound √(6/(E + kdim))
    expect(r.graph.params[1].attrs.init).toEqual({ kind: "uniform", bound: Math.sqrt(6 / (E + K)) });
    const [out, weights] = mha(r.ins.q, r.ins.k, r.ins.v, r.param, () => 0, L, S, { kdim: K, vdim: V });
    expectClose(r.outs[0], out, "output");
    expectClose(r.outs[1], weights, "weights averaged over heads");
    expectClose(r.outs[2], r.ins.q.map((x) => x * (K * 10 + V)), "kdim and vdim as settings");
  });

  it("F.multiHeadAttentionForward (CLIP's AttentionPool2d: useSeparateProjWeight, sequence first): PyTorch's formula, as the module with those weights", () => {
    const [K, V] = [4, 5];
    const functional = `export class M extends nn.Module {
  attn = new nn.MultiheadAttention(${E}, ${H}, { kdim: ${K}, vdim: ${V} });
  forward(q: Tensor<[Batch, ${L}, ${E}]>, k: Tensor<[Batch, ${S}, ${K}]>, v: Tensor<[Batch, ${S}, ${V}]>) {
    const [qs, ks, vs] = [q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)];
    const [out, weights] = F.multi_head_attention_forward(qs, ks, vs, {
      embedDimToCheck: ${E}, numHeads: ${H}, inProjWeight: null, inProjBias: this.attn.in_proj_bias, biasK: null, biasV: null, addZeroAttn: false,
      dropoutP: 0.5, outProjWeight: this.attn.out_proj.weight, outProjBias: this.attn.out_proj.bias, training: false,
      useSeparateProjWeight: true, qProjWeight: this.attn.q_proj_weight, kProjWeight: this.attn.k_proj_weight, vProjWeight: this.attn.v_proj_weight,
    });
    const [modular] = this.attn(qs, ks, vs);
    return [out.transpose(0, 1), weights, modular.transpose(0, 1)];
  }
}`;
    const r = run(functional, {}, { q: [N, L, E], k: [N, S, K], v: [N, S, V] });
    const [out, weights] = mha(r.ins.q, r.ins.k, r.ins.v, r.param, () => 0, L, S, { kdim: K, vdim: V });
    expectClose(r.outs[0], out, "output");
    expectClose(r.outs[1], weights, "weights averaged over heads");
    expectClose(r.outs[2], r.outs[0], "the module's output");
    const bad = diagnosticsOf(`${header}${functional.replace("useSeparateProjWeight: true", "useSeparateProjWeight: false")}`).map((d) => `${d.code} ${d.message}`);
    expect(bad[0]).toMatch(/^TSDP3004 F\.multiHeadAttentionForward: inProjWeight is needed unless useSeparateProjWeight is true$/);
  });

  it("addBiasKv and addZeroAttn: PyTorch's bias_k and bias_v, a learned and a zero key/value appended after the projections, the masks covering only the given keys", () => {
    const extra = `export class M extends nn.Module {
  attn = new nn.MultiheadAttention(${E}, ${H}, { batchFirst: true, addBiasKv: true, addZeroAttn: true });
  zero = new nn.MultiheadAttention(${E}, ${H}, { batchFirst: true, addZeroAttn: true });
  forward(q: Tensor<[Batch, ${L}, ${E}]>, k: Tensor<[Batch, ${S}, ${E}]>, v: Tensor<[Batch, ${S}, ${E}]>) {
    const [out, weights] = this.attn(q, k, v, { attnMask: F.ones([${L}, ${S}]).triu(1).eq(1) });
    const [z] = this.zero(q, k, v, { needWeights: false });
    return [out, weights, z];
  }
}`;
    const r = run(extra, {}, { q: [N, L, E], k: [N, S, E], v: [N, S, E] });
    expect(r.graph.params.map((p) => `${p.attrs.name} [${p.shape.join(", ")}]`).slice(0, 6)).toEqual([
      `attn.in_proj_weight [${3 * E}, ${E}]`, `attn.in_proj_bias [${3 * E}]`, `attn.bias_k [1, 1, ${E}]`, `attn.bias_v [1, 1, ${E}]`, `attn.out_proj.weight [${E}, ${E}]`, `attn.out_proj.bias [${E}]`,
    ]);
    // xavier_normal_ on [1, 1, E]: std √(2 / (E + E))
    expect(r.graph.params[2].attrs.init).toEqual({ kind: "normal", std: Math.sqrt(1 / E) });
    const zeros = new Array(E).fill(0);
    const causal = (row: number, c: number) => (c > row ? -Infinity : 0);
    const [out, weights] = mha(r.ins.q, r.ins.k, r.ins.v, r.param, causal, L, S, undefined, [{ key: r.param("attn.bias_k"), value: r.param("attn.bias_v") }, { key: zeros, value: zeros }]);
    expectClose(r.outs[0], out, "output");
    expectClose(r.outs[1], weights, "weights [N, L, S + 2]");
    const zp = (n: string) => r.param(n.replace("attn.", "zero."));
    expectClose(r.outs[2], mha(r.ins.q, r.ins.k, r.ins.v, zp, () => 0, L, S, undefined, [{ key: zeros, value: zeros }])[0], "addZeroAttn alone");
    expect(gradCheck(`export class M extends nn.Module {\n  attn = new nn.MultiheadAttention(4, 2, { batchFirst: true, addBiasKv: true, addZeroAttn: true });\n  forward(q: Tensor<[Batch, 2, 4]>) {\n    const [a] = this.attn(q, q, q, { needWeights: false });\n    return a;\n  }\n}\n`).checked).toBeGreaterThan(20);
  });

  it("unbatched query [L, E], key and value [S, E], keyPaddingMask [S], as PyTorch's (batchFirst does not apply): output [L, E], weights [L, S]", () => {
    const unbatched = `export class M extends nn.Module {
  attn = new nn.MultiheadAttention(${E}, ${H}, { batchFirst: true });
  qq = new nn.Parameter(F.zeros(${L}, ${E}));
  kk = new nn.Parameter(F.zeros(${S}, ${E}));
  forward(x: Tensor<[Batch, 1]>) {
    const [out, weights] = this.attn(this.qq, this.kk, this.kk, { keyPaddingMask: F.tensor([0, 1, 0, 0]).bool() });
    return [x.mul(0).add(out.flatten()), x.mul(0).add(weights.flatten()), x.mul(out.size(0) * 10 + weights.size(1))];
  }
}`;
    const r = run(unbatched, { x: [1, 1] }, { x: [N, 1] });
    // every sample's row is the one unbatched call: PyTorch's formula on N copies of it
    const copies = (t: number[]) => [...t, ...t];
    const [out, weights] = mha(copies(r.param("qq")), copies(r.param("kk")), copies(r.param("kk")), r.param, (_row, c) => (c === 1 ? -Infinity : 0));
    expectClose(r.outs[0], out, "output [L, E]");
    expectClose(r.outs[1], weights, "weights [L, S]");
    expect(r.outs[2]).toEqual([L * 10 + S, L * 10 + S]);
  });

  it("refuses embedDim not divisible by numHeads and a wrong-width query", () => {
    const bad = (layer: string, input = "Tensor<[Batch, 3, 6]>") =>
      diagnosticsOf(`${header}export class M extends nn.Module {\n  n = ${layer};\n  forward(x: ${input}) {\n    return this.n(x, x, x)[0];\n  }\n}\n`).map((d) => `${d.code} ${d.message}`);
    expect(bad("new nn.MultiheadAttention(6, 4, { batchFirst: true })")[0]).toMatch(/^TSDP3004 nn\.MultiheadAttention: embedDim \(6\) must be divisible by numHeads \(4\)/);
    expect(bad("new nn.MultiheadAttention(8, 2, { batchFirst: true })")[0]).toMatch(/^TSDP4001 .*query must be \[N, L, 8\] \(batchFirst: true\)/);
    expect(bad("new nn.MultiheadAttention(8, 2)")[0]).toMatch(/^TSDP4001 .*query must be \[L, N, 8\] \(batchFirst: false\)/);
    // PyTorch's positional order: (embed_dim, num_heads, dropout, bias, add_bias_kv, add_zero_attn, kdim, vdim, batch_first);
    // the fifth was read as batchFirst, so a port's add_bias_kv=True by position batched the wrong dim
    expect(bad("new nn.MultiheadAttention(8, 2, 0, true, false, false, null, null, true)")[0]).toMatch(/^TSDP4001 .*query must be \[N, L, 8\] \(batchFirst: true\)/);
    expect(bad("new nn.MultiheadAttention(8, 2, 0, true, true)")[0]).toMatch(/^TSDP4001 .*query must be \[L, N, 8\] \(batchFirst: false\)/);
    expect(bad("new nn.MultiheadAttention(6, 2)")[0]).toMatch(/^TSDP4001 nn\.MultiheadAttention \(batchFirst: false, PyTorch's default\) reads query as \[L, N, 6\], got \[Batch, 3, 6\] with the batch first: construct it with \{ batchFirst: true \}/);

    // PyTorch's kdim / vdim at their default (embedDim) are one packed weight; a key of another width is refused where it does not fit
    expect(lowerSource(`${header}export class M extends nn.Module {\n  n = new nn.MultiheadAttention(6, 2, { batchFirst: true, kdim: 6, vdim: 6, addBiasKv: false });\n  forward(x: Tensor<[Batch, 3, 6]>) {\n    return this.n(x, x, x)[0];\n  }\n}\n`).graph.params[0].attrs.name).toBe("n.in_proj_weight");
    expect(bad("new nn.MultiheadAttention(6, 2, { batchFirst: true, kdim: 4 })")[0]).toMatch(/^TSDP4001 nn\.MultiheadAttention: key must be \[N, L, 4\] \(batchFirst: true\), got \[Batch, 3, 6\]/);
  });
});

describe("nn.Softplus, nn.Hardswish, nn.Mish: the layer forms of the functional composites", () => {
  it("equal F.softplus / F.hardswish / F.mish with the same options", () => {
    const r = run(
      `export class M extends nn.Module {
  sp = new nn.Softplus({ beta: 2, threshold: 1 });
  hs = new nn.Hardswish();
  mi = new nn.Mish();
  forward(x: Tensor<[Batch, 9]>) {
    return [this.sp(x).sub(F.softplus(x, 2, 1)), this.hs(x).sub(F.hardswish(x)), this.mi(x).sub(F.mish(x)), this.sp(x)];
  }
}`,
      { x: [-5, -3, -1, -0.2, 0, 0.3, 0.5, 2, 6] },
      { x: [1, 9] },
    );
    for (const d of r.outs.slice(0, 3)) expect(d.every((v) => v === 0)).toBe(true);
    // βx > threshold is x itself (0.5·2 = 1 is not above 1)
    expect(r.outs[3].slice(7)).toEqual([2, 6]);
    expect(r.outs[3][6]).toBeCloseTo(Math.log1p(Math.exp(1)) / 2, 12);
  });
});

describe("weight tying: this.head.weight = this.tok.weight", () => {
  const tied = `export class M extends nn.Module {
  tok = new nn.Embedding(5, 4);
  mid = new nn.Linear(4, 4);
  head = new nn.Linear(4, 5, { bias: false });
  constructor() {
    super();
    this.head.weight = this.tok.weight;
  }
  forward(i: Tensor<[Batch, 3], "int32">) {
    return this.head(this.mid(this.tok(i)));
  }
}
`;

  it("a bias tied onto a layer built without one says to build it with one (BERT's MLM head, port53)", () => {
    const src = `${header}${tied.replace("this.head.weight = this.tok.weight;", "this.bias = new nn.Parameter(F.zeros(5));\n    this.head.bias = this.bias;")}`;
    expect(diagnosticsOf(src).map((d) => d.message)[0]).toMatch(/cannot set 'bias' on nn\.Linear: only its parameters \(weight\) can be tied to another parameter; it was built without its bias \(bias: false\): build it with one/);
    // built with one, the tie is accepted
    expect(lowerSource(src.replace("{ bias: false }", "{}")).graph.params.map((p) => p.attrs.name)).toContain("bias");
  });

  it("registers one parameter under the name named_parameters() gives it, initialized as the embedding", () => {
    const { graph } = lowerSource(`${header}${tied}`);
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["tok.weight", "mid.weight", "mid.bias"]);
    const weight = graph.params[0];
    expect(weight.attrs.init).toEqual({ kind: "normal", std: 1 });
    // the head's matmul reads the same node
    expect(graph.nodes.filter((n) => n.op === "linear" && n.inputs[1] === weight)).toHaveLength(1);
  });

  it("its gradient is the sum over both uses (checked against central differences, and as the sum of the untied model's two gradients)", () => {
    expect(gradCheck(tied, { intLimit: 5 }).checked).toBeGreaterThan(20);
    const untied = tied.replace("    this.head.weight = this.tok.weight;\n", "");
    const grads = (text: string) => {
      const { graph } = lowerSource(`${header}${text}`);
      const { graph: step, gradients } = differentiate(graph);
      const state = initState(graph, 2);
      // the untied model starts with head.weight equal to tok.weight
      if (state.params.has("head.weight")) state.params.get("head.weight")!.data.set(state.params.get("tok.weight")!.data);
      const target = nd([2, 3, 5], normals(30, 1, 1));
      const values = runReference(step, { i: nd([2, 3], [0, 4, 2, 2, 1, 3]), target }, state, { training: true }).values;
      return (name: string) => Array.from(values.get(gradients.get(name)!)!.data);
    };
    const withTraining = (text: string) => `${text}export const training = new Training(M, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });\n`;
    const t = grads(withTraining(tied));
    const u = grads(withTraining(untied));
    const sum = u("tok.weight").map((g, i) => g + u("head.weight")[i]);
    expectClose(t("tok.weight"), sum, "tied gradient");
    expect(u("head.weight").some((g) => g !== 0)).toBe(true);
  });

  it("an nn.Parameter in two fields is one parameter; a shape mismatch and a non-parameter field are refused", () => {
    const two = lowerSource(`${header}export class M extends nn.Module {
  a = new nn.Parameter(F.ones([3]));
  b = this.a;
  forward(x: Tensor<[Batch, 3]>) {
    return x.mul(this.a).add(this.b);
  }
}
`);
    expect(two.graph.params.map((p) => p.attrs.name)).toEqual(["a"]);
    // a layer's parameter tied to the module's own nn.Parameter: registered (first) under the field's name
    const own = lowerSource(`${header}export class M extends nn.Module {
  head = new nn.Linear(3, 2, { bias: false });
  w = new nn.Parameter(F.full([2, 3], 0.25));
  constructor() {
    super();
    this.head.weight = this.w;
  }
  forward(x: Tensor<[Batch, 3]>) {
    return this.head(x).add(x.matmul(this.w.t()));
  }
}
`);
    expect(own.graph.params.map((p) => `${p.attrs.name} ${JSON.stringify(p.attrs.init)}`)).toEqual([`w {"kind":"constant","value":0.25}`]);
    const bad = (stmt: string) =>
      diagnosticsOf(`${header}export class M extends nn.Module {
  tok = new nn.Embedding(5, 4);
  head = new nn.Linear(4, 6);
  constructor() {
    super();
    ${stmt};
  }
  forward(i: Tensor<[Batch, 3], "int32">) {
    return this.head(this.tok(i));
  }
}
`).map((d) => `${d.code} ${d.message}`);
    expect(bad("this.head.weight = this.tok.weight")[0]).toMatch(/^TSDP4001 cannot tie nn\.Linear's weight \[6, 4\] to the parameter nn\.Embedding\.weight \[5, 4\]/);
    expect(bad("this.head.scale = this.tok.weight")[0]).toMatch(/cannot set 'scale' on nn\.Linear: only its parameters \(weight, bias\)/);
  });
});

describe("nn.init's fan-based initializers (xavier_*, kaiming_*) with PyTorch's fans and gains", () => {
  it("draw from the bound or std PyTorch computes", () => {
    const { graph } = lowerSource(`${header}export class M extends nn.Module {
  conv = new nn.Conv2d(3, 8, [3, 5]);
  fc = new nn.Linear(6, 4);
  p = new nn.Parameter(F.zeros([10, 4]));
  q = new nn.Parameter(F.zeros([5, 7]));
  constructor() {
    super();
    nn.init.kaiming_normal_(this.conv.weight, { mode: "fan_out", nonlinearity: "relu" });
    nn.init.xavier_uniform_(this.fc.weight, 2);
    nn.init.kaiming_uniform_(this.p, 0.5);
    nn.init.xavier_normal_(this.q, { gain: 5 / 3 });
  }
  forward(x: Tensor<[Batch, 3, 8, 8]>) {
    return x;
  }
}
`);
    const init = (name: string) => graph.params.find((p) => p.attrs.name === name)!.attrs.init as { kind: string; std?: number; bound?: number };
    // conv weight [8, 3, 3, 5]: fan_out = 8·15; relu gain √2
    expect(init("conv.weight").kind).toBe("normal");
    expect(init("conv.weight").std).toBeCloseTo(Math.sqrt(2) / Math.sqrt(8 * 15), 14);
    // [4, 6]: fan_in 6, fan_out 4
    expect(init("fc.weight")).toEqual({ kind: "uniform", bound: expect.closeTo(2 * Math.sqrt(6 / 10), 14) });
    // [10, 4], leaky_relu with a = 0.5: gain √(2/1.25), fan_in 4
    expect(init("p")).toEqual({ kind: "uniform", bound: expect.closeTo(Math.sqrt(2 / 1.25) * Math.sqrt(3 / 4), 14) });
    // [5, 7]: std = 5/3·√(2/12)
    expect(init("q")).toEqual({ kind: "normal", std: expect.closeTo((5 / 3) * Math.sqrt(2 / 12), 14) });
  });
  it("refuses a 1-D tensor (no fans) and an unknown nonlinearity", () => {
    const bad = (stmt: string) =>
      diagnosticsOf(`${header}export class M extends nn.Module {\n  fc = new nn.Linear(4, 4);\n  constructor() {\n    super();\n    ${stmt};\n  }\n  forward(x: Tensor<[Batch, 4]>) {\n    return this.fc(x);\n  }\n}\n`).map((d) => `${d.code} ${d.message}`);
    expect(bad("nn.init.xavier_uniform_(this.fc.bias)")[0]).toMatch(/^TSDP3004 nn\.init\.xavier_uniform_: fan in and fan out cannot be computed for a tensor with fewer than 2 dims, got \[4\]/);
    expect(bad(`nn.init.kaiming_normal_(this.fc.weight, { nonlinearity: "gelu" })`)[0]).toMatch(/^TSDP3004 .*nonlinearity must be one of/);
  });
});

describe("F.pad (mode constant)", () => {
  it("pads (before, after) pairs from the last dim backwards, crops with negative amounts, fills with value", () => {
    const r = run(
      `export class M extends nn.Module {
  forward(x: Tensor<[Batch, 2, 3]>) {
    return [F.pad(x, [1, 2]), F.pad(x, [0, -1, 2, 0], "constant", 1.5), F.pad(x, [-1, 1])];
  }
}`,
      { x: [1, 2, 3, 4, 5, 6] },
      { x: [1, 2, 3] },
    );
    // torch.nn.functional.pad(x, (1, 2)): each row [0, a, b, c, 0, 0]
    expect(r.outs[0]).toEqual([0, 1, 2, 3, 0, 0, 0, 4, 5, 6, 0, 0]);
    // (0, -1) drops the last column, (2, 0) adds two rows of 1.5 on top
    expect(r.outs[1]).toEqual([1.5, 1.5, 1.5, 1.5, 1, 2, 4, 5]);
    expect(r.outs[2]).toEqual([2, 3, 0, 5, 6, 0]);
  });
  it("gradients; refuses an odd pad length, padding the batch, an unknown mode", () => {
    expect(gradCheck(`export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 2, 3]>) {\n    return F.pad(x, [1, -1, 0, 2], { value: 0.5 });\n  }\n}\n`).checked).toBeGreaterThanOrEqual(12);
    const bad = (call: string) =>
      diagnosticsOf(`${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 2, 3]>) {\n    return ${call};\n  }\n}\n`).map((d) => `${d.code} ${d.message}`);
    expect(bad("F.pad(x, [1])")[0]).toMatch(/^TSDP3004 F\.pad: pad must hold \(before, after\) pairs/);
    expect(bad("F.pad(x, [0, 0, 0, 0, 1, 1])")[0]).toMatch(/^TSDP4001 F\.pad: dim 0 of \[Batch, 2, 3\] cannot be the batch/);
    // reflect, replicate and circular: test/port-layers.test.ts
    expect(bad(`F.pad(x, [1, 1], "symmetric")`)[0]).toMatch(/^TSDP3004 F\.pad: mode must be one of "constant", "reflect", "replicate", "circular"/);
    expect(bad("F.pad(x, [-2, -1])")[0]).toMatch(/^TSDP3004 F\.pad: padding \(-2, -1\) leaves nothing of dim 2/);
  });
});

describe("nn.InstanceNorm1d/2d, nn.PReLU, nn.PixelShuffle/PixelUnshuffle, nn.Unflatten", () => {
  const net = (fields: string, forward: string, input: string) => `export class M extends nn.Module {\n  ${fields}\n  forward(x: ${input}) {\n    ${forward}\n  }\n}`;
  it("InstanceNorm2d: each sample's channel over its positions (biased variance), affine off by default; 1d the same over L", () => {
    const [N, C, S] = [2, 3, 4];
    const r = run(net("a = new nn.InstanceNorm2d(3);\n  b = new nn.InstanceNorm1d(3, { affine: true, eps: 1e-3 });", "return [this.a(x), this.b(x.view(-1, 3, 4))];", "Tensor<[Batch, 3, 2, 2]>"), {}, { x: [N, C, 2, 2] });
    expect(r.graph.params.map((p) => p.attrs.name)).toEqual(["b.weight", "b.bias"]);
    const norm = (eps: number, w?: number[], b?: number[]) => {
      const out: number[] = [];
      for (let i = 0; i < N * C; i++) {
        const row = r.ins.x.slice(i * S, (i + 1) * S);
        const mean = row.reduce((p, v) => p + v, 0) / S;
        const variance = row.reduce((p, v) => p + (v - mean) ** 2, 0) / S;
        const c = i % C;
        row.forEach((v) => out.push(((v - mean) / Math.sqrt(variance + eps)) * (w ? w[c] : 1) + (b ? b[c] : 0)));
      }
      return out;
    };
    expectClose(r.outs[0], norm(1e-5), "InstanceNorm2d");
    expectClose(r.outs[1], norm(1e-3, r.param("b.weight"), r.param("b.bias")), "InstanceNorm1d, affine");
  });
  it("PReLU: x above 0, a·x at and below it; one a, or one per channel, initialized to init", () => {
    const r = run(net("one = new nn.PReLU();\n  per = new nn.PReLU(2, 0.1);", "return [this.one(x), this.per(x)];", "Tensor<[Batch, 2, 3]>"), { x: [-2, 0, 3, -1, 0.5, -4] }, { x: [1, 2, 3] });
    const [a, per] = [r.param("one.weight"), r.param("per.weight")];
    expect(a).toHaveLength(1);
    expectClose(r.outs[0], [-2 * a[0], 0, 3, -1 * a[0], 0.5, -4 * a[0]], "one parameter");
    expectClose(r.outs[1], [-2 * per[0], 0, 3, -1 * per[1], 0.5, -4 * per[1]], "per channel");
    const { graph } = lowerSource(`${header}${net("p = new nn.PReLU(2, 0.1);", "return this.p(x);", "Tensor<[Batch, 2, 3]>")}`);
    expect(initState(graph, 0).params.get("p.weight")!.data).toEqual(Float64Array.from([0.1, 0.1]));
    expect(gradCheck(`export class M extends nn.Module {\n  p = new nn.PReLU(2);\n  forward(x: Tensor<[Batch, 2, 3]>) {\n    return this.p(x);\n  }\n}\n`).checked).toBeGreaterThan(6);
  });
  it("PixelShuffle: out[c, h·r + i, w·r + j] = in[c·r² + i·r + j, h, w]; PixelUnshuffle undoes it; Unflatten views a dim", () => {
    const [C, H, W, r] = [2, 2, 3, 2];
    const r2 = r * r;
    const res = run(
      net("up = new nn.PixelShuffle(2);\n  down = new nn.PixelUnshuffle(2);\n  unflat = new nn.Unflatten(1, [2, -1]);", "const y = this.up(x);\n    return [y, this.down(y), this.unflat(x.flatten(1)).flatten(1)];", `Tensor<[Batch, ${C * r2}, ${H}, ${W}]>`),
      {},
      { x: [2, C * r2, H, W] },
    );
    const want: number[] = [];
    for (let n = 0; n < 2; n++)
      for (let c = 0; c < C; c++)
        for (let y = 0; y < H * r; y++)
          for (let x = 0; x < W * r; x++) want.push(res.ins.x[((n * C * r2 + c * r2 + (y % r) * r + (x % r)) * H + Math.floor(y / r)) * W + Math.floor(x / r)]);
    expect(res.outs[0]).toEqual(want);
    expect(res.outs[1]).toEqual(res.ins.x);
    expect(res.outs[2]).toEqual(res.ins.x);
  });
  it("PixelShuffle over frames [N, T, C·r², H, W] shuffles each frame as a 4-D input would (PyTorch's leading dims)", () => {
    const [T, C, H, W] = [3, 4, 2, 3];
    const video = run(net("up = new nn.PixelShuffle(2);", "return [this.up(x), F.pixelUnshuffle(this.up(x), 2)];", `Tensor<[Batch, ${T}, ${C}, ${H}, ${W}]>`), {}, { x: [2, T, C, H, W] });
    const frames = run(net("up = new nn.PixelShuffle(2);", "return this.up(x);", `Tensor<[Batch, ${C}, ${H}, ${W}]>`), video.ins, { x: [2 * T, C, H, W] });
    expect(video.outs[0]).toEqual(frames.outs[0]);
    expect(video.outs[1]).toEqual(video.ins.x);
  });
  it("refuses a channel count the shuffle cannot split, an unflattened size that does not fit", () => {
    const bad = (fields: string, forward: string) => diagnosticsOf(`${header}${net(fields, forward, "Tensor<[Batch, 6, 4, 4]>")}`).map((d) => `${d.code} ${d.message}`)[0];
    expect(bad("s = new nn.PixelShuffle(2);", "return this.s(x);")).toMatch(/^TSDP4001 nn\.PixelShuffle: pixel_shuffle expects its input's channel dimension to be divisible by the square of upscale_factor/);
    expect(bad("u = new nn.Unflatten(1, [4, -1]);", "return this.u(x);")).toMatch(/^TSDP4001 nn\.Unflatten: unflattenedSize \[4, -1\] must multiply to dim 1's size 6/);
  });
});

describe("nn.MaxPool1d, nn.AvgPool1d, nn.AdaptiveAvgPool1d and their F forms", () => {
  it("windows along L as PyTorch's: padding counted in the average (count_include_pad), -inf in the max; adaptive bins ⌊i·L/out⌋ … ⌈(i+1)·L/out⌉", () => {
    const L = 7;
    const r = run(
      `export class M extends nn.Module {
  mp = new nn.MaxPool1d(3, 2, 1);
  ap = new nn.AvgPool1d(2);
  ad = new nn.AdaptiveAvgPool1d(3);
  forward(x: Tensor<[Batch, 2, ${L}]>) {
    return [this.mp(x), this.ap(x), this.ad(x), F.maxPool1d(x, 2), F.avgPool1d(x, 3, 2, 1), F.adaptiveAvgPool1d(x, 1)];
  }
}`,
      {},
      { x: [2, 2, L] },
    );
    const rows = Array.from({ length: 4 }, (_, i) => r.ins.x.slice(i * L, (i + 1) * L));
    const windows = (k: number, s: number, p: number, f: (w: number[]) => number) =>
      rows.flatMap((row) => Array.from({ length: Math.floor((L + 2 * p - k) / s) + 1 }, (_, o) => f(Array.from({ length: k }, (_, j) => o * s - p + j).map((i) => (i < 0 || i >= L ? NaN : row[i])))));
    const max = (w: number[]) => Math.max(...w.filter((v) => !Number.isNaN(v)));
    const avg = (w: number[]) => w.reduce((a, v) => a + (Number.isNaN(v) ? 0 : v), 0) / w.length;
    const adaptive = (out: number) => rows.flatMap((row) => Array.from({ length: out }, (_, i) => {
      const [s, e] = [Math.floor((i * L) / out), Math.ceil(((i + 1) * L) / out)];
      return row.slice(s, e).reduce((a, v) => a + v, 0) / (e - s);
    }));
    expectClose(r.outs[0], windows(3, 2, 1, max), "MaxPool1d(3, 2, 1)");
    expectClose(r.outs[1], windows(2, 2, 0, avg), "AvgPool1d(2)");
    expectClose(r.outs[2], adaptive(3), "AdaptiveAvgPool1d(3)");
    expectClose(r.outs[3], windows(2, 2, 0, max), "F.maxPool1d(x, 2)");
    expectClose(r.outs[4], windows(3, 2, 1, avg), "F.avgPool1d(x, 3, 2, 1)");
    expectClose(r.outs[5], adaptive(1), "F.adaptiveAvgPool1d(x, 1)");
  });
  it("gradients; refuses a 4-D input and padding over half the kernel", () => {
    expect(gradCheck(`export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 2, 6]>) {\n    return [F.maxPool1d(x.mul(3), 3, 2, 1), F.avgPool1d(x, 2), F.adaptiveAvgPool1d(x, 4)];\n  }\n}\n`).checked).toBeGreaterThan(10);
    const bad = (call: string) => diagnosticsOf(`${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 2, 6]>) {\n    return ${call};\n  }\n}\n`).map((d) => `${d.code} ${d.message}`)[0];
    expect(bad("F.maxPool1d(x.view(-1, 2, 2, 3), 2)")).toMatch(/^TSDP4001 F\.maxPool1d expects a 3-D input \[N, C, L\], got \[Batch, 2, 2, 3\]/);
    expect(bad("F.avgPool1d(x, 2, 1, 2)")).toMatch(/^TSDP3004 F\.avgPool1d: pad should be at most half of effective kernel size, but got pad=2, kernel_size=2/);
  });
});

describe("nn.Dropout1d, nn.Dropout2d and F.dropout1d/2d: whole channels", () => {
  it("in training each sample's channel is all zero or all x/(1 − p), about p of them zero; in eval x itself", () => {
    const [N, C, H, W] = [8, 16, 2, 3];
    const body = `export class M extends nn.Module {
  d2 = new nn.Dropout2d(0.25);
  d1 = new nn.Dropout1d(0.5);
  forward(x: Tensor<[Batch, ${C}, ${H}, ${W}]>) {
    return [this.d2(x), this.d1(x.flatten(2)).flatten(1), F.dropout2d(x, 0.5, { training: false }), this.d2(x.flatten(2)).flatten(1)];
  }
}`;
    const x = Array.from({ length: N * C * H * W }, (_, i) => 1 + (i % 7));
    for (const training of [true, false]) {
      const r = run(body, { x }, { x: [N, C, H, W] }, training);
      // output 3: Dropout2d of [N, C, L] drops channels of L, as PyTorch 2 reads a 3-D input
      for (const [k, p] of [[0, 0.25], [1, 0.5], [3, 0.25]] as const) {
        let zeroed = 0;
        for (let plane = 0; plane < N * C; plane++) {
          const got = r.outs[k].slice(plane * H * W, (plane + 1) * H * W);
          const want = x.slice(plane * H * W, (plane + 1) * H * W);
          if (!training) expect(got).toEqual(want);
          else if (got.every((v) => v === 0)) zeroed++;
          else got.forEach((v, i) => expect(v).toBeCloseTo(want[i] / (1 - p), 12));
        }
        // 128 channels: the zeroed count within 4 standard deviations of p·128
        if (training) expect(Math.abs(zeroed - p * N * C)).toBeLessThan(4 * Math.sqrt(N * C * p * (1 - p)));
      }
      expect(r.outs[2]).toEqual(x);
    }
  });
  it("without the batch dim, [C, L], each channel is dropped whole", () => {
    const [C, L] = [64, 3];
    // ones [C, L] without a batch dim, dropped with p = ½ (kept: 2), added to a zero input
    const body = `export class M extends nn.Module {
  forward(x: Tensor<[Batch, ${C}, ${L}]>) {
    return x.add(F.dropout1d(F.ones([${C}, ${L}]), 0.5));
  }
}`;
    const out = run(body, { x: Array(C * L).fill(0) }, { x: [1, C, L] }, true).outs[0];
    let zeroed = 0;
    for (let c = 0; c < C; c++) {
      const row = out.slice(c * L, (c + 1) * L);
      if (row.every((v) => v === 0)) zeroed++;
      else expect(row).toEqual(Array(L).fill(2));
    }
    expect(Math.abs(zeroed - C / 2)).toBeLessThan(4 * Math.sqrt(C / 4));
  });
  it("refuses another rank", () => {
    const bad = diagnosticsOf(`${header}export class M extends nn.Module {\n  d = new nn.Dropout2d();\n  forward(x: Tensor<[Batch, 4]>) {\n    return this.d(x);\n  }\n}\n`).map((d) => `${d.code} ${d.message}`)[0];
    expect(bad).toMatch(/^TSDP4001 nn\.Dropout2d expects a 4-D input \[N, C, H, W\] or a 3-D one without the batch dim \(a 3-D input is read as \[N, C, L\], as PyTorch's\), got \[Batch, 4\]/);
  });
});
