// The PyTorch functions tsdp composes from other ops (compiler/1-frontend/pointwise-composites.ts):
// clamp and its kin, the exponential units, softsign, logsigmoid, minimum/maximum, logsumexp,
// var/std, normalize. Values and gradients in float64 (the reference interpreter running the
// composition and its autodiff) against PyTorch's definitions written out here, at points that
// decide between definitions: the bounds of a clamp (torch.clamp passes the gradient there,
// hardtanh does not), ties of maximum, x = 0 of the exponential units, values where a naive form
// overflows or cancels. Tolerance: 1e-12 relative (float64 throughout). The CPU target runs them in
// test/fixtures/all-ops (forward and training step against the reference).
import { describe, expect, it } from "vitest";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { GraphBuilder } from "../compiler/ir/builder.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

/** `expr` of x: Tensor<[Batch, n]> at one sample `xs`: its values and ∂(Σ out)/∂x. */
function at(expr: string, xs: readonly number[]): { y: number[]; dx: number[] } {
  return atBatch(expr, [xs]);
}

/** `expr` of x: Tensor<[Batch, n]> at a batch of samples (`rows`, n each): its values and ∂(Σ out)/∂x, flat. */
function atBatch(expr: string, rows: readonly (readonly number[])[]): { y: number[]; dx: number[] } {
  const xs = rows.flat();
  const graph = lowerSource(`${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, ${rows[0].length}]>) {\n    return ${expr};\n  }\n}\n`).graph;
  const b = GraphBuilder.extending(graph);
  const out = graph.outputs[0];
  const loss = b.add("sum", [out], { dims: null, keepdim: false }, out.loc, "", "sum");
  const forward = b.finish(graph.name, graph.outputs);
  const { graph: step, gradients } = differentiate(forward, { wrt: graph.inputs, loss, builder: b });
  const r = runReference(step, { x: nd([rows.length, rows[0].length], [...xs]) }, initState(graph, 0), { training: true, seed: 0 });
  return { y: [...r.values.get(out)!.data], dx: [...r.values.get(gradients.get("x")!)!.data] };
}

function expectValues(got: readonly number[], want: readonly number[], what: string): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((g, i) => {
    if (Number.isNaN(want[i]) || !Number.isFinite(want[i])) expect(g, `${what}[${i}]`).toBe(want[i]);
    else expect(Math.abs(g - want[i]), `${what}[${i}]: ${g} against ${want[i]}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[i])));
  });
}

function check(expr: string, xs: readonly number[], y: readonly number[], dx?: readonly number[]): void {
  const got = at(expr, xs);
  expectValues(got.y, y, `${expr}: value`);
  if (dx) expectValues(got.dx, dx, `${expr}: gradient`);
}

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

describe("clamp and its kin: PyTorch's values, and its gradients at the bounds", () => {
  it("torch.clamp passes the gradient at min and max; a NaN stays NaN; min > max gives max", () => {
    const xs = [-3, -1, 0.5, 2, 5];
    for (const expr of ["x.clamp(-1, 2)", "F.clamp(x, { min: -1, max: 2 })", "x.clip(-1, 2)", "F.clip(x, -1, 2)"]) check(expr, xs, [-1, -1, 0.5, 2, 2], [0, 1, 1, 1, 0]);
    check("x.clamp({ min: 0 })", [-1, 0, 1], [0, 0, 1], [0, 1, 1]);
    check("x.clamp(null, 0)", [-1, 0, 1], [-1, 0, 0], [1, 1, 0]);
    // at a NaN: NaN, and the gradient 0 (clamp_backward passes it where min ≤ x ≤ max); hardtanh passes it
    check("x.clamp(1, 2)", [NaN, 1.5], [NaN, 1.5], [0, 1]);
    check("x.clamp({ min: 1 })", [NaN, 1.5], [NaN, 1.5], [0, 1]);
    check("x.clamp(null, 2)", [NaN, 1.5], [NaN, 1.5], [0, 1]);
    check("F.hardtanh(x)", [NaN, 0.5], [NaN, 0.5], [1, 1]);
    check("x.clamp(2, 1)", [0, 1.5, 3], [1, 1, 1], [0, 0, 0]);
    // a tensor bound broadcasts, and takes the gradient where it is chosen
    check("x.clamp({ max: x.amax(1, true).mul(0.5) })", [1, 3], [1, 1.5], [1, 0.5]);
    // a tensor bound (x[1]·0.5 = 1.5) gets no gradient from a NaN x[0] either: PyTorch's goes to min only where x < min
    check("x.clamp({ min: x.narrow(1, 1, 1).mul(0.5) })", [NaN, 3], [NaN, 3], [0, 1]);
    // a NaN tensor bound gives NaN, as PyTorch's clamp and clamp_min (maximum) do, and passes no gradient
    check("x.clamp({ min: x.narrow(1, 0, 1) })", [NaN, 0.3], [NaN, NaN], [0, 0]);
    check("x.clampMin(x.narrow(1, 0, 1)).add(x.clamp(null, x.narrow(1, 0, 1)))", [NaN, 0.3], [NaN, NaN], [0, 0]);
  });
  it("relu keeps a NaN and passes its gradient there, as PyTorch's clamp_min and threshold_backward", () => {
    check("F.relu(x)", [NaN, -1, 0, 2], [NaN, 0, 0, 2], [1, 0, 0, 1]);
    check("x.relu()", [NaN], [NaN], [1]);
  });
  it("hardtanh and relu6 pass it only strictly inside, as PyTorch's hardtanh_backward", () => {
    check("F.hardtanh(x)", [-2, -1, 0, 1, 2], [-1, -1, 0, 1, 1], [0, 0, 1, 0, 0]);
    check("F.hardtanh(x, -0.5, 3)", [-0.5, 3, 1], [-0.5, 3, 1], [0, 0, 1]);
    // equal bounds (F.hardtanh allows them): every value is the bound, no gradient
    check("F.hardtanh(x, 0.5, 0.5)", [-1, 0.5, 2], [0.5, 0.5, 0.5], [0, 0, 0]);
    check("F.relu6(x)", [-1, 0, 3, 6, 7], [0, 0, 3, 6, 6], [0, 0, 1, 0, 0]);
  });
  it("hardsigmoid: (x + 3)/6 between −3 and 3, its gradient 1/6 strictly inside", () => {
    check("F.hardsigmoid(x)", [-4, -3, 0, 3, 4], [0, 0, 0.5, 1, 1], [0, 0, 1 / 6, 0, 0]);
  });
  it("hardswish: PyTorch's gradient at ±3 (x/3 + 1/2), and no cancellation at large x", () => {
    check("F.hardswish(x)", [-4, -3, 0, 3, 4], [0, 0, 0, 3, 4], [0, -0.5, 0.5, 1.5, 1]);
    // relu(x + 3) − relu(x − 3) is 0 here (both terms round to x): hardswish(x) = x for x ≥ 3
    check("F.hardswish(x)", [1e17], [1e17], [1]);
  });
});

describe("the exponential units: PyTorch's gradient at 0, and no ∞ from the branch not taken", () => {
  it("elu: α(eˣ − 1) below 0 (expm1, exact near 0), α at 0, 1 above; large x stays finite", () => {
    check("F.elu(x, 0.5)", [-2, -1e-9, 0, 1, 1000], [0.5 * Math.expm1(-2), 0.5 * Math.expm1(-1e-9), 0, 1, 1000], [0.5 * Math.exp(-2), 0.5 * Math.exp(-1e-9), 0.5, 1, 1]);
    check("F.elu(x)", [-1], [Math.expm1(-1)], [Math.exp(-1)]);
  });
  it("selu and celu", () => {
    check("F.selu(x)", [-1, 0, 2], [SELU_SCALE * SELU_ALPHA * Math.expm1(-1), 0, 2 * SELU_SCALE], [SELU_SCALE * SELU_ALPHA * Math.exp(-1), SELU_SCALE * SELU_ALPHA, SELU_SCALE]);
    check("F.celu(x, 2)", [-1, 0, 1, 800], [2 * Math.expm1(-0.5), 0, 1, 800], [Math.exp(-0.5), 1, 1, 1]);
  });
});

describe("softsign, logsigmoid", () => {
  it("softsign: x / (1 + |x|)", () => {
    check("F.softsign(x)", [-3, 0, 1], [-0.75, 0, 0.5], [1 / 16, 1, 1 / 4]);
  });
  it("logsigmoid: min(x, 0) − log1p(e^−|x|), exact at both ends", () => {
    const xs = [-50, 0, 3, 50];
    check("F.logsigmoid(x)", xs, xs.map((v) => Math.min(v, 0) - Math.log1p(Math.exp(-Math.abs(v)))), xs.map((v) => 1 / (1 + Math.exp(v))));
  });
});

describe("maximum and minimum", () => {
  it("the larger (smaller) value; a tie gives each side half the gradient; NaN wins and gives each side all of it", () => {
    check("F.maximum(x, F.onesLike(x))", [0, 1, 2], [1, 1, 2], [0, 0.5, 1]);
    check("x.minimum(F.onesLike(x))", [0, 1, 2], [0, 1, 1], [1, 0.5, 0]);
    check("F.maximum(x, x.mul(-1))", [-2, 0, 3], [2, 0, 3], [-1, 0, 1]);
    // a NaN on either side: NaN, and each side the whole gradient (PyTorch's maximum backward)
    check("x.maximum(F.zerosLike(x))", [NaN], [NaN], [1]);
    check("x.minimum(x.mul(2))", [NaN, 1], [NaN, 1], [3, 1]);
    check("F.maximum(x, x.mul(2))", [Infinity, -1], [Infinity, -1], [1.5, 1]);
  });
});

describe("logsumexp, var, std, normalize", () => {
  it("logsumexp: its gradient is softmax; a row of −∞ gives −∞, one holding +∞ gives +∞", () => {
    const xs = [1, 2, 3];
    const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    check("x.logsumexp(1)", xs, [lse], xs.map((v) => Math.exp(v - lse)));
    check("F.logsumexp(x, 1, true).mul(1)", [1000, 1000], [1000 + Math.LN2], [0.5, 0.5]);
    check("x.logsumexp(1)", [-Infinity, -Infinity], [-Infinity]);
    check("x.logsumexp(1)", [Infinity, 0], [Infinity]);
  });
  it("var and std: unbiased by default, correction or unbiased = false for the population's", () => {
    const xs = [1, 2, 3, 4];
    check("x.var(1)", xs, [5 / 3], [-1, -1 / 3, 1 / 3, 1]);
    check("x.var(1, false)", xs, [1.25], [-0.75, -0.25, 0.25, 0.75]);
    check("x.var(1, { correction: 0, keepdim: true })", xs, [1.25], [-0.75, -0.25, 0.25, 0.75]);
    check("x.std(1)", xs, [Math.sqrt(5 / 3)], [-1.5, -0.5, 0.5, 1.5].map((d) => d / (3 * Math.sqrt(5 / 3))));
    check("F.std(x, 1, { unbiased: false })", xs, [Math.sqrt(1.25)]);
    // one element, unbiased: 0/0, as PyTorch's
    check("x.view(-1, 2, 1).var(2)", [1, 2], [NaN, NaN]);
  });
  it("var and std with correction ≥ N: PyTorch's value (Σ(x − mean)²/0) and var_backward's 2(x − mean)/(N − correction)·g", () => {
    // N = correction: ∞, and ±∞ by the sign of x − mean (not NaN everywhere); NaN where x = mean
    check("x.var(1, { correction: 2 })", [1, 3], [Infinity], [-Infinity, Infinity]);
    check("x.var(1, { correction: 3 })", [1, 2, 3], [Infinity], [-Infinity, NaN, Infinity]);
    check("x.var(1, { correction: 2 })", [2, 2], [NaN], [NaN, NaN]);
    // correction > N: the value ∞ (the divisor clamped to 0), the gradient 2(x − mean)/(N − correction), finite
    check("x.var(1, { correction: 3 })", [1, 3], [Infinity], [2, -2]);
    check("x.var(1, { correction: 4 })", [1, 3], [Infinity], [1, -1]);
    // std_backward: var_backward of g/(2·std) = 0 — times 2/0, NaN; times 2/(N − correction), 0
    check("x.std(1, { correction: 2 })", [1, 3], [Infinity], [NaN, NaN]);
    check("x.std(1, { correction: 3 })", [1, 3], [Infinity], [0, 0]);
  });
  it("over the batch dim (each replica's share of the batch, as PyTorch's DataParallel replicas): the count is the batch's at run time", () => {
    // the columns [1, 2, 4] and [3, 3, 3] over a batch of 3: mean 7/3 and 3
    const rows = [[1, 3], [2, 3], [4, 3]];
    const d = [1 - 7 / 3, 2 - 7 / 3, 4 - 7 / 3];
    const ss = d.reduce((s, v) => s + v * v, 0);
    const expectAt = (expr: string, y: readonly number[], dx?: readonly number[]) => {
      const got = atBatch(expr, rows);
      expectValues(got.y, y, `${expr}: value`);
      if (dx) expectValues(got.dx, dx, `${expr}: gradient`);
    };
    // ∂var/∂x_i = 2(x_i − mean)/(N − correction)
    expectAt("x.sub(x).add(x.var(0, { keepdim: true }))", [ss / 2, 0, ss / 2, 0, ss / 2, 0], rows.flatMap((_, i) => [(3 * 2 * d[i]) / 2, 0]));
    expectAt("x.sub(x.var(0, false))", rows.flatMap((r) => [r[0] - ss / 3, r[1]]));
    expectAt("x.sub(x.var(0, { correction: 2 }))", rows.flatMap((r) => [r[0] - ss / 1, r[1]]));
    expectAt("x.sub(x.std(0))", rows.flatMap((r) => [r[0] - Math.sqrt(ss / 2), r[1]]));
    // every dim: N = 6
    const all = rows.flat();
    const mean = all.reduce((s, v) => s + v, 0) / 6;
    expectAt("x.sub(x.var())", all.map((v) => v - all.reduce((s, w) => s + (w - mean) ** 2, 0) / 5));
    // torch.std(x, False), torch.var_mean(x, False): PyTorch's deprecated std(input, unbiased) overload, the
    // population's over every dim — as the methods' x.std(false); F.std and F.stdMean bound false as a dim
    const population = all.reduce((s, w) => s + (w - mean) ** 2, 0) / 6;
    expectAt("x.sub(x.var(false))", all.map((v) => v - population));
    expectAt("x.sub(F.std(x, false))", all.map((v) => v - Math.sqrt(population)));
    expectAt("x.sub(F.stdMean(x, false)[0]).sub(F.varMean(x, false)[0]).sub(x.varMean(false)[1])", all.map((v) => v - Math.sqrt(population) - population - mean));
    expectAt("x.sub(F.std(x, true))", all.map((v) => v - Math.sqrt((population * 6) / 5)));
    // N − correction ≤ 0 divides by 0, as PyTorch's: a batch of one, unbiased
    expect(atBatch("x.sub(x.var(0))", [[1, 2]]).y).toEqual([NaN, NaN]);
    expectAt("x.sub(x.logsumexp(0, true))", rows.flatMap((r) => [r[0] - Math.log(Math.exp(1) + Math.exp(2) + Math.exp(4)), r[1] - (3 + Math.log(3))]));
    expectAt("F.normalize(x, { dim: 0 })", rows.flatMap((r) => [r[0] / Math.sqrt(21), r[1] / Math.sqrt(27)]));
  });
  it("normalize: x/‖x‖, and a zero vector gives 0 with the finite gradient 1/eps, as PyTorch's", () => {
    check("F.normalize(x)", [3, 4], [0.6, 0.8], [0.2 - (3 * 7) / 125, 0.2 - (4 * 7) / 125]);
    check("F.normalize(x, { dim: 1 })", [0, 0], [0, 0], [1e12, 1e12]);
    check("F.normalize(x, { p: 1 })", [1, -3], [0.25, -0.75], [0.375, 0.125]);
  });
});

describe("refused, with the argument's location", () => {
  const model = (expr: string) => `${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 4]>) {\n    return ${expr};\n  }\n}\n`;
  const cases: [string, string, RegExp][] = [
    ["x.clamp()", "TSDP3004", /at least one of min and max must be given/],
    ["x.clamp(NaN)", "TSDP3004", /min must be a number \(±Infinity included\) or a tensor, not NaN/],
    ['x.clamp("a")', "TSDP3003", /min must be a number or a tensor/],
    // F.hardtanh refuses min > max only (equal bounds clamp to them); nn.Hardtanh asserts max > min
    ["F.hardtanh(x, 2, 1)", "TSDP3004", /F\.hardtanh: maxVal \(1\) must be at least minVal \(2\), as PyTorch's F\.hardtanh requires/],
    ["F.celu(x, 0)", "TSDP3004", /alpha must not be 0/],
    ["x.var(2)", "TSDP3004", /var: dim 2 is out of range for a tensor with 2 dims/],
    ["x.logsumexp([1, -1])", "TSDP3004", /names a dim twice/],
    ["F.normalize(x, 0.5)", "TSDP3004", /p must be a number ≥ 1 \(Infinity included\)/],
    ["F.normalize(x, { eps: 1e-30 })", "TSDP3004", /eps = 1e-30 is too small for float32/],
    // torch.maximum takes tensors only (a number is Python's TypeError): a number bound is clamp's
    ["F.maximum(1, 2).add(x)", "TSDP3003", /F\.maximum: input must be a tensor, got the number 1: PyTorch's maximum takes two tensors/],
    ["x.maximum(3.0)", "TSDP3003", /^maximum: other must be a tensor, got the number 3: PyTorch's maximum takes two tensors \(TypeError: "maximum\(\): argument 'other' \(position 2\) must be Tensor"\); for a number bound write x\.clamp\(\{ min: 3 \}\)/],
    ["F.minimum(x, 0.5)", "TSDP3003", /^F\.minimum: other must be a tensor, got the number 0\.5.*x\.clamp\(\{ max: 0\.5 \}\)/],
    ["x.fmax(1)", "TSDP3003", /^fmax: other must be a tensor.*write F\.fmax\(x, F\.fullLike\(x, 1\)\)/],
  ];
  for (const [expr, code, message] of cases)
    it(expr, () => {
      const d = diagnosticsOf(model(expr));
      expect(d.map((x) => x.code)).toContain(code);
      expect(d.find((x) => x.code === code)!.message).toMatch(message);
    });
  it("nn.Hardtanh(2, 1) at its construction, as PyTorch's constructor asserts, even if never called", () => {
    const text = `${header}export class M extends nn.Module {\n  h = new nn.Hardtanh(2, 1);\n  forward(x: Tensor<[Batch, 4]>) {\n    return x.relu();\n  }\n}\n`;
    const d = diagnosticsOf(text).filter((x) => x.code === "TSDP3004");
    expect(d).toHaveLength(1);
    expect(d[0].message).toMatch(/nn\.Hardtanh: maxVal \(1\) must be greater than minVal \(2\)/);
    // equal bounds too, for the layer (its constructor asserts max > min; F.hardtanh allows them)
    expect(diagnosticsOf(text.replace("nn.Hardtanh(2, 1)", "nn.Hardtanh(1, 1)"))[0].message).toMatch(/nn\.Hardtanh: maxVal \(1\) must be greater than minVal \(1\)/);
    // at the argument maxVal, not the whole call
    const line = text.split("\n").findIndex((l) => l.includes("new nn.Hardtanh")) + 1;
    expect([d[0].loc?.line, d[0].loc?.col]).toEqual([line, text.split("\n")[line - 1].indexOf("1)") + 1]);
  });
});
