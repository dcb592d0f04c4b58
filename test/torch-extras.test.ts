// torch functions made of a few of tsdp's ops (compiler/1-frontend/torch-extras.ts), each against
// its PyTorch definition written out here: dot, mv, inner, trace, dist, the stacks, rot90,
// tensor_split, diag_embed, sinc, logaddexp2, logspace, the other names (arccos, absolute, …), the
// method forms, and torch.special's. Float64 reference, tolerance 1e-12.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { generate } from "../compiler/pipeline.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { diagnosticsOf, header, lowerSource, writeFiles } from "./helpers.ts";

const xs = [0.5, -1.5, 2, 0, 3, -0.25];

function outputs(body: string): number[][] {
  const { graph } = lowerSource(`${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 6]>) {\n    ${body}\n  }\n}\n`);
  return runReference(graph, { x: nd([1, 6], xs) }, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
}
const first = (body: string) => diagnosticsOf(`${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 6]>) {\n    ${body}\n  }\n}\n`).map((d) => d.message)[0];
const close = (got: number[], want: number[]) => {
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));
};

describe("torch functions of a few ops", () => {
  it("dot, vdot, mv, inner, trace and dist, on constants and on a sample", () => {
    const [dot, vdot, mv, inner, trace, dist, rows] = outputs(
      "const a = F.tensor([1.0, 2, 3]), b = F.tensor([4.0, -5, 6]); const m = F.tensor([[1.0, 2, 3], [4, 5, 6]]); const z = x.mul(0).sum(1, true);\n    " +
        "return [z.add(F.dot(a, b)), z.add(a.vdot(b)), z.add(F.mv(m, a)), z.add(F.inner(m, m).flatten()), z.add(m.narrow(1, 0, 2).trace()), z.add(F.dist(a, b, 1)), F.inner(x.view(-1, 2, 3), m).flatten(1)];",
    );
    expect(dot).toEqual([12]);
    expect(vdot).toEqual([12]);
    expect(mv).toEqual([14, 32]);
    expect(inner).toEqual([14, 32, 32, 77]);
    expect(trace).toEqual([6]);
    expect(dist).toEqual([3 + 7 + 3]);
    // x as [[0.5, −1.5, 2], [0, 3, −0.25]] against m's rows
    const r = [[0.5, -1.5, 2], [0, 3, -0.25]];
    close(rows, r.flatMap((row) => [[1, 2, 3], [4, 5, 6]].map((mr) => row.reduce((a, v, i) => a + v * mr[i], 0))));
  });

  it("hstack, vstack, row_stack, dstack and column_stack are cats after PyTorch's rank rules", () => {
    const [h, v, d, col] = outputs(
      "const a = F.tensor([1, 2]), b = F.tensor([3, 4]); const z = x.mul(0).sum(1, true);\n    return [z.add(F.hstack([a, b])), z.add(F.vstack([a, b]).flatten()), z.add(F.dstack([a, b]).flatten()), z.add(F.columnStack([a, b]).flatten())];",
    );
    expect(h).toEqual([1, 2, 3, 4]);
    expect(v).toEqual([1, 2, 3, 4]);
    // [1, 2, 2]: (1, 3), (2, 4)
    expect(d).toEqual([1, 3, 2, 4]);
    expect(col).toEqual([1, 3, 2, 4]);
    const [hx] = outputs("return F.hstack([x, x.mul(2)]);");
    expect(hx).toEqual([...xs, ...xs.map((v) => 2 * v)]);
  });

  it("rot90 turns from the first dim towards the second, k any integer; tensor_split, diag_embed", () => {
    // the sample as a 2×3 matrix [[0.5, −1.5, 2], [0, 3, −0.25]]
    const [r1, r2, r3, r4, parts0, parts1, diag] = outputs(
      "const m = x.view(-1, 2, 3);\n    const [p, q] = F.tensorSplit(x, 2, 1); const [s, t, u] = x.tensorSplit([1, 4], 1);\n    return [F.rot90(m, 1, [1, 2]).flatten(1), m.rot90(2, [1, 2]).flatten(1), F.rot90(m, -1, [1, 2]).flatten(1), F.rot90(m, 4, [1, 2]).flatten(1), F.cat([q, p], 1), F.cat([u, t, s], 1), F.diagEmbed(x.narrow(1, 0, 2)).flatten(1)];",
    );
    expect(r1).toEqual([2, -0.25, -1.5, 3, 0.5, 0]); // numpy.rot90: [[2, −0.25], [−1.5, 3], [0.5, 0]]
    expect(r2).toEqual([-0.25, 3, 0, 2, -1.5, 0.5]);
    expect(r3).toEqual([0, 0.5, 3, -1.5, -0.25, 2]);
    expect(r4).toEqual(xs);
    expect(parts0).toEqual([0, 3, -0.25, 0.5, -1.5, 2]);
    expect(parts1).toEqual([3, -0.25, -1.5, 2, 0, 0.5]);
    expect(diag).toEqual([0.5, 0, 0, -1.5]);
    expect(first("return F.tensorSplit(x, 7, 1)[0];")).toMatch(/part 6 of dim 1 \(size 6\) would be empty/);
  });

  it("sinc (1 at 0), logaddexp2, logspace, and the other names of functions tsdp has", () => {
    const [sinc, method, l2, space, arccos, absolute, negative, divided, deg] = outputs(
      "return [F.sinc(x), x.sinc(), F.logaddexp2(x, x.flip(1)), x.mul(0).add(F.logspace(0, 2, 6)), F.arccos(x.clamp(-1, 1)), F.absolute(x), x.negative(), F.trueDivide(x, 2), F.deg2rad(F.rad2deg(x))];",
    );
    const s = (v: number) => (v === 0 ? 1 : Math.sin(Math.PI * v) / (Math.PI * v));
    close(sinc, xs.map(s));
    close(method, sinc);
    const rev = [...xs].reverse();
    close(l2, xs.map((v, i) => Math.log2(2 ** v + 2 ** rev[i])));
    // float32, as torch.logspace's default dtype
    close(space, [0, 0.4, 0.8, 1.2, 1.6, 2].map((e) => Math.fround(10 ** e)));
    close(arccos, xs.map((v) => Math.acos(Math.max(-1, Math.min(1, v)))));
    expect(absolute).toEqual(xs.map(Math.abs));
    expect(negative).toEqual(xs.map((v) => -v));
    expect(divided).toEqual(xs.map((v) => v / 2));
    close(deg, xs);
    // torch.sgn of a real tensor is sign; the NumPy-compatible names, as functions and methods
    const y = "x.flip(1)";
    const pairs: [string, string][] = [
      [`F.sgn(x)`, `F.sign(x)`],
      [`x.sgn()`, `x.sign()`],
      [`F.multiply(x, ${y})`, `x.mul(${y})`],
      [`x.subtract(${y}, { alpha: 2 })`, `x.sub(${y}, { alpha: 2 })`],
      [`F.divide(x, 3, { roundingMode: "floor" })`, `x.div(3, { roundingMode: "floor" })`],
      [`x.greater(0.25)`, `x.gt(0.25)`],
      [`F.greaterEqual(x, 0)`, `x.ge(0)`],
      [`x.less(${y})`, `x.lt(${y})`],
      [`F.lessEqual(x, 0)`, `x.le(0)`],
      [`x.notEqual(0)`, `x.ne(0)`],
      [`F.concat([x, ${y}], 1)`, `F.cat([x, ${y}], 1)`],
      [`F.concatenate([x, x], 1)`, `F.cat([x, x], 1)`],
      [`x.view(-1, 2, 3).moveaxis(1, 2).flatten(1)`, `x.view(-1, 2, 3).movedim(1, 2).flatten(1)`],
    ];
    for (const [alias, canonical] of pairs) expect(outputs(`return [${alias}];`)[0], alias).toEqual(outputs(`return [${canonical}];`)[0]);
  });

  it("F.normalize with any p ≥ 1 and Infinity divides by max(‖x‖ₚ, eps); p < 1 is refused", () => {
    const [p3, pinf, zero] = outputs("return [F.normalize(x, { p: 3, dim: 1 }), F.normalize(x, { p: Infinity, dim: 1 }), F.normalize(x.mul(0), { p: 3, dim: 1 })];");
    const n3 = Math.cbrt(xs.reduce((a, v) => a + Math.abs(v) ** 3, 0));
    close(p3, xs.map((v) => v / n3));
    close(pinf, xs.map((v) => v / 3));
    expect(zero.map(Math.abs)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(first("return F.normalize(x, { p: 0.5 });")).toMatch(/F\.normalize: p must be a number ≥ 1 \(Infinity included\), got the number 0\.5/);
  });

  it("avg_pool2d's divisorOverride divides each window's sum, padding and ceil mode's partial windows included", () => {
    const { graph } = lowerSource(`${header}export class M extends nn.Module {\n  p = new nn.AvgPool2d(2, { stride: 2, padding: 1, divisorOverride: 3 });\n  forward(x: Tensor<[Batch, 1, 3, 3]>) {\n    return [this.p(x), F.avgPool2d(x, 2, 1, 0, false, true, 2), F.avgPool2d(x, 2, 2, 0, true, true, 1)];\n  }\n}\n`);
    const outs = runReference(graph, { x: nd([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]) }, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
    close(outs[0], [1 / 3, 5 / 3, 11 / 3, 28 / 3]);
    expect(outs[1]).toEqual([6, 8, 12, 14]);
    expect(outs[2]).toEqual([12, 9, 15, 9]);
  });

  it("F.linear with a 1-D weight is x·w over the last dim (PyTorch allows it); a 3-D weight is refused", () => {
    const [plain, biased] = outputs("const w = F.tensor([1, 0, -1, 2, 0.5, 1]); return [F.linear(x, w).unsqueeze(1), F.linear(x.view(-1, 2, 3), w.narrow(0, 0, 3), F.tensor(1))];");
    expect(plain).toEqual([0.5 - 2 + 0 + 1.5 - 0.25]);
    expect(biased).toEqual([0.5 - 2 + 1, 0 + 0.25 + 1]);
    expect(first("return F.linear(x, F.ones(1, 6, 2));")).toMatch(/F\.linear: weight must be 2-D \[out, in\] \(or 1-D \[in\]\), got \[1, 6, 2\]/);
  });

  it("torch.fft.fftshift and ifftshift roll by ⌊n/2⌋ along the dims given, inverse of each other; without dims the batch is refused", () => {
    const [shifted, back, odd] = outputs("const m = x.view(-1, 2, 3); return [F.fft.fftshift(m, { dim: [1, 2] }).flatten(1), F.fft.ifftshift(F.fft.fftshift(m, [1, 2]), [1, 2]).flatten(1), F.fft.ifftshift(x, 1)];");
    // [[0.5, −1.5, 2], [0, 3, −0.25]] rolled by 1 and 1: [[−0.25, 0, 3], [2, 0.5, −1.5]]
    expect(shifted).toEqual([-0.25, 0, 3, 2, 0.5, -1.5]);
    expect(back).toEqual(xs);
    // n = 6: a roll by −3
    expect(odd).toEqual([...xs.slice(3), ...xs.slice(0, 3)]);
    expect(first("return F.fft.fftshift(x);")).toMatch(/F\.fft\.fftshift: dim 0 of \[Batch, 6\] is the batch, split across devices; give the dims to shift/);
  });

  it("torch.special: expit, ndtr, entr and the names of tsdp's functions", () => {
    const [expit, ndtr, entr, erf] = outputs("return [F.special.expit(x), F.special.ndtr(x), F.special.entr(x), F.special.erf(x)];");
    close(expit, xs.map((v) => 1 / (1 + Math.exp(-v))));
    const erfOf = (v: number) => {
      // Abramowitz–Stegun 7.1.26 is too coarse at 1e-12: the series Σ (−1)ⁿ x²ⁿ⁺¹ / (n!(2n + 1)) · 2/√π
      let sum = 0;
      let term = v;
      for (let n = 0; n < 80; n++) {
        sum += term / (2 * n + 1);
        term *= (-v * v) / (n + 1);
      }
      return (2 / Math.sqrt(Math.PI)) * sum;
    };
    close(ndtr, xs.map((v) => (1 + erfOf(v / Math.SQRT2)) / 2));
    expect(entr.map((v, i) => (xs[i] < 0 ? v : Number(v.toFixed(12))))).toEqual(xs.map((v) => (v < 0 ? -Infinity : v === 0 ? 0 : Number((-v * Math.log(v)).toFixed(12)))));
    close(erf, xs.map(erfOf));
  });

  it("torch.special.entr's gradient is PyTorch's −(1 + ln x) everywhere: ∞ at 0, NaN below 0 (not a select's 0)", () => {
    const src = `${header}export class M extends nn.Module {
  t = new nn.Parameter(F.tensor([0.5, -1.5, 2, 0, 3, -0.25, Infinity]));
  forward(x: Tensor<[Batch, 1]>) {
    return F.special.entr(this.t).mul(x);
  }
}
export const training = new Training(M, { loss: (o: Tensor, y: Tensor<[Batch, 7]>) => o.mul(y).sum(), optimizer: new optim.SGD({ lr: 0.1 }) });
`;
    const { graph } = lowerSource(src);
    const { graph: step, gradients } = differentiate(graph);
    const r = runReference(step, { x: nd([1, 1], [1]), target: nd([1, 7], [1, 1, 1, 1, 1, 1, 1]) }, initState(graph, 0), { training: true, step: 0 });
    const want = [0.5, -1.5, 2, 0, 3, -0.25, Infinity].map((v) => -(1 + Math.log(v)));
    expect([want[1], want[3], want[5], want[6]]).toEqual([NaN, Infinity, NaN, -Infinity]);
    Array.from(r.values.get(gradients.get("t")!)!.data).forEach((g, i) => (Number.isFinite(want[i]) ? expect(g).toBeCloseTo(want[i], 12) : expect(g).toBe(want[i])));
  });

  it("kthvalue, quantile (each interpolation, NaN rows), aminmax, fliplr/flipud, hsplit/vsplit/dsplit, and x.std(false) (the legacy unbiased overload)", () => {
    // xs = [0.5, −1.5, 2, 0, 3, −0.25]: sorted −1.5, −0.25, 0, 0.5, 2, 3
    const [kth, kthAt, q, qs, lower, higher, nearest, midpoint, min, max, lr, h0, std, nan] = outputs(
      "const k = x.kthvalue(3, 1, true); const mm = F.aminmax(x, { dim: 1, keepdim: true }); const [h0] = F.hsplit(x.view(-1, 2, 3), 2);\n    " +
        "return [k.values, k.indices.float(), x.quantile(0.3, 1, true), F.quantile(x, [0, 0.5, 1], 1).t(), x.quantile(0.3, 1, true, 'lower'), x.quantile(0.3, 1, true, 'higher'), x.quantile(0.5, 1, true, 'nearest'), x.quantile(0.3, 1, true, 'midpoint'), mm.min, mm.max, F.fliplr(x.view(-1, 2, 3)).flatten(1), h0.flatten(1), x.mul(0).sum(1, true).add(F.tensor([1.0, 2, 3, 4]).std(false)), x.log().quantile(0.5, 1, true)];",
    );
    expect(kth).toEqual([0]);
    expect(kthAt).toEqual([3]);
    // rank 0.3·5 = 1.5: −0.25 + 0.5·(0 − −0.25) (PyTorch's lerp); [0, ½, 1]: −1.5, (0 + 0.5)/2, 3
    close(q, [-0.125]);
    close(qs, [-1.5, 0.25, 3]);
    expect([lower, higher, midpoint]).toEqual([[-0.25], [0], [-0.125]]);
    // rank 2.5 rounds half to even: 2 → 0
    expect(nearest).toEqual([0]);
    expect([min, max]).toEqual([[-1.5], [3]]);
    expect(lr).toEqual([0, 3, -0.25, 0.5, -1.5, 2].map((v, i) => [0.5, -1.5, 2, 0, 3, -0.25][[3, 4, 5, 0, 1, 2][i]]));
    expect(h0).toEqual([0.5, -1.5, 2]);
    // the population std of 1, 2, 3, 4: √1.25 (std(true) would be √(5/3))
    close(std, [Math.sqrt(1.25)]);
    // log of negatives is NaN: the quantile of a row holding one is NaN, as PyTorch's
    expect(Number.isNaN(nan[0])).toBe(true);
    expect(first("return F.hsplit(x, 4);")).toMatch(/F\.hsplit splits dim 1 of size 6 into 4 equal sections, which it does not divide/);
    expect(first("return x.quantile(1.5, 1);")).toMatch(/q values must be in the range \[0, 1\]/);
  });

  it("mode: of the most frequent values the smallest, at its last index (torch.mode's documented example), float and int32, and its gradient to that element alone", () => {
    // torch.mode(b, 0) of PyTorch's example b (5 × 7): values [0, 2, 0, 0, 0, 0, 2], indices [1, 3, 4, 4, 2, 4, 4]
    // (column 0 holds 0 and 2 twice each: 0, at its last index 1)
    const b = [[0, 0, 0, 2, 0, 0, 2], [0, 3, 0, 0, 2, 0, 1], [2, 2, 2, 0, 0, 0, 3], [2, 2, 3, 0, 1, 1, 0], [1, 1, 0, 0, 2, 0, 2]].flat();
    const src = `${header}export class M extends nn.Module {
  forward(x: Tensor<[Batch, 5, 7]>, ids: Tensor<[Batch, 5, 7], "int32">) {
    const m = x.mode(1);
    const [v, i] = F.mode(ids, -2, true);
    return [m.values, m.indices.float(), v.float(), i.float(), x.transpose(1, 2).mode().indices.float()];
  }
}
`;
    const { graph } = lowerSource(src);
    const out = runReference(graph, { x: nd([1, 5, 7], b), ids: nd([1, 5, 7], Int32Array.from(b)) }, initState(graph, 0)).outputs;
    const [values, indices, intValues, intIndices, lastDim] = out.map((o) => Array.from(o.data));
    expect([values, indices]).toEqual([[0, 2, 0, 0, 0, 0, 2], [1, 3, 4, 4, 2, 4, 4]]);
    expect([intValues, intIndices, out[3].shape]).toEqual([[0, 2, 0, 0, 0, 0, 2], [1, 3, 4, 4, 2, 4, 4], [1, 1, 7]]);
    expect(lastDim).toEqual([1, 3, 4, 4, 2, 4, 4]);
    expect(first("return x.mode(0).values;")).toMatch(/mode: cannot sort along the batch dim/);
    // NaN equals nothing, so a slice with a number in it has its mode among the numbers: x·0 of xs is
    // 0 (thrice, the last at 4) where xs is not negative, NaN (log's) where it is; an all-NaN slice
    // gives NaN at index 0 (its stand-in for the others was the slice's NaN largest value: index −1)
    const [nanValue, nanIndex, allNanValue, allNanIndex] = outputs("const a = x.log().mul(0).mode(-1); const b = x.sub(x).div(x.sub(x)).mode(-1, true); return [a.values, a.indices.float(), b.values, b.indices.float()];");
    expect([nanValue, nanIndex, allNanValue, allNanIndex]).toEqual([[0], [4], [NaN], [0]]);
    // the gradient: 1 to the element at the returned index, 0 to its equals (value_selecting_reduction_backward)
    const train = `${header}export class M extends nn.Module {
  t = new nn.Parameter(F.tensor([3.0, 1, 3, 2, 1]));
  forward(x: Tensor<[Batch, 1]>) {
    return x.mul(this.t.mode(0).values);
  }
}
export const training = new Training(M, { loss: (o: Tensor, y: Tensor<[Batch, 1]>) => o.mul(y).sum(), optimizer: new optim.SGD({ lr: 0.1 }) });
`;
    const lowered = lowerSource(train).graph;
    const { graph: step, gradients } = differentiate(lowered);
    const r = runReference(step, { x: nd([1, 1], [1]), target: nd([1, 1], [1]) }, initState(lowered, 0), { training: true, step: 0 });
    expect(Array.from(r.outputs[0].data)).toEqual([1]);
    expect(Array.from(r.values.get(gradients.get("t")!)!.data)).toEqual([0, 0, 0, 0, 1]);
  });

  it("isin: each element against every test element (a tensor of any shape, or a number), invert, int32 ids against float values; NaN is in nothing", () => {
    // xs = [0.5, −1.5, 2, 0, 3, −0.25]
    const [inList, inverted, number, nan, ids] = outputs(
      "return [x.isin(F.tensor([[3, 0.5], [7, -0.25]])), F.isin(x, F.tensor([2, 0]), { invert: true }), x.isin(-1.5), x.log().isin(F.tensor([NaN, 0])), x.int().isin(F.tensor([0, 2.5, 3])).float()];",
    );
    expect(inList).toEqual([1, 0, 0, 0, 1, 1]);
    expect(inverted).toEqual([1, 1, 0, 0, 1, 1]);
    expect(number).toEqual([0, 1, 0, 0, 0, 0]);
    // log of the negatives is NaN, equal to nothing; log(0.5) and log(2) are not 0
    expect(nan).toEqual([0, 0, 0, 0, 0, 0]);
    // int32 of xs: 0, −1, 2, 0, 3, 0
    expect(ids).toEqual([1, 0, 0, 1, 1, 1]);
    expect(first("return x.isin(x);")).toMatch(/isin: the test elements \[Batch, 6\] hold the batch/);
  });

  it("every F.special function the DSL declares exists (F.special.erfc was declared and silently absent)", () => {
    const dsl = readFileSync(join(import.meta.dirname, "..", "dsl", "index.d.ts"), "utf8");
    const block = dsl.slice(dsl.indexOf("  const special: {"), dsl.indexOf("  };", dsl.indexOf("  const special: {")));
    const names = [...block.matchAll(/\b([a-zA-Z0-9]+)\(/g)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(20);
    expect(outputs(`const fns = [${names.map((n) => `F.special.${n}`).join(", ")}]; return x;`)).toEqual([xs]);
  });

  it("broadcastTensors expands each to the shape they broadcast to, and names the shapes that do not", () => {
    // xs as [[0.5, −1.5, 2], [0, 3, −0.25]] per sample: rows against columns, and a 0-d constant
    const [rows, cols, seven] = outputs("const [a, b, c] = F.broadcastTensors(x.view(-1, 1, 6), x.view(-1, 6, 1), F.tensor(7)); return [a.flatten(1), b.flatten(1), c.flatten(1)];");
    expect(rows).toEqual(Array.from({ length: 6 }, () => xs).flat());
    expect(cols).toEqual(xs.flatMap((v) => Array<number>(6).fill(v)));
    expect(seven).toEqual(Array<number>(36).fill(7));
    expect(first("const [a] = F.broadcastTensors(x, F.ones(4)); return a;")).toMatch(/F\.broadcastTensors: the shapes \[Batch, 6\], \[4\] do not broadcast/);
  });

  it("median() and nanmedian() without a dim share the gradient evenly among the elements equal to the median, as PyTorch's evenly_distribute_backward", () => {
    const src = `${header}export class M extends nn.Module {
  t = new nn.Parameter(F.tensor([1.0, 1, 0, 2, 1, 5]));
  u = new nn.Parameter(F.tensor([3.0, 1, 3, 2, 3]));
  forward(x: Tensor<[Batch, 1]>) {
    return F.cat([x.mul(this.t.median()), x.mul(this.u.nanmedian()), x.mul(this.u.median(0).values)], 1);
  }
}
export const training = new Training(M, { loss: (o: Tensor, y: Tensor<[Batch, 3]>) => o.mul(y).sum(), optimizer: new optim.SGD({ lr: 0.1 }) });
`;
    const { graph } = lowerSource(src);
    const { graph: step, gradients } = differentiate(graph);
    // two samples of x = 1, the loss weighs the columns 1, 10 and 100
    const r = runReference(step, { x: nd([2, 1], [1, 1]), target: nd([2, 3], [1, 10, 100, 1, 10, 100]) }, initState(graph, 0), { training: true, step: 0 });
    expect(Array.from(r.outputs[0].data)).toEqual([1, 3, 3, 1, 3, 3]);
    // t's median 1 is held three times: 2/3 each; u's lower median 3 three times: 20/3 each from
    // nanmedian(), and median(0)'s 200 to the one index it returns
    const grad = (name: string) => Array.from(r.values.get(gradients.get(name)!)!.data);
    close(grad("t"), [2 / 3, 2 / 3, 0, 0, 2 / 3, 0]);
    const u = grad("u");
    close([u[1], u[3]], [0, 0]);
    close([u[0] + u[2] + u[4]], [20 + 200]);
    expect([u[0], u[2], u[4]].filter((g) => Math.abs(g - 20 / 3) < 1e-9).length).toBe(2);
    // ties at ±∞ share it too, and a NaN median shares it among the NaNs (PyTorch's mask: input.isnan()
    // where the value is NaN); a median of −0 is −0
    const state = initState(graph, 0);
    const run = (t: number[], u: number[]) => {
      state.params.get("t")!.data.set(t);
      state.params.get("u")!.data.set(u);
      const s = runReference(step, { x: nd([1, 1], [1]), target: nd([1, 3], [1, 10, 0]) }, state, { training: true, step: 0 });
      return { out: Array.from(s.outputs[0].data), t: Array.from(s.values.get(gradients.get("t")!)!.data), u: Array.from(s.values.get(gradients.get("u")!)!.data) };
    };
    const inf = run([Infinity, Infinity, Infinity, Infinity, 1, -Infinity], [NaN, 1, NaN, 2, 3]);
    expect(inf.out.slice(0, 2)).toEqual([Infinity, 2]);
    close(inf.t, [1 / 4, 1 / 4, 1 / 4, 1 / 4, 0, 0]);
    // u: nanmedian() leaves the NaNs out: the lower median of 1, 2, 3 is 2
    close(inf.u, [0, 0, 0, 10, 0]);
    const nan = run([NaN, 1, NaN, 2, 3, 4], [-Infinity, -Infinity, -Infinity, 1, 2]);
    expect([Number.isNaN(nan.out[0]), nan.out[1]]).toEqual([true, -Infinity]);
    close(nan.t, [0.5, 0, 0.5, 0, 0, 0]);
    close(nan.u, [10 / 3, 10 / 3, 10 / 3, 0, 0]);
    const zero = run([-0, -0, -0, 1, 2, 3], [1, 2, 3, 4, 5]);
    expect(Object.is(zero.out[0], -0)).toBe(true);
    // a median at float32's lowest finite value: its two ties, not the fill beside them
    const lowest = -3.4028234663852886e38;
    close(run([lowest, lowest, lowest, 1, 2, 3], [1, 2, 3, 4, 5]).t, [1 / 3, 1 / 3, 1 / 3, 0, 0, 0]);
  });

  it("−0.0 keeps its sign: F.pad's value, a buffer's fill in the generated code", () => {
    const [padded] = outputs('return F.pad(x, [1, 1], "constant", -0.0);');
    expect(padded.map((v) => Object.is(v, -0))).toEqual([true, false, false, false, false, false, false, true]);
    const dir = writeFiles({ "model.ts": `${header}export class M extends nn.Module {\n  constructor() {\n    super();\n    this.registerBuffer("b", F.tensor([-0.0, -0.0]));\n  }\n  forward(x: Tensor<[Batch, 2]>) {\n    return x.div(this.b);\n  }\n}\n` });
    expect(generate(join(dir, "model.ts"), { target: "cpu" }).generated.cu).toMatch(/\.init = TSDP_INIT_CONSTANT, \.a = -0\.0,/);
  });

  it("nanmedian and nanquantile leave NaNs out: the lower median, and the rank q·(count − 1) among the values that are not NaN", () => {
    // x.log(): NaN at −1.5, −0.25 (and −∞ at 0): the values left are ln 0.5, ln 2, −∞, ln 3
    const [median, at, q, all] = outputs("const y = x.log();\n    const m = y.nanmedian(1, true);\n    return [m.values, m.indices.float(), F.nanquantile(y, 0.5, 1, { keepdim: true }), x.abs().add(1).neg().log().nanmedian(1, true).values];");
    // sorted −∞, ln 0.5, ln 2, ln 3: the lower median ln 0.5 (index 0 of x); quantile ½ at rank 1.5: (ln 0.5 + ln 2)/2 = 0
    close(median, [Math.log(0.5)]);
    expect(at).toEqual([0]);
    close(q, [0]);
    expect(Number.isNaN(all[0])).toBe(true);
  });
});
