// nn.utils.parametrize.registerParametrization (compiler/1-frontend/parametrize.ts): PyTorch's
// tutorial's Symmetric on a Linear's weight against the product written out from the initial state
// (float64 reference, 1e-12), a chain of two parametrizations with a parameter of their own, PyTorch's
// state_dict names, gradients by finite differences, and the refusals.
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const classes = `class Symmetric extends nn.Module {
  forward(X: Tensor) { return X.triu().add(X.triu(1).transpose(-1, -2)); }
}
class Scale extends nn.Module {
  s = new nn.Parameter(F.full([1], 2.0));
  forward(X: Tensor) { return X.mul(this.s); }
}
`;
const model = (ctor: string, forward = "return this.layer(x);") =>
  `${header}${classes}export class M extends nn.Module {\n  layer = new nn.Linear(3, 3);\n  constructor() {\n    super();\n    ${ctor}\n  }\n  forward(x: Tensor<[Batch, 3]>) {\n    ${forward}\n  }\n}\n`;

describe("nn.utils.parametrize.registerParametrization", () => {
  const xs = [0.5, -1, 2, 1.5, 0.25, -0.75];

  it("the layer computes with the parametrized weight: Symmetric(original), then ×s; PyTorch's state_dict names", () => {
    const { graph } = lowerSource(model("nn.utils.parametrize.registerParametrization(this.layer, 'weight', new Symmetric()); nn.utils.parametrize.register_parametrization(this.layer, 'weight', new Scale());", "return [this.layer(x), this.layer.weight.sum(0).unsqueeze(0).add(x.mul(0)), nn.utils.parametrize.isParametrized(this.layer, 'weight') ? x : x.neg()];"));
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["layer.bias", "layer.parametrizations.weight.original", "layer.parametrizations.weight.1.s"]);
    const state = initState(graph, 0);
    const out = runReference(graph, { x: nd([2, 3], xs) }, state).outputs.map((o) => Array.from(o.data));
    const w0 = Array.from(state.params.get("layer.parametrizations.weight.original")!.data);
    const bias = Array.from(state.params.get("layer.bias")!.data);
    // W[i][j] = 2·(upper triangle of w0, mirrored below)
    const W = (i: number, j: number) => 2 * (i <= j ? w0[i * 3 + j] : w0[j * 3 + i]);
    const want = [0, 1].flatMap((n) => [0, 1, 2].map((i) => bias[i] + [0, 1, 2].reduce((s, j) => s + W(i, j) * xs[n * 3 + j], 0)));
    out[0].forEach((v, k) => expect(v).toBeCloseTo(want[k], 12));
    const colSums = [0, 1, 2].map((j) => [0, 1, 2].reduce((s, i) => s + W(i, j), 0));
    out[1].forEach((v, k) => expect(v).toBeCloseTo(colSums[k % 3], 12));
    expect(out[2]).toEqual(xs);
  });

  it("gradients reach original and the parametrization's own parameter", () => {
    expect(gradCheck(`${classes}export class M extends nn.Module {\n  layer = new nn.Linear(3, 3);\n  constructor() {\n    super();\n    nn.utils.parametrize.registerParametrization(this.layer, "weight", new Symmetric());\n    nn.utils.parametrize.registerParametrization(this.layer, "weight", new Scale());\n  }\n  forward(x: Tensor<[Batch, 3]>) { return this.layer(x).tanh(); }\n}\n`).checked).toBeGreaterThan(10);
  });

  it("a user module's nn.Parameter takes a parametrization, and spectral norm (its buffers after the module's)", () => {
    const own = "class Gate extends nn.Module {\n  w = new nn.Parameter(F.tensor([[1.0, 2, 0], [4, 5, 6], [0, 8, 9]]));\n  b = new nn.Parameter(F.zeros(3));\n  forward(x: Tensor) { return x.matmul(this.w).add(this.b); }\n}\n";
    const src = `${header}${classes}${own}export class M extends nn.Module {\n  g = new Gate();\n  s = new Gate();\n  constructor() {\n    super();\n    nn.utils.parametrize.registerParametrization(this.g, "w", new Symmetric());\n    nn.utils.spectralNorm(this.s, "w");\n  }\n  forward(x: Tensor<[Batch, 3]>) { return [this.g(x), this.s(x)]; }\n}\n`;
    const { graph } = lowerSource(src);
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["g.b", "g.parametrizations.w.original", "s.b", "s.w_orig"]);
    expect(graph.buffers.map((p) => p.attrs.name)).toEqual(["s.w_u", "s.w_v"]);
    const x = [1, -1, 2];
    const [sym, spectral] = runReference(graph, { x: nd([1, 3], x) }, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
    // Symmetric(w): w's upper triangle mirrored, [[1, 2, 0], [2, 5, 6], [0, 6, 9]]; x·W
    expect(sym).toEqual([-1, 9, 12]);
    expect(spectral.every(Number.isFinite)).toBe(true);
    expect(gradCheck(`${classes}${own}export class M extends nn.Module {\n  g = new Gate();\n  constructor() { super(); nn.utils.parametrize.registerParametrization(this.g, "w", new Symmetric()); }\n  forward(x: Tensor<[Batch, 3]>) { return this.g(x).tanh(); }\n}\n`).checked).toBeGreaterThan(0);
  });

  it("refuses a right_inverse, a parameter of the user's own module, a shape change, a missing parameter", () => {
    const first = (ctor: string, extra = "") => diagnosticsOf(model(ctor).replace("export class M", `${extra}export class M`)).map((d) => `${d.code}: ${d.message}`)[0];
    expect(first("nn.utils.parametrize.registerParametrization(this.layer, 'weight', new Inv());", "class Inv extends nn.Module {\n  forward(X: Tensor) { return X.exp(); }\n  rightInverse(A: Tensor) { return A.log(); }\n}\n")).toMatch(/^TSDP2001: .*Inv.rightInverse would compute the starting value of original/);
    expect(first("nn.utils.parametrize.registerParametrization(this, 'weight', new Symmetric());")).toMatch(/^TSDP3004: .*M has no nn.Parameter 'weight' \(its parameters: none\)/);
    expect(first("nn.utils.parametrize.registerParametrization(3, 'weight', new Symmetric());")).toMatch(/^TSDP3003: .*takes a module with the parameter/);
    expect(first("nn.utils.parametrize.registerParametrization(this.layer, 'weight', new Cut());", "class Cut extends nn.Module {\n  forward(X: Tensor) { return X.index(':', ':2'); }\n}\n")).toMatch(/^TSDP4001: .*Cut changes nn.Linear.weight's shape \[3, 3\] to \[3, 2\]/);
    expect(first("nn.utils.parametrize.registerParametrization(this.layer, 'gamma', new Symmetric());")).toMatch(/^TSDP3004: .*nn.Linear has no parameter 'gamma' \(its parameters: weight, bias\)/);
    // what the forward returned, named; one that failed is reported once, for its own reason (was: "must return a tensor, got a tensor" after it)
    expect(first("nn.utils.parametrize.registerParametrization(this.layer, 'weight', new Pair());", "class Pair extends nn.Module {\n  forward(X: Tensor) { return [X, X]; }\n}\n")).toMatch(/^TSDP3003: .*Pair's forward must return a tensor, got an array of 2$/);
    const failing = diagnosticsOf(model("nn.utils.parametrize.registerParametrization(this.layer, 'weight', new Exp());").replace("export class M", "class Exp extends nn.Module {\n  forward(X: Tensor) { return F.noSuchFunction(X); }\n}\nexport class M"));
    expect(failing.map((d) => d.code)).toEqual(["TSDP3001"]);
  });
});
