// More torch functions made of tsdp's ops, each against its PyTorch definition written out here:
// torch.fmax/fmin (NaN-ignoring, derivatives.yaml's gradients), torch.special.xlog1py, ndtri and the
// modified Bessel functions i0, i0e, i1, i1e (ops of their own: their float64 reference against
// integrals computed here; the kernels: test/bessel-target.test.ts),
// slice_scatter/select_scatter/diagonal_scatter, torch.linalg.multi_dot/vecdot/matrix_power, and
// nn.MultiLabelMarginLoss. Values in float64 (the reference interpreter), tolerance 1e-12 relative
// unless stated; gradients by autodiff against central differences (gradcheck.ts) or, at the points
// where a definition decides (ties, NaN), against derivatives.yaml's formula.
import { describe, expect, it } from "vitest";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { GraphBuilder } from "../compiler/ir/builder.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const xs = [0.5, -1.5, 2, 0, 3, -0.25];

/** The outputs of `body` in forward(x: Tensor<[Batch, 6]>) at the one sample xs. */
function outputs(body: string, sample: readonly number[] = xs, fields = ""): number[][] {
  const { graph } = lowerSource(`${header}export class M extends nn.Module {\n${fields}  forward(x: Tensor<[Batch, ${sample.length}]>) {\n    ${body}\n  }\n}\n`);
  return runReference(graph, { x: nd([1, sample.length], [...sample]) }, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
}
const first = (body: string) => diagnosticsOf(`${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 6]>) {\n    ${body}\n  }\n}\n`).map((d) => d.message)[0];

/** `expr` of x: Tensor<[Batch, n]> at one sample: its values and ∂(Σ out)/∂x. */
function at(expr: string, sample: readonly number[]): { y: number[]; dx: number[] } {
  const graph = lowerSource(`${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, ${sample.length}]>) {\n    return ${expr};\n  }\n}\n`).graph;
  const b = GraphBuilder.extending(graph);
  const out = graph.outputs[0];
  const loss = b.add("sum", [out], { dims: null, keepdim: false }, out.loc, "", "sum");
  const forward = b.finish(graph.name, graph.outputs);
  const { graph: step, gradients } = differentiate(forward, { wrt: graph.inputs, loss, builder: b });
  const r = runReference(step, { x: nd([1, sample.length], [...sample]) }, initState(graph, 0), { training: true, seed: 0 });
  return { y: [...r.values.get(out)!.data], dx: [...r.values.get(gradients.get("x")!)!.data] };
}

/** Each value within tol relative (absolute below 1); NaN and ±∞ exactly. */
function close(got: readonly number[], want: readonly number[], tol = 1e-12, what = ""): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((g, i) => {
    if (!Number.isFinite(want[i])) expect(g, `${what}[${i}]`).toBe(want[i]);
    else expect(Math.abs(g - want[i]), `${what}[${i}]: ${g} against ${want[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i])));
  });
}

const model = (inputs: string, body: string, fields = "") => `export class M extends nn.Module {\n${fields}  forward(${inputs}) {\n    ${body}\n  }\n}\n`;

describe("torch.fmax / fmin", () => {
  // torch.fmax: max where neither is NaN, the other where one is, NaN where both are
  const fmax = (a: number, b: number) => (Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b));
  const fmin = (a: number, b: number) => (Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.min(a, b));

  it("take the other operand where one is NaN, NaN only where both are; as F functions and methods, with a tensor of ones", () => {
    // x.log(): NaN at −1.5 and −0.25, −∞ at 0
    const [mx, mn, both, scalar, method] = outputs("const y = x.flip(1).log(); return [F.fmax(x, y), F.fmin(x, y), F.fmax(x.log(), y), x.fmax(F.onesLike(x)), x.log().fmin(y)];");
    const y = [...xs].reverse().map(Math.log);
    close(mx, xs.map((v, i) => fmax(v, y[i])));
    close(mn, xs.map((v, i) => fmin(v, y[i])));
    close(both, xs.map((v, i) => fmax(Math.log(v), y[i])));
    close(scalar, xs.map((v) => fmax(v, 1)));
    close(method, xs.map((v, i) => fmin(Math.log(v), y[i])));
  });

  it("the gradient goes to input where input ≥ other (≤ for fmin) or other is NaN, else to other: a tie's whole gradient to input", () => {
    // a = [1, NaN, 2, 5, NaN], b = [1, 3, NaN, 4, NaN]: a tie, a NaN each side, an order, both NaN
    const sample = [1, NaN, 2, 5, NaN, 1, 3, NaN, 4, NaN];
    const max = at("F.fmax(x.narrow(1, 0, 5), x.narrow(1, 5, 5))", sample);
    close(max.y, [1, 3, 2, 5, NaN]);
    expect(max.dx).toEqual([1, 0, 1, 1, 1, 0, 1, 0, 0, 0]);
    const min = at("F.fmin(x.narrow(1, 0, 5), x.narrow(1, 5, 5))", sample);
    close(min.y, [1, 3, 2, 4, NaN]);
    expect(min.dx).toEqual([1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
  });

  it("gradcheck", () => {
    expect(gradCheck(model("x: Tensor<[Batch, 6]>", "return [F.fmax(x, x.flip(1).mul(0.5)), x.fmin(x.roll(1, 1).mul(-0.7))];")).checked).toBeGreaterThan(0);
  });
});

describe("torch.special.xlog1py and ndtri", () => {
  it("xlog1py is x·log1p(y), 0 where x = 0 (y not NaN), NaN where y is; either operand may be a number", () => {
    // pairs (x, y): x = 0 with y = −1, −3, NaN, ∞, 0.5; then 2·log1p(0.5), −log1p(3), 0.5·log1p(−2) = NaN
    const x = [0, 0, 0, 0, 0, 2, -1, 0.5];
    const y = [-1, -3, NaN, Infinity, 0.5, 0.5, 3, -2];
    const r = at("F.special.xlog1py(x.narrow(1, 0, 8), x.narrow(1, 8, 8))", [...x, ...y]);
    close(r.y, [0, 0, NaN, 0, 0, 2 * Math.log1p(0.5), -Math.log1p(3), NaN]);
    expect(Object.is(r.y[0], 0)).toBe(true);
    // ∂/∂x = log1p(y), masked to 0 where x = 0 and y ≤ −1 (derivatives.yaml); ∂/∂y = x/(1 + y).
    // Where PyTorch's formulas give NaN or ∞ (x = 0 with y = −1: 0/0; y = ∞: log1p ∞) tsdp's are 0,
    // as its xlogy's: those elements are left out here
    const dx = r.dx.slice(0, 8);
    const dy = r.dx.slice(8);
    close([dx[0], dx[1], dx[4], dx[5], dx[6]], [0, 0, Math.log1p(0.5), Math.log1p(0.5), Math.log1p(3)]);
    close([dy[1], dy[4], dy[5], dy[6]], [0, 0, 2 / 1.5, -1 / 4]);
    expect(Number.isNaN(dx[2]) && Number.isNaN(dy[2])).toBe(true);
    const [number, other] = outputs("return [F.special.xlog1py(2, x), F.special.xlog1py(x, 2)];");
    close(number, xs.map((v) => 2 * Math.log1p(v)));
    close(other, xs.map((v) => v * Math.log1p(2)));
  });

  it("ndtri is Φ⁻¹: √2·erfinv(2p − 1), −∞ at 0, ∞ at 1, NaN outside [0, 1]", () => {
    const p = [0.5, 0.975, 0.1, 1e-3, 0, 1, 1.5, -0.5];
    // scipy.special.ndtri's values
    const want = [0, 1.959963984540054, -1.2815515655446004, -3.090232306167813, -Infinity, Infinity, NaN, NaN];
    // tolerance 1e-10: the reference erfinv's Newton steps on erf, and 2p − 1's rounding
    close(outputs("return F.special.ndtri(x);", p)[0], want, 1e-10);
  });

  it("gradcheck", () => {
    expect(gradCheck(model("x: Tensor<[Batch, 6]>", "return [F.special.xlog1py(x, x.abs()), F.special.ndtri(x.sigmoid())];")).checked).toBeGreaterThan(0);
  });
});

describe("torch.special.i0, i0e, i1, i1e (and torch.i0, x.i0())", () => {
  // e^−|x|·Iᵥ(x) = (1/π)∫₀^π e^{|x|(cos θ − 1)} cos(νθ) dθ (sign(x)ᵛ for x < 0), by the trapezoid
  // rule, which for a smooth periodic integrand converges geometrically: 20000 points leave it
  // exact to float64's rounding at |x| ≤ 700 (the peak at θ = 0 is ~0.04 wide there)
  const scaled = (order: 0 | 1, x: number) => {
    const n = 20000;
    const h = Math.PI / n;
    let sum = 0;
    for (let j = 0; j <= n; j++) {
      const t = j * h;
      sum += (j === 0 || j === n ? 0.5 : 1) * Math.exp(Math.abs(x) * (Math.cos(t) - 1)) * Math.cos(order * t);
    }
    return ((order === 1 && x < 0 ? -1 : 1) * sum * h) / Math.PI;
  };
  // both sides of the switch at |x| = 20, the overflow of e^x past 709 (float64; float32's past 88)
  const points = [0, 0.5, -1, 3, 7.9, 8, 15, 19.99, 20, 20.01, -25, 30, 100, 700, -700];

  it("match the integrals to 1e-13 relative at |x| ≤ 700, on both sides of the series' range", () => {
    const [i0, i0e, i1, i1e, torchI0, method] = outputs("return [F.special.i0(x), F.special.i0e(x), F.special.i1(x), F.special.i1e(x), F.i0(x), x.i0()];", points);
    const e = (x: number) => Math.exp(Math.abs(x));
    close(i0e, points.map((x) => scaled(0, x)), 1e-13, "i0e");
    close(i1e, points.map((x) => scaled(1, x)), 1e-13, "i1e");
    close(i0, points.map((x) => scaled(0, x) * e(x)), 1e-13, "i0");
    close(i1, points.map((x) => scaled(1, x) * e(x)), 1e-13, "i1");
    expect(torchI0).toEqual(i0);
    expect(method).toEqual(i0);
    expect([i0[0], i0e[0], i1[0], i1e[0]]).toEqual([1, 1, 0, 0]);
  });

  it("the gradients are PyTorch's: i0′ = i1, i1′ = i0 − i1/x (½ at 0), i0e′ = i1e − sgn(x)·i0e, i1e′ = i0e − i1e·(sgn(x) + 1/x)", () => {
    const pts = [0, 0.5, -1, 3, 19.99, 20.01, -25, 30, 100];
    const i0 = pts.map((x) => scaled(0, x) * Math.exp(Math.abs(x)));
    const i1 = pts.map((x) => scaled(1, x) * Math.exp(Math.abs(x)));
    const i0e = pts.map((x) => scaled(0, x));
    const i1e = pts.map((x) => scaled(1, x));
    close(at("F.special.i0(x)", pts).dx, i1, 1e-12, "i0′");
    close(at("F.special.i1(x)", pts).dx, pts.map((x, k) => (x === 0 ? 0.5 : i0[k] - i1[k] / x)), 1e-12, "i1′");
    close(at("F.special.i0e(x)", pts).dx, pts.map((x, k) => i1e[k] - Math.sign(x) * i0e[k]), 1e-12, "i0e′");
    close(at("F.special.i1e(x)", pts).dx, pts.map((x, k) => (x === 0 ? 0.5 : i0e[k] - i1e[k] * (Math.sign(x) + 1 / x))), 1e-12, "i1e′");
  });

  it("gradcheck", () => {
    expect(gradCheck(model("x: Tensor<[Batch, 6]>", "return [F.special.i0(x), F.special.i1(x.mul(2)), F.special.i0e(x.mul(12)), F.special.i1e(x.mul(12).add(20))];")).checked).toBeGreaterThan(0);
  });
});

describe("slice_scatter, select_scatter, diagonal_scatter", () => {
  it("slice_scatter replaces start:end:step of a dim (Python's bounds), as a function and a method", () => {
    const [stepped, tail, method] = outputs("return [F.sliceScatter(x, x.narrow(1, 0, 3).mul(10), 1, 0, 6, 2), F.sliceScatter(x, x.narrow(1, 0, 2).neg(), { dim: 1, start: -2 }), x.sliceScatter(F.tensor([[7, 8]]).add(x.narrow(1, 0, 1).mul(0)), 1, 1, 100, 3)];");
    expect(stepped).toEqual([5, -1.5, -15, 0, 20, -0.25]);
    expect(tail).toEqual([0.5, -1.5, 2, 0, -0.5, 1.5]);
    // positions 1 and 4
    expect(method).toEqual([0.5, 7, 2, 0, 8, -0.25]);
    expect(first("return F.sliceScatter(x, x.narrow(1, 0, 2), 1, 0, 6, 2);")).toMatch(/F\.sliceScatter: src must have the shape of the part it replaces, \[Batch, 3\], got \[Batch, 2\]/);
    expect(first("return F.sliceScatter(x, x, 0);")).toMatch(/dim 0 of \[Batch, 6\] is the batch/);
  });

  it("select_scatter puts src (input's shape without dim) at index; diagonal_scatter on a diagonal of any offset and dims", () => {
    const [selected, negative, diag, upper, lower, method, square] = outputs(
      "const m = x.view(-1, 2, 3); const z = x.narrow(1, 0, 1).mul(0);\n    " +
        "return [F.selectScatter(m, z.add(F.tensor([[7, 8, 9]])), 1, 0).flatten(1), m.selectScatter(z.add(F.tensor([[7, 8]])), 2, -1).flatten(1), F.diagonalScatter(m, z.add(F.tensor([[7, 8]])), 0, 1, 2).flatten(1), F.diagonalScatter(m, z.add(F.tensor([[7, 8]])), { offset: 1, dim1: 1, dim2: 2 }).flatten(1), F.diagonalScatter(m, z.add(F.tensor([[7]])), -1, 1, 2).flatten(1), m.diagonalScatter(z.add(F.tensor([[7, 8]])), 0, 2, 1).flatten(1), z.add(F.diagonalScatter(F.zeros(3, 3), F.tensor([1, 2]), -1).flatten())];",
    );
    // m = [[0.5, −1.5, 2], [0, 3, −0.25]]
    expect(selected).toEqual([7, 8, 9, 0, 3, -0.25]);
    expect(negative).toEqual([0.5, -1.5, 7, 0, 3, 8]);
    expect(diag).toEqual([7, -1.5, 2, 0, 8, -0.25]);
    expect(upper).toEqual([0.5, 7, 2, 0, 3, 8]);
    expect(lower).toEqual([0.5, -1.5, 2, 7, 3, -0.25]);
    // dims (2, 1): the same diagonal, (i, i) of the transposed pair
    expect(method).toEqual([7, -1.5, 2, 0, 8, -0.25]);
    expect(square).toEqual([0, 0, 0, 1, 0, 0, 0, 2, 0]);
    expect(first("return F.selectScatter(x.view(-1, 2, 3), x.narrow(1, 0, 2), 1, 0);")).toMatch(/src must have the shape of the part it replaces, \[Batch, 3\]/);
    expect(first("return F.diagonalScatter(x.view(-1, 2, 3), x.narrow(1, 0, 3), 0, 1, 2);")).toMatch(/src must have the shape of the part it replaces, \[Batch, 2\]/);
  });

  it("gradcheck: src's gradient from its positions, input's from the rest", () => {
    expect(
      gradCheck(
        model(
          "x: Tensor<[Batch, 6]>",
          "const m = x.view(-1, 2, 3);\n    return [F.sliceScatter(x, this.w.mul(x.narrow(1, 0, 3)), 1, 1, 6, 2), F.selectScatter(m, this.w.mul(x.narrow(1, 3, 3)), 1, 1).flatten(1), F.diagonalScatter(m, this.w.narrow(0, 0, 2).mul(x.narrow(1, 0, 2)), 1, 1, 2).flatten(1)];",
          "  w = new nn.Parameter(F.randn([3]));\n",
        ),
      ).checked,
    ).toBeGreaterThan(0);
  });
});

describe("torch.linalg.multi_dot, vecdot, matrix_power", () => {
  type M = number[][];
  const mul = (a: M, b: M): M => a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
  const A: M = [[0.5, -1.5], [2, 0]]; // x.narrow(1, 0, 4).view(-1, 2, 2)
  const inv: M = [[0, 0.5], [-2 / 3, 1 / 6]]; // det 3
  const pow = (a: M, n: number): M => (n === 0 ? [[1, 0], [0, 1]] : mul(pow(a, n - 1), a));

  it("multi_dot multiplies a chain, a 1-D first and last as row and column vectors (their dims dropped)", () => {
    // (float literals: torch.tensor([[1, 2, 3], …]) is int64, whose matmul PyTorch's CUDA refuses)
    const [chain, rowVector, scalar, fromX] = outputs(
      "const z = x.narrow(1, 0, 1).mul(0); const a = F.tensor([1.0, 2]), B = F.tensor([[1.0, 2, 3], [4, 5, 6]]), C = F.tensor([[1.0, 0], [0, 2], [1, 1]]);\n    " +
        "return [z.add(F.linalg.multiDot([B, C, F.tensor([[1.0, -1], [2, 0]])]).flatten()), z.add(F.linalg.multi_dot([a, B, C])), z.add(F.linalg.multiDot([a, B, C, a])), F.linalg.multiDot([x, F.ones(6, 2), F.tensor([[1.0, 2], [3, 4]])])];",
    );
    const B = [[1, 2, 3], [4, 5, 6]];
    const C = [[1, 0], [0, 2], [1, 1]];
    expect(chain).toEqual(mul(mul(B, C), [[1, -1], [2, 0]]).flat());
    const aBC = mul(mul([[1, 2]], B), C)[0];
    expect(rowVector).toEqual(aBC);
    expect(scalar).toEqual([aBC[0] + 2 * aBC[1]]);
    const s = xs.reduce((p, v) => p + v, 0);
    close(fromX, [s + 3 * s, 2 * s + 4 * s]);
    expect(first("return F.linalg.multiDot([x, F.ones(6), F.ones(1, 2)]);")).toMatch(/F\.linalg\.multiDot: tensor 1 must be 2-D \(only the first and last may be vectors\), got \[6\]/);
    expect(first("return F.linalg.multiDot([x]);")).toMatch(/takes an array of two or more tensors/);
  });

  it("vecdot sums x·y along dim (the last by default), broadcast together", () => {
    const [last, dim1] = outputs("const m = x.view(-1, 2, 3); return [F.linalg.vecdot(m, F.tensor([1, 2, 3])), F.linalg.vecdot(m, m, { dim: 1 })];");
    close(last, [0.5 - 3 + 6, 0 + 6 - 0.75]);
    close(dim1, [0.25, 2.25 + 9, 4 + 0.0625]);
  });

  it("matrix_power: the identity at 0, products for n > 0, the inverse's powers for n < 0; as torch.matrix_power and a method", () => {
    const outs = outputs("const m = x.narrow(1, 0, 4).view(-1, 2, 2); return [m.matrixPower(0), F.linalg.matrixPower(m, 1), F.linalg.matrix_power(m, 2), F.matrixPower(m, 3), m.matrix_power(5), F.linalg.matrixPower(m, 6), F.matrixPower(m, -1), m.matrixPower(-2)].map((p) => p.flatten(1));", [...xs.slice(0, 4)]);
    const want = [0, 1, 2, 3, 5, 6].map((n) => pow(A, n).flat()).concat([inv.flat(), pow(inv, 2).flat()]);
    outs.forEach((o, i) => close(o, want[i], 1e-12, `power ${i}`));
    // the power 1 is a new tensor, as PyTorch's clone: changing it in place leaves m as it was
    const [m, p] = outputs("const m = x.narrow(1, 0, 4).view(-1, 2, 2); const p = m.matrixPower(1); p.add_(1); return [m.flatten(1), p.flatten(1)];", [...xs.slice(0, 4)]);
    expect(m).toEqual(A.flat());
    expect(p).toEqual(A.flat().map((v) => v + 1));
    expect(first("return x.view(-1, 2, 3).matrixPower(2);")).toMatch(/expects square matrices \[\.\.\., n, n\], got \[Batch, 2, 3\]/);
  });

  it("gradcheck", () => {
    expect(
      gradCheck(
        model(
          "x: Tensor<[Batch, 4]>",
          "const m = x.view(-1, 2, 2).add(F.eye(2).mul(3));\n    return [F.linalg.matrixPower(m, 3).flatten(1), m.matrixPower(-2).flatten(1), F.linalg.multiDot([x, this.w, this.w.t()]), F.linalg.vecdot(x.view(-1, 2, 2), this.w.narrow(0, 0, 2))];",
          "  w = new nn.Parameter(F.randn([4, 2]));\n",
        ),
      ).checked,
    ).toBeGreaterThan(0);
  });
});

describe("nn.MultiLabelMarginLoss / F.multilabel_margin_loss", () => {
  // PyTorch's reference (common_nn.py's _multilabelmarginloss_reference): the targets up to the
  // first negative one; Σ over them and over the classes not among them of max(0, 1 − x[y_j] + x[i]), / C
  const reference = (x: readonly number[], y: readonly number[]) => {
    const targets: number[] = [];
    for (const t of y) {
      if (t < 0) break;
      targets.push(t);
    }
    let sum = 0;
    for (const t of targets) for (let i = 0; i < x.length; i++) if (!targets.includes(i)) sum += Math.max(0, 1 - x[t] + x[i]);
    return sum / x.length;
  };

  it("per sample Σ_j Σ_{i ∉ targets} max(0, 1 − (x[y_j] − x[i])) / C, the targets ending at −1; reductions; the module", () => {
    // PyTorch's documented example: 0.85 (of float32 inputs, as F.tensor's)
    const rows = [[0.1, 0.2, 0.4, 0.8], [0.5, -1, 2, 0.25]].map((r) => r.map(Math.fround));
    const targets = [[3, 0, -1, 1], [2, 2, 1, -1]];
    const [doc, none, sum, mean, module, fromX] = outputs(
      "const z = x.narrow(1, 0, 1).mul(0).sum(1); const t = F.tensor([[3, 0, -1, 1], [2, 2, 1, -1]], { dtype: 'int64' }); const r = F.tensor([[0.1, 0.2, 0.4, 0.8], [0.5, -1, 2, 0.25]]);\n    " +
        "return [z.add(F.multilabelMarginLoss(F.tensor([0.1, 0.2, 0.4, 0.8]), F.tensor([3, 0, -1, 1], { dtype: 'int32' }))), z.unsqueeze(1).add(F.multilabel_margin_loss(r, t, { reduction: 'none' })), z.add(F.multilabelMarginLoss(r, t, { reduction: 'sum' })), z.add(F.multilabelMarginLoss(r, t)), z.add(this.loss(r, t)), F.multilabelMarginLoss(x, F.tensor([[4, 0, 0, -1, 5, 1]], { dtype: 'int32' }).expandAs(x), { reduction: 'none' })];",
      xs,
      "  loss = new nn.MultiLabelMarginLoss();\n",
    );
    close(doc, [reference(rows[0], [3, 0, -1, 1])]);
    close(doc, [0.85], 1e-7);
    const each = rows.map((r, i) => reference(r, targets[i]));
    close(none, each);
    close(sum, [each[0] + each[1]]);
    close(mean, [(each[0] + each[1]) / 2]);
    close(module, mean);
    close(fromX, [reference(xs, [4, 0, 0, -1, 5, 1])]);
    expect(first("return F.multilabelMarginLoss(x, x);")).toMatch(/expects int32 class indices of the input's shape \[Batch, 6\] as target, got float32 \[Batch, 6\]/);
  });

  it("gradcheck (the hinge's gradient where its argument is > 0)", () => {
    expect(gradCheck(model("x: Tensor<[Batch, 5]>", "return F.multilabelMarginLoss(x, F.tensor([[3, 0, -1, 1, 2]], { dtype: 'int32' }).expandAs(x), { reduction: 'none' });")).checked).toBeGreaterThan(0);
  });
});

describe("torch.float_power and the method forms of heaviside and kron", () => {
  it("float_power is pow of float operands (an int32 one converted), as a function, a method and in place", () => {
    const [p, sq, ints, base, inPlace] = outputs("const y = x.clone(); y.floatPower_(2); return [x.abs().floatPower(x), F.floatPower(x, 2), F.float_power(x.mul(2).int(), -1), F.floatPower(2, x), y];");
    close(p, xs.map((v) => Math.abs(v) ** v));
    close(sq, xs.map((v) => v * v));
    // int32 of 2x (1, −3, 4, 0, 6, 0) to the −1: float reciprocals, ∞ at 0, where int pow would refuse
    close(ints, xs.map((v) => 1 / (Math.trunc(2 * v) + 0))); // an int32 0 has no sign: +∞
    close(base, xs.map((v) => 2 ** v));
    close(inPlace, xs.map((v) => v * v));
    const { y, dx } = at("x.abs().add(0.5).floatPower(1.5)", xs);
    close(y, xs.map((v) => (Math.abs(v) + 0.5) ** 1.5));
    close(dx, xs.map((v) => 1.5 * Math.sqrt(Math.abs(v) + 0.5) * Math.sign(v)));
  });
  it("x.heaviside(values) and x.kron(other) are F's functions of x", () => {
    const [h, k] = outputs("return [x.heaviside(F.fullLike(x, 0.5)), x.mul(0).add(F.tensor([1, 2]).kron(F.tensor([1, 10])).sum())];");
    close(h, xs.map((v) => (v === 0 ? 0.5 : v > 0 ? 1 : 0)));
    close(k, xs.map(() => 33));
  });
});

describe("torch.diag_embed with offset and dims, diagflat, take, put, atleast_Nd, combinations", () => {
  const v = [5, 7, 9];
  it("diag_embed puts the last dim on the offset diagonal of dims dim1, dim2 (the other dims in order); diagflat flattens first", () => {
    const [above, below, swapped, placed, flat] = outputs(
      "const m = x.view(-1, 2, 3); return [F.diagEmbed(x.narrow(1, 0, 2), 1).flatten(1), x.narrow(1, 0, 2).diagEmbed(-1, -2, -1).flatten(1), F.diagEmbed(x.narrow(1, 0, 2), { offset: 1, dim1: -1, dim2: -2 }).flatten(1), F.diagEmbed(m, -2, 3, 1).flatten(1), x.narrow(1, 0, 2).mul(0).add(F.tensor([[1, 2]]).diagflat(-1).sum(1).narrow(0, 1, 2))];",
    );
    close(above, [0, 0.5, 0, 0, 0, -1.5, 0, 0, 0]);
    close(below, [0, 0, 0, 0.5, 0, 0, 0, -1.5, 0]);
    close(swapped, below);
    // m [1, 2, 3] → [1, 5, 2, 5]: out[0, j, a, i] = m[a, j] where j − i = −2
    const want: number[] = [];
    for (let j = 0; j < 5; j++) for (let a = 0; a < 2; a++) for (let i = 0; i < 5; i++) want.push(j - i === -2 ? xs[a * 3 + j] : 0);
    close(placed, want);
    // diagflat([[1, 2]], -1): rows 1 and 2 hold 1 and 2
    close(flat, [1, 2]);
    expect(gradCheck(model("x: Tensor<[Batch, 6]>", "return F.diagEmbed(x.view(-1, 2, 3), -1, 1, 3);")).checked).toBeGreaterThan(0);
    expect(first("return F.diagflat(x);")).toMatch(/F.diagflat: flattening \[Batch, 6\] would put every sample on one diagonal/);
  });
  it("take reads a tensor without the batch as 1-D (negative positions from the end), put writes it (accumulate sums)", () => {
    const [taken, fromEnd, put, summed] = outputs(
      "const c = F.tensor([[1.0, 2], [3, 4]]); const z = F.zeros([2, 3]); z.put_(F.tensor([0, 5, 0], { dtype: F.int32 }), F.tensor([1.0, 2, 3]), true); const i = F.tensor([3, 0], { dtype: F.int32 });\n    return [x.narrow(1, 0, 2).mul(0).add(F.take(c, i)), x.narrow(1, 0, 2).mul(0).add(c.take(i.sub(4))), x.narrow(1, 0, 2).mul(0).add(c.put(i, F.tensor([8.0, 9])).flatten().narrow(0, 2, 2)), x.narrow(1, 0, 2).mul(0).add(z.take(F.tensor([0, 5], { dtype: F.int32 })))];",
      v,
    );
    close(taken, [4, 1]);
    close(fromEnd, [4, 1]);
    // c.put([3, 0], [8, 9]): [9, 2, 3, 8]
    close(put, [3, 8]);
    close(summed, [4, 2]);
    expect(first("return F.take(x, F.tensor([1], { dtype: F.int32 }));")).toMatch(/F.take: reading \[Batch, 6\] as 1-D puts every sample's elements in one row/);
  });
  it("atleast_1d/2d/3d add size-1 dims as PyTorch's; combinations lists the r-element ones in order", () => {
    const [one, two, three, pairs, repeated, triples] = outputs(
      "const [a, b] = F.atleast_2d(F.tensor(3.0), F.tensor([1.0, 2])); const t = F.atleast3d(F.tensor([1.0, 2]));\n    return [x.narrow(1, 0, 1).mul(0).add(F.atleast1d(F.tensor(3.0))), x.narrow(1, 0, 2).mul(0).add(a.add(b).sum(0)), x.narrow(1, 0, 3).mul(0).add(F.tensor([t.size(0), t.size(1), t.size(2)])), x.narrow(1, 0, 1).mul(0).add(F.combinations(F.tensor([1.0, 2, 3, 4])).flatten()), x.narrow(1, 0, 1).mul(0).add(F.combinations(F.tensor([1.0, 2, 3]), 2, true).flatten()), x.narrow(1, 0, 1).mul(0).add(F.combinations(F.tensor([1.0, 2, 3, 4]), { r: 3 }).flatten())];",
      v,
    );
    close(one, [3]);
    close(two, [4, 5]);
    close(three, [1, 2, 1]);
    close(pairs, [1, 2, 1, 3, 1, 4, 2, 3, 2, 4, 3, 4]);
    close(repeated, [1, 1, 1, 2, 1, 3, 2, 2, 2, 3, 3, 3]);
    close(triples, [1, 2, 3, 1, 2, 4, 1, 3, 4, 2, 3, 4]);
    expect(first("return x.add(F.combinations(F.tensor([1.0, 2]), 3).sum());")).toMatch(/2 elements have no 3-element combinations without replacement/);
  });
});

describe("torch.pdist", () => {
  it("is the p-norm distance of each pair of rows i < j of a tensor without the batch, in row-major order of the upper triangle", () => {
    const rows = [[0, 0], [3, 4], [1, 1], [-2, 5]];
    const pn = (v: number[], p: number) => (p === Infinity ? Math.max(...v.map(Math.abs)) : v.reduce((a, b) => a + Math.abs(b) ** p, 0) ** (1 / p));
    const want = (p: number) => rows.flatMap((r, i) => rows.slice(i + 1).map((s) => pn(r.map((v, k) => v - s[k]), p)));
    const got = outputs("const t = F.tensor([[0.0, 0], [3, 4], [1, 1], [-2, 5]]); const z = x.mul(0); return [z.add(F.pdist(t)), z.add(F.pdist(t, 1)), z.add(F.pdist(t, { p: 3 })), z.add(F.pdist(t, Infinity))];");
    [2, 1, 3, Infinity].forEach((p, k) => close(got[k], want(p)));
    expect(gradCheck(model("x: Tensor<[Batch, 3]>", "return x.mul(F.pdist(this.w).sum()).add(F.pdist(this.w, 1).sum());", "  w = new nn.Parameter(F.tensor([[0.3, -0.2], [0.7, 0.1], [-0.5, 0.45]]));\n")).checked).toBeGreaterThan(0);
    expect(first("return F.pdist(x).unsqueeze(0);")).toMatch(/F.pdist: the distances between every pair of rows of \[Batch, 6\] pair samples across the batch/);
  });
});
