// The reference semantics of every op, on small cases worked out by hand (the arithmetic is in
// the comments). Tolerance: 1e-12 absolute, float64 rounding only.
import { describe, expect, it } from "vitest";
import type { Node } from "../compiler/ir/node.ts";
import { Batch } from "../compiler/ir/shape.ts";
import { opDef, ops, type RefContext } from "../compiler/ops/index.ts";
import { erf, nd, type NDArray } from "../compiler/reference/ndarray.ts";
import { normals, philox4x32 } from "../compiler/reference/rng.ts";

const covered = new Set<string>();
const TOL = 1e-12;

function fakeNode(op: string, inputs: Node[] = []): Node {
  return { id: 7, op, inputs, attrs: {}, shape: [Batch], dtype: "f32", loc: { file: "t.ts", line: 1, col: 1, length: 1 }, scope: "" };
}

function ctx(op: string, extra: Partial<RefContext> = {}): RefContext {
  return {
    node: fakeNode(op),
    training: false,
    batch: 1,
    source: () => {
      throw new Error("no sources here");
    },
    writeBuffer: () => {},
    readBuffer: () => {
      throw new Error("no buffers here");
    },
    uniform: (n) => new Float64Array(n).fill(0.5),
    ...extra,
  };
}

function run(op: string, ins: NDArray[], attrs: object = {}, c: Partial<RefContext> = {}): NDArray {
  covered.add(op);
  return opDef(op).reference(ins, attrs, { ...ctx(op), ...c });
}

function expectClose(a: NDArray, shape: number[], values: number[]) {
  expect(a.shape).toEqual(shape);
  expect(a.data.length).toBe(values.length);
  a.data.forEach((v, i) => expect(Math.abs(v - values[i])).toBeLessThanOrEqual(TOL * Math.max(1, Math.abs(values[i]))));
}

describe("elementwise", () => {
  const x = nd([4], [-2, -0.5, 0, 3]);
  it("relu, leaky_relu, neg, abs", () => {
    expectClose(run("relu", [x]), [4], [0, 0, 0, 3]);
    expectClose(run("leaky_relu", [x], { slope: 0.1 }), [4], [-0.2, -0.05, 0, 3]);
    expectClose(run("neg", [x]), [4], [2, 0.5, -0, -3]);
    expectClose(run("abs", [x]), [4], [2, 0.5, 0, 3]);
  });
  it("hardswish(x) = x·min(max(x + 3, 0), 6)/6: −0 below −3, NaN at −∞ and NaN, x above 3", () => {
    const got = run("hardswish", [nd([7], [-5, -3, -1.5, 0, 1.5, 4, -Infinity])]);
    expect(Array.from(got.data)).toEqual([-0, -0, -0.375, 0, 1.125, 4, NaN]);
    expect(Object.is(got.data[0], -0)).toBe(true);
    // its gradient: 0 below −3 whatever dy is (NaN too), dy·(x/3 + ½) up to 3, dy above and at NaN
    const g = run("hardswish_grad", [nd([5], [NaN, 2, 2, 2, 2]), nd([5], [-4, -3, 3, 3.5, NaN])]);
    expect(Array.from(g.data)).toEqual([0, -1, 3, 2, 2]);
  });
  it("sigmoid(0) = 1/2, tanh(0) = 0, silu(x) = x·sigmoid(x)", () => {
    const z = nd([2], [0, Math.log(3)]); // sigmoid(ln 3) = 3/4, tanh(ln 3) = (9−1)/(9+1) = 0.8
    expectClose(run("sigmoid", [z]), [2], [0.5, 0.75]);
    expectClose(run("tanh", [z]), [2], [0, 0.8]);
    expectClose(run("silu", [z]), [2], [0, Math.log(3) * 0.75]);
  });
  it("exp, log, sqrt, pow", () => {
    expectClose(run("exp", [nd([2], [0, 1])]), [2], [1, Math.E]);
    expectClose(run("log", [nd([2], [1, Math.E])]), [2], [0, 1]);
    expectClose(run("sqrt", [nd([2], [4, 2.25])]), [2], [2, 1.5]);
    expectClose(run("pow", [nd([2], [3, -2])], { exponent: 2 }), [2], [9, 4]);
    // eˣ − 1 and log(1 + x) keep their digits where the naive forms lose them all
    expectClose(run("expm1", [nd([3], [0, 1, 1e-20])]), [3], [0, Math.E - 1, 1e-20]);
    expect(run("expm1", [nd([1], [1e-20])]).data[0]).toBe(1e-20);
    expectClose(run("log1p", [nd([2], [0, Math.E - 1])]), [2], [0, 1]);
    expect(run("log1p", [nd([1], [1e-20])]).data[0]).toBe(1e-20);
  });
  it("the rest of torch's pointwise math: rsqrt, reciprocal, erf, exp2, log2, log10, tan, the hyperbolic and inverse functions", () => {
    expectClose(run("rsqrt", [nd([2], [4, 0.25])]), [2], [0.5, 2]);
    expectClose(run("reciprocal", [nd([2], [4, -0.5])]), [2], [0.25, -2]);
    // erf(0.5) and erf(1), to 16 digits (Abramowitz & Stegun table 7.1)
    expectClose(run("erf", [nd([4], [0, 0.5, 1, -1])]), [4], [0, 0.5204998778130465, 0.8427007929497149, -0.8427007929497149]);
    // erfc = 1 − erf, keeping the tail's digits: erfc(3) and erfc(10) (Python's math.erfc), where 1 − erf(10) is 0
    expectClose(run("erfc", [nd([5], [-1, 0, 0.5, 3, 10])]), [5], [1.8427007929497148, 1, 0.4795001221869535, 2.209049699858544e-5, 2.088487583762545e-45]);
    expect(run("erfc", [nd([1], [10])]).data[0] / 2.088487583762545e-45).toBeCloseTo(1, 12);
    expect(Array.from(run("erfc", [nd([3], [Infinity, -Infinity, NaN])]).data)).toEqual([0, 2, NaN]);
    // erf⁻¹ inverts those; ±∞ at ±1, NaN outside
    expectClose(run("erfinv", [nd([4], [0, 0.5204998778130465, 0.8427007929497149, -0.8427007929497149])]), [4], [0, 0.5, 1, -1]);
    expect(Array.from(run("erfinv", [nd([3], [1, -1, 1.5])]).data)).toEqual([Infinity, -Infinity, NaN]);
    // entr = −x·ln x, 0 at 0, −∞ below 0, NaN and ∞ as −x·ln x keeps them (torch.special.entr)
    expectClose(run("entr", [nd([3], [0.5, 0, 2])]), [3], [0.5 * Math.LN2, 0, -2 * Math.LN2]);
    expect(Array.from(run("entr", [nd([4], [-0.5, NaN, Infinity, -Infinity])]).data)).toEqual([-Infinity, NaN, -Infinity, -Infinity]);
    // logit = ln(z/(1 − z)), z clamped to [eps, 1 − eps] (eps −1: none); its gradient is PyTorch's
    // logit_backward: without eps dy·∞ at 0 and 1, NaN outside [0, 1]; with eps 0 outside the clamp
    // (even for a NaN dy), 1/(x(1 − x)) at its bounds
    expectClose(run("logit", [nd([2], [0.25, 0.5])], { eps: -1 }), [2], [-Math.log(3), 0]);
    expect(Array.from(run("logit", [nd([5], [0, 1, 2, -1, NaN])], { eps: -1 }).data)).toEqual([-Infinity, Infinity, NaN, NaN, NaN]);
    expectClose(run("logit", [nd([3], [0, 0.1, 1])], { eps: 0.25 }), [3], [-Math.log(3), -Math.log(3), Math.log(3)]);
    expect(Array.from(run("logit_grad", [nd([5], [1, 1, 1, 1, 1]), nd([5], [0, 1, 2, -1, 0.5])], { eps: -1 }).data)).toEqual([Infinity, Infinity, NaN, NaN, 4]);
    expect(Array.from(run("logit_grad", [nd([4], [NaN, 1, 1, 1]), nd([4], [0.1, 0.25, 0.75, 0.9])], { eps: 0.25 }).data)).toEqual([0, 16 / 3, 16 / 3, 0]);
    // the modified Bessel functions (compiler/reference/bessel.ts) at 1 and 30, the series and the
    // expansion (values of the integrals; 1e-13 relative against them from 0 to 700:
    // test/torch-extras-more.test.ts); I₁ odd; ±∞ and NaN
    const [i0At1, i1At1, i0At30, i1At30] = [1.2660658777520082, 0.5651591039924851, 781672297823.9657, 768532038938.9487];
    expectClose(run("i0", [nd([3], [1, -1, 30])]), [3], [i0At1, i0At1, i0At30]);
    expectClose(run("i1", [nd([3], [1, -1, 30])]), [3], [i1At1, -i1At1, i1At30]);
    expectClose(run("i0e", [nd([2], [-1, 30])]), [2], [i0At1 * Math.exp(-1), i0At30 * Math.exp(-30)]);
    expectClose(run("i1e", [nd([2], [-1, 30])]), [2], [-i1At1 * Math.exp(-1), i1At30 * Math.exp(-30)]);
    for (const op of ["i0", "i0e", "i1", "i1e"]) expect(Array.from(run(op, [nd([3], [Infinity, -Infinity, NaN])]).data), op).toEqual(op === "i0" ? [Infinity, Infinity, NaN] : op === "i1" ? [Infinity, -Infinity, NaN] : op === "i0e" ? [0, 0, NaN] : [0, -0, NaN]);
    expectClose(run("exp2", [nd([2], [3, -1])]), [2], [8, 0.5]);
    expectClose(run("log2", [nd([2], [8, 0.5])]), [2], [3, -1]);
    expectClose(run("log10", [nd([2], [1000, 0.01])]), [2], [3, -2]);
    expectClose(run("tan", [nd([2], [0, Math.PI / 4])]), [2], [0, 1]);
    // at ln 2: sinh = (2 − 1/2)/2, cosh = (2 + 1/2)/2; the inverse functions return there
    expectClose(run("sinh", [nd([1], [Math.LN2])]), [1], [0.75]);
    expectClose(run("cosh", [nd([1], [Math.LN2])]), [1], [1.25]);
    expectClose(run("asinh", [nd([1], [0.75])]), [1], [Math.LN2]);
    expectClose(run("acosh", [nd([1], [1.25])]), [1], [Math.LN2]);
    expectClose(run("atanh", [nd([1], [0.6])]), [1], [Math.LN2]); // ½·ln((1 + 0.6)/(1 − 0.6)) = ½·ln 4
    expectClose(run("asin", [nd([1], [0.5])]), [1], [Math.PI / 6]);
    expectClose(run("acos", [nd([1], [0.5])]), [1], [Math.PI / 3]);
    expectClose(run("atan", [nd([1], [1])]), [1], [Math.PI / 4]);
    // outside the domain: NaN, as PyTorch's
    expect(Number.isNaN(run("asin", [nd([1], [2])]).data[0])).toBe(true);
    expect(Number.isNaN(run("rsqrt", [nd([1], [-1])]).data[0])).toBe(true);
  });
  it("the gamma family: lgamma, digamma, polygamma at known values, PyTorch's values at the poles", () => {
    const g = 0.5772156649015329; // Euler's γ
    // ln Γ(½) = ln √π, Γ(1) = Γ(2) = 1, Γ(10) = 9!, Γ(−½) = −2√π
    expectClose(run("lgamma", [nd([5], [0.5, 1, 2, 10, -0.5])]), [5], [Math.log(Math.PI) / 2, 0, 0, Math.log(362880), Math.log(2 * Math.sqrt(Math.PI))]);
    // ψ(1) = −γ, ψ(½) = −γ − 2 ln 2, ψ(−½) = ψ(3/2) − π/tan(−π/2) = 2 − γ − 2 ln 2, ψ(10) = H₉ − γ
    const h9 = [1, 2, 3, 4, 5, 6, 7, 8, 9].reduce((a, k) => a + 1 / k, 0);
    expectClose(run("digamma", [nd([4], [1, 0.5, -0.5, 10])]), [4], [-g, -g - 2 * Math.LN2, 2 - g - 2 * Math.LN2, h9 - g]);
    // ψ⁽¹⁾(1) = π²/6, ψ⁽¹⁾(½) = π²/2, ψ⁽²⁾(1) = −2ζ(3), ψ⁽³⁾(1) = π⁴/15, ψ⁽¹⁾(−½) = π²/2 + 4 (ψ⁽¹⁾(x) = ψ⁽¹⁾(x + 1) + 1/x²)
    expectClose(run("polygamma", [nd([3], [1, 0.5, -0.5])], { n: 1 }), [3], [Math.PI ** 2 / 6, Math.PI ** 2 / 2, Math.PI ** 2 / 2 + 4]);
    expectClose(run("polygamma", [nd([1], [1])], { n: 2 }), [1], [-2 * 1.2020569031595942]);
    expectClose(run("polygamma", [nd([1], [1])], { n: 3 }), [1], [Math.PI ** 4 / 15]);
    // poles: lgamma +∞; digamma −∞ at +0, +∞ at −0, NaN at negative integers; polygamma ±∞
    expect(Array.from(run("lgamma", [nd([3], [0, -3, -Infinity])]).data)).toEqual([Infinity, Infinity, Infinity]);
    expect(Array.from(run("digamma", [nd([3], [0, -0, -2])]).data)).toEqual([-Infinity, Infinity, NaN]);
    expect(Array.from(run("polygamma", [nd([1], [-2])], { n: 1 }).data)).toEqual([Infinity]);
    expect(Array.from(run("polygamma", [nd([1], [-2])], { n: 2 }).data)).toEqual([-Infinity]);
  });
  it("rounding: floor, ceil, trunc, round half to even (torch.round), sign with sign(NaN) = 0 (PyTorch's eager kernels)", () => {
    const x = nd([6], [-2.5, -1.5, -0.5, 0.5, 1.5, 2.6]);
    expect(Array.from(run("floor", [x]).data)).toEqual([-3, -2, -1, 0, 1, 2]);
    expect(Array.from(run("ceil", [x]).data)).toEqual([-2, -1, -0, 1, 2, 3]);
    expect(Array.from(run("trunc", [x]).data)).toEqual([-2, -1, -0, 0, 1, 2]);
    expect(Array.from(run("round", [x]).data)).toEqual([-2, -2, -0, 0, 2, 3]);
    expect(Array.from(run("round", [nd([4], [2.5, 3.5, 4.5, -3.5])]).data)).toEqual([2, 4, 4, -4]);
    expect(Array.from(run("sign", [nd([4], [-3, 0, 0.1, NaN])]).data)).toEqual([-1, 0, 1, 0]);
  });
  it("sin, cos", () => {
    expectClose(run("sin", [nd([3], [0, Math.PI / 2, Math.PI / 6])]), [3], [0, 1, 0.5]);
    expectClose(run("cos", [nd([3], [0, Math.PI, Math.PI / 3])]), [3], [1, -1, 0.5]);
  });
  it("gelu: exact uses erf, tanh approximation differs slightly", () => {
    // gelu(1) = 0.5·(1 + erf(1/√2)) = 0.5·(1 + 0.682689492137086) = 0.841344746068543
    expectClose(run("gelu", [nd([2], [0, 1])], { approximate: "none" }), [2], [0, 0.841344746068543]);
    // tanh form: 0.5·(1 + tanh(√(2/π)·(1 + 0.044715))) = 0.841191990607...
    const approx = run("gelu", [nd([1], [1])], { approximate: "tanh" }).data[0];
    expect(approx).toBeCloseTo(0.8411919906, 9);
  });
  it("erf matches tabulated values to 1e-14", () => {
    // Abramowitz & Stegun table 7.1 and known values
    const table: [number, number][] = [[0.5, 0.5204998778130465], [1, 0.8427007929497149], [2, 0.9953222650189527], [3, 0.9999779095030014], [-1.5, -0.9661051464753108]];
    for (const [x, v] of table) expect(Math.abs(erf(x) - v)).toBeLessThan(1e-14);
  });
  it("binary ops broadcast [2,1] with [3]", () => {
    const a = nd([2, 1], [1, 2]);
    const b = nd([3], [10, 20, 30]);
    expectClose(run("add", [a, b]), [2, 3], [11, 21, 31, 12, 22, 32]);
    expectClose(run("sub", [a, b]), [2, 3], [-9, -19, -29, -8, -18, -28]);
    expectClose(run("mul", [a, b]), [2, 3], [10, 20, 30, 20, 40, 60]);
    expectClose(run("div", [b, a]), [2, 3], [10, 20, 30, 5, 10, 15]);
  });
});

describe("reductions", () => {
  const x = nd([2, 3], [1, 5, 3, 4, 2, 6]);
  it("sum, mean, amax over a dim and over everything", () => {
    expectClose(run("sum", [x], { dims: [1], keepdim: false }), [2], [9, 12]);
    expectClose(run("mean", [x], { dims: [0], keepdim: true }), [1, 3], [2.5, 3.5, 4.5]);
    expectClose(run("amax", [x], { dims: null, keepdim: false }), [], [6]);
    expectClose(run("sum", [x], { dims: [-1, 0], keepdim: false }), [], [21]);
  });
  it("to_float: the same integers as float32 (rounded past 2^24, as a float32 cast)", () => {
    expectClose(run("to_float", [nd([3], [0, -7, 2 ** 24 + 1])]), [3], [0, -7, 2 ** 24]);
  });
  it("argmax takes the first maximum", () => {
    expectClose(run("argmax", [nd([2, 3], [1, 5, 5, 7, 2, 6])], { dims: [1], keepdim: false }), [2], [1, 0]);
  });
});

describe("movement", () => {
  it("reshape keeps the data and takes the node's shape", () => {
    covered.add("reshape");
    const x = nd([2, 3], [1, 2, 3, 4, 5, 6]);
    const input = { ...fakeNode("input"), shape: [Batch, 3] };
    const node = { ...fakeNode("reshape", [input]), shape: [3, Batch] };
    const out = opDef("reshape").reference([x], { shape: [3, -1] }, { ...ctx("reshape"), node });
    expectClose(out, [3, 2], [1, 2, 3, 4, 5, 6]);
  });
  it("permute moves dims: transpose of a 2×3", () => {
    expectClose(run("permute", [nd([2, 3], [1, 2, 3, 4, 5, 6])], { perm: [1, 0] }), [3, 2], [1, 4, 2, 5, 3, 6]);
  });
});

describe("contraction", () => {
  it("matmul 2×2 by 2×2, vector cases and broadcast batch", () => {
    // [[1,2],[3,4]]·[[5,6],[7,8]] = [[19,22],[43,50]]
    expectClose(run("matmul", [nd([2, 2], [1, 2, 3, 4]), nd([2, 2], [5, 6, 7, 8])]), [2, 2], [19, 22, 43, 50]);
    expectClose(run("matmul", [nd([2], [1, 2]), nd([2], [3, 4])]), [], [11]);
    expectClose(run("matmul", [nd([2], [1, 2]), nd([2, 2], [5, 6, 7, 8])]), [2], [19, 22]);
    const batched = run("matmul", [nd([2, 1, 2], [1, 0, 0, 1]), nd([2, 2], [5, 6, 7, 8])]);
    expectClose(batched, [2, 1, 2], [5, 6, 7, 8]);
  });
  it("pair_dot is a·bᵀ: the dot product of every pair of rows", () => {
    // a = [[1, 2], [3, 4]], b = [[5, 6], [7, 8], [1, 0]] → [[17, 23, 1], [39, 53, 3]]
    expectClose(run("pair_dot", [nd([2, 2], [1, 2, 3, 4]), nd([3, 2], [5, 6, 7, 8, 1, 0])]), [2, 3], [17, 23, 1, 39, 53, 3]);
    // per slice of the leading dims: slice 1 pairs [[1, 0]] with [[2, 3], [4, 5]] → [[2, 4]]
    expectClose(run("pair_dot", [nd([2, 1, 2], [1, 1, 1, 0]), nd([2, 2, 2], [1, 2, 3, 4, 2, 3, 4, 5])]), [2, 1, 2], [3, 7, 2, 4]);
  });
  it("linear computes x·Wᵀ + b", () => {
    // x = [1, 2]; W = [[1, 1], [2, -1], [0, 3]]; b = [0.5, 0, -1] → [3.5, 0, 5]
    expectClose(run("linear", [nd([1, 2], [1, 2]), nd([3, 2], [1, 1, 2, -1, 0, 3]), nd([3], [0.5, 0, -1])]), [1, 3], [3.5, 0, 5]);
  });
});

describe("conv and pooling", () => {
  it("conv2d with padding 1 of a 2×2 input by a 2×2 kernel", () => {
    // x = [[1,2],[3,4]], kernel of ones, pad 1 → 3×3 sums of each 2×2 window of the padded input
    const out = run("conv2d", [nd([1, 1, 2, 2], [1, 2, 3, 4]), nd([1, 1, 2, 2], [1, 1, 1, 1]), nd([1], [10])], {
      stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1,
    });
    expectClose(out, [1, 1, 3, 3], [11, 13, 12, 14, 20, 16, 13, 17, 14]);
  });
  it("conv2d with two groups keeps channels apart", () => {
    // channel 0 · 2 and channel 1 · 3, 1×1 kernels
    const out = run("conv2d", [nd([1, 2, 1, 1], [5, 7]), nd([2, 1, 1, 1], [2, 3])], { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 2 });
    expectClose(out, [1, 2, 1, 1], [10, 21]);
  });
  const transposed = { stride: [1, 1], padding: [0, 0], outputPadding: [0, 0], dilation: [1, 1], groups: 1 };
  it("conv_transpose2d, stride 2: each input pixel scatters x·W into its own 2×2 block", () => {
    // x = [[1, 2], [3, 4]], W = [[1, 2], [3, 4]], stride 2, kernel 2, no padding:
    // H_out = (2 − 1)·2 − 0 + 1·(2 − 1) + 0 + 1 = 4, and output block (iy, ix) = x[iy, ix]·W
    //   [1·1 1·2 | 2·1 2·2]   [ 1  2  2  4]
    //   [1·3 1·4 | 2·3 2·4] = [ 3  4  6  8]   (+ bias 10 everywhere)
    //   [3·1 3·2 | 4·1 4·2]   [ 3  6  4  8]
    //   [3·3 3·4 | 4·3 4·4]   [ 9 12 12 16]
    const w = nd([1, 1, 2, 2], [1, 2, 3, 4]);
    const out = run("conv_transpose2d", [nd([1, 1, 2, 2], [1, 2, 3, 4]), w, nd([1], [10])], { ...transposed, stride: [2, 2] });
    expectClose(out, [1, 1, 4, 4], [1, 2, 2, 4, 3, 4, 6, 8, 3, 6, 4, 8, 9, 12, 12, 16].map((v) => v + 10));
  });
  it("conv_transpose2d, stride 1: overlapping blocks add up (the full correlation)", () => {
    // x = [[1, 2], [3, 4]], W = ones(2×2): out[oy, ox] = Σ x[iy, ix] over oy − iy, ox − ix ∈ {0, 1}
    //   [1, 1+2, 2], [1+3, 1+2+3+4, 2+4], [3, 3+4, 4]
    const out = run("conv_transpose2d", [nd([1, 1, 2, 2], [1, 2, 3, 4]), nd([1, 1, 2, 2], [1, 1, 1, 1])], transposed);
    expectClose(out, [1, 1, 3, 3], [1, 3, 2, 4, 10, 6, 3, 7, 4]);
  });
  it("conv_transpose2d: output_padding adds rows and columns that only hold the bias; padding crops", () => {
    // x = [5], W = [2], stride 2, output_padding 1: H_out = 0·2 − 0 + 0 + 1 + 1 = 2; only (0, 0) is reached
    const out = run("conv_transpose2d", [nd([1, 1, 1, 1], [5]), nd([1, 1, 1, 1], [2]), nd([1], [0.5])], { ...transposed, stride: [2, 2], outputPadding: [1, 1] });
    expectClose(out, [1, 1, 2, 2], [10.5, 0.5, 0.5, 0.5]);
    // padding 1 removes one row and column on each side of the stride-1 result above: its centre, 10
    const cropped = run("conv_transpose2d", [nd([1, 1, 2, 2], [1, 2, 3, 4]), nd([1, 1, 2, 2], [1, 1, 1, 1])], { ...transposed, padding: [1, 1] });
    expectClose(cropped, [1, 1, 1, 1], [10]);
  });
  it("conv_transpose2d with groups: weight [Cin, Cout/groups, kh, kw], channels kept apart", () => {
    // groups 2: input channel 0 (5) → output channel 0 with w 2; channel 1 (7) → output 1 with w 3
    expectClose(run("conv_transpose2d", [nd([1, 2, 1, 1], [5, 7]), nd([2, 1, 1, 1], [2, 3])], { ...transposed, groups: 2 }), [1, 2, 1, 1], [10, 21]);
    // groups 1, weight [2, 2, 1, 1] = [[1, 2], [3, 4]]: out[co] = Σ_ci x[ci]·W[ci, co] = [5 + 21, 10 + 28]
    expectClose(run("conv_transpose2d", [nd([1, 2, 1, 1], [5, 7]), nd([2, 2, 1, 1], [1, 2, 3, 4])], transposed), [1, 2, 1, 1], [26, 38]);
  });
  it("conv_transpose2d output shapes follow PyTorch's formula, output_padding and groups included", () => {
    // H_out = (H_in − 1)·stride − 2·padding + dilation·(k − 1) + output_padding + 1
    const shape = (x: number[], w: number[], a: object) =>
      opDef("conv_transpose2d").infer([{ shape: x, dtype: "f32" }, { shape: w, dtype: "f32" }], { ...transposed, ...a }, "nn.ConvTranspose2d").shape;
    // (5 − 1)·2 − 2·1 + 1·2 + 1 + 1 = 10, both dims
    expect(shape([2, 4, 5, 5], [4, 3, 3, 3], { stride: [2, 2], padding: [1, 1], outputPadding: [1, 1] })).toEqual([2, 3, 10, 10]);
    // H: (7 − 1)·3 − 0 + 2·(3 − 1) + 2 + 1 = 25; W: (3 − 1)·2 − 2·1 + 1·(4 − 1) + 1 + 1 = 7
    expect(shape([1, 1, 7, 3], [1, 1, 3, 4], { stride: [3, 2], padding: [0, 1], dilation: [2, 1], outputPadding: [2, 1] })).toEqual([1, 1, 25, 7]);
    // groups 3: in 6 channels, weight [6, 2, 1, 1] → out 2·3 = 6 channels; (4 − 1)·1 + 0 + 1 = 4
    expect(shape([1, 6, 4, 4], [6, 2, 1, 1], { groups: 3 })).toEqual([1, 6, 4, 4]);
    // PyTorch refuses output_padding ≥ both stride and dilation
    expect(() => shape([1, 1, 4, 4], [1, 1, 3, 3], { stride: [2, 2], outputPadding: [2, 0] })).toThrow(/output_padding \(2\) must be smaller than either stride \(2\) or dilation \(1\)/);
    // PyTorch also allows stride ≤ output_padding < dilation: (4 − 1)·1 + 3·2 + 1 + 1 = 11
    expect(shape([1, 1, 4, 4], [1, 1, 3, 3], { dilation: [3, 3], outputPadding: [1, 1] })).toEqual([1, 1, 11, 11]);
    // the input channels must match the weight's dim 0, and groups divide them
    expect(() => shape([1, 3, 4, 4], [4, 1, 3, 3], {})).toThrow(/expects 4 input channels, got 3/);
    expect(() => shape([1, 4, 4, 4], [4, 1, 3, 3], { groups: 3 })).toThrow(/groups \(3\) must be a positive integer dividing the 4 input channels/);
  });
  it("max and avg pool 2×2 stride 2, avg counts padding (count_include_pad)", () => {
    const x = nd([1, 1, 2, 4], [1, 2, 3, 4, 5, 6, 7, 8]);
    const attrs = { kernel: [2, 2], stride: [2, 2], padding: [0, 0] };
    expectClose(run("max_pool2d", [x], attrs), [1, 1, 1, 2], [6, 8]);
    expectClose(run("avg_pool2d", [x], attrs), [1, 1, 1, 2], [3.5, 5.5]);
    // padding 1, kernel 2, stride 2 on a 2×2 [[1,2],[3,4]]: windows hold 1 real value each → v/4
    expectClose(run("avg_pool2d", [nd([1, 1, 2, 2], [1, 2, 3, 4])], { kernel: [2, 2], stride: [2, 2], padding: [1, 1] }), [1, 1, 2, 2], [0.25, 0.5, 0.75, 1]);
  });
  it("adaptive_avg_pool2d splits 3 into overlapping windows [0,2) and [1,3)", () => {
    const x = nd([1, 1, 1, 3], [1, 2, 6]);
    expectClose(run("adaptive_avg_pool2d", [x], { outputSize: [1, 2] }), [1, 1, 1, 2], [1.5, 4]);
  });
});

describe("normalization and softmax", () => {
  it("softmax of [0, ln 3] is [1/4, 3/4]; log_softmax is its log", () => {
    const x = nd([1, 2], [0, Math.log(3)]);
    expectClose(run("softmax", [x], { dim: 1 }), [1, 2], [0.25, 0.75]);
    expectClose(run("log_softmax", [x], { dim: -1 }), [1, 2], [Math.log(0.25), Math.log(0.75)]);
  });
  it("to_int rounds toward zero, as PyTorch's x.int() of a float tensor", () => {
    // torch.tensor([-1.7, -0.2, 0.5, 2.9, 3.0]).int() is [-1, 0, 0, 2, 3]
    expect(Array.from(run("to_int", [nd([5], [-1.7, -0.2, 0.5, 2.9, 3])]).data)).toEqual([-1, 0, 0, 2, 3]);
  });
  it("index_check passes an index in [low, limit) through and refuses one outside, as PyTorch raises", () => {
    expect(Array.from(run("index_check", [nd([3], [0, 2, 3])], { limit: 4, what: "one_hot" }).data)).toEqual([0, 2, 3]);
    expect(() => run("index_check", [nd([2], [1, 4])], { limit: 4, what: "one_hot" })).toThrow(/one_hot: index 4 is out of range \[0, 4\)/);
    // advanced indexing counts a negative index from the end: [−4, 4), −4 is row 0
    expect(Array.from(run("index_check", [nd([3], [-4, -1, 3])], { limit: 4, low: -4, what: "index" }).data)).toEqual([0, 3, 3]);
    expect(() => run("index_check", [nd([1], [-5])], { limit: 4, low: -4, what: "index" })).toThrow(/index: index -5 is out of range \[-4, 4\)/);
  });
  it("cumsum: running sums along the dim, from its end with reverse (its gradient), PyTorch's values", () => {
    // torch.cumsum(torch.tensor([[1., 2, 3], [4, 5, 6]]), 1) and dim 0
    const x = nd([2, 3], [1, 2, 3, 4, 5, 6]);
    expectClose(run("cumsum", [x], { dim: 1, reverse: false }), [2, 3], [1, 3, 6, 4, 9, 15]);
    expectClose(run("cumsum", [x], { dim: 0, reverse: false }), [2, 3], [1, 2, 3, 5, 7, 9]);
    expectClose(run("cumsum", [x], { dim: -1, reverse: true }), [2, 3], [6, 5, 3, 15, 11, 6]);
  });
  it("cumprod, logcumsumexp, cummax and cummin: PyTorch's values; their gradients by hand", () => {
    // torch.cumprod(torch.tensor([[1., 2, 3], [4, 5, 6]]), 1); a zero stops the product
    expectClose(run("cumprod", [nd([2, 3], [1, 2, 3, 4, 5, 6])], { dim: 1 }), [2, 3], [1, 2, 6, 4, 20, 120]);
    expectClose(run("cumprod", [nd([3, 1], [2, 0, 3])], { dim: 0 }), [3, 1], [2, 0, 0]);
    // x = [2, 0, 3], dy = 1: ∂/∂x0 = 1 + x1 + x1·x2 = 1, ∂/∂x1 = x0 + x0·x2 = 8, ∂/∂x2 = x0·x1 = 0
    expectClose(run("cumprod_grad", [nd([3], [2, 0, 3]), nd([3], [1, 1, 1])], { dim: 0 }), [3], [1, 8, 0]);
    // log(1), log(1 + 1), log(1 + 1 + 2)
    expectClose(run("logcumsumexp", [nd([3], [0, 0, Math.log(2)])], { dim: 0 }), [3], [0, Math.log(2), Math.log(4)]);
    expectClose(run("logcumsumexp", [nd([2], [1000, 1000])], { dim: 0 }), [2], [1000, 1000 + Math.log(2)]);
    // x = [0, 0], y = [0, ln 2], dy = [1, −1]: ∂/∂x0 = 1·e⁰ − 1·e^(−ln 2) = 0.5, ∂/∂x1 = −e^(−ln 2) = −0.5
    expectClose(run("logcumsumexp_grad", [nd([2], [0, 0]), nd([2], [0, Math.log(2)]), nd([2], [1, -1])], { dim: 0 }), [2], [0.5, -0.5]);
    // torch.cummax([1, 3, 2, 3, nan, 5]): a tie takes the later index, a NaN stays
    const x = nd([6], [1, 3, 2, 3, NaN, 5]);
    expect(Array.from(run("cum_extreme", [x], { dim: 0, largest: true, indices: false }).data)).toEqual([1, 3, 3, 3, NaN, NaN]);
    expect(Array.from(run("cum_extreme", [x], { dim: 0, largest: true, indices: true }).data)).toEqual([0, 1, 1, 3, 4, 4]);
    expect(Array.from(run("cum_extreme", [nd([4], [3, 1, 2, 1])], { dim: 0, largest: false, indices: true }).data)).toEqual([0, 1, 1, 3]);
    // cummax of [1, 3, 2, 3] takes from elements 0, 1, 1, 3: each dy lands there
    expectClose(run("cum_extreme_grad", [nd([4], [1, 3, 2, 3]), nd([4], [1, 2, 4, 8])], { dim: 0, largest: true }), [4], [1, 6, 0, 8]);
  });
  it("softmax is stable for large logits", () => {
    const out = run("softmax", [nd([1, 2], [1000, 1000])], { dim: 1 });
    expectClose(out, [1, 2], [0.5, 0.5]);
  });
  it("batch_norm in train mode normalizes with the batch and updates running stats", () => {
    // one channel, values [1, 3]: mean 2, biased var 1, unbiased var 2
    const writes = new Map<string, NDArray>();
    const names = ["x", "weight", "bias", "running_mean", "running_var", "num_batches_tracked"];
    const inputs = names.map((n) => ({ ...fakeNode("buffer"), attrs: { name: n } }) as Node);
    const node = { ...fakeNode("batch_norm"), inputs };
    const out = run(
      "batch_norm",
      [nd([2, 1], [1, 3]), nd([1], [2]), nd([1], [0.5]), nd([1], [0]), nd([1], [1]), nd([], [0])],
      { eps: 0, momentum: 0.1, affine: true, track: true },
      { training: true, node, writeBuffer: (n, v) => writes.set(n.attrs.name as string, v), readBuffer: (n) => ({ running_mean: nd([1], [0]), running_var: nd([1], [1]), num_batches_tracked: nd([], [0]) })[n.attrs.name as string]! },
    );
    expectClose(out, [2, 1], [-1.5, 2.5]); // (±1)/1 · 2 + 0.5
    expectClose(writes.get("running_mean")!, [1], [0.2]); // 0.9·0 + 0.1·2
    expectClose(writes.get("running_var")!, [1], [1.1]); // 0.9·1 + 0.1·2
    expectClose(writes.get("num_batches_tracked")!, [], [1]);
  });
  it("batch_norm in eval mode uses the running stats", () => {
    const out = run("batch_norm", [nd([2, 1], [1, 3]), nd([1], [1]), nd([1], [0]), nd([1], [1]), nd([1], [4]), nd([], [0])], { eps: 0, momentum: 0.1, affine: true, track: true });
    expectClose(out, [2, 1], [0, 1]); // (x − 1)/2
  });
  it("layer_norm normalizes the last dim", () => {
    // [1, 3]: mean 2, var 1 → [−1, 1]; weight [1, 2], bias [0, 1] → [−1, 3]
    expectClose(run("layer_norm", [nd([1, 2], [1, 3]), nd([2], [1, 2]), nd([2], [0, 1])], { normalizedShape: [2], eps: 0, hasWeight: true, hasBias: true }), [1, 2], [-1, 3]);
  });
});

describe("dropout", () => {
  it("drops where u < p and scales survivors by 1/(1−p) in train mode only", () => {
    const x = nd([4], [1, 2, 3, 4]);
    const u = Float64Array.from([0.1, 0.6, 0.3, 0.9]);
    const train = run("dropout", [x], { p: 0.5, mode: "train" }, { training: true, uniform: () => u });
    expectClose(train, [4], [0, 4, 0, 8]);
    expectClose(run("dropout", [x], { p: 0.5, mode: "train" }, { training: false, uniform: () => u }), [4], [1, 2, 3, 4]);
    expectClose(run("dropout", [x], { p: 0.5, mode: "always" }, { training: false, uniform: () => u }), [4], [0, 4, 0, 8]);
  });
});

describe("sample", () => {
  it("uniform keeps 24 bits of the first word; normal is Box–Muller on the first two, u₁ in (0, 1]", () => {
    const first = Float64Array.from([0, 0.5, 1 - 2 ** -32]);
    const second = Float64Array.from([0.25, 0, 0.5]);
    const uniform = (n: number, _s?: number, word = 0) => (word === 0 ? first : second).slice(0, n);
    // 1 − 2⁻³² keeps 24 bits, 1 − 2⁻²⁴: never rounded up to 1
    expectClose(run("sample", [], { shape: [3], distribution: "uniform" }, { uniform }), [3], [0, 0.5, 1 - 2 ** -24]);
    const z = (u1: number, u2: number) => Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    expectClose(run("sample", [], { shape: [3], distribution: "normal" }, { uniform }), [3], [z(2 ** -24, 0.25), z(0.5 + 2 ** -24, 0), z(1, 0.5)]);
    // the batch dim is the run's batch size
    expect(run("sample", [], { shape: [Batch, 2], distribution: "uniform" }, { batch: 3, uniform: (n) => new Float64Array(n) }).shape).toEqual([3, 2]);
  });
});

describe("atan2, hypot, fmod, remainder", () => {
  it("as C's atan2 and hypot, fmod with the dividend's sign, remainder with the divisor's", () => {
    const a = nd([4], [-3.5, 0, 2.25, 7]), b = nd([4], [1, -2, 0, -1.5]);
    expectClose(run("atan2", [a, b]), [4], [Math.atan2(-3.5, 1), Math.PI, Math.PI / 2, Math.atan2(7, -1.5)]);
    expectClose(run("hypot", [a, b]), [4], [Math.hypot(3.5, 1), 2, 2.25, Math.hypot(7, 1.5)]);
    expectClose(run("fmod", [a, nd([], [1.5])]), [4], [-0.5, 0, 0.75, 1]);
    expectClose(run("remainder", [a, nd([], [-1.5])]), [4], [-0.5, 0, -0.75, -0.5]);
  });
  it("copysign is |a| with b's sign bit (−0 negative) and signbit reads that bit, as C's copysign and signbit", () => {
    const a = nd([4], [-3.5, 0, 2.25, 7]), b = nd([4], [1, -0, -2, 0]);
    expect(Array.from(run("copysign", [a, b]).data)).toEqual([3.5, -0, -2.25, 7]);
    expect(Array.from(run("signbit", [nd([5], [-3.5, -0, 0, 2, -Infinity])]).data)).toEqual([1, 1, 0, 0, 1]);
  });
  it("floor_divide is Python's //: a == (a // b)·b + a % b, where floor(a / b) rounds the quotient first", () => {
    // float32's −0.3 and 0.1: a / b rounds to −3 in float32 (what the kernels compute in), while a is
    // just past −3b (a % b = 0.1 − 7.45e-9)
    const [a, b] = [Math.fround(-0.3), Math.fround(0.1)];
    expect(Math.floor(Math.fround(a / b))).toBe(-3);
    expectClose(run("floor_divide", [nd([1], [a]), nd([1], [b])]), [1], [-4]);
    const x = nd([6], [-7, 7, -7.5, 7.5, 0.5, -0.5]), y = nd([6], [2, -2, 2, -2, 3, 3]);
    expectClose(run("floor_divide", [x, y]), [6], [-4, -4, -4, -4, 0, -1]);
    // b = 0: a / b (±∞, NaN), as PyTorch's; 0 // −3 is −0
    const byZero = run("floor_divide", [nd([3], [1, -1, 0]), nd([3], [0, 0, 0])]).data;
    expect([byZero[0], byZero[1], Number.isNaN(byZero[2])]).toEqual([Infinity, -Infinity, true]);
    expect(Object.is(run("floor_divide", [nd([1], [0]), nd([1], [-3])]).data[0], -0)).toBe(true);
  });
  it("bitwise: Python's & | ^ of the integers, << as ·2ⁿ and >> as floor(/2ⁿ), a shift by < 0 or ≥ 64 giving 0 or the sign", () => {
    // the values as PyTorch's int64: 6 & −3 = 4, 6 | −3 = −1, 6 ^ −3 = −5; −7 << 2 = −28, −7 >> 1 = −4, 5 >> 70 = 0, −5 >> −1 = −1
    const a = nd([2], [6, -7]), b = nd([2], [-3, 2]);
    expect(Array.from(run("bitwise", [a, b], { fn: "and" }).data)).toEqual([6 & -3, -7 & 2]);
    expect(Array.from(run("bitwise", [a, b], { fn: "or" }).data)).toEqual([-1, -7 | 2]);
    expect(Array.from(run("bitwise", [a, b], { fn: "xor" }).data)).toEqual([-5, -7 ^ 2]);
    expect(Array.from(run("bitwise", [nd([2], [-7, 3]), nd([2], [2, 64])], { fn: "left_shift" }).data)).toEqual([-28, 0]);
    expect(Array.from(run("bitwise", [nd([3], [-7, 5, -5]), nd([3], [1, 70, -1])], { fn: "right_shift" }).data)).toEqual([-4, 0, -1]);
  });
  it("pow_tensor: powf of each pair, NaN for a negative base's fractional power, 1 for 0⁰", () => {
    expectClose(run("pow_tensor", [nd([4], [2, 9, 0, -2]), nd([4], [-1.5, 0.5, 0, 3])]), [4], [2 ** -1.5, 3, 1, -8]);
    expect(Number.isNaN(run("pow_tensor", [nd([1], [-2]), nd([1], [0.5])]).data[0])).toBe(true);
  });
});

describe("mode_select", () => {
  it("the train-mode operand in train mode, the eval-mode one in eval mode, broadcast together", () => {
    const a = nd([2], [1, 2]), b = nd([1], [7]);
    expectClose(run("mode_select", [a, b], {}, { training: true }), [2], [1, 2]);
    expectClose(run("mode_select", [a, b], {}, { training: false }), [2], [7, 7]);
  });
});

describe("embedding", () => {
  it("gathers rows and rejects out-of-range indices", () => {
    const w = nd([3, 2], [0, 1, 10, 11, 20, 21]);
    expectClose(run("embedding", [nd([2], [2, 0]), w], { paddingIdx: null }), [2, 2], [20, 21, 0, 1]);
    expect(() => run("embedding", [nd([1], [3]), w], { paddingIdx: null })).toThrow(/out of range \[0, 3\)/);
  });
});

describe("losses", () => {
  const logits = nd([2, 2], [0, Math.log(3), 0, 0]); // p = [1/4, 3/4] and [1/2, 1/2]
  const target = nd([2], [1, 0]);
  it("cross_entropy = mean of −log p[y]", () => {
    expectClose(run("cross_entropy", [logits, target], { reduction: "mean", labelSmoothing: 0 }), [], [(-Math.log(0.75) - Math.log(0.5)) / 2]);
    expectClose(run("cross_entropy", [logits, target], { reduction: "none", labelSmoothing: 0 }), [2], [-Math.log(0.75), -Math.log(0.5)]);
  });
  it("cross_entropy with label smoothing ε mixes in the mean of −log p", () => {
    // row 0: (1−ε)(−ln ¾) + ε/2 (−ln ¼ − ln ¾), ε = 0.2
    const e = 0.2;
    const row0 = (1 - e) * -Math.log(0.75) + (e / 2) * (-Math.log(0.25) - Math.log(0.75));
    const row1 = -Math.log(0.5);
    expectClose(run("cross_entropy", [logits, target], { reduction: "sum", labelSmoothing: e }), [], [row0 + row1]);
  });
  it("nll_loss picks −input[i, y_i]", () => {
    expectClose(run("nll_loss", [nd([2, 3], [-1, -2, -3, -4, -5, -6]), nd([2], [2, 1])], { reduction: "mean" }), [], [4]);
    expect(() => run("nll_loss", [nd([1, 3], [0, 0, 0]), nd([1], [3])], { reduction: "mean" })).toThrow(/out of range/);
  });
  it("mse_loss is the mean of squared differences", () => {
    expectClose(run("mse_loss", [nd([2], [1, 2]), nd([2], [3, 2])], { reduction: "mean" }), [], [2]);
    expectClose(run("mse_loss", [nd([2], [1, 2]), nd([2], [3, 2])], { reduction: "sum" }), [], [4]);
  });
  it("detach is the identity on values", () => {
    expectClose(run("detach", [nd([2], [1.5, -2])]), [2], [1.5, -2]);
  });
  it("unrecorded is its new value (the old one only takes the gradient)", () => {
    expectClose(run("unrecorded", [nd([2], [1.5, -2]), nd([2], [7, 8])]), [2], [1.5, -2]);
  });
  it("custom_gradient and gradient_stand_in are their first input's values (a hook's gradient is test/detach.test.ts's)", () => {
    expectClose(run("custom_gradient", [nd([2], [1.5, -2]), nd([2], [1.5, -2])], { recipe: { steps: [], results: [{ dy: true }] } }), [2], [1.5, -2]);
    expectClose(run("gradient_stand_in", [nd([2], [1.5, -2])]), [2], [1.5, -2]);
  });
  it("l1, smooth L1 and Huber losses follow PyTorch's pieces", () => {
    const x = nd([3], [1, 2, 0.25]);
    const t = nd([3], [3, 2, 0]); // d = −2, 0, 0.25
    expectClose(run("l1_loss", [x, t], { reduction: "sum" }), [], [2.25]);
    // β = 1: |−2| − ½ = 1.5; 0; ½·0.0625/1 = 0.03125
    expectClose(run("smooth_l1_loss", [x, t], { reduction: "none", beta: 1 }), [3], [1.5, 0, 0.03125]);
    // β = 0 is L1
    expectClose(run("smooth_l1_loss", [x, t], { reduction: "mean", beta: 0 }), [], [0.75]);
    // δ = 0.5: 0.5·(2 − 0.25) = 0.875; 0; ½·0.0625 = 0.03125
    expectClose(run("huber_loss", [x, t], { reduction: "none", delta: 0.5 }), [3], [0.875, 0, 0.03125]);
    // their input derivatives: sign(d), clamp(d/β) and clamp(d, ±δ)
    expectClose(run("l1_loss_dinput", [x, t], { reduction: "mean" }), [3], [-1, 0, 1]);
    expectClose(run("smooth_l1_loss_dinput", [x, t], { reduction: "mean", beta: 1 }), [3], [-1, 0, 0.25]);
    expectClose(run("huber_loss_dinput", [x, t], { reduction: "mean", delta: 0.5 }), [3], [-0.5, 0, 0.25]);
    expectClose(run("huber_loss_dtarget", [x, t], { reduction: "mean", delta: 0.5 }), [3], [0.5, 0, -0.25]);
    expectClose(run("l1_loss_dtarget", [x, t], { reduction: "mean" }), [3], [1, 0, -1]);
    expectClose(run("smooth_l1_loss_dtarget", [x, t], { reduction: "mean", beta: 1 }), [3], [1, 0, -0.25]);
    // their second partials times h = [1, 2, 3]: inside the band (|d| < β or δ) ±1/β or ±1, outside 0
    const h = nd([3], [1, 2, 3]);
    expectClose(run("smooth_l1_loss_dxx", [h, x, t], { reduction: "mean", beta: 1 }), [3], [0, 2, 3]);
    expectClose(run("smooth_l1_loss_dxx", [h, x, t], { reduction: "mean", beta: 0.5 }), [3], [0, 4, 6]);
    expectClose(run("smooth_l1_loss_dxt", [h, x, t], { reduction: "mean", beta: 0.5 }), [3], [0, -4, -6]);
    expectClose(run("smooth_l1_loss_dtt", [h, x, t], { reduction: "mean", beta: 0 }), [3], [0, 0, 0]);
    expectClose(run("huber_loss_dxx", [h, x, t], { reduction: "mean", delta: 0.25 }), [3], [0, 2, 0]);
    expectClose(run("huber_loss_dxt", [h, x, t], { reduction: "mean", delta: 0.5 }), [3], [0, -2, -3]);
    expectClose(run("huber_loss_dtt", [h, x, t], { reduction: "mean", delta: 0.5 }), [3], [0, 2, 3]);
  });
  it("the binary cross entropies' second partials", () => {
    // x = 0.25, t = 1: ℓ_xx = (x² − 2xt + t)/(x(1 − x))² = 0.5625/0.03515625 = 16, ℓ_xt = −1/0.1875
    const p = nd([1], [0.25]), one = nd([1], [1]), h = nd([1], [2]);
    expectClose(run("binary_cross_entropy_dxx", [h, p, one], { reduction: "mean" }), [1], [32]);
    expectClose(run("binary_cross_entropy_dxt", [h, p, one], { reduction: "mean" }), [1], [-2 / 0.1875]);
    // logits x = 0: ℓ_xx = σ(0)(1 − σ(0)) = ¼ whatever t is, ℓ_xt = −1
    const z = nd([1], [0]);
    expectClose(run("binary_cross_entropy_with_logits_dxx", [h, z, one], { reduction: "mean" }), [1], [0.5]);
    expectClose(run("binary_cross_entropy_with_logits_dxt", [h, z, nd([1], [0.3])], { reduction: "mean" }), [1], [-2]);
  });
  it("binary cross entropy clamps each log at −100 and is NaN outside [0, 1]", () => {
    // x = 0.25, t = 1: −log 0.25; x = 0, t = 1: −max(log 0, −100) = 100; x = 1, t = 0.5: ½·100 = 50
    const out = run("binary_cross_entropy", [nd([4], [0.25, 0, 1, 1.5]), nd([4], [1, 1, 0.5, 0])], { reduction: "none" });
    expectClose({ shape: [3], data: out.data.subarray(0, 3) }, [3], [Math.log(4), 100, 50]);
    expect(out.data[3]).toBeNaN();
    // ∂ℓ/∂x = (x − t)/max(x(1 − x), 1e-12): (0.25 − 1)/0.1875 = −4; at x = 0: −1/1e-12
    expectClose(run("binary_cross_entropy_dinput", [nd([2], [0.25, 0]), nd([2], [1, 1])], { reduction: "mean" }), [2], [-4, -1e12]);
    // ∂ℓ/∂t = log(1 − x) − log x = log 3 at x = 0.25
    expectClose(run("binary_cross_entropy_dtarget", [nd([1], [0.25]), nd([1], [1])], { reduction: "mean" }), [1], [Math.log(3)]);
  });
  it("binary cross entropy with logits is BCE of the sigmoid, stable at large |x|", () => {
    // x = 0: log 2 whatever t; x = 1000, t = 0: 1000 (a naive log(1 − σ(x)) is −∞); x = −1000, t = 0: 0
    expectClose(run("binary_cross_entropy_with_logits", [nd([3], [0, 1000, -1000]), nd([3], [0.3, 0, 0])], { reduction: "none" }), [3], [Math.log(2), 1000, 0]);
    // ∂ℓ/∂x = σ(x) − t, ∂ℓ/∂t = −x
    expectClose(run("binary_cross_entropy_with_logits_dinput", [nd([1], [0]), nd([1], [0.3])], { reduction: "mean" }), [1], [0.2]);
    expectClose(run("binary_cross_entropy_with_logits_dtarget", [nd([1], [2]), nd([1], [0.3])], { reduction: "mean" }), [1], [-2]);
  });
});

describe("sources", () => {
  it("const is its value; inputs, params and buffers come from the context", () => {
    expectClose(run("const", [], { value: 2.5 }), [], [2.5]);
    const v = nd([1], [42]);
    for (const op of ["input", "param", "buffer"]) expectClose(run(op, [], {}, { source: () => v }), [1], [42]);
  });
});

describe("Philox4x32-10", () => {
  it("matches the known-answer vectors of Random123", () => {
    const hex = (a: number[]) => a.map((x) => x.toString(16).padStart(8, "0"));
    expect(hex(philox4x32(0, 0, 0, 0, 0, 0))).toEqual(["6627e8d5", "e169c58d", "bc57ac4c", "9b00dbd8"]);
    const f = 0xffffffff;
    expect(hex(philox4x32(f, f, f, f, f, f))).toEqual(["408f276d", "41c83b0e", "a20bc7c6", "6d5451fd"]);
    expect(hex(philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0))).toEqual(["d16cfe09", "94fdcceb", "5001e420", "24126ea1"]);
  });
});

describe("gradient ops of the pointwise, reduce and movement families", () => {
  it("each unary op's _grad(dy, x) is dy times the central difference of its reference", () => {
    const xs = [-1.3, -0.4, 0.35, 0.9, 2.1];
    for (const op of ["relu", "leaky_relu", "hardswish", "tanh", "sigmoid", "silu", "gelu", "neg", "exp", "abs", "expm1", "sin", "cos", "erf", "erfc", "exp2", "tan", "sinh", "cosh", "atan", "asinh"]) {
      for (const approximate of op === "gelu" ? ["none", "tanh"] : ["none"]) {
        const attrs = { slope: 0.1, approximate };
        const h = 1e-6;
        const f = (v: number) => run(op, [nd([1], [v])], attrs).data[0];
        const got = run(`${op}_grad`, [nd([5], [2, 2, 2, 2, 2]), nd([5], xs)], attrs);
        got.data.forEach((g, i) => expect(g).toBeCloseTo((2 * (f(xs[i] + h) - f(xs[i] - h))) / (2 * h), 6));
      }
    }
    // on their domains: at 0.7 (> 0, < 1), acosh at 1.7 (> 1)
    const within = [["log", {}, 0.7], ["erfinv", {}, 0.7], ["entr", {}, 0.7], ["logit", { eps: -1 }, 0.7], ["logit", { eps: 0.1 }, 0.3], ["sqrt", {}, 0.7], ["pow", { exponent: 3 }, 0.7], ["log1p", {}, 0.7], ["rsqrt", {}, 0.7], ["reciprocal", {}, 0.7], ["log2", {}, 0.7], ["log10", {}, 0.7], ["asin", {}, 0.7], ["acos", {}, 0.7], ["atanh", {}, 0.7], ["acosh", {}, 1.7], ["lgamma", {}, 0.7], ["lgamma", {}, -0.7], ["digamma", {}, 0.7], ["digamma", {}, -2.3], ["polygamma", { n: 1 }, 0.7], ["polygamma", { n: 2 }, -1.3], ["i0", {}, -0.7], ["i0", {}, 2.5], ["i0e", {}, -0.7], ["i0e", {}, 25], ["i1", {}, -0.7], ["i1", {}, 2.5], ["i1e", {}, -0.7], ["i1e", {}, 25]] as const;
    for (const [op, attrs, at] of within) {
      const f = (v: number) => run(op, [nd([1], [v])], attrs).data[0];
      const got = run(`${op}_grad`, [nd([1], [1]), nd([1], [at])], attrs).data[0];
      expect(got, op).toBeCloseTo((f(at + 1e-6) - f(at - 1e-6)) / 2e-6, 6);
    }
  });
  it("loss_scale reads the run's loss_scale input, 1 when none is given", () => {
    expectClose(run("loss_scale", [], {}, { source: () => nd([], [0.25]) }), [], [0.25]);
    expectClose(run("loss_scale", [], {}), [], [1]);
  });
  it("div_count divides by c·batch^p; eq_mask marks equal elements; expand broadcasts", () => {
    expectClose(run("div_count", [nd([2], [6, 3])], { c: 3, p: 1 }, { batch: 2 }), [2], [1, 0.5]);
    expectClose(run("div_count", [nd([2], [6, 3])], { c: 3, p: 0 }), [2], [2, 1]);
    expectClose(run("eq_mask", [nd([3], [1, 2, 3]), nd([3], [1, 5, 3])]), [3], [1, 0, 1]);
    covered.add("expand");
    const node = { ...fakeNode("expand", [{ ...fakeNode("input"), shape: [Batch, 1] }]), shape: [Batch, 3] };
    const out = opDef("expand").reference([nd([2, 1], [1, 2])], { shape: [Batch, 3] }, { ...ctx("expand"), node, batch: 2 });
    expectClose(out, [2, 3], [1, 1, 1, 2, 2, 2]);
  });
});

describe("gradient ops of the conv family", () => {
  const conv = { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 };
  it("conv2d_grad_input scatters dy·w back over each window", () => {
    // 3×3 input, w = [[1,2],[3,4]]: dy = [[1,0],[0,2]] adds w at (0,0) and 2w at (1,1)
    const out = run("conv2d_grad_input", [nd([1, 1, 2, 2], [1, 0, 0, 2]), nd([1, 1, 2, 2], [1, 2, 3, 4])], { ...conv, inputShape: [1, 3, 3] });
    expectClose(out, [1, 1, 3, 3], [1, 2, 0, 3, 6, 4, 0, 6, 8]);
    // dilation 2: the single window reads the four corners, each gets 3·w
    const dil = run("conv2d_grad_input", [nd([1, 1, 1, 1], [3]), nd([1, 1, 2, 2], [1, 2, 3, 4])], { ...conv, dilation: [2, 2], inputShape: [1, 3, 3] });
    expectClose(dil, [1, 1, 3, 3], [3, 0, 6, 0, 0, 0, 9, 0, 12]);
    // stride 2, 1×1 kernel w = 2: dy lands on every other element
    const s2 = run("conv2d_grad_input", [nd([1, 1, 2, 2], [1, 2, 3, 4]), nd([1, 1, 1, 1], [2])], { ...conv, stride: [2, 2], inputShape: [1, 3, 3] });
    expectClose(s2, [1, 1, 3, 3], [2, 0, 4, 0, 0, 0, 6, 0, 8]);
    // two groups, 1×1 kernels w = [2, 3]: dy = [1, 10] → [2, 30]
    const g = run("conv2d_grad_input", [nd([1, 2, 1, 1], [1, 10]), nd([2, 1, 1, 1], [2, 3])], { ...conv, groups: 2, inputShape: [2, 1, 1] });
    expectClose(g, [1, 2, 1, 1], [2, 30]);
  });
  it("conv2d_grad_weight correlates x with dy", () => {
    const x = nd([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // dy = [[1,0],[0,2]]: dw[ky,kx] = x[ky,kx] + 2·x[1+ky,1+kx] = [1+10, 2+12, 4+16, 5+18]
    expectClose(run("conv2d_grad_weight", [nd([1, 1, 2, 2], [1, 0, 0, 2]), x], { ...conv, weightShape: [1, 1, 2, 2] }), [1, 1, 2, 2], [11, 14, 20, 23]);
    // dilation 2, dy = 3: the taps read the corners 1, 3, 7, 9
    expectClose(run("conv2d_grad_weight", [nd([1, 1, 1, 1], [3]), x], { ...conv, dilation: [2, 2], weightShape: [1, 1, 2, 2] }), [1, 1, 2, 2], [3, 9, 21, 27]);
    // two groups, x = [5, 7], dy = [1, 10] → [5, 70]; two samples add up: + [1·1, 2·1]
    const g = run("conv2d_grad_weight", [nd([2, 2, 1, 1], [1, 10, 1, 2]), nd([2, 2, 1, 1], [5, 7, 1, 1])], { ...conv, groups: 2, weightShape: [2, 1, 1, 1] });
    expectClose(g, [2, 1, 1, 1], [6, 72]);
  });
  it("max_pool2d_grad sends dy to the first maximum and adds up overlapping windows", () => {
    const x = nd([1, 1, 2, 4], [1, 2, 3, 4, 5, 6, 7, 8]);
    expectClose(run("max_pool2d_grad", [nd([1, 1, 1, 2], [10, 20]), x], { kernel: [2, 2], stride: [2, 2], padding: [0, 0] }), [1, 1, 2, 4], [0, 0, 0, 0, 0, 10, 0, 20]);
    const row = { kernel: [1, 2], stride: [1, 1], padding: [0, 0] };
    // tie in window {0,1} → index 0; window {1,2} → index 1
    expectClose(run("max_pool2d_grad", [nd([1, 1, 1, 2], [1, 2]), nd([1, 1, 1, 3], [5, 5, 1])], row), [1, 1, 1, 3], [1, 2, 0]);
    // both windows pick the 9
    expectClose(run("max_pool2d_grad", [nd([1, 1, 1, 2], [1, 2]), nd([1, 1, 1, 3], [1, 9, 2])], row), [1, 1, 1, 3], [0, 3, 0]);
    // padding 1: each window holds one real (negative) value, which beats the padding
    const pad = { kernel: [2, 2], stride: [2, 2], padding: [1, 1] };
    expectClose(run("max_pool2d_grad", [nd([1, 1, 2, 2], [1, 2, 3, 4]), nd([1, 1, 2, 2], [-1, -2, -3, -4])], pad), [1, 1, 2, 2], [1, 2, 3, 4]);
  });
  it("max_pool2d_pick reads g at each window's first maximum: max_pool2d_grad's transpose", () => {
    const row = { kernel: [1, 2], stride: [1, 1], padding: [0, 0] };
    const g = nd([1, 1, 1, 3], [10, 20, 30]);
    // tie in window {0,1} → index 0; window {1,2} → index 1
    expectClose(run("max_pool2d_pick", [g, nd([1, 1, 1, 3], [5, 5, 1])], row), [1, 1, 1, 2], [10, 20]);
    // a NaN wins its windows
    expectClose(run("max_pool2d_pick", [g, nd([1, 1, 1, 3], [1, NaN, 9])], row), [1, 1, 1, 2], [20, 20]);
    // padding 1: each window holds one real (negative) value, which beats the padding
    const pad = { kernel: [2, 2], stride: [2, 2], padding: [1, 1] };
    expectClose(run("max_pool2d_pick", [nd([1, 1, 2, 2], [1, 2, 3, 4]), nd([1, 1, 2, 2], [-1, -2, -3, -4])], pad), [1, 1, 2, 2], [1, 2, 3, 4]);
    // ⟨pick(g, x), dy⟩ = ⟨g, max_pool2d_grad(dy, x)⟩ with overlapping windows
    const over = { kernel: [3, 3], stride: [2, 2], padding: [1, 1] };
    const x = nd([1, 1, 4, 4], normals(16, 3, 1));
    const gg = nd([1, 1, 4, 4], normals(16, 4, 1));
    const dy = nd([1, 1, 2, 2], normals(4, 5, 1));
    const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i], 0);
    expect(dot(run("max_pool2d_pick", [gg, x], over).data, dy.data)).toBeCloseTo(dot(gg.data, run("max_pool2d_grad", [dy, x], over).data), 12);
  });
  it("avg_pool2d_grad spreads dy/(kh·kw) over each window, padding included in the divisor", () => {
    const k2 = { kernel: [2, 2], stride: [2, 2], padding: [0, 0] };
    expectClose(run("avg_pool2d_grad", [nd([1, 1, 1, 2], [4, 8])], { ...k2, inputSize: [2, 4] }), [1, 1, 2, 4], [1, 1, 2, 2, 1, 1, 2, 2]);
    expectClose(run("avg_pool2d_grad", [nd([1, 1, 2, 2], [4, 8, 12, 16])], { ...k2, padding: [1, 1], inputSize: [2, 2] }), [1, 1, 2, 2], [1, 2, 3, 4]);
    // overlapping 1×2 windows, stride 1: [2/2, 2/2 + 4/2, 4/2]
    expectClose(run("avg_pool2d_grad", [nd([1, 1, 1, 2], [2, 4])], { kernel: [1, 2], stride: [1, 1], padding: [0, 0], inputSize: [1, 3] }), [1, 1, 1, 3], [1, 3, 2]);
  });
  it("adaptive_avg_pool2d_grad: windows [0,2) and [1,3) of 3 overlap in the middle", () => {
    expectClose(run("adaptive_avg_pool2d_grad", [nd([1, 1, 1, 2], [2, 4])], { inputSize: [1, 3] }), [1, 1, 1, 3], [1, 3, 2]);
    expectClose(run("adaptive_avg_pool2d_grad", [nd([1, 1, 1, 1], [8])], { inputSize: [2, 2] }), [1, 1, 2, 2], [2, 2, 2, 2]);
  });
});

describe("gradient ops of the norm, random, gather and loss families", () => {
  // x = [0, 0, 3]: mean 1, deviations [−1, −1, 2], biased var 2; with eps 2, rstd = 1/2 and
  // x̂ = [−1/2, −1/2, 1]. g = dy·w = [1, 0, 0]: mean(g) = 1/3, mean(g·x̂) = −1/6, so
  // dx = rstd·(g − 1/3 + x̂/6) = ½·[7/12, −5/12, −2/12] = [7/24, −5/24, −1/12] (sums to 0).
  const grad3 = [7 / 24, -5 / 24, -1 / 12];
  const noWrites = { writeBuffer: () => expect.fail("a gradient op wrote a buffer") };
  it("layer_norm_grad_input: rstd·(g − mean g − x̂·mean(g·x̂)), g = dy·weight", () => {
    const ln = { normalizedShape: [3], eps: 2, hasWeight: true, hasBias: true };
    expectClose(run("layer_norm_grad_input", [nd([1, 3], [0.5, 0, 0]), nd([1, 3], [0, 0, 3]), nd([3], [2, 1, 1])], ln), [1, 3], grad3);
    // no weight; two rows, the second shifted by 10 (same x̂) with dy doubled
    const noW = { ...ln, hasWeight: false, hasBias: false };
    const out = run("layer_norm_grad_input", [nd([2, 3], [1, 0, 0, 2, 0, 0]), nd([2, 3], [0, 0, 3, 10, 10, 13])], noW);
    expectClose(out, [2, 3], [...grad3, ...grad3.map((v) => 2 * v)]);
  });
  it("batch_norm_grad_input: batch statistics in train mode, running ones (a constant scale) in eval mode", () => {
    const bn = { eps: 2, momentum: 0.1, affine: true, track: true };
    // one channel over N = 3 holding [0, 0, 3]: the same numbers as layer_norm's row
    const ins = [nd([3, 1], [0.5, 0, 0]), nd([3, 1], [0, 0, 3]), nd([1], [2]), nd([1], [1]), nd([1], [2])];
    expectClose(run("batch_norm_grad_input", ins, bn, { training: true, ...noWrites }), [3, 1], grad3);
    // eval: running var 2, eps 2 → rstd 1/2; dx = dy·w·rstd = [0.5, 0, 0]
    expectClose(run("batch_norm_grad_input", ins, bn, { training: false, ...noWrites }), [3, 1], [0.5, 0, 0]);
    // without running statistics, eval mode uses the batch's too; no weight
    const plain = { ...bn, affine: false, track: false };
    expectClose(run("batch_norm_grad_input", [nd([3, 1], [1, 0, 0]), nd([3, 1], [0, 0, 3])], plain, noWrites), [3, 1], grad3);
  });
  it("batch_norm_xhat normalizes per channel without the affine map", () => {
    const bn = { eps: 2, momentum: 0.1, affine: true, track: true };
    // x [1, 2, 3]: channel 0 holds [0, 0, 3] → [−½, −½, 1]; channel 1 holds [3, 0, 0] → [1, −½, −½]
    const x = nd([1, 2, 3], [0, 0, 3, 3, 0, 0]);
    expectClose(run("batch_norm_xhat", [x], { ...bn, track: false }, noWrites), [1, 2, 3], [-0.5, -0.5, 1, 1, -0.5, -0.5]);
    expectClose(run("batch_norm_xhat", [x, nd([2], [0, 0]), nd([2], [1, 2])], bn, { training: true, ...noWrites }), [1, 2, 3], [-0.5, -0.5, 1, 1, -0.5, -0.5]);
    // eval: running mean [0, 1], var [7, 2], eps 2 → x/3 and (x − 1)/2
    expectClose(run("batch_norm_xhat", [x, nd([2], [0, 1]), nd([2], [7, 2])], bn, noWrites), [1, 2, 3], [0, 0, 1, 1, -0.5, -0.5]);
  });
  it("dropout draws from the stream attribute when given, else its own node's", () => {
    const x = nd([2], [1, 2]);
    const streams: (number | undefined)[] = [];
    const uniform = (n: number, s?: number) => (streams.push(s), Float64Array.from([0.1, 0.9]));
    expectClose(run("dropout", [x], { p: 0.5, mode: "always", stream: 3 }, { uniform }), [2], [0, 4]);
    run("dropout", [x], { p: 0.5, mode: "always" }, { uniform });
    expect(streams).toEqual([3, 7]); // the fake node's id is 7
    const codegen = opDef("dropout").codegen;
    if (codegen?.kind !== "pointwise") throw new Error("dropout should be pointwise");
    expect(codegen.expr(["v"], { p: 0.5, mode: "train", stream: 3 }, { index: "i", node: fakeNode("dropout") })).toMatch(/, 3u\)$/);
    expect(codegen.expr(["v"], { p: 0.5, mode: "train" }, { index: "i", node: fakeNode("dropout") })).toMatch(/, 7u\)$/);
  });
  it("embedding_grad adds dy rows into the rows they came from, none into the padding row", () => {
    // indices [2, 0, 2]: row 0 gets [3, 4], row 2 gets [1, 2] + [5, 6]
    const dy = nd([3, 2], [1, 2, 3, 4, 5, 6]);
    const idx = nd([3], [2, 0, 2]);
    expectClose(run("embedding_grad", [dy, idx], { numEmbeddings: 4, paddingIdx: null }), [4, 2], [3, 4, 0, 0, 6, 8, 0, 0]);
    expectClose(run("embedding_grad", [dy, idx], { numEmbeddings: 4, paddingIdx: 2 }), [4, 2], [3, 4, 0, 0, 0, 0, 0, 0]);
    expectClose(run("embedding_grad", [dy, idx], { numEmbeddings: 4, paddingIdx: -2 }), [4, 2], [3, 4, 0, 0, 0, 0, 0, 0]);
    expect(() => run("embedding_grad", [dy, idx], { numEmbeddings: 2, paddingIdx: null })).toThrow(/out of range \[0, 2\)/);
  });
  it("cross_entropy_grad is (softmax − smoothed one-hot)·dy, ÷N for mean", () => {
    const logits = nd([2, 2], [0, Math.log(3), 0, 0]); // p = [1/4, 3/4] and [1/2, 1/2]
    const target = nd([2], [1, 0]);
    // mean, ε = 0: ([1/4, −1/4], [−1/2, 1/2]) / 2
    expectClose(run("cross_entropy_grad", [nd([], [1]), logits, target], { reduction: "mean", labelSmoothing: 0 }), [2, 2], [1 / 8, -1 / 8, -1 / 4, 1 / 4]);
    // sum, ε = 0.2: q = [0.1, 0.9] and [0.9, 0.1]; (p − q)·2
    expectClose(run("cross_entropy_grad", [nd([], [2]), logits, target], { reduction: "sum", labelSmoothing: 0.2 }), [2, 2], [0.3, -0.3, -0.8, 0.8]);
    // none: row i scaled by dy[i] = 3 and −1
    expectClose(run("cross_entropy_grad", [nd([2], [3, -1]), logits, target], { reduction: "none", labelSmoothing: 0 }), [2, 2], [0.75, -0.75, 0.5, -0.5]);
  });
  it("nll_loss_grad is −dy at the targets, ÷N for mean", () => {
    const input = nd([2, 3], [-1, -2, -3, -4, -5, -6]);
    const target = nd([2], [2, 1]);
    expectClose(run("nll_loss_grad", [nd([], [1]), input, target], { reduction: "mean" }), [2, 3], [0, 0, -0.5, 0, -0.5, 0]);
    expectClose(run("nll_loss_grad", [nd([2], [2, 3]), input, target], { reduction: "none" }), [2, 3], [0, 0, -2, 0, -3, 0]);
  });
});

// PyTorch's documented semantics, stated in each case (pytorch.org/docs: torch.tril, torch.arange,
// torch.linspace, torch.eye, torch.where, Tensor.masked_fill).
describe("factories and selection", () => {
  const shaped = (op: string, shape: number[]) => ({ ...ctx(op), node: { ...fakeNode(op), shape } });
  it("full, arange (start, end, step: ⌈(end − start)/step⌉ values), eye", () => {
    expectClose(run("full", [], { shape: [2, 2], value: 3.5 }), [2, 2], [3.5, 3.5, 3.5, 3.5]);
    // torch.tensor's listed values, stored as float32
    expect(Array.from(run("literal", [], { shape: [3], values: [0.1, -2, 3.25] }).data)).toEqual([Math.fround(0.1), -2, 3.25]);
    // torch.arange(1, 2.5, 0.5) = [1, 1.5, 2]
    expectClose(run("arange", [], { start: 1, step: 0.5, length: 3 }), [3], [1, 1.5, 2]);
    expectClose(run("eye", [], { n: 2, m: 3 }), [2, 3], [1, 0, 0, 0, 1, 0]);
    // torch.arange(5, 0, -2) = [5, 3, 1] (an integer tensor)
    expectClose(run("arange_int", [], { start: 5, step: -2, length: 3 }), [3], [5, 3, 1]);
    // c·x.size(0) of the call (each replica's own batch)
    expectClose(run("batch_size", [], { c: 2 }, { batch: 3 }), [], [6]);
    // c·B + d: b - 1 of x.size(0)
    expectClose(run("batch_size", [], { c: 2, d: -1 }, { batch: 3 }), [], [5]);
  });
  it("resample_weights: column i holds the weights of destination i over the sources (PyTorch's interpolation coordinates)", () => {
    const w = (a: object) => run("resample_weights", [], { alignCorners: false, scaleFactor: null, ...a });
    // nearest 2 → 4 (scale 1/2): src = ⌊i/2⌋ = 0, 0, 1, 1
    expectClose(w({ inSize: 2, outSize: 4, mode: "nearest" }), [2, 4], [1, 1, 0, 0, 0, 0, 1, 1]);
    // nearest 3 → 2 (scale 3/2): src = ⌊0⌋, ⌊1.5⌋ = 0, 1
    expectClose(w({ inSize: 3, outSize: 2, mode: "nearest" }), [3, 2], [1, 0, 0, 1, 0, 0]);
    // bilinear 2 → 4, half-pixel: src = max((i + ½)/2 − ½, 0) = 0, 0.25, 0.75, 1.25 → clamped taps on the last row
    expectClose(w({ inSize: 2, outSize: 4, mode: "bilinear" }), [2, 4], [1, 0.75, 0.25, 0, 0, 0.25, 0.75, 1]);
    // bilinear 2 → 3 with alignCorners: scale (2 − 1)/(3 − 1) = ½, src = 0, 0.5, 1
    expectClose(w({ inSize: 2, outSize: 3, mode: "bilinear", alignCorners: true }), [2, 3], [1, 0.5, 0, 0, 0.5, 1]);
    // scaleFactor 3 over 1 → 3: the coordinates use 1/3, and every destination reads the one source
    expectClose(w({ inSize: 1, outSize: 3, mode: "bilinear", scaleFactor: 3 }), [1, 3], [1, 1, 1]);
  });
  it("resample_weights with antialias: PyTorch's (and PIL's) filter, stretched when downsampling, taps renormalized", () => {
    const w = (a: object) => run("resample_weights", [], { alignCorners: false, scaleFactor: null, antialias: true, ...a });
    // the weights are float32, as PyTorch's for a float input (each below is one rounded quotient of exact values)
    const f = (v: number[]) => v.map(Math.fround);
    // bilinear 4 → 2 (scale 2): the triangle stretched to support 2; destination 0 has centre 1 and taps 0, 1, 2 at
    // distances −¼, ¼, ¾ (in stretched units) → 0.75, 0.75, 0.25 over their sum 1.75; destination 1 (centre 3) mirrors it
    expectClose(w({ inSize: 4, outSize: 2, mode: "bilinear" }), [4, 2], f([3 / 7, 0, 3 / 7, 1 / 7, 1 / 7, 3 / 7, 0, 3 / 7]));
    // bicubic 2 → 4 (upsampling, support 2, A = −0.5): destination 0 has centre ¼, taps 0 and 1 at distances ¼ and 1¼:
    // c₁(¼) = 0.8671875, c₂(1¼) = −0.0703125, sum 0.796875; destination 1 (centre ¾): c₁(¼), c₁(¾) = 0.2265625, sum 1.09375
    const [a, b, c, d] = [0.8671875 / 0.796875, -0.0703125 / 0.796875, 0.8671875 / 1.09375, 0.2265625 / 1.09375];
    expectClose(w({ inSize: 2, outSize: 4, mode: "bicubic" }), [2, 4], f([a, c, d, b, b, d, c, a]));
    // the same size is every position to itself (the cubic is 1 at 0 and 0 at ±1, ±2)
    expectClose(w({ inSize: 3, outSize: 3, mode: "bicubic" }), [3, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });
  it("linspace runs the first half from start and the second back from end, as PyTorch", () => {
    // torch.linspace(-1, 1, 5) = [-1, -0.5, 0, 0.5, 1]; the last value is exactly `end`
    expectClose(run("linspace", [], { start: -1, end: 1, steps: 5 }), [5], [-1, -0.5, 0, 0.5, 1]);
    const r = run("linspace", [], { start: 0, end: 0.3, steps: 4 });
    expect(r.data[3]).toBe(0.3);
    expectClose(run("linspace", [], { start: 2, end: 7, steps: 1 }), [1], [2]);
  });
  it("tril keeps c − r ≤ diagonal, triu c − r ≥ diagonal, per matrix of the last two dims", () => {
    const x = nd([2, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // torch.tril(x): the main diagonal and below
    expectClose(run("triangle", [x], { diagonal: 0, upper: false }, shaped("triangle", [2, 3, 3])), [2, 3, 3], [1, 0, 0, 4, 5, 0, 7, 8, 9, 1, 0, 0, 4, 5, 0, 7, 8, 9]);
    // torch.tril(x, diagonal=-1): strictly below
    expectClose(run("triangle", [nd([3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9])], { diagonal: -1, upper: false }), [3, 3], [0, 0, 0, 4, 0, 0, 7, 8, 0]);
    // torch.triu(x, diagonal=1): strictly above (the causal mask's complement)
    expectClose(run("triangle", [nd([2, 3], [1, 2, 3, 4, 5, 6])], { diagonal: 1, upper: true }), [2, 3], [0, 2, 3, 0, 0, 6]);
  });
  it("comparisons give 1 where true, 0 where false, broadcasting", () => {
    const a = nd([2, 2], [1, 2, 3, 4]);
    const b = nd([2], [2, 3]);
    expectClose(run("gt", [a, b]), [2, 2], [0, 0, 1, 1]);
    expectClose(run("ge", [a, b]), [2, 2], [0, 0, 1, 1]);
    expectClose(run("lt", [a, b]), [2, 2], [1, 1, 0, 0]);
    expectClose(run("le", [a, b]), [2, 2], [1, 1, 0, 0]);
    expectClose(run("eq", [a, nd([], [2])]), [2, 2], [0, 1, 0, 0]);
    expectClose(run("ne", [a, nd([], [2])]), [2, 2], [1, 0, 1, 1]);
  });
  it("masked_fill puts value where the broadcast mask is nonzero; −∞ then softmax gives exact zeros", () => {
    const x = nd([2, 2], [1, 2, 3, 4]);
    const causal = nd([2, 2], [0, 1, 0, 0]); // triu(ones, 1): the future
    const filled = run("masked_fill", [x, causal], { value: -Infinity });
    expect(Array.from(filled.data)).toEqual([1, -Infinity, 3, 4]);
    // softmax of [1, −∞] is [1, 0]: a row with one unmasked position puts all its weight there
    const p = run("softmax", [filled], { dim: 1 });
    expect(Array.from(p.data.slice(0, 2))).toEqual([1, 0]);
    expectClose(run("masked_fill", [x, nd([2], [1, 0])], { value: 7 }), [2, 2], [7, 2, 7, 4]);
  });
  it("where takes a where the condition is nonzero, else b, broadcasting all three", () => {
    expectClose(run("where", [nd([2, 1], [1, 0]), nd([2], [5, 6]), nd([], [-1])]), [2, 2], [5, 6, -1, -1]);
  });
});

describe("joins and slices", () => {
  it("concat joins along dim as torch.cat: torch.cat([[1, 2], [3, 4]] and [[5], [6]], dim=1) = [[1, 2, 5], [3, 4, 6]]", () => {
    expectClose(run("concat", [nd([2, 2], [1, 2, 3, 4]), nd([2, 1], [5, 6])], { dim: 1 }), [2, 3], [1, 2, 5, 3, 4, 6]);
    // dim 0: rows stacked
    expectClose(run("concat", [nd([1, 2], [1, 2]), nd([2, 2], [3, 4, 5, 6])], { dim: 0 }), [3, 2], [1, 2, 3, 4, 5, 6]);
  });
  it("narrow takes a window; pad_dim puts it among zeros", () => {
    const x = nd([2, 3], [1, 2, 3, 4, 5, 6]);
    expectClose(run("narrow", [x], { dim: 1, start: 1, length: 2 }), [2, 2], [2, 3, 5, 6]);
    expectClose(run("pad_dim", [nd([2, 2], [2, 3, 5, 6])], { dim: 1, start: 1, length: 2, size: 4 }), [2, 4], [0, 2, 3, 0, 0, 5, 6, 0]);
  });
  it("take is torch.index_select and torch.gather; take_grad sums dy back (index_add, scatter_add)", () => {
    const x = nd([2, 3], [1, 2, 3, 4, 5, 6]);
    const node = (shape: number[]) => ({ ...ctx("take"), node: { ...fakeNode("take"), shape } });
    // torch.index_select(x, 1, [2, 0, 2]) = [[3, 1, 3], [6, 4, 6]]
    expectClose(run("take", [x, nd([3], [2, 0, 2])], { dim: 1, mode: "vector" }, node([2, 3])), [2, 3], [3, 1, 3, 6, 4, 6]);
    // torch.gather(x, 1, [[0, 0], [2, 1]]) = [[1, 1], [6, 5]]
    expectClose(run("take", [x, nd([2, 2], [0, 0, 2, 1])], { dim: 1, mode: "elementwise" }, node([2, 2])), [2, 2], [1, 1, 6, 5]);
    // index 2 taken twice: its gradient is the sum of both
    expectClose(run("take_grad", [nd([2, 3], [1, 2, 3, 4, 5, 6]), nd([3], [2, 0, 2])], { dim: 1, mode: "vector", size: 3 }), [2, 3], [2, 0, 4, 5, 0, 10]);
    expectClose(run("take_grad", [nd([2, 2], [1, 2, 3, 4]), nd([2, 2], [0, 0, 2, 1])], { dim: 1, mode: "elementwise", size: 3 }), [2, 3], [3, 0, 0, 0, 4, 3]);
    expect(() => run("take", [x, nd([1], [3])], { dim: 1, mode: "vector" }, node([2, 1]))).toThrow(/out of range/);
    // a table's rows, one per sample: table[[2, 0, 2, 1]] of [[1, 2], [3, 4], [5, 6]]
    const table = nd([3, 2], [1, 2, 3, 4, 5, 6]);
    expectClose(run("take", [table, nd([4], [2, 0, 2, 1])], { dim: 0, mode: "vector" }, node([4, 2])), [4, 2], [5, 6, 1, 2, 5, 6, 3, 4]);
  });
});

describe("square matrices (ops/linalg.ts; more in test/matrix-functions.test.ts)", () => {
  it("inverse, log|det| and sign of [[4, 7], [2, 6]] (det 10) and of a swap (det −1); a singular matrix", () => {
    const a = nd([2, 2, 2], [4, 7, 2, 6, 0, 1, 1, 0]);
    expectClose(run("inverse", [a]), [2, 2, 2], [0.6, -0.7, -0.2, 0.4, 0, 1, 1, 0]);
    expectClose(run("logabsdet", [a]), [2], [Math.log(10), 0]);
    expectClose(run("det_sign", [a]), [2], [1, -1]);
    const singular = nd([2, 2], [1, 2, 2, 4]);
    expect(Array.from(run("inverse", [singular]).data).every(Number.isNaN)).toBe(true);
    expect(Array.from(run("logabsdet", [singular]).data)).toEqual([-Infinity]);
    expect(Array.from(run("det_sign", [singular]).data)).toEqual([0]);
  });
  it("qr of [[3, 4], [4, 3]]: LAPACK's factors (numpy.linalg.qr's, R's diagonal −5, −1.4)", () => {
    const a = nd([2, 2], [3, 4, 4, 3]);
    const q = run("qr", [a], { factor: "q" });
    const r = run("qr", [a], { factor: "r" });
    expectClose(r, [2, 2], [-5, -4.8, 0, -1.4]);
    expectClose(q, [2, 2], [-0.6, -0.8, -0.8, 0.6]);
  });
});

// withHigherDerivatives (compiler/ops/elementwise.ts): <op>_gradK(h, x) is h times the derivative of
// <op>_grad(K−1)(1, x), checked against central differences of that op's own reference (step 1e-5,
// tolerance 1e-6 relative), at points inside every op's domain
describe("higher derivatives of the pointwise ops", () => {
  const higher = [...ops.keys()].filter((n) => /_grad\d$/.test(n));
  for (const op of higher)
    for (const approximate of op.startsWith("gelu") ? ["none", "tanh"] : ["none"])
      it(`${op}${approximate === "tanh" ? " (tanh)" : ""}`, () => {
        const k = Number(op.slice(-1));
        const base = op.slice(0, -"_gradK".length);
        const before = k === 2 ? `${base}_grad` : `${base}_grad${k - 1}`;
        const attrs = { approximate, exponent: 3.5, n: 1 };
        const xs = base === "acosh" ? [1.3, 1.55, 1.8] : [0.2, 0.45, 0.7];
        const got = run(op, [nd([3], [2, 2, 2]), nd([3], xs)], attrs).data;
        const h = 1e-5;
        const at = (d: number) => run(before, [nd([3], [1, 1, 1]), nd([3], xs.map((x) => x + d))], attrs).data;
        const [up, down] = [at(h), at(-h)];
        xs.forEach((_, i) => {
          const want = (2 * (up[i] - down[i])) / (2 * h);
          expect(Math.abs(got[i] - want), `${op} at ${xs[i]}: ${got[i]} vs ${want}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want)));
        });
      });
});

describe("coverage", () => {
  it("every op's reference semantics is tested above", () => {
    expect([...ops.keys()].filter((n) => !covered.has(n))).toEqual([]);
  });
});
