// The ranking, embedding, soft-margin and likelihood losses of torch.nn (compiler/1-frontend/
// pairwise-losses.ts): values worked out here from PyTorch's formulas in float64 (tolerance 1e-12),
// the modules equal to the functions, gradients against central differences, one as a Training's
// loss, and the refusals.
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const xs = [0.5, -1, 2, 0.25];
const ys = [1, -2, 0.5, 3];
const signs = ys.map(Math.sign);
const model = (body: string, fields = "") => `${header}export class M extends nn.Module {\n  ${fields}\n  forward(x: Tensor<[Batch, 4]>, y: Tensor<[Batch, 4]>) {\n    ${body}\n  }\n}\n`;
const run = (body: string, fields = "") => {
  const { graph } = lowerSource(model(body, fields));
  return runReference(graph, { x: nd([1, 4], xs), y: nd([1, 4], ys) }, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
};
const close = (got: number[], want: number[]) => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(g, `element ${i}`).toBeCloseTo(want[i], 12));
};
const softplus = (z: number) => Math.log1p(Math.exp(z));
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

describe("the ranking, embedding and soft-margin losses", () => {
  it("margin ranking, hinge embedding and soft margin, element by element", () => {
    const [rank, hinge, soft] = run('const s = y.sign();\n    return [F.marginRankingLoss(x, y, s, { margin: 0.1, reduction: "none" }), F.hingeEmbeddingLoss(x, s, { reduction: "none" }), F.softMarginLoss(x, s, { reduction: "none" })];');
    close(rank, xs.map((v, i) => Math.max(0, -signs[i] * (v - ys[i]) + 0.1)));
    close(hinge, xs.map((v, i) => (signs[i] === 1 ? v : Math.max(0, 1 - v))));
    close(soft, xs.map((v, i) => softplus(-signs[i] * v)));
  });

  it("labels other than ±1 (0/1 passed by mistake) take ATen's terms: hinge both, cosine embedding none", () => {
    // y = [0, 2, 1, −1]: hinge embedding is max(0, 1 − x) + x where y is neither; cosine embedding is 0 where y = 0
    const [hinge, cosine] = run(
      'const t = F.tensor([0, 2, 1, -1]).unsqueeze(0).add(x.mul(0));\n    return [F.hingeEmbeddingLoss(x, t, { reduction: "none" }), F.cosineEmbeddingLoss(x, y, t.narrow(1, 0, 1).squeeze(1), { reduction: "none" }).unsqueeze(1)];',
    );
    close(hinge, [Math.max(0, 1 - xs[0]) + xs[0], Math.max(0, 1 - xs[1]) + xs[1], xs[2], Math.max(0, 1 - xs[3])]);
    close(cosine, [0]);
  });

  it("multilabel soft margin (per sample, the classes' mean), cosine embedding and triplet margin", () => {
    const [multi, cosine, triplet, tripletSwap] = run(
      'return [F.multilabelSoftMarginLoss(x, y.gt(0), { reduction: "none" }).unsqueeze(1), F.cosineEmbeddingLoss(x, y, y.sign().narrow(1, 0, 1).squeeze(1), { reduction: "none" }).unsqueeze(1), F.tripletMarginLoss(x, y, y.mul(0.5), { margin: 2, reduction: "none" }).unsqueeze(1), F.tripletMarginLoss(x, y, y.mul(0.5), { margin: 2, swap: true, reduction: "none" }).unsqueeze(1)];',
    );
    close(multi, [mean(xs.map((v, i) => (ys[i] > 0 ? softplus(-v) : softplus(v))))]);
    const dot = xs.reduce((s, v, i) => s + v * ys[i], 0);
    const cos = dot / Math.sqrt((xs.reduce((s, v) => s + v * v, 0) + 1e-12) * (ys.reduce((s, v) => s + v * v, 0) + 1e-12));
    close(cosine, [1 - cos]);
    const d = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i] + 1e-6) ** 2, 0));
    const half = ys.map((v) => v / 2);
    close(triplet, [Math.max(0, d(xs, ys) - d(xs, half) + 2)]);
    close(tripletSwap, [Math.max(0, d(xs, ys) - Math.min(d(xs, half), d(ys, half)) + 2)]);
  });

  it("Poisson NLL (log input, or not; Stirling's term) and Gaussian NLL (var clamped at eps)", () => {
    const [poisson, poissonRaw, gauss, gaussFull] = run(
      'return [F.poissonNllLoss(x, y.abs(), { full: true, reduction: "none" }), F.poissonNllLoss(x.abs(), y.abs(), { logInput: false, reduction: "none" }), F.gaussianNllLoss(x, y, y.abs().mul(0.1).sub(0.05), { reduction: "none" }), F.gaussianNllLoss(x, y, y.abs(), { full: true, reduction: "none" })];',
    );
    const t = ys.map(Math.abs);
    close(poisson, xs.map((v, i) => Math.exp(v) - t[i] * v + (t[i] > 1 ? t[i] * Math.log(t[i]) - t[i] + 0.5 * Math.log(2 * Math.PI * t[i]) : 0)));
    close(poissonRaw, xs.map((v, i) => Math.abs(v) - t[i] * Math.log(Math.abs(v) + 1e-8)));
    const variance = t.map((v) => Math.max(v * 0.1 - 0.05, 1e-6));
    close(gauss, xs.map((v, i) => 0.5 * (Math.log(variance[i]) + (v - ys[i]) ** 2 / variance[i])));
    close(gaussFull, xs.map((v, i) => 0.5 * (Math.log(t[i]) + (v - ys[i]) ** 2 / t[i]) + 0.5 * Math.log(2 * Math.PI)));
  });

  it("Gaussian NLL: a variance far below eps is eps exactly, not eps plus what is left of cancelling it", () => {
    // v + (eps − v) was 0 for v = −1e12 even in float64 (and for v ≤ −100 in float32): log 0, NaN
    const [gauss] = run('return [F.gaussianNllLoss(x, y, y.abs().add(1).mul(-1e12), { reduction: "none" })];');
    close(gauss, xs.map((v, i) => 0.5 * (Math.log(1e-6) + (v - ys[i]) ** 2 / 1e-6)));
  });

  it("the modules equal the functions, reduced by mean (default) or sum", () => {
    const [a, b, c, d] = run(
      "const s = y.sign();\n    return [this.m(x, y, s), F.marginRankingLoss(x, y, s, { margin: 0.2 }), this.g(x, y, y.abs()), F.gaussianNllLoss(x, y, y.abs(), { reduction: 'sum' })].map((t) => t.reshape([1]).add(x.narrow(1, 0, 1).mul(0)));",
      "m = new nn.MarginRankingLoss({ margin: 0.2 }); g = new nn.GaussianNLLLoss({ reduction: 'sum' });",
    );
    expect(a).toEqual(b);
    expect(c).toEqual(d);
  });

  it("gradients against central differences; a soft-margin loss as the Training's loss", () => {
    for (const body of [
      "return F.tripletMarginLoss(x, y, y.flip(1), { reduction: 'none' }).unsqueeze(1).add(F.cosineEmbeddingLoss(x, y, y.sign().narrow(1, 0, 1).squeeze(1), { reduction: 'none' }).unsqueeze(1));",
      "return F.gaussianNllLoss(x, y, y.abs().add(0.5), { reduction: 'none' }).add(F.softMarginLoss(x, y.sign(), { reduction: 'none' })).add(F.multilabelSoftMarginLoss(x, y.gt(0), { reduction: 'none' }).unsqueeze(1));",
    ])
      expect(gradCheck(`export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 4]>, y: Tensor<[Batch, 4]>) {\n    ${body}\n  }\n}`).checked).toBeGreaterThan(0);
    const src = `${header}export class M extends nn.Module { fc = new nn.Linear(4, 4); forward(x: Tensor<[Batch, 4]>) { return this.fc(x); } }
export const training = new Training(M, { loss: new nn.SoftMarginLoss(), optimizer: new optim.SGD({ lr: 0.1 }) });`;
    const { graph } = lowerSource(src);
    const loss = runReference(graph, { x: nd([1, 4], xs), target: nd([1, 4], signs) }, initState(graph, 0)).loss!;
    expect(loss).toBeGreaterThan(0);
  });

  it("triplet margin with a distance function: the caller's (an arrow, a module) or pairwise_distance's, swap by torch.minimum", () => {
    // the batch holds one sample: rows of x, y and y·(−½) as anchor, positive, negative
    const negs = ys.map((v) => -0.5 * v);
    const cosDist = (u: number[], v: number[]) => 1 - u.reduce((a, ui, i) => a + ui * v[i], 0) / Math.max(Math.hypot(...u) * Math.hypot(...v), 1e-8);
    const l2 = (u: number[], v: number[]) => Math.hypot(...u.map((ui, i) => ui - v[i] + 1e-6));
    const [arrow, swapped, byDefault, module] = run(
      "const n = y.mul(-0.5);\n    return [F.tripletMarginWithDistanceLoss(x, y, n, { distanceFunction: (a: Tensor, b: Tensor) => F.cosineSimilarity(a, b).rsub(1), margin: 0.4, reduction: 'none' }), this.swapped(x, y, n), this.plain(x, y, n), this.byModule(x, y, n)];",
      "swapped = new nn.TripletMarginWithDistanceLoss({ distanceFunction: (a: Tensor, b: Tensor) => a.sub(b).abs().sum(-1), margin: 5, swap: true, reduction: 'none' });\n  plain = new nn.TripletMarginWithDistanceLoss({ reduction: 'none' });\n  byModule = new nn.TripletMarginWithDistanceLoss({ distanceFunction: new nn.PairwiseDistance(), reduction: 'none' });",
    );
    close(arrow, [Math.max(cosDist(xs, ys) - cosDist(xs, negs) + 0.4, 0)]);
    const l1 = (u: number[], v: number[]) => u.reduce((a, ui, i) => a + Math.abs(ui - v[i]), 0);
    close(swapped, [Math.max(l1(xs, ys) - Math.min(l1(xs, negs), l1(ys, negs)) + 5, 0)]);
    close(byDefault, [Math.max(l2(xs, ys) - l2(xs, negs) + 1, 0)]);
    close(module, byDefault);
    expect(gradCheck(`export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 4]>, y: Tensor<[Batch, 4]>) {\n    return F.tripletMarginWithDistanceLoss(x, y, y.flip(1), { distanceFunction: (a: Tensor, b: Tensor) => F.cosineSimilarity(a, b).rsub(1), margin: 3, swap: true, reduction: 'none' }).unsqueeze(1);\n  }\n}`).checked).toBeGreaterThan(0);
    const bad = (fields: string, body: string) => diagnosticsOf(model(body, fields)).map((d) => `${d.code} ${d.message}`)[0];
    expect(bad("t = new nn.TripletMarginWithDistanceLoss({ margin: 0 });", "return this.t(x, y, y);")).toMatch(/^TSDP3004 nn\.TripletMarginWithDistanceLoss: margin must be greater than 0/);
    expect(bad("t = new nn.TripletMarginWithDistanceLoss({ distanceFunction: 3 });", "return this.t(x, y, y);")).toMatch(/^TSDP3003 nn\.TripletMarginWithDistanceLoss: distanceFunction is a function of two tensors/);
  });

  it("refuses tensors of different shapes, with where", () => {
    expect(diagnosticsOf(model("return F.marginRankingLoss(x, y.narrow(1, 0, 2), y, { reduction: 'none' });")).map((d) => `${d.code}: ${d.message}`)[0]).toMatch(
      /^TSDP4001: F\.marginRankingLoss expects tensors of one shape, got \[Batch, 4\] and \[Batch, 2\]/,
    );
  });
});
