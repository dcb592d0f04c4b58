// PyTorch's gradients at the points where a function has no derivative, or where a composite's
// pieces would disagree with PyTorch's own backward: softplus at 0 (σ(0) = ½, not relu's 0), the
// hinge losses at their margin (clamp_min passes it), max/min along a dim with ties (to the index
// returned only), a full max that is NaN (to the NaNs), std of a constant row (0, not NaN), xlogy
// (∂/∂x = log y), x⁰ at 0, |x| at NaN, F.normalize at ‖x‖ = eps. Each against the value derived
// by hand from PyTorch's derivatives.yaml (or its loss kernels), float64 reference, exact or 1e-12.
import { describe, expect, it } from "vitest";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { GraphBuilder } from "../compiler/ir/builder.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** ∂(Σ w·out)/∂x of the model's first output, w = 1, 2, 3, … over its elements. */
function gradient(forward: string, xs: number[], input = `x: Tensor<[Batch, ${xs.length}]>`): number[] {
  const { graph } = lowerSource(`${header}export class M extends nn.Module {\n  forward(${input}) {\n    ${forward}\n  }\n}\n`);
  const out = graph.outputs[0];
  const b = GraphBuilder.extending(graph);
  const n = out.shape.reduce((p: number, d) => p * (typeof d === "number" ? d : 1), 1);
  const w = b.add("literal", [], { shape: out.shape.map((d) => (typeof d === "number" ? d : 1)), values: Array.from({ length: n }, (_, i) => i + 1) }, out.loc, "", "w");
  const loss = b.add("sum", [b.add("mul", [out, w], {}, out.loc, "", "mul")], { dims: null, keepdim: false }, out.loc, "", "sum");
  const { graph: step, gradients } = differentiate(b.finish(graph.name, graph.outputs), { wrt: graph.inputs, loss, builder: b });
  const shape = [1, ...graph.inputs[0].shape.slice(1).map((d) => d as number)];
  const r = runReference(step, { x: nd(shape, xs) }, initState(graph, 0), { training: true });
  return Array.from(r.values.get(gradients.get("x")!)!.data);
}

describe("PyTorch's gradient conventions", () => {
  it("softplus at 0 is σ(0) = ½ (and logaddexp at a tie ½ each); the soft-margin losses through it", () => {
    expect(gradient("return F.softplus(x);", [0, -1, 2])).toEqual([0.5, 2 * sigmoid(-1), 3 * sigmoid(2)].map((v) => expect.closeTo(v, 12)));
    expect(gradient("return F.logaddexp(x, x.mul(0));", [0, 1])).toEqual([0.5, 2 * sigmoid(1)].map((v) => expect.closeTo(v, 12)));
    // infinities, as PyTorch's: softplus(−∞) = 0 with gradient 0; logaddexp of −∞ and y is y, of equal infinities that infinity
    expect(gradient("return F.softplus(x);", [-Infinity, Infinity])).toEqual([0, 2]);
    expect(gradient("return F.logaddexp(x, F.zerosLike(x));", [-Infinity, 3])).toEqual([0, 2 * sigmoid(3)].map((v) => expect.closeTo(v, 12)));
    const values = (body: string, xs: number[]) => Array.from(runReference(lowerSource(`${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, ${xs.length}]>) {\n    ${body}\n  }\n}\n`).graph, { x: nd([1, xs.length], xs) }, { params: new Map(), buffers: new Map() }).outputs[0].data);
    expect(values("return [F.logaddexp(x, x), F.softplus(x)];", [-Infinity, Infinity, 0.5])).toEqual([-Infinity, Infinity, expect.closeTo(0.5 + Math.LN2, 12)]);
    expect(values("return F.logaddexp(x, x.flip(1));", [-Infinity, 2, Infinity])).toEqual([Infinity, expect.closeTo(2 + Math.LN2, 12), Infinity]);
    expect(values("return F.logaddexp(x, F.zerosLike(x));", [-Infinity, NaN])).toEqual([0, NaN]);
    // soft margin, y = 1: log(1 + e^−x), its gradient −σ(−x), −½ at x = 0
    expect(gradient("return F.softMarginLoss(x, F.onesLike(x), { reduction: 'none' });", [0, 0])).toEqual([-0.5, -1]);
  });

  it("softplus with a negative β is PyTorch's (1/β)·log(1 + e^(βx)), x where βx > threshold, gradient σ(βx); β = 0 refused", () => {
    // PyTorch's softplus_kernel: (x·β) > threshold ? x : log1p(exp(x·β)) / β, no sign check on β;
    // softplus_backward: σ(x·β) below the threshold, 1 above. β = −2, threshold 1, x = (−1, 0.5, 0, 3): βx = (2, −1, 0, −6)
    const xs = [-1, 0.5, 0, 3];
    const expected = [-1, ...[-1, 0, -6].map((z) => Math.log1p(Math.exp(z)) / -2)];
    const forward = (body: string) => Array.from(runReference(lowerSource(`${header}export class M extends nn.Module {\n  sp = new nn.Softplus({ beta: -2, threshold: 1 });\n  forward(x: Tensor<[Batch, 4]>) {\n    ${body}\n  }\n}\n`).graph, { x: nd([1, 4], xs) }, { params: new Map(), buffers: new Map() }).outputs[0].data);
    expect(forward("return F.softplus(x, -2, 1);")).toEqual(expected.map((v) => expect.closeTo(v, 12)));
    expect(forward("return this.sp(x);")).toEqual(expected.map((v) => expect.closeTo(v, 12)));
    expect(gradient("return F.softplus(x, { beta: -2, threshold: 1 });", xs)).toEqual([1, 2 * sigmoid(-1), 3 * sigmoid(0), 4 * sigmoid(-6)].map((v) => expect.closeTo(v, 12)));
    // β = 0 divides by 0 (PyTorch gives ∞ for every x): refused where it is written
    expect(diagnosticsOf(`${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 4]>) {\n    return F.softplus(x, 0);\n  }\n}\n`).map((d) => d.code)).toEqual(["TSDP3004"]);
  });

  it("attention with a query whose every key is masked passes a gradient of 0 through that row, not NaN (PyTorch's _safe_softmax)", () => {
    const g = gradient("const q = x.view(-1, 3, 2); const keep = F.ones(3, 3, { dtype: F.bool }).tril().logicalAnd(F.arange(3).view(3, 1).gt(0));\n    return F.scaledDotProductAttention(q, q, q, { attnMask: keep }).flatten(1);", [0.5, -1, 2, 0.25, -0.5, 1.5]);
    expect(g.every(Number.isFinite)).toBe(true);
    // query 1 attends to keys 0 and 1, query 2 to all three: x's gradient is not all 0
    expect(g.some((v) => v !== 0)).toBe(true);
  });

  it("a hinge at its margin passes the gradient (clamp_min), as PyTorch's margin ranking and hinge embedding losses", () => {
    // max(0, −y·(x1 − x2) + 0) with x2 = 0, y = 1: −x, whose gradient −1 passes at x = 0
    expect(gradient("return F.marginRankingLoss(x, x.mul(0), F.onesLike(x), { reduction: 'none' });", [0, 1, -1])).toEqual([-1, 0, -3]);
    // y = −1: max(0, margin − x), margin 1: at x = 1 the gradient −1 passes
    expect(gradient("return F.hingeEmbeddingLoss(x, F.onesLike(x).neg(), { reduction: 'none' });", [1, 0.5, 2])).toEqual([-1, -2, 0]);
  });

  it("max and min along a dim send each value's gradient to the index they return (the first of ties), NaN first", () => {
    expect(gradient("return x.max(1, true).values;", [3, 1, 3, 3])).toEqual([1, 0, 0, 0]);
    expect(gradient("return x.min(1).values.unsqueeze(1);", [0, 0, 5])).toEqual([1, 0, 0]);
    expect(gradient("return F.max(x, 1)[0].unsqueeze(1);", [1, NaN, 7])).toEqual([0, 1, 0]);
    // the full reduction (and amax) still shares among ties, as PyTorch's; a NaN maximum goes to the NaNs
    expect(gradient("return x.max().view(1, 1).add(x.narrow(1, 0, 1).mul(0));", [3, 1, 3, 3])).toEqual([1 / 3, 0, 1 / 3, 1 / 3]);
    expect(gradient("return x.max().view(1, 1).add(x.narrow(1, 0, 1).mul(0));", [3, NaN, 3, 0])).toEqual([0, 1, 0, 0]);
    expect(gradient("return x.min().view(1, 1).add(x.narrow(1, 0, 1).mul(0));", [NaN, 1, NaN, 0])).toEqual([0.5, 0, 0.5, 0]);
  });

  it("amax and amin share among ties, and a row whose maximum is NaN has gradient NaN, as PyTorch's amax (not max()'s, which goes to the NaNs)", () => {
    // derivatives.yaml amax/amin: scale_grad_by_count(grad, result == self, dim) = grad / Σ mask · mask;
    // NaN == NaN is false, so a NaN row's mask is all 0 and its gradient 0/0 · 0 = NaN everywhere
    expect(gradient("return x.amax(1, true);", [3, 1, 3, 3])).toEqual([1 / 3, 0, 1 / 3, 1 / 3]);
    expect(gradient("return x.amax(1, true);", [3, NaN, 3, 0])).toEqual([NaN, NaN, NaN, NaN]);
    expect(gradient("return x.amin(1, true);", [0, NaN, 5, 0])).toEqual([NaN, NaN, NaN, NaN]);
    expect(gradient("return x.amin(1, true);", [0, 2, 5, 0])).toEqual([0.5, 0, 0, 0.5]);
    // every dim: the same
    expect(gradient("return x.amax().view(1, 1).add(x.narrow(1, 0, 1).mul(0));", [3, NaN, 3, 0])).toEqual([NaN, NaN, NaN, NaN]);
  });

  it("std of a constant row has gradient 0; xlogy's ∂/∂x is log y; x⁰ has 0; |x| at NaN has 0; normalize at ‖x‖ = eps passes it", () => {
    expect(gradient("return x.std(1, true);", [2, 2, 2, 2])).toEqual([0, 0, 0, 0]);
    // xlogy(x, y) with y = (2, 3, 0.5) and x = 0: log y; at x = 0, y ≤ 0: 0
    expect(gradient("return F.xlogy(x, F.tensor([2, 3, 0.5, 0]));", [0, 0, 0, 0])).toEqual([Math.log(2), 2 * Math.log(3), 3 * Math.log(0.5), 0].map((v) => expect.closeTo(v, 12)));
    expect(gradient("return x.pow(0);", [0, 2])).toEqual([0, 0]);
    expect(gradient("return x.abs();", [NaN, -2, 0])).toEqual([0, -2, 0]);
    // ‖(1, 0)‖ = eps = 1: x / max(‖x‖, 1), the max's gradient passes at the tie: ∂(x₀/‖x‖)/∂x₀ = 0 and ∂(x₁/‖x‖)/∂x₀ = 0 at x = (1, 0)
    const g = gradient("return F.normalize(x, { dim: 1, eps: 1 });", [1, 0]);
    expect(g[0]).toBeCloseTo(0, 12);
    expect(g[1]).toBeCloseTo(2, 12);
  });

  it("relu and hardswish select 0 where PyTorch's backward selects: a NaN or ∞ from above stays out of a dead unit (LPIPS's √Σ relu(x)²)", () => {
    // √(Σ relu(x)²) at x ≤ 0 everywhere: d√/d(Σ) is ∞ at 0, times relu′ = 0 — PyTorch's threshold_backward selects 0
    expect(gradient("return F.relu(x).pow(2).sum(1, true).sqrt();", [-1, -2, 0])).toEqual([0, 0, 0]);
    expect(gradient("return F.maxPool1d(F.relu(x).view(-1, 1, 4), 2).pow(2).sum(-1).sqrt().view(-1, 1);", [-1, -2, 0, -3])).toEqual([0, 0, 0, 0]);
    // hardswish below −3 is 0 with gradient 0 (at −3 itself −½, between x/3 + ½), whatever comes from above
    expect(gradient("return F.hardswish(x).pow(2).sum(1, true).sqrt();", [-4, -5])).toEqual([0, 0]);
    expect(gradient("return F.hardswish(x);", [-4, -3, 0, 1.5, 4])).toEqual([0, -1, 1.5, 4 * 1, 5].map((v) => expect.closeTo(v, 12)));
    // where the unit is alive, the gradient passes as before
    expect(gradient("return F.relu(x);", [1, -1, 0, NaN])).toEqual([1, 0, 0, 4]);
  });

  it("scatterReduce's amax and amin share a tie's gradient evenly between x's own element and the src elements tied with it, as PyTorch's scatter_reduce_backward", () => {
    // x's element a reduced with b, c, d sent to it: N_to_distribute = (self == result) + Σ (src == value),
    // each tied element grad/N (torch/csrc/autograd/FunctionsManual.cpp) — a third each here, not a half to a
    const reduce = (kind: string) => `const i = F.tensor([0, 0, 0], { dtype: "int32" }).unsqueeze(0).expand(x.size(0), 3);\n    return x.narrow(1, 0, 1).scatterReduce(1, i, x.narrow(1, 1, 3), "${kind}");`;
    expect(gradient(reduce("amax"), [1, 1, 1, 0.5])).toEqual([1 / 3, 1 / 3, 1 / 3, 0].map((v) => expect.closeTo(v, 12)));
    expect(gradient(reduce("amin"), [-1, 0, -1, -1])).toEqual([1 / 3, 0, 1 / 3, 1 / 3].map((v) => expect.closeTo(v, 12)));
    // a tie of x with one src element: a half each; no tie: all to the extreme
    expect(gradient(reduce("amax"), [2, 0, 2, 1])).toEqual([0.5, 0, 0.5, 0].map((v) => expect.closeTo(v, 12)));
    expect(gradient(reduce("amax"), [0, 3, 1, 2])).toEqual([0, 1, 0, 0]);
  });

  it("adaptive max pooling over uneven windows sends a tie's gradient to the first maximum in row-major order, a NaN's to the last NaN, as PyTorch's kernel", () => {
    // 2×3 → 1×2: the windows along W are [0, 2) and [1, 3); PyTorch scans rows, then columns, with
    // (val > max || isnan(val)), so the first of equal maxima and the last NaN hold the index
    const pool = "return F.adaptiveMaxPool2d(x.view(-1, 1, 2, 3), [1, 2]).flatten(1);";
    // a 2 at (0, 1) and at (1, 0) in window 0: (0, 1) takes w = 1, and window 1's 2 at (0, 1) w = 2
    expect(gradient(pool, [0, 2, 0, 2, 0, 0])).toEqual([0, 3, 0, 0, 0, 0]);
    // NaN at (0, 1) and (1, 0): window 0's index is (1, 0), window 1 has (0, 1) only
    expect(gradient(pool, [0, NaN, 0, NaN, 0, 0])).toEqual([0, 2, 0, 1, 0, 0]);
    // both dims uneven (3×3 → 2×2), every value tied: each window's top-left element
    expect(gradient("return F.adaptiveMaxPool2d(x.view(-1, 1, 3, 3), 2).flatten(1);", Array(9).fill(1))).toEqual([1, 2, 0, 3, 4, 0, 0, 0, 0]);
  });

  it("hardswish's gradient is PyTorch's hardswish_backward's: 1 above 3 (just above too, where x + 3 rounds to 6) and at NaN, x/3 + ½ on [−3, 3], 0 below", () => {
    const justAbove = Math.fround(3.0000002);
    expect(gradient("return F.hardswish(x);", [justAbove, NaN, 3, -3, -5, -Infinity])).toEqual([1, 2, 4.5, -2, 0, 0].map((v) => expect.closeTo(v, 12)));
  });

  it("rrelu at x = 0 has the slope as its gradient (leaky_relu's x > 0 ? 1 : slope), not 1", () => {
    const slope = (1 / 8 + 1 / 3) / 2;
    expect(gradient("return F.rrelu(x);", [0, -1, 1])).toEqual([slope, 2 * slope, 3].map((v) => expect.closeTo(v, 12)));
  });
});
