// PyTorch's other spellings of tsdp's ops and torch's pointwise math as methods and F functions
// (compiler/1-frontend/math-functions.ts, tensor-spellings.ts, functional-compositions.ts, joins.ts's
// roll), through the float64 reference: values worked out by hand, each spelling against the op it
// stands for (bit-equal: the same ops in the same order), gradients where PyTorch defines them
// specially, and the refusals with where and why. The CPU target runs them all in
// test/pytorch-spellings-target.test.ts.
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd, type NDArray } from "../compiler/reference/ndarray.ts";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { GraphBuilder } from "../compiler/ir/builder.ts";
import { lowerModel } from "../compiler/1-frontend/lower.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const model = (body: string, input: string, fields = "") => `${header}export class M extends nn.Module {\n  ${fields}\n  forward(${input}) {\n    ${body}\n  }\n}\n`;

/** forward's outputs through the reference, for inputs given as [shape, values]. */
function outputs(body: string, input: string, values: Record<string, NDArray>, fields = ""): number[][] {
  const { graph } = lowerSource(model(body, input, fields));
  return runReference(graph, values, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
}

const close = (got: number[], want: number[], digits = 12) => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => (Number.isNaN(want[i]) ? expect(g).toBeNaN() : expect(g, `element ${i}`).toBeCloseTo(want[i], digits)));
};

/** ∂(Σ forward's output)/∂x through the reference, for one input x. */
function gradientOf(body: string, input: string, values: Record<string, NDArray>): number[] {
  const { graph } = lowerSource(model(body, input));
  const b = GraphBuilder.extending(graph);
  const loss = b.add("sum", [graph.outputs[0]], { dims: null, keepdim: false }, graph.outputs[0].loc, "", "sum");
  const { graph: step, gradients } = differentiate(b.finish(graph.name, graph.outputs), { wrt: graph.inputs, loss, builder: b });
  return Array.from(runReference(step, values, initState(graph, 0)).values.get(gradients.get("x")!)!.data);
}

/** The first diagnostic: code, line and message. */
const first = (src: string) => diagnosticsOf(src).map((d) => `${d.code} ${d.loc?.line}: ${d.message}`)[0];

describe("torch's pointwise math as methods and as F functions", () => {
  const x = nd([1, 4], [0.25, 0.5, 0.75, 0.9]);
  const names = ["rsqrt", "reciprocal", "erf", "erfinv", "exp2", "log2", "log10", "tan", "sinh", "cosh", "asin", "acos", "atan", "asinh", "atanh", "floor", "ceil", "trunc", "fix", "round", "sign", "square", "frac", "expm1", "log1p", "exp", "log", "sqrt", "abs", "neg", "sin", "cos"];

  it("x.name() and F.name(x) agree for each, and the values are torch's", () => {
    const got = outputs(`return [${names.map((n) => `x.${n}(), F.${n}(x)`).join(", ")}];`, "x: Tensor<[Batch, 4]>", { x });
    const want: Record<string, (v: number) => number> = {
      rsqrt: (v) => 1 / Math.sqrt(v), reciprocal: (v) => 1 / v, exp2: (v) => 2 ** v, log2: Math.log2, log10: Math.log10, tan: Math.tan,
      sinh: Math.sinh, cosh: Math.cosh, asin: Math.asin, acos: Math.acos, atan: Math.atan, asinh: Math.asinh, atanh: Math.atanh,
      floor: Math.floor, ceil: Math.ceil, trunc: Math.trunc, fix: Math.trunc, round: (v) => ({ 0.25: 0, 0.5: 0, 0.75: 1, 0.9: 1 })[v]!, sign: Math.sign, square: (v) => v * v,
      frac: (v) => v - Math.trunc(v), expm1: Math.expm1, log1p: Math.log1p, exp: Math.exp, log: Math.log, sqrt: Math.sqrt, abs: Math.abs,
      neg: (v) => -v, sin: Math.sin, cos: Math.cos,
    };
    names.forEach((n, i) => {
      expect(got[2 * i + 1], `F.${n}`).toEqual(got[2 * i]);
      if (n !== "erf" && n !== "erfinv") close(got[2 * i], Array.from(x.data, want[n]));
    });
    // erf(0.5) to 16 digits (Abramowitz & Stegun table 7.1); erfinv(0.5) = 0.4769362762044699 (scipy.special.erfinv)
    close([got[2 * names.indexOf("erf")][1]], [0.5204998778130465]);
    close([got[2 * names.indexOf("erfinv")][1]], [0.4769362762044699]);
  });

  it("round with decimals scales by 10^|decimals| as PyTorch's kernel: half to even after scaling", () => {
    const v = nd([1, 4], [1.2345, 0.125, 1234, 25]);
    const [two, minusOne, none] = outputs("return [x.round(2), F.round(x, { decimals: -1 }), x.round()];", "x: Tensor<[Batch, 4]>", { x: v });
    // 123.45 → 123; 12.5 → 12 (even); 123400; 2500
    close(two, [1.23, 0.12, 1234, 25]);
    // 0.12345 → 0; 0.0125 → 0; 123.4 → 123 → 1230; 2.5 → 2 (even) → 20
    close(minusOne, [0, 0, 1230, 20]);
    close(none, [1, 0, 1234, 25]);
  });

  it("erfinv's gradient (√π/2·e^(erfinv(x)²)) by finite differences", () => {
    expect(gradCheck(model("return x.tanh().mul(0.9).erfinv();", "x: Tensor<[Batch, 4]>")).checked).toBeGreaterThan(0);
  });

  it("rounding passes no gradient, as PyTorch's zero one: x's comes from its other uses; frac's is 1", () => {
    expect(gradCheck(model("return [x.mul(x.mul(3).floor()), x.mul(3).frac(), x.sign().mul(x)];", "x: Tensor<[Batch, 4]>")).checked).toBeGreaterThan(0);
  });

  it("of an int32 tensor: float32 where PyTorch promotes (rsqrt), int32 where it keeps integers (floor)", () => {
    const { graph } = lowerSource(model("return [ids.rsqrt(), F.floor(ids)];", 'ids: Tensor<[Batch, 4], "int32">'));
    expect(graph.outputs.map((o) => o.dtype)).toEqual(["f32", "i32"]);
    const [r, f] = runReference(graph, { ids: nd([1, 4], [1, 4, 9, 16]) }, { params: new Map(), buffers: new Map() }).outputs.map((o) => Array.from(o.data));
    close(r, [1, 0.5, 1 / 3, 0.25], 6);
    expect(f).toEqual([1, 4, 9, 16]);
  });
});

describe("x.norm and torch.norm", () => {
  const x = nd([2, 4], [3, -4, 0, 0, 0, 0, 0, 0]);
  it("2 (and 'fro'), 1, ±Infinity over a dim, with keepdim, and over everything", () => {
    const got = outputs(
      "return [x.norm(2, -1), x.norm('fro', 1, true), x.norm({ p: 1, dim: 1 }), F.norm(x, Infinity, 1), x.norm(-Infinity, -1), x.norm().add(x.sum(1))];",
      "x: Tensor<[Batch, 4]>",
      { x },
    );
    expect(got).toEqual([[5, 0], [5, 0], [7, 0], [4, 0], [0, 0], [5 - 1, 5]]);
  });
  it("the 2-norm's gradient is x/‖x‖, and 0 for a vector of zeros (PyTorch's), not 0·∞", () => {
    // rows of x·[x > 1]: mostly all zeros at the checked inputs; central differences give 0 there
    expect(gradCheck(model("return [x.mul(x.gt(1)).norm(2, 1, true).add(x), x.norm(2, 1, true), x.norm(1, 1, true), x.norm(Infinity, 1, true)];", "x: Tensor<[Batch, 4]>")).checked).toBeGreaterThan(0);
  });
  it("0 < p < 1: (Σ|x|ᵖ)^(1/p), a zero element's gradient 0 (PyTorch's masked backward); p < 0 refused, at the p", () => {
    const [half] = outputs("return x.norm(0.5, 1, true);", "x: Tensor<[Batch, 4]>", { x: nd([2, 4], [4, 0, 1, 9, 0, 0, 0, 0]) });
    // (2 + 0 + 1 + 3)² = 36; a zero vector 0
    expect(half).toEqual([36, 0]);
    // away from zeros against central differences; at a zero element the gradient is 0, not ∞·0
    expect(gradCheck(model("return x.abs().add(0.1).norm(0.5, 1, true);", "x: Tensor<[Batch, 4]>")).checked).toBeGreaterThan(0);
    expect(first(model("return x.norm(-1, 1);", "x: Tensor<[Batch, 4]>"))).toMatch(/^TSDP\d+ 5: norm: p = -1 is not supported \(2 or "fro", 1, Infinity, -Infinity, 0, or a number > 0\)/);
  });
});

describe("torch.nn under F and torch.nn.functional under nn", () => {
  it("F.nn.functional.relu and nn.functional.gelu are F's functions, F.nn.init and F.nn.Linear nn's (F is torch)", () => {
    const x = nd([2, 3], [0.5, -1, 2, -0.25, 1.5, -3]);
    const got = outputs("return [F.nn.functional.relu(x), nn.functional.gelu(x), F.relu(x), F.gelu(x), this.fc(x)];", "x: Tensor<[Batch, 3]>", { x }, "fc = new F.nn.Linear(3, 2);\n  constructor() {\n    super();\n    F.nn.init.ones_(this.fc.weight);\n    F.nn.init.zeros_(this.fc.bias);\n  }");
    expect(got[0]).toEqual(got[2]);
    expect(got[1]).toEqual(got[3]);
    expect(got[0]).toEqual([0.5, 0, 2, 0, 1.5, 0]);
    close(got[4], [1.5, 1.5, -1.75, -1.75]);
  });
});

describe("spellings of movement, matmul, conversion and selection", () => {
  it("x.T reverses the dims, x.mT swaps the last two, mm and bmm are matmul for 2-D and 3-D", () => {
    const x = nd([1, 2, 3], [1, 2, 3, 4, 5, 6]);
    const got = outputs(
      // c is x's one sample as a constant: a 2-D operand (the batch dim cannot be selected away)
      "const c = F.arange(1, 7).float().view(2, 3); const batched = (m: Tensor) => x.flatten(1).narrow(1, 0, 1).mul(0).add(m.flatten());\n    return [x.mT.flatten(1), x.transpose(1, 2).flatten(1), x.bmm(x.mT).flatten(1), F.bmm(x, x.transpose(1, 2)).flatten(1), batched(c.T.mm(c)), batched(F.mm(c.t(), c)), F.matmul(x, x.mT).flatten(1)];",
      "x: Tensor<[Batch, 2, 3]>",
      { x },
    );
    expect(got[0]).toEqual([1, 4, 2, 5, 3, 6]);
    expect(got[1]).toEqual(got[0]);
    expect(got[2]).toEqual([14, 32, 32, 77]);
    expect(got[3]).toEqual(got[2]);
    expect(got[6]).toEqual(got[2]);
    expect(got[4]).toEqual([17, 22, 27, 22, 29, 36, 27, 36, 45]);
    expect(got[5]).toEqual(got[4]);
  });
  it("mm and bmm refuse other ranks, naming both shapes", () => {
    expect(first(model("return x.mm(x);", "x: Tensor<[Batch, 2, 2]>"))).toMatch(/^TSDP\d+ 5: mm expects 2-D tensors, got \[Batch, 2, 2\] and \[Batch, 2, 2\]/);
    expect(first(model("return F.bmm(x, x);", "x: Tensor<[Batch, 2]>"))).toMatch(/^TSDP\d+ 5: bmm expects 3-D tensors/);
  });
  it("the forms of test/typing/port-forms.ts, which tsc checks against the typings, lower", () => {
    const { graph } = lowerModel("test/typing/port-forms.ts");
    // the parameters train (head.bias is headBias, named where named_parameters() meets it first); the buffer registered with { persistent: false } is not state
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["w", "headBias", "twin.q1.weight", "twin.q1.bias", "twin.q2.weight", "twin.q2.bias", "head.weight", "wn.bias", "wn.weight_g", "wn.weight_v", "sn.bias", "sn.weight_orig"]);
    expect(graph.buffers.map((b) => b.attrs.name)).toEqual(["sn.weight_u", "sn.weight_v"]);
    // the constructor's writes through the attributes the typings now declare (wn.weight_v, sn.weight_orig)
    const init = (name: string) => graph.params.find((p) => p.attrs.name === name)!.attrs.init;
    expect([init("wn.weight_g"), init("wn.weight_v"), init("sn.weight_orig")]).toEqual([{ kind: "constant", value: 1 }, { kind: "normal", std: 0.01 }, { kind: "normal", std: 0.02 }]);
  });
  it("the forms of test/typing/option-forms.ts (the kernel size as a keyword, inplace, GLU's options, tuple unpacking of max, named outputs in the loss) lower; EmbeddingBag's weight.data = W starts it as W", () => {
    const { graph } = lowerModel("test/typing/option-forms.ts");
    expect(graph.outputNames).toEqual(["out", "picked"]);
    expect(graph.params.find((p) => p.attrs.name === "c2.weight")!.shape).toEqual([2, 2, 3, 3]);
    const state = initState(graph, 0);
    expect(Array.from(state.params.get("bag.weight")!.data)).toEqual(new Array(10).fill(0.5));
    const x = nd([1, 2, 4, 4], Array.from({ length: 32 }, (_, i) => Math.sin(i)));
    const [, picked] = runReference(graph, { x, ids: nd([1, 3], [0, 4, 2]) }, state).outputs;
    expect(picked.shape).toEqual([1, 2]);
  });
  it("PyTorch's keywords as an options object (x.sum({ dim: 1, keepdim: true }), F.cat(xs, { dim: 1 }), F.oneHot(ids, { numClasses })) equal the positional forms", () => {
    const keyword = "F.softmax(x, { dim: -1 }), F.logSoftmax(x, { dim: -1 }), x.softmax({ dim: 1 }), x.logSoftmax({ dim: 1 }), F.cat([x, x], { dim: 1 }), F.stack([x, x], { dim: 1 }), x.sum({ dim: 1, keepdim: true }), x.mean({ dim: [1, 2] }), F.sum(x, { dim: 2 }), F.mean(x, { dim: 2, keepdim: true }), x.max({ dim: 1 }).values, x.min({ dim: 1, keepdim: true }).indices.float(), x.argmax({ dim: 1 }).float(), x.argmin({ dim: 2, keepdim: true }).float(), x.flatten({ startDim: 1 }), x.chunk(2, { dim: 1 })[1], x.split(1, { dim: 1 })[0], F.oneHot(ids, { numClasses: 5 })";
    const positional = "F.softmax(x, -1), F.logSoftmax(x, -1), x.softmax(1), x.logSoftmax(1), F.cat([x, x], 1), F.stack([x, x], 1), x.sum(1, true), x.mean([1, 2]), F.sum(x, 2), F.mean(x, 2, true), x.max(1).values, x.min(1, true).indices.float(), x.argmax(1).float(), x.argmin(2, true).float(), x.flatten(1), x.chunk(2, 1)[1], x.split(1, 1)[0], F.oneHot(ids, 5)";
    const input = 'x: Tensor<[Batch, 2, 3]>, ids: Tensor<[Batch, 3], "int32">';
    const values = { x: nd([1, 2, 3], [0.5, -1, 2, 3, 0.25, -2]), ids: nd([1, 3], [4, 0, 2]) };
    const flat = (list: string) => `return [${list}].map((t) => t.reshape(t.size(0), -1));`;
    const got = outputs(flat(keyword), input, values);
    expect(got).toHaveLength(18);
    expect(got).toEqual(outputs(flat(positional), input, values));
  });
  it("test/typing/keyword-forms.ts: 36 common calls with PyTorch's keywords as options (torch.clamp(x, min=0) → x.clamp({ min: 0 }), nn.Linear(in_features=4, …) → new nn.Linear({ inFeatures: 4, … })) equal their positional forms", () => {
    const { graph } = lowerModel("test/typing/keyword-forms.ts");
    const state = initState(graph, 0);
    // the layers built positionally start with the weights of those built with keywords
    for (const name of [...state.params.keys()]) if (name.includes("Positional.")) state.params.set(name, state.params.get(name.replace("Positional.", "."))!);
    const x = nd([2, 1, 4, 4], Array.from({ length: 32 }, (_, i) => Math.sin(1.7 * i)));
    const outs = runReference(graph, { x, y: nd([2], [3, 1]) }, state).outputs.map((o) => Array.from(o.data));
    const calls = (outs.length - 8) / 2;
    expect(calls).toBe(36);
    // the same ops in the same order: bit-equal
    for (let i = 0; i < calls; i++) expect(outs[i], `call ${i}`).toEqual(outs[calls + i]);
    // the losses in pairs: label smoothing written out sums in another order (float64 reference: 12 digits), the class weight by keyword and by position alike
    const losses = outs.slice(2 * calls);
    close(losses[0], losses[1]);
    for (let i = 2; i < 8; i += 2) expect(losses[i], `loss pair ${i / 2}`).toEqual(losses[i + 1]);
  });
  it("a keyword given by position too, or unknown, is refused naming the call and what it takes", () => {
    const input = "x: Tensor<[Batch, 4]>";
    expect(first(model("return F.topk(x, 2, { k: 3 }).values;", input))).toMatch(/^TSDP3004 5: F\.topk: 'k' is given both by position and as an option; give it once$/);
    expect(first(model("return x.clamp({ mn: 0 });", input))).toMatch(/^TSDP3004 5: clamp has no option 'mn'; did you mean min\?; it takes min, max$/);
    // an object where any value is taken (where's other may be a tensor or a number) is options once it names one
    expect(first(model("return F.where(x.gt(0), x, { other: x, bogus: 1 });", input))).toMatch(/^TSDP3004 5: F\.where has no option 'bogus'; it takes condition, input, other$/);
    expect(first(model("return F.interpolate(x.view(-1, 1, 4), { scale_factor: 2 });", input))).toMatch(/has no option 'scale_factor'; write scaleFactor \(camelCase\) for PyTorch's scale_factor/);
    // PyTorch's input= (F.relu(input=x)) is F's first tensor, by position; where PyTorch's input comes second (polygamma) it is an option
    expect(first(model("return F.relu({ input: x });", input))).toMatch(/^TSDP3004 5: F\.relu has no option 'input'; PyTorch's input= is the tensor given first, by position, here: F\.relu\(x, …\); it takes x, inplace$/);
    const at = { x: nd([1, 4], [0.5, 1, 2, 3]) };
    expect(outputs("return F.polygamma(1, { input: x });", input, at)).toEqual(outputs("return F.polygamma(1, x);", input, at));
  });
  it("the first arguments by position and the rest as keywords (F.conv2d(x, w, b, { padding: 1 }), F.layerNorm(x, shape, w, b, { eps }), F.batchNorm(x, rm, rv, w, b, { training })) equal the positional forms", () => {
    const keyword = 'F.conv2d(x, w2, null, { padding: 1 }), F.conv2d(x, w2, b, { stride: 1, padding: "same", groups: 1 }), F.conv1d(l, w1, b, { padding: 1 }), F.conv3d(x.unsqueeze(2), w2.unsqueeze(2), undefined, { padding: [0, 1, 1] }), F.convTranspose2d(x, w2, b, { padding: 1 }), F.convTranspose1d(l, w1, null, { padding: 1 }), F.layerNorm(x, [4], g, b4, { eps: 0.1 }), F.groupNorm(x, 2, null, null, { eps: 0.1 }), F.batchNorm(x, null, null, b, b, { training: true, eps: 0.1 }), F.batchNorm(x, null, null, { weight: b, training: true }), F.instanceNorm(x, { weight: b, eps: 0.1 }), F.empty(x.size(0), 1, { dtype: "int32" }).fill_(3).float()';
    const positional = 'F.conv2d(x, w2, null, 1, 1), F.conv2d(x, w2, b, 1, "same", 1, 1), F.conv1d(l, w1, b, 1, 1), F.conv3d(x.unsqueeze(2), w2.unsqueeze(2), null, 1, [0, 1, 1]), F.convTranspose2d(x, w2, b, 1, 1), F.convTranspose1d(l, w1, null, 1, 1), F.layerNorm(x, [4], g, b4, 0.1), F.groupNorm(x, 2, null, null, 0.1), F.batchNorm(x, null, null, b, b, true, 0.1, 0.1), F.batchNorm(x, null, null, b, null, true), F.instanceNorm(x, null, null, b, null, true, 0.1, 0.1), F.full([x.size(0), 1], 3)';
    const weights = "const l = x.flatten(2); const w2 = F.linspace(-1, 1, 36).view(2, 2, 3, 3); const w1 = F.linspace(-1, 1, 12).view(2, 2, 3); const b = F.tensor([0.5, -0.25]); const g = F.linspace(0.5, 1.5, 4); const b4 = F.linspace(-1, 1, 4);";
    const values = { x: nd([1, 2, 4, 4], Array.from({ length: 32 }, (_, i) => Math.sin(i))) };
    const flat = (list: string) => `${weights} return [${list}].map((t) => t.reshape(t.size(0), -1));`;
    const got = outputs(flat(keyword), "x: Tensor<[Batch, 2, 4, 4]>", values);
    expect(got).toHaveLength(12);
    expect(got).toEqual(outputs(flat(positional), "x: Tensor<[Batch, 2, 4, 4]>", values));
    expect(got[11]).toEqual([3]);
  });
  it("the losses' PyTorch positions: weight, the deprecated size_average, ignore_index, reduce, reduction (F.nll_loss(x, y, w, None, 1, None, 'none')) bind as their keywords; a size_average or reduce other than a boolean or null is refused", () => {
    const input = 'v: Tensor<[Batch, 4]>, y: Tensor<[Batch], "int32">';
    const fields = 'nll = new nn.NLLLoss(null, null, 1, null, "none"); nllKeyword = new nn.NLLLoss({ ignoreIndex: 1, reduction: "none" });';
    const keyword = 'F.nllLoss(v, y, { weight: w, ignoreIndex: 1, reduction: "none" }), F.crossEntropy(v, y, { weight: w, ignoreIndex: 1, reduction: "none", labelSmoothing: 0.1 }), F.binaryCrossEntropyWithLogits(v, t, { weight: w, reduction: "none", posWeight: w }), this.nllKeyword(v, y), F.smoothL1Loss(v, t, { reduction: "none", beta: 0.5 }), F.mseLoss(v, t, { reduction: "none" })';
    const positional = 'F.nllLoss(v, y, w, null, 1, null, "none"), F.crossEntropy(v, y, w, null, 1, null, "none", 0.1), F.binaryCrossEntropyWithLogits(v, t, w, null, null, "none", w), this.nll(v, y), F.smoothL1Loss(v, t, null, null, "none", 0.5), new nn.MSELoss(null, null, "none")(v, t)';
    const flat = (list: string) => `const w = F.tensor([1, 2, 0.5, 3]); const t = F.sigmoid(v); return [${list}].map((l) => l.reshape(l.size(0), -1));`;
    // class 1 in y: ignored by both forms, or by neither were ignore_index misbound
    const values = { v: nd([3, 4], Array.from({ length: 12 }, (_, i) => Math.sin(1.3 * i))), y: nd([3], [1, 0, 3]) };
    const got = outputs(flat(keyword), input, values, fields);
    expect(got).toHaveLength(6);
    expect(got[0][0]).toBe(0);
    expect(got).toEqual(outputs(flat(positional), input, values, fields));
    // before, position 4 was ignore_index (a number there, size_average's place, was misread) and 5 reduction
    expect(first(model("return F.crossEntropy(x, F.zeros(x.size(0), { dtype: 'int32' }), null, 2).expand(x.size(0));", "x: Tensor<[Batch, 4]>"))).toMatch(
      /^TSDP3004 5: F\.crossEntropy: sizeAverage is PyTorch's deprecated size_average, true, false or null \(its default\), got the number 2; give reduction \("mean", "sum" or "none"\) by name instead$/,
    );
    expect(first(model("return F.binaryCrossEntropy(F.sigmoid(x), x, null, null, 1).expand(x.size(0), 4);", "x: Tensor<[Batch, 4]>"))).toMatch(/^TSDP3004 5: F\.binaryCrossEntropy: reduce is PyTorch's deprecated reduce, true, false or null/);
    // F.mse_loss(x, y, "sum") is size_average="sum" in PyTorch (a mean, with a warning): it summed here
    expect(first(model('return F.mseLoss(x, x.neg(), "sum").expand(x.size(0), 4);', "x: Tensor<[Batch, 4]>"))).toMatch(/^TSDP3004 5: F\.mseLoss: sizeAverage is PyTorch's deprecated size_average/);
  });
  it("the deprecated size_average and reduce, when given, choose the reduction as PyTorch's legacy rule: size_average=False sums, reduce=False keeps every element", () => {
    const input = "v: Tensor<[Batch, 4]>";
    const flat = (list: string) => `const t = F.sigmoid(v.neg()); return [${list}].map((l) => (l.dim() === 0 ? l.view(1, 1).expand(v.size(0), 1) : l));`;
    const values = { v: nd([2, 4], Array.from({ length: 8 }, (_, i) => Math.sin(1.3 * i))) };
    // beta-VAE's F.binary_cross_entropy_with_logits(x_recon, x, size_average=False); the VAE example's F.binary_cross_entropy(…, size_average=False)
    const legacy = 'F.binaryCrossEntropyWithLogits(v, t, { sizeAverage: false }), F.mseLoss(v, t, false), F.l1Loss(v, t, { reduce: false }), F.mseLoss(v, t, true, true, "none"), new nn.MSELoss({ sizeAverage: false, reduce: false })(v, t), F.smoothL1Loss(v, t, null, true, "none")';
    const modern = 'F.binaryCrossEntropyWithLogits(v, t, { reduction: "sum" }), F.mseLoss(v, t, { reduction: "sum" }), F.l1Loss(v, t, { reduction: "none" }), F.mseLoss(v, t), F.mseLoss(v, t, { reduction: "none" }), F.smoothL1Loss(v, t)';
    const got = outputs(flat(legacy), input, values);
    expect(got).toHaveLength(6);
    expect(got).toEqual(outputs(flat(modern), input, values));
  });
  it("the other losses' and nn.EmbeddingBag's PyTorch positions bind as their keywords (nn.PoissonNLLLoss(False, True, None, 1e-6), nn.EmbeddingBag(10, 3, None, 2.0, False, 'max'))", () => {
    const input = 'v: Tensor<[Batch, 4]>, ids: Tensor<[Batch, 3], "int32">';
    const fields = 'p = new nn.PoissonNLLLoss(false, true, null, 0.5, null, "none"); pk = new nn.PoissonNLLLoss({ logInput: false, full: true, eps: 0.5, reduction: "none" }); m = new nn.MarginRankingLoss(0.5, null, null, "none"); t = new nn.TripletMarginLoss(1, 2, 1e-6, true, null, null, "none"); e = new nn.EmbeddingBag(4, 2, null, 2, false, "max", false, null, false, 1); ek = new nn.EmbeddingBag(4, 2, { mode: "max", paddingIdx: 1 });\n  constructor() { super(); this.e.weight.copy_(F.arange(8).view(4, 2)); this.ek.weight.copy_(F.arange(8).view(4, 2)); }';
    const pos = "const u = v.abs().add(1);";
    const keyword = 'this.pk(u, v), F.poissonNllLoss(u, v, { logInput: false, full: true, eps: 0.5, reduction: "none" }), F.marginRankingLoss(v, u, v.sign(), { margin: 0.5, reduction: "none" }), F.tripletMarginLoss(v, u, v.neg(), { swap: true, reduction: "none" }), F.multiMarginLoss(v, F.zeros(v.size(0), { dtype: "int32" }), { p: 1, margin: 2, reduction: "none" }), this.ek(ids)';
    const positional = 'this.p(u, v), F.poissonNllLoss(u, v, false, true, null, 0.5, null, "none"), this.m(v, u, v.sign()), this.t(v, u, v.neg()), F.multiMarginLoss(v, F.zeros(v.size(0), { dtype: "int32" }), 1, 2, null, null, null, "none"), this.e(ids)';
    const flat = (list: string) => `${pos} return [${list}].map((l) => l.reshape(l.size(0), -1));`;
    const values = { v: nd([2, 4], Array.from({ length: 8 }, (_, i) => Math.sin(1.3 * i))), ids: nd([2, 3], [0, 1, 3, 1, 1, 1]) };
    const got = outputs(flat(keyword), input, values, fields);
    expect(got).toHaveLength(6);
    expect(got).toEqual(outputs(flat(positional), input, values, fields));
    // bag [0, 1, 3] without padding row 1: max of rows [0, 1] and [6, 7]; a bag of padding only is zeros
    expect(got[5]).toEqual([6, 7, 0, 0]);
    expect(first(model("return v;", input, "p = new nn.PoissonNLLLoss(true, false, 0.5);"))).toMatch(/^TSDP3004 3: nn\.PoissonNLLLoss: sizeAverage is PyTorch's deprecated size_average, true, false or null/);
    expect(first(model("return v;", input, "e = new nn.EmbeddingBag(4, 2, 1.5);"))).toMatch(/^TSDP3004 3: nn\.EmbeddingBag: maxNorm is not supported/);
    expect(first(model("return v;", input, "e = new nn.EmbeddingBag(4, 2, null, 2, true);"))).toMatch(/^TSDP3004 3: nn\.EmbeddingBag: scaleGradByFreq: true is not supported/);
  });
  it("PyTorch's keyword-only arguments (after * in its signature) are refused by position, naming the option form: F.gelu(x, 'tanh') is PyTorch's TypeError", () => {
    const input = "x: Tensor<[Batch, 4]>";
    expect(first(model('return F.gelu(x, "tanh");', input))).toMatch(/^TSDP3002 5: F\.gelu takes 1 positional argument \(x\), got 2: approximate is keyword-only in PyTorch; give it in the options object \(\{ approximate: … \}\)$/);
    expect(first(model("return x.add(x, 2);", input))).toMatch(/^TSDP3002 5: add takes 1 positional argument \(other\), got 2: alpha is keyword-only/);
    expect(first(model('return x.div(x, "floor");', input))).toMatch(/^TSDP3002 5: div takes 1 positional argument \(other\), got 2: roundingMode is keyword-only/);
    expect(first(model("return F.addmm(x, x, F.eye(4), 0.5);", input))).toMatch(/^TSDP3002 5: F\.addmm takes 3 positional arguments \(input, mat1, mat2\), got 4: beta, alpha are keyword-only/);
    expect(first(model("return F.searchsorted(F.tensor([1, 2]), x, true).float();", input))).toMatch(/outInt32, right, side are keyword-only/);
    expect(first(model("return x;", input, "g = new nn.GaussianNLLLoss(true);"))).toMatch(/^TSDP3002 3: nn\.GaussianNLLLoss takes 0 positional arguments, got 1: full, eps, reduction are keyword-only/);
    // the keyword forms bind, and nn.GELU takes approximate by position (a Python class's parameter)
    const got = outputs('return [F.gelu(x, { approximate: "tanh" }), new nn.GELU("tanh")(x), x.add(x, { alpha: 2 }), F.gaussianNllLoss(x, x, x.abs(), true, 1e-6, "none")];', input, { x: nd([1, 4], [-1, 0, 0.5, 2]) });
    expect(got[0]).toEqual(got[1]);
    expect(got[2]).toEqual([-3, 0, 1.5, 6]);
  });
  it("Tensor.split's keyword is splitSize (torch.split's splitSizeOrSections), F.where's operands by keyword, F.arange({ end: x.size(0) })", () => {
    const input = "x: Tensor<[Batch, 4]>";
    const got = outputs(
      "const [a, b] = x.split({ splitSize: 2, dim: 1 }); const [c] = F.split(x, { splitSizeOrSections: [3, 1], dim: 1 }); return [a.sub(b), c, F.where({ condition: x.gt(0), input: x, other: x.neg() }), F.arange({ end: x.size(0) }).float(), F.arange(x.size(0)).float()];",
      input,
      { x: nd([2, 4], [1, -2, 3, -4, 5, 6, -7, 8]) },
    );
    expect(got).toEqual([[-2, 2, 12, -2], [1, -2, 3, 5, 6, -7], [1, 2, 3, 4, 5, 6, 7, 8], [0, 1], [0, 1]]);
    expect(first(model("return x.split({ splitSizeOrSections: 2, dim: 1 })[0];", input))).toMatch(/split has no option 'splitSizeOrSections'.*it takes splitSize, dim/);
    // F.where with the condition alone, by keyword too, is still nonzero's form
    expect(first(model("return F.where({ condition: x.gt(0) });", input))).toMatch(/^TSDP2001 5: F\.where\(condition\) with one argument is PyTorch's nonzero/);
  });
  it("to, typeAs, dtype and device: conversions between float32 and int32; a model's tensors stay on its GPU", () => {
    const ids = nd([1, 3], [2, 0, 7]);
    const x = nd([1, 3], [1.9, -1.5, 0.2]);
    const got = outputs(
      'return [ids.to("float32"), x.to(ids).float(), x.typeAs(ids).float(), ids.typeAs(x), x.to({ dtype: "int32" }).float(), x.to(x.device), ids.to(x.dtype)];',
      'x: Tensor<[Batch, 3]>, ids: Tensor<[Batch, 3], "int32">',
      { x, ids },
    );
    expect(got).toEqual([[2, 0, 7], [1, -1, 0], [1, -1, 0], [2, 0, 7], [1, -1, 0], [1.9, -1.5, 0.2], [2, 0, 7]]);
    expect(first(model('return x.to("cpu");', "x: Tensor<[Batch, 3]>"))).toMatch(/^TSDP\d+ 5: to: a model's tensors stay on its GPU/);
    // x.cuda() is x; a constructor's constant read to the host (RetNet's gammas) is compile-time data
    expect(outputs("return [x.cuda(), x.mul(this.g[1])];", "x: Tensor<[Batch, 3]>", { x }, "g = F.linspace(0, 1, 3).detach().cpu().tolist();")).toEqual([[1.9, -1.5, 0.2], [0.95, -0.75, 0.1]]);
    expect(first(model("return x.cpu();", "x: Tensor<[Batch, 3]>"))).toMatch(/^TSDP\d+ 5: cpu: a model's tensors stay on its GPU; move results to the host by returning them from forward \(drop \.cpu\(\)\)/);
    expect(first(model('return x.to("float16");', "x: Tensor<[Batch, 3]>"))).toMatch(/^TSDP\d+ 5: to: tsdp's tensors are "float32" or "int32" \(int64 is held as int32\), got "float16"/);
    // a float64 diffusion schedule (lucidrains' linspace(..., dtype=torch.float64), .double(), .to(torch.float64)):
    // each says constructor math is float64 already and rounded once, so leaving the float64 out gives PyTorch's buffer
    const schedule = (made: string) => first(model("return x.add(this.betas);", "x: Tensor<[Batch, 3]>", `betas!: Tensor;\n  constructor() { super(); this.registerBuffer("betas", ${made}); }`));
    for (const made of ['F.linspace(0, 1, 3, { dtype: F.float64 }).to(F.float32)', "F.arange(3).double()", 'F.ones(3).to("float64")', 'F.zeros(3, { dtype: "double" })'])
      expect(schedule(made), made).toMatch(/tsdp's tensors are float32 \(int32 for indices\), and a constructor's tensor math is done in float64 anyway and rounded once to float32 where it becomes state.*leave the float64 out$/);
    expect(first(model("return x.half();", "x: Tensor<[Batch, 3]>"))).toMatch(/^TSDP\d+ 5: half\(\): tsdp's tensors are float32 \(int32 for indices\); compute GEMMs in bf16 or tf32 with tsdp compile --precision/);
  });
  it("clampMin/clampMax are clamp, x.max(y)/x.min(y) are maximum/minimum, x.where(c, y) is F.where(c, x, y), logicalXor", () => {
    const x = nd([1, 4], [-2, -0.5, 0.5, 2]);
    const y = nd([1, 4], [0, 1, 0, 1]);
    const got = outputs(
      "return [x.clampMin(-1), x.clamp(-1), x.clampMax(1), x.clamp(null, 1), x.max(y), F.maximum(x, y), x.min(y), F.minimum(x, y), x.where(y, 9), F.where(y, x, 9), x.gt(0).logicalXor(y), F.logicalXor(y, x.gt(0))];",
      "x: Tensor<[Batch, 4]>, y: Tensor<[Batch, 4]>",
      { x, y },
    );
    for (let i = 0; i < 12; i += 2) expect(got[i + 1], `pair ${i / 2}`).toEqual(got[i]);
    expect(got[0]).toEqual([-1, -0.5, 0.5, 2]);
    expect(got[4]).toEqual([0, 1, 0.5, 2]);
    expect(got[8]).toEqual([9, -0.5, 9, 2]);
    expect(got[10]).toEqual([0, 1, 1, 0]);
  });
  it("bitwise and/or/xor/not of bool masks (PyTorch's & | ^ ~) are the logical ops, in either spelling; other operands are refused", () => {
    const x = nd([1, 4], [-2, -0.5, 0.5, 2]);
    const got = outputs(
      "const a = x.gt(0), b = x.gt(-1);\n    return [a.bitwiseAnd(b), a.bitwise_or(x.lt(-1)), F.bitwise_xor(a, b), F.bitwise_not(a), a.bitwiseAnd(false), F.bitwiseOr(a, true), a.bitwiseNot().bitwiseNot()];",
      "x: Tensor<[Batch, 4]>",
      { x },
    );
    expect(got).toEqual([[0, 0, 1, 1], [1, 0, 1, 1], [0, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0], [1, 1, 1, 1], [0, 0, 1, 1]]);
    // the result is a bool mask: SDPA's bool attn_mask keeps where true, a float one would be added
    expect(first(model("return x.bitwiseAnd(x.gt(0));", "x: Tensor<[Batch, 4]>"))).toMatch(/^TSDP\d+ 5: bitwiseAnd of a float32 tensor: PyTorch computes bitwise ops on integer and bool tensors only .*convert it with \.int\(\) first/);
    expect(first(model("return x.gt(0).bitwiseAnd(2.5);", "x: Tensor<[Batch, 4]>"))).toMatch(/^TSDP\d+ 5: bitwiseAnd of the number 2\.5/);
    // with an integer, a mask is its 0/1 (bool promotes to the integer type): True & 2 is 0, True | 2 is 3 (test/int-arithmetic.test.ts)
    expect(outputs("return [x.gt(0).bitwiseAnd(2), x.gt(0).bitwiseOr(2)];", "x: Tensor<[Batch, 4]>", { x })).toEqual([[0, 0, 0, 0], [2, 2, 3, 3]]);
  });
  it("ops whose result is sized by the data (nonzero, masked_select, unique, argwhere) are refused with the reason and what to write", () => {
    for (const body of ["return x.nonzero();", "return x.gt(0).nonzero({ asTuple: true })[0];", "return F.masked_select(x, x.gt(0));", "return x.unique();", "return F.argwhere(x);", "return F.bincount(x.int());", "return x.int().bincount().float();", "return x.uniqueConsecutive();", "return F.where(x.gt(0))[0];"])
      expect(first(model(body, "x: Tensor<[Batch, 4]>")), body).toMatch(/result has as many elements as the data selects, a size known only at run time.*F\.where\(mask, x, 0\)/);
    // torch.where(condition) alone is nonzero(as_tuple=True) (Mixtral's expert dispatch): that reason, once, not two missing arguments
    const where = diagnosticsOf(model("const [idx] = F.where(x.gt(0));\n    return x.index(idx);", "x: Tensor<[Batch, 4]>"));
    expect(where).toHaveLength(1);
    expect(where[0].message).toMatch(/^F\.where\(condition\) with one argument is PyTorch's nonzero\(condition, as_tuple=True\): .*as many elements as the data selects/);
    // F.one_hot's default num_classes=-1 (from the data) is refused with the reason, given or left out
    for (const body of ["return F.oneHot(x.argmax(1));", "return F.oneHot(x.argmax(1), -1);"])
      expect(first(model(body, "x: Tensor<[Batch, 4]>")), body).toMatch(/F\.oneHot: numClasses must be given \(≥ 1\): tsdp sizes tensors at compile time/);
    // a refused method's in-place form says why too
    for (const body of ["return x.maskedScatter(x.gt(0), x);", "x.maskedScatter_(x.gt(0), x); return x;", "x.masked_scatter_(x.gt(0), x); return x;"])
      expect(first(model(body, "x: Tensor<[Batch, 4]>")), body).toMatch(/tensors have no masked_?[sS]catter_? in tsdp: masked_scatter takes the source's elements in order over the whole batch/);
  });
  it("an index list from F.tensor of integers is int32, as PyTorch's int64 list (DLRM's Z[:, li, lj]); one written with float literals is refused as PyTorch refuses a float index", () => {
    const pairs = "const li = F.tensor([1, 2, 2]${dtype});\n    const lj = F.tensor([0, 0, 1]${dtype});\n    const z = x.unsqueeze(2).mul(x.unsqueeze(1));\n    return z.index(':', li, lj);";
    expect(first(model(pairs.replace(/\$\{dtype\}/g, ", { dtype: 'float32' }"), "x: Tensor<[Batch, 3]>"))).toMatch(
      /^TSDP\d+ 8: index: a tensor index must be an int32 tensor .*got float32 \[3\] of whole numbers \(float as PyTorch's is.*write the integers \(F\.tensor\(\[0, 2\]\)\), or convert with \.int\(\)/,
    );
    const { graph: inferred } = lowerSource(model(pairs.replace(/\$\{dtype\}/g, ""), "x: Tensor<[Batch, 3]>"));
    expect(Array.from(runReference(inferred, { x: nd([1, 3], [2, 3, 5]) }, initState(inferred, 0)).outputs[0].data)).toEqual([6, 10, 15]);
    expect(first(model("return x.indexSelect(1, F.tensor([0.0, 2]));", "x: Tensor<[Batch, 3]>"))).toMatch(/^TSDP4002 5: indexSelect expects int32 indices, got f32 \[2\] \(.*convert with \.int\(\), or write F\.tensor\(values, \{ dtype: "int32" \}\)\)/);
    const { graph } = lowerSource(model(pairs.replace(/\$\{dtype\}/g, ', { dtype: "int32" }'), "x: Tensor<[Batch, 3]>"));
    // x = [2, 3, 5]: the products below the diagonal, row by row: x1·x0, x2·x0, x2·x1
    expect(Array.from(runReference(graph, { x: nd([1, 3], [2, 3, 5]) }, initState(graph, 0)).outputs[0].data)).toEqual([6, 10, 15]);
  });
  it("torch.* is F.*: an undefined torch says so, and F's functions answer to PyTorch's snake_case names", () => {
    expect(first(model("return torch.relu(x);", "x: Tensor<[Batch, 4]>"))).toMatch(/^TSDP\d+ 5: 'torch' is not defined: PyTorch's torch\.\* functions are F's in tsdp \(torch\.cat is F\.cat/);
    const x = nd([1, 4], [-2, -0.5, 0.5, 2]);
    const got = outputs("return [F.leaky_relu(x, 0.5), F.leakyRelu(x, 0.5), F.logical_not(x.gt(0)), F.logicalNot(x.gt(0))];", "x: Tensor<[Batch, 4]>", { x });
    expect(got[0]).toEqual([-1, -0.25, 0.5, 2]);
    expect(got[1]).toEqual(got[0]);
    expect(got[2]).toEqual([1, 1, 0, 0]);
    expect(got[3]).toEqual(got[2]);
    expect(first(model("return F.leaky_reluu(x);", "x: Tensor<[Batch, 4]>"))).toMatch(/^TSDP\d+ 5: F\.leaky_reluu is not part of tsdp's model language/);
  });
  it("viewAs and unflatten are reshapes; roll wraps around along each dim, or flattened", () => {
    const x = nd([1, 2, 3], [1, 2, 3, 4, 5, 6]);
    const got = outputs(
      "const c = F.arange(1, 7).float().view(2, 3);\n    return [x.flatten(1).viewAs(x).flatten(1), x.flatten(1).unflatten(1, [3, -1]).select(2, 0), x.roll(1, 2).flatten(1), F.roll(x, [-1, 1], [1, 2]).flatten(1), x.roll(4, -1).flatten(1), x.flatten(1).mul(0).add(c.roll(1).flatten())];",
      "x: Tensor<[Batch, 2, 3]>",
      { x },
    );
    expect(got[0]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(got[1]).toEqual([1, 3, 5]);
    expect(got[2]).toEqual([3, 1, 2, 6, 4, 5]);
    expect(got[3]).toEqual([6, 4, 5, 3, 1, 2]);
    expect(got[4]).toEqual([3, 1, 2, 6, 4, 5]); // 4 ≡ 1 (mod 3)
    expect(got[5]).toEqual([6, 1, 2, 3, 4, 5]);
    expect(first(model("return x.roll(1);", "x: Tensor<[Batch, 3]>"))).toMatch(/^TSDP\d+ 5: roll: without dims, x is rolled flattened, which would mix the samples of \[Batch, 3\]; give the dims/);
    expect(first(model("return x.roll(1, 0);", "x: Tensor<[Batch, 3]>"))).toMatch(/^TSDP\d+ 5: roll: dim 0 of \[Batch, 3\] is the batch/);
    expect(first(model("return x.unflatten(1, [2, 2]);", "x: Tensor<[Batch, 6]>"))).toMatch(/^TSDP\d+ 5: unflatten: unflattenedSize \[2, 2\] must multiply to dim 1's size 6/);
  });
});

describe("F's functional forms: layerNorm, embedding, oneHot, cosineSimilarity, glu", () => {
  const fields = "ln = new nn.LayerNorm(4); e = new nn.Embedding(5, 4, { paddingIdx: 0 });";
  it("F.layerNorm and F.embedding with a module's tensors equal the module", () => {
    const x = nd([2, 4], [1, 2, 3, 5, -1, 0, 4, 4]);
    const ids = nd([2, 2], [3, 0, 4, 1]);
    const got = outputs("return [this.ln(x), F.layerNorm(x, [4], this.ln.weight, this.ln.bias), F.layerNorm(x, 4, { eps: 1e-5 }), this.e(ids).flatten(1), F.embedding(ids, this.e.weight).flatten(1)];", 'x: Tensor<[Batch, 4]>, ids: Tensor<[Batch, 2], "int32">', { x, ids }, fields);
    expect(got[1]).toEqual(got[0]);
    expect(got[2]).toEqual(got[0]); // weight 1, bias 0 at initialization
    expect(got[4]).toEqual(got[3]);
  });
  it("F.embedding's paddingIdx row gets no gradient, as nn.Embedding's", () => {
    const body = model("return F.embedding(t, this.e.weight, { paddingIdx: -1 }).mul(2).add(F.embedding(t, this.e.weight));", 't: Tensor<[Batch, 4], "int32">', "e = new nn.Embedding(6, 3);");
    expect(gradCheck(body.slice(header.length), { intLimit: 5 }).checked).toBeGreaterThan(0);
    expect(first(model("return F.embedding(t, this.e.weight, { paddingIdx: 6 });", 't: Tensor<[Batch, 4], "int32">', "e = new nn.Embedding(6, 3);"))).toMatch(
      /^TSDP\d+ 5: F\.embedding: paddingIdx must be within numEmbeddings \(6\), got 6/,
    );
    expect(first(model("return F.layerNorm(x, [4], this.w);", "x: Tensor<[Batch, 4]>", "w = new nn.Parameter(F.ones(3));"))).toMatch(/^TSDP\d+ 5: F\.layerNorm: weight must have the normalized shape \[4\], got \[3\]/);
  });
  it("F.oneHot: float32 0/1 rows of numClasses; the class count is required", () => {
    const ids = nd([1, 3], [2, 0, 3]);
    const [hot] = outputs("return F.oneHot(ids, 4).flatten(1);", 'ids: Tensor<[Batch, 3], "int32">', { ids });
    expect(hot).toEqual([0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1]);
    expect(first(model("return F.oneHot(ids, -1);", 'ids: Tensor<[Batch, 3], "int32">'))).toMatch(/^TSDP\d+ 5: F\.oneHot: numClasses must be given \(≥ 1\)/);
    // left out, PyTorch's default −1: the same reason, not "missing 'numClasses'"
    expect(first(model("return F.oneHot(ids);", 'ids: Tensor<[Batch, 3], "int32">'))).toMatch(/^TSDP\d+ 5: F\.oneHot: numClasses must be given \(≥ 1\).*PyTorch's −1 \(its default\)/);
    expect(first(model("return F.oneHot(x, 3);", "x: Tensor<[Batch, 3]>"))).toMatch(/^TSDP\d+ 5: F\.oneHot expects an int32 tensor of class indices, got f32/);
  });
  it("F.cosineSimilarity: x1·x2/(max(‖x1‖, ε)·max(‖x2‖, ε)) along dim; 0 for a zero vector", () => {
    const a = nd([1, 3, 2], [1, 0, 3, 4, 0, 0]);
    const b = nd([1, 3, 2], [1, 1, 4, -3, 1, 2]);
    const [sim, along1] = outputs("return [F.cosineSimilarity(a, b, -1), F.cosineSimilarity(a, b)];", "a: Tensor<[Batch, 3, 2]>, b: Tensor<[Batch, 3, 2]>", { a, b });
    close(sim, [1 / Math.SQRT2, 0, 0]);
    // along dim 1 (the default): columns [1, 3, 0]·[1, 4, 1] and [0, 4, 0]·[1, -3, 2]
    close(along1, [13 / (Math.sqrt(10) * Math.sqrt(18)), -12 / (4 * Math.sqrt(14))]);
    expect(gradCheck(model("return F.cosineSimilarity(a, b.mul(2).add(a), -1);", "a: Tensor<[Batch, 3, 2]>, b: Tensor<[Batch, 3, 2]>")).checked).toBeGreaterThan(0);
  });
  it("F.cosineSimilarity below eps: the value divides by eps, the gradient still flows through ‖x‖ (PyTorch clamps each norm in place under no_grad)", () => {
    // x1 = x, x2 = x.flip(-1)·0.001, eps 0.1: ‖x2‖ = 0.003 is clamped to 0.1 in the value only; PyTorch's
    // gradient of out = Σ (x1/n1)(x2/n2) is ∂/∂x1 = x2/(n1 n2) − out/n1 · x1/‖x1‖ (and alike for x2),
    // ‖x‖ unclamped in x/‖x‖ — F.normalize's clamp_min would drop the second term where ‖x‖ < eps
    const x = [1, 2, 2, 3, 0, 4];
    const body = "return F.cosineSimilarity(x, x.flip(-1).mul(0.001), { dim: -1, eps: 0.1 }).unsqueeze(1);";
    const norm = (v: number[]) => Math.hypot(...v);
    const want: number[] = [];
    const sims: number[] = [];
    for (const row of [x.slice(0, 3), x.slice(3)]) {
      const [x1, x2] = [row, row.slice().reverse().map((v) => v * 0.001)];
      const [n1, n2] = [Math.max(norm(x1), 0.1), Math.max(norm(x2), 0.1)];
      const out = x1.reduce((a, v, i) => a + v * x2[i], 0) / (n1 * n2);
      const g1 = x1.map((v, i) => x2[i] / (n1 * n2) - ((out / n1) * v) / norm(x1));
      const g2 = x2.map((v, i) => x1[i] / (n1 * n2) - ((out / n2) * v) / norm(x2));
      sims.push(out);
      want.push(...g1.map((g, i) => g + 0.001 * g2[2 - i]));
    }
    close(outputs(body, "x: Tensor<[Batch, 3]>", { x: nd([2, 3], x) })[0], sims);
    close(gradientOf(body, "x: Tensor<[Batch, 3]>", { x: nd([2, 3], x) }), want);
  });
  it("F.cosineSimilarity broadcasts x1 and x2 first, along dim too (a size-1 x2 repeated before its norm), dim being the common shape's", () => {
    const a = nd([1, 3, 2], [1, 0, 3, 4, 0, 0]);
    const b = nd([1, 3, 1], [2, -1, 5]);
    const [along, rows] = outputs("return [F.cosineSimilarity(a, b, -1), F.cosineSimilarity(a, F.tensor([[1.0], [2], [0]]), 1)];", "a: Tensor<[Batch, 3, 2]>, b: Tensor<[Batch, 3, 1]>", { a, b });
    // b's rows [2, 2], [−1, −1], [5, 5]: ‖·‖ = √8 (not 2, the norm of the one value)
    close(along, [2 / Math.sqrt(8), -7 / (5 * Math.sqrt(2)), 0]);
    // [3, 1] against [Batch, 3, 2] along dim 1: columns [1, 3, 0] and [0, 4, 0] with [1, 2, 0]
    close(rows, [7 / (Math.sqrt(10) * Math.sqrt(5)), 8 / (4 * Math.sqrt(5))]);
    expect(gradCheck(model("return F.cosineSimilarity(a, b.add(0.5), -1);", "a: Tensor<[Batch, 3, 2]>, b: Tensor<[Batch, 3, 1]>")).checked).toBeGreaterThan(0);
  });
  it("torch.norm's dtype casts the input first: float32 (an int32 tensor's norm) is taken, other dtypes refused", () => {
    const x = nd([1, 2], [3, 4]);
    const i = nd([1, 2], Int32Array.from([3, -4]));
    const [two, one, kw] = outputs("return [x.norm(2, -1, false, { dtype: F.float32 }), F.norm(i, { p: 1, dim: 1, dtype: F.float32 }), x.norm({ dtype: 'float32', dim: 1 })];", 'x: Tensor<[Batch, 2]>, i: Tensor<[Batch, 2], "int32">', { x, i });
    close(two, [5]);
    close(one, [7]);
    close(kw, [5]);
    expect(first(model("return x.norm(2, -1, false, { dtype: 'int32' });", "x: Tensor<[Batch, 2]>"))).toMatch(/^TSDP3004 5: norm: dtype must be one of "float32"/);
  });
  it("F.glu: the first half times σ of the second; an odd dim is refused", () => {
    const x = nd([1, 4], [1, 2, 0, Math.log(3)]);
    const [g] = outputs("return F.glu(x);", "x: Tensor<[Batch, 4]>", { x });
    close(g, [0.5, 2 * 0.75]);
    expect(first(model("return F.glu(x, 1);", "x: Tensor<[Batch, 5]>"))).toMatch(/^TSDP\d+ 5: F\.glu: halving dim 1 needs an even, fixed size, got \[Batch, 5\]/);
  });
});

describe("more of torch's spellings: alpha, softmax's dtype, pow, outer, new_*, shape.at", () => {
  it("add/sub take alpha; softmax and logSoftmax take dtype float32 and refuse others; F.pow; shape.at(-1)", () => {
    const x = nd([1, 3], [1, 2, 4]);
    const got = outputs(
      "return [x.add(x, { alpha: 2 }), x.sub(1, { alpha: 3 }), x.softmax(-1, { dtype: 'float32' }), F.softmax(x, -1), F.logSoftmax(x, 1, { dtype: 'float32' }), x.logSoftmax(1), F.pow(x, 3), x.pow(3), x.mul(x.shape.at(-1))];",
      "x: Tensor<[Batch, 3]>",
      { x },
    );
    expect(got[0]).toEqual([3, 6, 12]);
    expect(got[1]).toEqual([-2, -1, 1]);
    expect(got[2]).toEqual(got[3]);
    expect(got[4]).toEqual(got[5]);
    expect(got[6]).toEqual([1, 8, 64]);
    expect(got[7]).toEqual(got[6]);
    expect(got[8]).toEqual([3, 6, 12]);
    expect(first(model("return x.softmax(-1, { dtype: 'float16' });", "x: Tensor<[Batch, 3]>"))).toMatch(/^TSDP\d+ 5: softmax: .*dtype/);
  });
  it("F.outer / x.outer of two 1-D tensors; newZeros, newOnes, newFull make float32 tensors of the given size, the batch's too", () => {
    const x = nd([2, 3], [1, 2, 3, 4, 5, 6]);
    const got = outputs(
      "const v = F.arange(1, 4);\n    return [x.add(F.outer(v, v).sum(0)), x.add(v.outer(v.mul(2)).sum(1)), x.newZeros(x.size(0), 3).add(x), x.newOnes([3]).add(x), x.newFull([x.size(0), 1], 0.5).add(x)];",
      "x: Tensor<[Batch, 3]>",
      { x },
    );
    // outer(v, v) summed over rows: v·Σv = [6, 12, 18]; v ⊗ 2v summed over columns: v·2Σv = [12, 24, 36]
    expect(got[0]).toEqual([7, 14, 21, 10, 17, 24]);
    expect(got[1]).toEqual([13, 26, 39, 16, 29, 42]);
    expect(got[2]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(got[3]).toEqual([2, 3, 4, 5, 6, 7]);
    expect(got[4]).toEqual([1.5, 2.5, 3.5, 4.5, 5.5, 6.5]);
    expect(first(model("return F.outer(x, x);", "x: Tensor<[Batch, 3]>"))).toMatch(/^TSDP\d+ 5: F\.outer expects two 1-D tensors, got \[Batch, 3\] and \[Batch, 3\]/);
    // of an int32 x: int32, as PyTorch's new_* take x's dtype
    expect(lowerSource(model("return ids.newFull([x.size(0), 3], 2);", 'ids: Tensor<[Batch, 3], "int32">, x: Tensor<[Batch, 3]>')).graph.outputs[0].dtype).toBe("i32");
    // of a float32 x: float32 also for integer data (torch.full(s, 2) and torch.tensor([1]) alone are int64),
    // so a fill of 0.5 keeps its 0.5, where an integer tensor's maskedFill casts it to 0
    const fromFloat = "[x.newFull([x.size(0), 3], 2), x.newTensor([[1, 2, 3]]).expand(x.size(0), 3), x.newTensor(1).expand(x.size(0), 3)]";
    const filled = outputs(`return ${fromFloat}.map((t) => t.maskedFill(x.gt(3), 0.5));`, "x: Tensor<[Batch, 3]>", { x });
    expect(filled).toEqual([[2, 2, 2, 0.5, 0.5, 0.5], [1, 2, 3, 0.5, 0.5, 0.5], [1, 1, 1, 0.5, 0.5, 0.5]]);
    expect(lowerSource(model(`return ${fromFloat};`, "x: Tensor<[Batch, 3]>")).graph.outputs.map((o) => o.dtype)).toEqual(["f32", "f32", "f32"]);
  });
});

describe("the shrinks, threshold, softmin, prelu: F functions and nn layers", () => {
  const x = nd([1, 6], [-2, -0.5, -0.25, 0.25, 0.75, NaN]);
  it("values as PyTorch's kernels select them, a NaN passed through; the layers equal the functions", () => {
    const got = outputs(
      "return [F.tanhshrink(x), F.hardshrink(x), F.hardshrink(x, 0.3), F.softshrink(x), F.threshold(x, 0.1, 20), this.t(x), this.h(x), this.s(x), this.th(x), F.prelu(x, this.w)];",
      "x: Tensor<[Batch, 6]>",
      { x },
      "t = new nn.Tanhshrink(); h = new nn.Hardshrink(); s = new nn.Softshrink(); th = new nn.Threshold(0.1, 20); w = new nn.Parameter(F.full([1], 0.5));",
    );
    close(got[0], [-2 - Math.tanh(-2), -0.5 - Math.tanh(-0.5), -0.25 - Math.tanh(-0.25), 0.25 - Math.tanh(0.25), 0.75 - Math.tanh(0.75), NaN]);
    close(got[1], [-2, 0, 0, 0, 0.75, NaN]); // |x| ≤ 0.5 is 0, the boundary included
    close(got[2], [-2, -0.5, 0, 0, 0.75, NaN]);
    close(got[3], [-1.5, 0, 0, 0, 0.25, NaN]);
    close(got[4], [20, 20, 20, 0.25, 0.75, NaN]);
    [0, 1, 3, 4].forEach((k, i) => expect(got[5 + i], `layer ${i}`).toEqual(got[k]));
    close(got[9], [-1, -0.25, -0.125, 0.25, 0.75, NaN]);
  });
  it("softmin is softmax of −x; prelu with one weight per channel; gradients as autodiff of the selects gives PyTorch's", () => {
    const v = nd([1, 3], [1, 2, 3]);
    const [softmin, layer] = outputs("return [F.softmin(x, 1), this.m(x)];", "x: Tensor<[Batch, 3]>", { x: v }, "m = new nn.Softmin(1);");
    const e = [Math.exp(-1), Math.exp(-2), Math.exp(-3)];
    close(softmin, e.map((t) => t / (e[0] + e[1] + e[2])));
    expect(layer).toEqual(softmin);
    expect(
      gradCheck(
        model(
          "return [F.tanhshrink(x), F.hardshrink(x.mul(2)), F.softshrink(x.mul(2), 0.3), F.threshold(x, 0.2, -1), F.softmin(x.view(-1, 2, 2), 2).flatten(1), F.prelu(x.view(-1, 2, 2), this.w).flatten(1)];",
          "x: Tensor<[Batch, 4]>",
          "w = new nn.Parameter(F.full([2], 0.3));",
        ),
      ).checked,
    ).toBeGreaterThan(0);
    expect(first(model("return F.prelu(x, this.w);", "x: Tensor<[Batch, 4]>", "w = new nn.Parameter(F.ones(3));"))).toMatch(/^TSDP\d+ 5: F\.prelu: 3 parameters need 3 channels in dim 1, got \[Batch, 4\]/);
  });
});

describe("F.tensor: torch.tensor's listed values", () => {
  it("at module level, in a field, inside forward and as a buffer; nested lists give the shape", () => {
    const src = `${header}const MEAN = F.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1);
export class M extends nn.Module {
  std = F.tensor([[0.229], [0.224], [0.225]]).view(1, 3, 1, 1);
  constructor() {
    super();
    this.registerBuffer("table", F.tensor(Array.from({ length: 100 }, (_, i) => i * 0.5)));
  }
  forward(x: Tensor<[Batch, 3, 1, 1]>) {
    return [x.sub(MEAN).div(this.std).flatten(1), x.flatten(1).narrow(1, 0, 1).add(this.table.sum()), x.flatten(1).mul(F.tensor(2))];
  }
}
`;
    const { graph } = lowerSource(src);
    const state = initState(graph, 0);
    expect(Array.from(state.buffers.get("table")!.data).slice(0, 3)).toEqual([0, 0.5, 1]);
    const out = runReference(graph, { x: nd([1, 3, 1, 1], [1, 1, 1]) }, state).outputs.map((o) => Array.from(o.data));
    close(out[0], [(1 - 0.485) / 0.229, (1 - 0.456) / 0.224, (1 - 0.406) / 0.225].map((v, i) => (1 - Math.fround([0.485, 0.456, 0.406][i])) / Math.fround([0.229, 0.224, 0.225][i])), 6);
    expect(out[1]).toEqual([1 + 0.5 * 4950]);
    expect(out[2]).toEqual([2, 2, 2]);
  });
  it("refuses ragged and empty lists, and more than 64 values read in forward, at the call", () => {
    const bad = (body: string) => first(model(body, "x: Tensor<[Batch, 3]>"));
    expect(bad("return x.mul(F.tensor([[1, 2], [3]]).sum());")).toMatch(/^TSDP4001 5: F\.tensor: the lists are not rectangular: expected 2 entries at depth 1, got 1/);
    expect(bad("return x.mul(F.tensor([]).sum());")).toMatch(/^TSDP3004 5: F\.tensor: an empty list has no values/);
    expect(bad("return x.mul(F.tensor(Array.from({ length: 65 }, () => 1)).sum());")).toMatch(/^TSDP3004 5: F\.tensor: 65 listed values inside forward, past the 64 a kernel computes in place; make it a buffer/);
    expect(first(model("return x.mul(this.t.sum());", "x: Tensor<[Batch, 3]>", "t = F.tensor(Array.from({ length: 70 }, () => 1));"))).toMatch(/^TSDP3004 3: F\.tensor: 70 listed values read in forward/);
  });
  it("F.scalarTensor is float32 even for an integer (torch.scalar_tensor(3) is tensor(3.)); F.asTensor infers as F.tensor and passes a tensor through, converted by dtype", () => {
    const src = (body: string) => model(body, "x: Tensor<[Batch, 3]>");
    const { graph } = lowerSource(src("return [x.mul(F.scalarTensor(3)), x.mul(0).add(F.asTensor([1, 2, 3]).float()), x.add(F.asTensor([1.0, 2, 3])), F.asTensor(x, { dtype: 'int64' }).float(), x.mul(F.scalarTensor(2, { dtype: 'int64' }).float()), F.asTensor(x).add(F.asTensor(4, { device: 'cuda' }))];"));
    const out = runReference(graph, { x: nd([1, 3], [0.5, -1.5, 2]) }, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
    expect(out).toEqual([[1.5, -4.5, 6], [1, 2, 3], [1.5, 0.5, 5], [0, -1, 2], [1, -3, 4], [4.5, 2.5, 6]]);
    // torch.scalar_tensor(3) is float32, torch.as_tensor([1, 2]) int64 (int32 here), torch.as_tensor([1.0, 2]) float32
    const madeAs = (made: string) => lowerSource(src(`return x.mul(0).add(${made}.sum());`)).graph.nodes.some((n) => n.op === "to_int");
    expect([madeAs("F.scalarTensor(3)"), madeAs("F.asTensor([1, 2])"), madeAs("F.asTensor([1.0, 2])"), madeAs("F.scalarTensor(3, { dtype: 'int32' })"), madeAs("F.tensor(3)")]).toEqual([false, true, false, true, true]);
    expect(first(src("return x.mul(F.scalarTensor([1, 2]));"))).toMatch(/^TSDP\d+ 5: F\.scalarTensor: s must be a number/);
    expect(first(src("return x.mul(F.asTensor([1.5, 2], { dtype: 'int32' }));"))).toMatch(/^TSDP3004 5: F\.asTensor: dtype int32 takes integers of at most 2\^24 in magnitude, got 1\.5/);
  });
});

describe("two-operand math and the add-and-multiply forms", () => {
  const a = [-3.5, 0, 2.25, 7, -0.5];
  const b = [1, -2, 0, 0.5, -0.25];
  const x = nd([1, 5], a), y = nd([1, 5], b);
  const run = (body: string) => outputs(`return ${body};`, "x: Tensor<[Batch, 5]>, y: Tensor<[Batch, 5]>", { x, y })[0];
  const pyMod = (p: number, q: number) => p - Math.floor(p / q) * q;

  it("atan2, hypot, fmod (the dividend's sign) and remainder (the divisor's), as methods and F functions, tensor or number operands", () => {
    close(run("x.atan2(y)"), a.map((v, i) => Math.atan2(v, b[i])));
    expect(run("F.arctan2(x, y)")).toEqual(run("F.atan2(x, y)"));
    close(run("F.hypot(x, y)"), a.map((v, i) => Math.hypot(v, b[i])));
    close(run("x.fmod(1.5)"), [-0.5, 0, 0.75, 1, -0.5]);
    close(run("F.remainder(x, 1.5)"), a.map((v) => pyMod(v, 1.5)));
    close(run("x.remainder(-1.5)"), [-0.5, 0, -0.75, -0.5, -0.5]);
    // by zero: NaN, as C's fmodf and PyTorch's
    expect(run("x.fmod(y)")[2]).toBeNaN();
  });

  it("logaddexp, xlogy (0 where x = 0), lerp, addcmul, addcdiv", () => {
    close(run("x.logaddexp(y)"), a.map((v, i) => Math.log(Math.exp(v) + Math.exp(b[i]))));
    // large operands do not overflow: log(e¹⁰⁰⁰ + e⁹⁹⁹) = 1000 + log(1 + e⁻¹)
    close(run("x.mul(0).add(1000).logaddexp(x.mul(0).add(999))"), a.map(() => 1000 + Math.log1p(Math.exp(-1))), 9);
    close(run("F.xlogy(x.abs(), y.abs().add(1))"), a.map((v, i) => (v === 0 ? 0 : Math.abs(v) * Math.log(Math.abs(b[i]) + 1))));
    expect(run("F.xlogy(x.mul(0), x.mul(0))")).toEqual([0, 0, 0, 0, 0]);
    close(run("x.lerp(y, 0.25)"), a.map((v, i) => v + 0.25 * (b[i] - v)));
    close(run("F.lerp(x, y, y)"), a.map((v, i) => v + b[i] * (b[i] - v)));
    close(run("x.addcmul(x, y, { value: 0.5 })"), a.map((v, i) => v + 0.5 * v * b[i]));
    close(run("F.addcdiv(x, x, y.abs().add(1))"), a.map((v, i) => v + v / (Math.abs(b[i]) + 1)));
  });

  it("addmm and baddbmm: β·input + α·(m1 @ m2), rank-checked", () => {
    const got = outputs(
      "const m = x.view(-1, 2, 2).flatten(0, 1);\n    const v = x.view(-1, 2, 2);\n    return [F.addmm(m, m, F.eye(2), { beta: 0.5, alpha: 2 }).view(-1, 4), v.baddbmm(v, v.mT, { beta: 0 }).flatten(1), m.addmm(m, F.ones(2, 2)).view(-1, 4)];",
      "x: Tensor<[Batch, 4]>",
      { x: nd([1, 4], [1, 2, 3, 4]) },
    );
    close(got[0], [2.5, 5, 7.5, 10]);
    close(got[1], [5, 11, 11, 25]);
    // m + m·ones: each row plus its sum
    close(got[2], [4, 5, 10, 11]);
    expect(first(model("return F.addmm(x, x.view(-1, 2, 2), F.eye(2)).flatten(1);", "x: Tensor<[Batch, 4]>"))).toMatch(/^TSDP4001 5: addmm expects 2-D tensors/);
  });
});

describe("copysign, signbit, addmv, addr, histc, broadcast_shapes", () => {
  const a = [-3.5, 0, 2.25, 7, -0.5];
  const b = [1, -2, 0, 0.5, -0.25];
  const x = nd([1, 5], a), y = nd([1, 5], b);
  const run = (body: string) => outputs(`return ${body};`, "x: Tensor<[Batch, 5]>, y: Tensor<[Batch, 5]>", { x, y })[0];

  it("copysign: |a| with b's sign bit, −0.0 negative (C's copysign, as PyTorch's kernel)", () => {
    expect(run("x.copysign(y)")).toEqual([3.5, -0, 2.25, 7, -0.5]);
    // torch.copysign(x, -0.0): every element negative, 0 becoming −0
    expect(run("F.copysign(x, -0.0)")).toEqual([-3.5, -0, -2.25, -7, -0.5]);
    // y·0 keeps y's sign: +0, −0, +0, +0, −0
    expect(run("F.copysign(x, y.mul(0))")).toEqual([3.5, -0, 2.25, 7, -0.5]);
    // derivatives.yaml: ∂/∂a = result/a (0 where a = 0), none to b; gradcheck away from a = 0
    expect(gradCheck(model("return x.add(3).copysign(y);", "x: Tensor<[Batch, 4]>, y: Tensor<[Batch, 4]>")).checked).toBeGreaterThan(0);
    const g = gradientOf("return x.copysign(F.tensor([-1, 1, -1, 1, -1]));", "x: Tensor<[Batch, 5]>", { x });
    // result/a: sign(a)·sign(b), 0 at a = 0
    expect(g).toEqual([1, 0, -1, 1, 1]);
  });

  it("signbit: −0.0 set, +0.0 not; a mask with no gradient", () => {
    expect(run("x.signbit()")).toEqual([1, 0, 0, 0, 1]);
    // x·0 keeps x's sign (−0 for negative x), neg flips it: +0, −0, −0, −0, +0
    expect(run("F.signbit(x.mul(0).neg())")).toEqual([0, 1, 1, 1, 0]);
    // an integer's sign bit is x < 0
    expect(run("x.int().signbit()")).toEqual([1, 0, 0, 0, 0]);
  });

  it("addmv and addr: β·input + α·(mat @ vec) and β·input + α·(vec1 ⊗ vec2)", () => {
    // (the vector a float tensor, 1.0: PyTorch's addmv of a float matrix and an int64 vector raises)
    const v = nd([1, 4], [1, 2, 3, 4]);
    const [mv, r, r0] = outputs(
      "const m = x.view(-1, 2);\n    return [F.addmv(F.ones([]).mul(5), m, F.tensor([1.0, -1]), { beta: 0.5, alpha: 2 }).view(-1, 2), F.addr(F.ones(1), x.view(-1), F.tensor([1, 2])).view(-1, 8), F.tensor([-1, -1]).log().addr(F.tensor([1, 2]), F.tensor([0.5, 1]), { beta: 0, alpha: 2 }).flatten().add(x.mul(0))];",
      "x: Tensor<[Batch, 4]>",
      { x: v },
    );
    // [[1, 2], [3, 4]] @ [1, −1] = [−1, −1]; 0.5·5 + 2·(−1) = 0.5
    close(mv, [0.5, 0.5]);
    // 1 + [1, 2, 3, 4] ⊗ [1, 2]
    close(r, [2, 3, 3, 5, 4, 7, 5, 9]);
    // beta = 0: input (NaN, log −1) ignored; 2·[1, 2] ⊗ [0.5, 1]
    close(r0, [1, 2, 2, 4]);
    expect(first(model("return F.addmv(x, x.view(-1, 2), F.ones(2)).flatten(1);", "x: Tensor<[Batch, 4]>"))).toMatch(/^TSDP4001 5: F\.addmv: input \[Batch, 4\] must broadcast/);
    expect(first(model("return F.addr(F.ones(1), x, F.ones(2));", "x: Tensor<[Batch, 4]>"))).toMatch(/^TSDP4001 5: F\.addr: vec1 must be 1-D/);
  });

  it("histc: equal bins over [min, max], the top edge in the last bin, NaN and outside values in none", () => {
    // a tensor without the batch (model state, a constant): counts of the batch would be each device's share's
    const h = (body: string) => outputs(`return ${body}.add(x.mul(0));`, "x: Tensor<[Batch, 4]>", { x: nd([1, 4], [0, 0, 0, 0]) })[0];
    // bins of width 0.5 over [0, 2]: 0 → 0, 0.5 → 1, 1 → 2, 1.99 → 3, 2 (the top edge) → 3; −1, NaN (log −1), 3 are outside
    expect(h("F.histc(F.cat([F.tensor([0, 0.5, 1, 1.99, 2, -1, 3]), F.tensor([-1.0]).log()]), 4, 0, 2)")).toEqual([1, 1, 1, 2]);
    // PyTorch's documented example: torch.histc(torch.tensor([1., 2, 1]), bins=4, min=0, max=3) = [0, 2, 1, 0]
    expect(h("F.tensor([[1.0, 2], [1, 5]]).narrow(1, 0, 2).flatten().narrow(0, 0, 3).histc(4, 0, 3)")).toEqual([0, 2, 1, 0]);
    expect(first(model("return F.histc(F.ones(4)).add(x.sum(1, true));", "x: Tensor<[Batch, 4]>"))).toMatch(/^TSDP\d+ 5: F\.histc: min = max \(0\) means the data's own range/);
    expect(first(model("return F.histc(F.ones(4), 10, 1, 0).add(x.sum(1, true));", "x: Tensor<[Batch, 4]>"))).toMatch(/max must be larger than min/);
    expect(first(model("return F.histc(x, 4, 0, 1);", "x: Tensor<[Batch, 4]>"))).toMatch(/^TSDP4001 5: F\.histc of \[Batch, 4\]: counts over the batch/);
  });

  it("broadcast_shapes: the shape the tensors would broadcast to, at compile time", () => {
    expect(outputs("return x.sum(1).mul(0).add(F.ones(F.broadcastShapes([2, 1], [3, 1, 1], 4)).sum());", "x: Tensor<[Batch, 4]>", { x: nd([1, 4], [1, 2, 3, 4]) })[0]).toEqual([24]);
    // a tensor's shape with the batch: x.expand(torch.broadcast_shapes(x.shape, (3, 1, 4))) would be [3, B, 4]; here [B, 4] and (1, 4)
    expect(outputs("return x.expand(F.broadcastShapes(x.shape, [1, 4])).add(x.expand(F.broadcastShapes([4], x.shape)));", "x: Tensor<[Batch, 4]>", { x: nd([1, 4], [1, 2, 3, 4]) })[0]).toEqual([2, 4, 6, 8]);
    expect(first(model("return F.ones(F.broadcastShapes([2, 3], [4])).add(x.sum());", "x: Tensor<[Batch, 4]>"))).toMatch(/^TSDP4001 5: F\.broadcastShapes: the shapes \[2, 3\], \[4\] do not broadcast/);
  });
});

describe("predicates, boolean reductions, std_mean, diag, unfold, meshgrid, new_tensor, 0-d tensors", () => {
  const v = [1, -Infinity, NaN, 0, Infinity, -2.5];
  const x = nd([1, 6], v);
  const run = (body: string, input = "x: Tensor<[Batch, 6]>", values: Record<string, NDArray> = { x }) => outputs(`return ${body};`, input, values);

  it("isnan, isinf, isfinite, isposinf, isneginf as 0/1 masks; nanToNum's defaults and values", () => {
    const [nan, inf, finite, pos, neg, num, num2] = run("[x.isnan(), x.isinf(), F.isfinite(x), x.isposinf(), x.isneginf(), x.nanToNum(), F.nanToNum(x, { nan: 7, posinf: 1, neginf: -1 })]");
    expect(nan).toEqual([0, 0, 1, 0, 0, 0]);
    expect(inf).toEqual([0, 1, 0, 0, 1, 0]);
    expect(finite).toEqual([1, 0, 0, 1, 0, 1]);
    expect(pos).toEqual([0, 0, 0, 0, 1, 0]);
    expect(neg).toEqual([0, 1, 0, 0, 0, 0]);
    const max = 3.4028234663852886e38;
    expect(num).toEqual([1, -max, 0, 0, max, -2.5]);
    expect(num2).toEqual([1, -1, 7, 0, 1, -2.5]);
  });

  it("all, any (NaN is true, as PyTorch's bool), countNonzero, along dims or everywhere", () => {
    const m = nd([1, 2, 3], [1, 0, NaN, 2, 3, -1]);
    const [all, any, count, allEvery] = run("[x.all(-1), x.any(-1), F.countNonzero(x, -1), x.flatten(1).narrow(1, 0, 1).mul(0).add(x.all())]", "x: Tensor<[Batch, 2, 3]>", { x: m });
    expect(all).toEqual([0, 1]);
    expect(any).toEqual([1, 1]);
    expect(count).toEqual([2, 3]);
    expect(allEvery).toEqual([0]);
  });

  it("stdMean and varMean: the pair of x.std / x.var and x.mean over the same dims", () => {
    const y = nd([2, 3], [1, 2, 4, -1, 0.5, 3]);
    const [s, m1, va, m2, s0] = run("[...F.stdMean(x, -1), ...F.varMean(x, 1, { correction: 0 }), x.std(-1)]", "x: Tensor<[Batch, 3]>", { x: y });
    expect(s).toEqual(s0);
    close(m1, [7 / 3, 2.5 / 3]);
    expect(m2).toEqual(m1);
    close(va, [[1, 2, 4], [-1, 0.5, 3]].map((r) => { const mu = (r[0] + r[1] + r[2]) / 3; return r.reduce((a, b) => a + (b - mu) ** 2, 0) / 3; }));
  });

  it("diag: a vector on diagonal k of a square matrix, a matrix's diagonal k as a vector", () => {
    const w = "p = new nn.Parameter(F.tensor([[1.0, 2, 3], [4, 5, 6]]));";
    const got = outputs("return [F.diag(this.p), this.p.diag(1), F.diag(this.p, -1), F.diag(F.tensor([7, 8]), 1).flatten(), F.diag(F.tensor([7, 8]), -1).flatten()].map((t) => x.narrow(1, 0, 1).mul(0).add(t.flatten().unsqueeze(0)));", "x: Tensor<[Batch, 3]>", { x: nd([1, 3], [0, 0, 0]) }, w);
    expect(got[0]).toEqual([1, 5]);
    expect(got[1]).toEqual([2, 6]);
    expect(got[2]).toEqual([4]);
    expect(got[3]).toEqual([0, 7, 0, 0, 0, 8, 0, 0, 0]);
    expect(got[4]).toEqual([0, 0, 0, 7, 0, 0, 0, 8, 0]);
    // ±∞ on the diagonal leave zeros around them, and ∞ off it is left out (CCNet's INF(): diag(inf·1), not inf·eye)
    const inf = outputs("return [F.diag(F.tensor(Infinity).repeat(2)), F.diag(this.p.mul(F.tensor([[1, 1, Infinity], [1, 1, 1]])))].map((t) => x.narrow(1, 0, 1).mul(0).add(t.flatten().unsqueeze(0)));", "x: Tensor<[Batch, 3]>", { x: nd([1, 3], [0, 0, 0]) }, w);
    expect(inf[0]).toEqual([Infinity, 0, 0, Infinity]);
    expect(inf[1]).toEqual([1, 5]);
  });

  it("unfold: windows of size along dim, step apart, as a new last dim", () => {
    const seq = nd([1, 5], [1, 2, 3, 4, 5]);
    const [w] = run("[x.unfold(1, 3, 2).flatten(1)]", "x: Tensor<[Batch, 5]>", { x: seq });
    expect(w).toEqual([1, 2, 3, 3, 4, 5]);
    const [w2] = run("[x.view(-1, 1, 5).unfold(2, 2, 1).flatten(1)]", "x: Tensor<[Batch, 5]>", { x: seq });
    expect(w2).toEqual([1, 2, 2, 3, 3, 4, 4, 5]);
    expect(gradCheck(model("return x.unfold(1, 3, 1).sum(-1).mul(x.narrow(1, 0, 2));", "x: Tensor<[Batch, 4]>")).checked).toBeGreaterThan(0);
  });

  it("meshgrid with ij and xy indexing; new_tensor; a 0-d parameter", () => {
    const zero = nd([1, 1], [0]);
    const [a, b, c, d] = run("[...F.meshgrid([F.arange(2), F.arange(3)], { indexing: 'ij' }), ...F.meshgrid(F.arange(2), F.arange(3), { indexing: 'xy' })].map((t) => x.add(t.flatten().unsqueeze(0)));", "x: Tensor<[Batch, 1]>", { x: zero });
    expect(a).toEqual([0, 0, 0, 1, 1, 1]);
    expect(b).toEqual([0, 1, 2, 0, 1, 2]);
    expect(c).toEqual([0, 1, 0, 1, 0, 1]);
    expect(d).toEqual([0, 0, 1, 1, 2, 2]);
    const [nt] = run("[x.add(x.newTensor([[1, 2]]))]", "x: Tensor<[Batch, 2]>", { x: nd([1, 2], [0, 0]) });
    expect(nt).toEqual([1, 2]);
    const { graph } = lowerSource(model("return x.mul(this.scale.exp());", "x: Tensor<[Batch, 2]>", "scale = new nn.Parameter(F.ones([]).mul(Math.log(2)));"));
    expect(graph.params[0].shape).toEqual([]);
    // log 2 computed in the constructor in float32: e^fround(log 2) is 2 within float32's rounding
    close(Array.from(runReference(graph, { x: nd([1, 2], [1, 3]) }, initState(graph, 0)).outputs[0].data), [2, 6], 6);
  });
});

describe("topk, sort and argsort", () => {
  const x = nd([1, 5], [0.5, 3, -1, 3, 2]);
  const run = (body: string) => outputs(`return ${body};`, "x: Tensor<[Batch, 5]>", { x });
  it("the k largest or smallest with their indices, ties in index order; a named tuple or a pair", () => {
    const [v, i, small, sv, si, order, first] = run(
      "(() => { const { values, indices } = x.topk(3); const [sv, si] = x.sort(-1, true); return [values, indices.float(), x.topk(2, 1, false).values, sv, si.float(), x.argsort().float(), F.topk(x, 1)[0]]; })()",
    );
    expect(v).toEqual([3, 3, 2]);
    expect(i).toEqual([1, 3, 4]);
    expect(small).toEqual([-1, 0.5]);
    expect(sv).toEqual([3, 3, 2, 0.5, -1]);
    expect(si).toEqual([1, 3, 4, 0, 2]);
    expect(order).toEqual([2, 0, 4, 1, 3]);
    expect(first).toEqual([3]);
  });
  it("each value's gradient reaches the element it came from; k past the dim's size is refused", () => {
    expect(gradCheck(model("return x.topk(2).values.mul(F.tensor([1, 2])).add(x.sort(-1)[0].narrow(-1, 0, 2));", "x: Tensor<[Batch, 4]>")).checked).toBeGreaterThan(0);
    expect(first(model("return x.topk(5).values;", "x: Tensor<[Batch, 4]>"))).toMatch(/^TSDP3004 5: topk: k must be between 1 and the dim's size 4, got 5/);
    expect(first(model("return x.sort().values;", "x: Tensor<[Batch, 4097]>"))).toMatch(/^TSDP3004 5: sort: 4097 of 4097 elements; past 32, tsdp ranks every element against every other, along a dim of at most 4096/);
  });
  it("NaN ranks above every number (first descending, last ascending), ±∞ are values like others, for the first 32 and past them", () => {
    const inf = Infinity;
    const row = [1, NaN, 3, -1, -inf, NaN, inf, 0];
    const long = (t: string) => `F.cat([${t}, x.index(":", ":1").mul(0).add(100).expand(-1, 32)], 1)`;
    const [ascending, order, smallest, smallestAt, descending, descOrder, rankedUp, rankedUpOrder, rankedDown, rankedTail] = outputs(
      `return [x.sort(1).values, x.argsort(1).float(), x.topk(3, 1, false).values, x.topk(3, 1, false).indices.float(), x.sort(1, true).values, x.sort(1, true).indices.float(), ${long("x")}.sort(1).values.narrow(1, 0, 8), ${long("x")}.argsort(1).float().narrow(1, 0, 8), ${long("x")}.sort(1, true).values.narrow(1, 0, 8), ${long("x")}.argsort(1).float().narrow(1, 37, 3)];`,
      "x: Tensor<[Batch, 8]>",
      { x: nd([1, 8], row) },
    );
    expect(ascending).toEqual([-inf, -1, 0, 1, 3, inf, NaN, NaN]);
    expect(order).toEqual([4, 3, 7, 0, 2, 6, 1, 5]);
    expect(smallest).toEqual([-inf, -1, 0]);
    expect(smallestAt).toEqual([4, 3, 7]);
    expect(descending).toEqual([NaN, NaN, inf, 3, 1, 0, -1, -inf]);
    expect(descOrder).toEqual([1, 5, 6, 2, 0, 7, 3, 4]);
    // past 32 elements (40, by rank): the same order, with the 32 added hundreds before ∞
    expect(rankedUp).toEqual([-inf, -1, 0, 1, 3, 100, 100, 100]);
    expect(rankedUpOrder).toEqual([4, 3, 7, 0, 2, 8, 9, 10]);
    expect(rankedDown).toEqual([NaN, NaN, inf, 100, 100, 100, 100, 100]);
    expect(rankedTail).toEqual([6, 1, 5]);
  });
  it("tied values: each one's gradient reaches its own index (not shared among the ties), as PyTorch's", () => {
    const { graph } = lowerSource(model("return x.topk(2).values.mul(F.tensor([1, 3])).add(x.sort(1, true).values.narrow(1, 0, 2).mul(F.tensor([10, 30])));", "x: Tensor<[Batch, 3]>"));
    const b = GraphBuilder.extending(graph);
    const loss = b.add("sum", [graph.outputs[0]], { dims: null, keepdim: false }, graph.outputs[0].loc, "", "sum");
    const { graph: step, gradients } = differentiate(b.finish(graph.name, graph.outputs), { wrt: graph.inputs, loss, builder: b });
    const grad = runReference(step, { x: nd([1, 3], [2, 2, 1]) }, initState(graph, 0)).values.get(gradients.get("x")!)!;
    // values [2, 2] from indices 0 and 1: ∂/∂x = (1 + 10, 3 + 30, 0)
    expect(Array.from(grad.data)).toEqual([11, 33, 0]);
  });
  it("past 32 elements, by each element's rank: a stable order (ties by index, as the first 32), any dim, values and indices", () => {
    // 40 integers with many ties along dim 1 of [2, 40, 3]
    const n = 40;
    const data = Array.from({ length: 2 * n * 3 }, (_, i) => Math.round(Math.sin(i * 1.7) * 5) + 0);
    const x3 = nd([2, n, 3], data);
    const [values, indices, smallest, firstThree, ranked] = outputs(
      "const s = x.sort(1, true); return [s.values, s.indices.float(), x.topk(35, 1, false).values, x.topk(3, 1).indices.float(), x.topk(40, 1).indices.narrow(1, 0, 3).float()].map((t) => t.flatten(1));",
      `x: Tensor<[Batch, ${n}, 3]>`,
      { x: x3 },
    );
    for (let b = 0; b < 2; b++)
      for (let c = 0; c < 3; c++) {
        const column = Array.from({ length: n }, (_, t) => ({ v: data[(b * n + t) * 3 + c], t }));
        const descending = [...column].sort((p, q) => q.v - p.v || p.t - q.t);
        descending.forEach((e, r) => {
          expect(values[(b * n + r) * 3 + c]).toBe(e.v);
          expect(indices[(b * n + r) * 3 + c]).toBe(e.t);
        });
        const ascending = column.map((e) => e.v).sort((p, q) => p - q).slice(0, 35);
        ascending.forEach((v, r) => expect(smallest[(b * 35 + r) * 3 + c]).toBe(v));
      }
    // the ranked order's first three are the max-at-a-time topk's, ties included
    expect(ranked).toEqual(firstThree);
    expect(gradCheck(model("return x.sort(1, true).values.narrow(1, 0, 3).flatten(1).add(x.argsort(1).float().narrow(1, 0, 3).flatten(1).mul(0));", "x: Tensor<[Batch, 34, 2]>")).checked).toBeGreaterThan(0);
  });
});

describe("movement spellings, F.pixelShuffle, gumbel softmax, and parameters' sizes in constructors", () => {
  const x = nd([1, 6], [1, 2, 3, 4, 5, 6]);
  const run = (body: string, fields = "") => outputs(`return ${body};`, "x: Tensor<[Batch, 6]>", { x }, fields);
  it("tile, repeatInterleave, movedim, swapaxes, squeeze of a list of dims, contiguous's memory format", () => {
    const [tile, inter, interFlat, moved, swapped, squeezed, same] = run(
      "[x.tile([2]), x.repeatInterleave(2, 1), x.narrow(1, 0, 2).view(-1, 2, 1).repeatInterleave(2, 1).flatten(1), x.view(-1, 2, 3).movedim(1, 2).flatten(1), x.view(-1, 2, 3).swapaxes(1, 2).flatten(1), x.view(-1, 1, 6, 1).squeeze([1, 3]), x.contiguous({ memoryFormat: 'channels_last' })]",
    );
    expect(tile).toEqual([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6]);
    expect(inter).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]);
    expect(interFlat).toEqual([1, 1, 2, 2]);
    expect(moved).toEqual([1, 4, 2, 5, 3, 6]);
    expect(swapped).toEqual(moved);
    expect(squeezed).toEqual([1, 2, 3, 4, 5, 6]);
    expect(same).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("repeatInterleave with counts per element known when compiled (a tensor or a list), 0 among them; counts that do not fit are refused", () => {
    const [byTensor, byList, one] = run("[F.repeatInterleave(x.view(-1, 2, 3), F.tensor([1, 0, 3], { dtype: 'int32' }), 2).flatten(1), x.view(-1, 3, 2).repeatInterleave([2, 1, 0], 1).flatten(1), x.view(-1, 2, 3).repeatInterleave(F.tensor([2]), 1).flatten(1)]");
    expect(byTensor).toEqual([1, 3, 3, 3, 4, 6, 6, 6]);
    expect(byList).toEqual([1, 2, 1, 2, 3, 4]);
    expect(one).toEqual([1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6]);
    expect(first(model("return x.view(-1, 2, 3).repeatInterleave([1, 2], 2);", "x: Tensor<[Batch, 6]>"))).toMatch(/repeatInterleave: 2 counts for dim 2 of size 3; give one count, or one per element/);
    expect(first(model("return x.repeatInterleave(x.int(), 1);", "x: Tensor<[Batch, 6]>"))).toMatch(/repeats must be a positive integer \(a tensor of counts per element would size the result by data\)/);
  });

  it("repeatInterleave along the batch or a multiple of it (DeepSeek-MoE's tokens.repeat_interleave(top_k, 0)) repeats each row in place", () => {
    // batch 2, x = [[1..6], [7..12]]: x.view(-1, 3) has rows [1,2,3] [4,5,6] [7,8,9] [10,11,12], each
    // repeated twice in a row by PyTorch's repeat_interleave(2, 0), so sample 0 keeps its own rows
    const x2 = nd([2, 6], Array.from({ length: 12 }, (_, i) => i + 1));
    const [tokens, samples] = outputs("return [x.view(-1, 3).repeatInterleave(2, 0).view(x.size(0), -1), x.repeatInterleave(2, 0).view(x.size(0), -1)];", "x: Tensor<[Batch, 6]>", { x: x2 });
    expect(tokens).toEqual([1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6, 7, 8, 9, 7, 8, 9, 10, 11, 12, 10, 11, 12]);
    expect(samples).toEqual([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 7, 8, 9, 10, 11, 12]);
    expect(gradCheck(model("return x.view(-1, 3).repeatInterleave(3, 0).tanh().view(x.size(0), -1);", "x: Tensor<[Batch, 6]>")).checked).toBeGreaterThan(0);
    // one count as a list or a tensor broadcasts to every element (PyTorch's repeats of one element), so it takes the batch as the integer does
    const [byList, byTensor, byZeroDim] = outputs("return [x.repeatInterleave([2], 0).view(x.size(0), -1), x.repeatInterleave(F.tensor([2]), 0).view(x.size(0), -1), x.view(-1, 3).repeatInterleave(F.tensor(2), 0).view(x.size(0), -1)];", "x: Tensor<[Batch, 6]>", { x: x2 });
    expect(byList).toEqual(samples);
    expect(byTensor).toEqual(samples);
    expect(byZeroDim).toEqual(tokens);
    // without a dim, PyTorch flattens first: with the batch first, each sample's elements stay in its own run
    const [flat, flatOne] = outputs("return [x.repeatInterleave(2).view(x.size(0), -1), x.view(-1, 2, 3).repeatInterleave([3]).view(x.size(0), -1)];", "x: Tensor<[Batch, 6]>", { x: x2 });
    expect(flat).toEqual(Array.from({ length: 24 }, (_, i) => Math.floor(i / 2) + 1));
    expect(flatOne).toEqual(Array.from({ length: 36 }, (_, i) => Math.floor(i / 3) + 1));
    expect(first(model("return x.t().repeatInterleave(2).view(x.size(0), -1);", "x: Tensor<[Batch, 6]>"))).toMatch(
      /^TSDP4001 5: repeatInterleave without a dim flattens \[6, Batch\], whose batch is dim 1: the flattened order interleaves the samples, which are split across devices; give the dim \(or move the batch first\)$/,
    );
    expect(first(model("return x.repeatInterleave([1, 2], 0);", "x: Tensor<[Batch, 6]>"))).toMatch(/^TSDP4001 5: repeatInterleave: 2 counts, one per element of dim 0 of \[Batch, 6\], which holds the batch: its size is each device's share, not known when compiling; give one count for every element/);
  });

  it("x[mask] with a 0/1 mask: one of constants picks its rows, one of data is refused saying why (as x.index(mask))", () => {
    const [picked] = outputs("return x.t()[F.tensor([1, 0, 1, 0, 0, 1]).gt(0)].t();", "x: Tensor<[Batch, 6]>", { x: nd([1, 6], [1, 2, 3, 4, 5, 6]) });
    expect(picked).toEqual([1, 3, 6]);
    // a mask of another length than the dim: PyTorch's IndexError ("The shape of the mask [5] at index 0 does
    // not match the shape of the indexed tensor [6, 1]"); a shorter one's rows were taken as if padded with false
    for (const mask of ["x.t()[F.tensor([1, 0, 1, 0, 0]).gt(0)]", "x.t()[F.tensor([1, 0, 1, 0, 0, 1, 1]).gt(0)]", "x.index(':', F.tensor([0, 1, 1]).gt(0))"])
      expect(first(model(`return ${mask};`, "x: Tensor<[Batch, 6]>"))).toMatch(/^TSDP\d+ 5: (x\[index\]|index): the mask has [357] values and dim [01] of \[(6, Batch|Batch, 6)\] has 6 rows; a bool mask holds one value per row \(PyTorch raises an IndexError\)$/);
    expect(first(model("const t = x.view(-1, 2);\n    return t[t.index(':', 0).gt(0)];", "x: Tensor<[Batch, 6]>"))).toMatch(
      /^TSDP3003 6: x\[index\]: a tensor index must be an int32 tensor .* got float32 \[3\*Batch\] \(a mask of 0\/1 floats selects a data-dependent count: .* y\.add\(expert\(x\)\.mul\(mask\.unsqueeze\(-1\)\)\)\); x\[mask\] = y\[mask\] through the same mask is taken \(F\.where\(mask, y, x\)\)$/,
    );
  });

  it("x[mask] with a constant bool mask over several dims: the elements where it is true, those dims one dim of their count (PyTorch's [count, ...rest]); over the batch refused", () => {
    const x = { x: nd([1, 6], [1, 2, 3, 4, 5, 6]) };
    // c[m] of PyTorch: c = [[1, 2], [3, 4], [5, 6]], m = [[1, 0], [0, 1], [1, 1]] → tensor([1., 4., 5., 6.]);
    // t [3, 2, 2] (t[i][j] = [2·(2i + j) + 1, 2·(2i + j) + 2]) by the same mask → rows 0, 3, 4, 5 of t.view(6, 2), shape [4, 2];
    // x.view(-1, 3, 2)[:, m] per sample; the upper triangle of a 3×3 (PyTorch's a[torch.ones(3, 3).triu(1).bool()]) in row order
    const m = "const m = F.tensor([[1, 0], [0, 1], [1, 1]]).gt(0);\n    const c = F.tensor([[1.0, 2], [3, 4], [5, 6]]);\n    const t = F.arange(12).float().add(1).view(3, 2, 2);\n    const a = F.arange(9).float().view(3, 3);\n    ";
    const [picked, rows, perSample, triangle] = outputs(`${m}return [x.mul(0).add(c[m].sum()).narrow(1, 0, 1), x.mul(0).narrow(1, 0, 1).add(t[m].flatten().unsqueeze(0)), x.view(-1, 3, 2).index(":", m), x.mul(0).narrow(1, 0, 3).add(a[F.ones(3, 3).triu(1).gt(0)])];`, "x: Tensor<[Batch, 6]>", x);
    expect(picked).toEqual([1 + 4 + 5 + 6]);
    expect(rows).toEqual([1, 2, 7, 8, 9, 10, 11, 12]);
    expect(perSample).toEqual([1, 4, 5, 6]);
    expect(triangle).toEqual([1, 2, 5]);
    // PyTorch's IndexError for a mask of another shape ("The shape of the mask [3, 2] at index 1 does not match …")
    expect(first(model("const m = F.tensor([[1, 0], [0, 1], [1, 1]]).gt(0);\n    return x.mul(F.arange(12).float().view(3, 4)[m].sum());", "x: Tensor<[Batch, 6]>"))).toMatch(
      /^TSDP4001 6: x\[index\]: the mask's shape \[3, 2\] does not match dims 0–1 of \[3, 4\] at its dim 1 \(2 vs 4\); a bool mask holds one value per element of the dims it covers \(PyTorch raises an IndexError\)$/,
    );
    // over the batch: how many it keeps would change with the batch and each device's share
    for (const masked of ["x[F.tensor([1, 0, 1, 1]).gt(0)]", "x.view(-1, 3, 2).index(F.ones(3, 2).gt(0))"])
      expect(first(model(`return ${masked};`, "x: Tensor<[Batch, 6]>"))).toMatch(/^TSDP4001 5: (x\[index\]|index): the bool mask covers dim 0 of \[(Batch, 6|Batch, 3, 2)\], the batch, which is split across devices: how many elements it keeps would depend on the batch size/);
    expect(gradCheck(model("return x.view(-1, 3, 2).index(':', F.tensor([[1, 0], [0, 1], [1, 1]]).gt(0)).tanh();", "x: Tensor<[Batch, 6]>")).checked).toBeGreaterThan(0);
  });

  it("a float index of whole numbers is refused as PyTorch refuses it; of 0/1 values the message offers the mask (.gt(0)) as well as the indices (.int())", () => {
    const c = "const c = F.tensor([[1.0, 2], [3, 4], [5, 6]]);\n    ";
    expect(first(model(`${c}return x.mul(c[F.tensor([1.0, 0.0, 1.0])].sum());`, "x: Tensor<[Batch, 6]>"))).toMatch(
      /^TSDP3003 6: x\[index\]: a tensor index must be an int32 tensor \(PyTorch's advanced indexing; its error: tensors used as indices must be long, int, byte or bool tensors\), got float32 \[3\] of whole numbers .*; as a mask of the rows to keep, compare it \(mask\.gt\(0\), a bool mask\); as row indices, write the integers \(F\.tensor\(\[0, 2\]\)\), or convert with \.int\(\) \(which makes its 0s and 1s the rows 0 and 1\)$/,
    );
    expect(first(model(`${c}return x.mul(c[F.tensor([2.0, 0.0])].sum());`, "x: Tensor<[Batch, 6]>"))).toMatch(/got float32 \[2\] of whole numbers .*\); write the integers \(F\.tensor\(\[0, 2\]\)\), or convert with \.int\(\)$/);
  });

  it("F.pixelShuffle and F.pixelUnshuffle are the layers' rearrangements, inverse of each other", () => {
    const y = nd([1, 4, 2, 2], Array.from({ length: 16 }, (_, i) => i));
    const [shuffled, layer, back] = outputs("return [F.pixelShuffle(x, 2).flatten(1), this.p(x).flatten(1), F.pixelUnshuffle(F.pixelShuffle(x, 2), 2).flatten(1)];", "x: Tensor<[Batch, 4, 2, 2]>", { x: y }, "p = new nn.PixelShuffle(2);");
    expect(shuffled).toEqual(layer);
    expect(back).toEqual(Array.from(y.data));
  });

  it("F.gumbelSoftmax: a distribution along dim, fresh per draw; hard is one-hot in value", () => {
    const [soft, hard] = run("[F.gumbelSoftmax(x, { tau: 0.5 }), F.gumbelSoftmax(x, { hard: true })]");
    expect(soft.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(soft.every((v) => v > 0 && v < 1)).toBe(true);
    expect(hard.filter((v) => v === 1)).toHaveLength(1);
    expect(hard.filter((v) => Math.abs(v) < 1e-12)).toHaveLength(5);
    expect(gradCheck(model("return F.gumbelSoftmax(x, { tau: 2 }).mul(F.tensor([1, 2, 3, 4]));", "x: Tensor<[Batch, 4]>")).checked).toBeGreaterThan(0);
  });

  it("p.numel(), p.dim(), p.size(d) and p.shape of parameters in a constructor; registerParameter; nn.init.calculate_gain", () => {
    const src = model(
      "return x.mul(this.count).add(this.w.sum());",
      "x: Tensor<[Batch, 6]>",
      "fc = new nn.Linear(6, 3); count = 0;\n  constructor() { super(); for (const p of this.parameters()) this.count += p.numel() * p.dim() + p.size(0) + p.shape.length; this.registerParameter('w', new nn.Parameter(F.ones(2))); nn.init.xavier_uniform_(this.fc.weight, nn.init.calculate_gain('leaky_relu', 0.2)); }",
    );
    const { graph } = lowerSource(src);
    // fc.weight [3, 6]: 18·2 + 3 + 2 = 41; fc.bias [3]: 3·1 + 3 + 1 = 7
    const out = runReference(graph, { x: nd([1, 6], [1, 0, 0, 0, 0, 0]) }, initState(graph, 0)).outputs[0].data;
    expect(out[0]).toBe(48 + 2);
    // a module's own parameters before its children's, as PyTorch's named_parameters
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["w", "fc.weight", "fc.bias"]);
    expect((graph.params[1].attrs.init as { bound: number }).bound).toBeCloseTo(Math.sqrt(2 / 1.04) * Math.sqrt(6 / 9), 12);
  });

  it("calculate_gain knows every name PyTorch's does (conv3d, the transposed convolutions: 1); kaiming's a may be negative (its gain uses a²)", () => {
    const bounds = (init: string) => {
      const { graph } = lowerSource(model("return this.fc(x);", "x: Tensor<[Batch, 6]>", `fc = new nn.Linear(6, 3);\n  constructor() { super(); ${init}; }`));
      return (graph.params[0].attrs.init as { bound: number }).bound;
    };
    for (const name of ["conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"])
      expect(bounds(`nn.init.xavier_uniform_(this.fc.weight, nn.init.calculate_gain('${name}'))`), name).toBeCloseTo(Math.sqrt(6 / 9), 12);
    // std = √(2/(1 + a²))/√fan_in, the bound √3·std, for a = −0.5 as for 0.5
    expect(bounds("nn.init.kaiming_uniform_(this.fc.weight, { a: -0.5 })")).toBeCloseTo(Math.sqrt(3) * Math.sqrt(2 / 1.25) / Math.sqrt(6), 12);
    expect(bounds("nn.init.kaiming_uniform_(this.fc.weight, { a: -0.5 })")).toBe(bounds("nn.init.kaiming_uniform_(this.fc.weight, { a: 0.5 })"));
  });

  it("the legacy typed constructors: F.Tensor(n, m) (sizes) is F.empty, F.FloatTensor([…]) and F.LongTensor([…]) listed data in their dtype, of a tensor a conversion", () => {
    const values = { x: nd([1, 3], [0.5, -1, 2]) };
    // IQN's torch.FloatTensor([π·i for i in 1…n]); AutoInt's nn.Parameter(torch.Tensor(E, E)) then init.normal_
    expect(outputs("return x.add(F.Tensor(3)).add(F.FloatTensor([1, 2, 3])).add(F.Tensor(x.size(1)));", "x: Tensor<[Batch, 3]>", values)).toEqual([[1.5, 1, 5]]);
    expect(outputs("return x.add(F.LongTensor([1, 2, 3]).float()).add(F.IntTensor(1, 3)).add(F.FloatTensor(F.tensor([1, 0, 1])));", "x: Tensor<[Batch, 3]>", values)).toEqual([[2.5, 1, 6]]);
    const { graph } = lowerSource(model("return x.matmul(this.w);", "x: Tensor<[Batch, 3]>", "w = new nn.Parameter(F.Tensor(3, 2));\n  constructor() { super(); nn.init.normal_(this.w, { std: 0.05 }); }"));
    expect(graph.params[0].shape).toEqual([3, 2]);
    expect(graph.params[0].attrs.init).toEqual({ kind: "normal", std: 0.05 });
    // a LongTensor of fractions is refused, as tsdp's integer literals are
    expect(first(model("return x.add(F.LongTensor([1.5, 2, 3]));", "x: Tensor<[Batch, 3]>"))).toMatch(/^TSDP3004 5: F\.LongTensor: dtype int64 takes integers/);
  });

  it("of a random draw made in the constructor (QANet's from_pretrained(torch.Tensor(char_mat))): torch.Tensor, as_tensor and torch.tensor give that draw", () => {
    const { graph } = lowerSource(
      model("return x.matmul(this.a).add(x.matmul(this.b)).add(this.e(x.long()).sum(1));", "x: Tensor<[Batch, 3]>", "a = new nn.Parameter(F.Tensor(F.randn(3, 2).mul(0.5)));\n  b = new nn.Parameter(F.tensor(F.rand(3, 2)));\n  e = nn.Embedding.fromPretrained(F.asTensor(F.randn(4, 2)), { freeze: false });"),
    );
    expect(graph.params.map((p) => [p.attrs.name, p.attrs.init])).toEqual([["a", { kind: "normal", std: 0.5 }], ["b", { kind: "uniform", bound: 0.5, center: 0.5 }], ["e.weight", { kind: "normal", std: 1 }]]);
    expect(first(model("return x.add(this.t);", "x: Tensor<[Batch, 3]>", "t = F.LongTensor(F.randn(3));"))).toMatch(/^TSDP3004 \d+: F\.LongTensor: a random draw .* cannot convert them to int64/);
  });

  it("F.Tensor (torch.Tensor(n, m), a tensor with no values set) is F.empty's (zeros); torch.Tensor([...]) its values as float32 (test/port-idioms.test.ts)", () => {
    expect(outputs("return x.add(F.Tensor(6)).add(F.Tensor([1, 2, 3, 4, 5, 6]));", "x: Tensor<[Batch, 6]>", { x: nd([1, 6], [1, 1, 1, 1, 1, 1]) })[0]).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it("F.Tensor / FloatTensor / LongTensor (pygcn's Parameter(torch.FloatTensor(in, out))): sizes are torch.empty's, one array torch.tensor's", () => {
    // a parameter of that shape, its values from the initializer after it, as pygcn's reset_parameters
    const fields = "w = new nn.Parameter(F.FloatTensor(6, 2)); b = new nn.Parameter(F.Tensor(2));\n  constructor() {\n    super();\n    this.w.data.uniform_(-0.5, 0.5);\n    this.b.data.fill_(0.25);\n  }";
    const { graph } = lowerSource(model("return x.matmul(this.w).add(this.b);", "x: Tensor<[Batch, 6]>", fields));
    expect(graph.params.map((p) => [p.attrs.name, p.shape])).toEqual([["w", [6, 2]], ["b", [2]]]);
    expect(graph.params[0].attrs.init).toMatchObject({ kind: "uniform", bound: 0.5 });
    // one array: the listed values, float32 or int32 (LongTensor's int64 is tsdp's int32)
    const [sum] = outputs("return x.add(F.FloatTensor([1, 2, 3])).add(x.index(':', F.LongTensor([2, 0, 1])));", "x: Tensor<[Batch, 3]>", { x: nd([1, 3], [10, 20, 30]) });
    expect(sum).toEqual([10 + 1 + 30, 20 + 2 + 10, 30 + 3 + 20]);
  });
});

describe("nn.ParameterList and nn.ParameterDict", () => {
  it("register their parameters as ps.0, ps.1 and pd.name, indexed, iterated and measured", () => {
    const src = model(
      "let y = x.mul(this.ps[0]);\n    for (const p of this.ps) y = y.add(p);\n    return y.mul(this.pd.scale).add(this.ps.length);",
      "x: Tensor<[Batch, 2]>",
      "ps = new nn.ParameterList([new nn.Parameter(F.full([2], 2.0)), new nn.Parameter(F.ones(2))]); pd = new nn.ParameterDict({ scale: new nn.Parameter(F.full([2], 3.0)) });",
    );
    const { graph } = lowerSource(src);
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["ps.0", "ps.1", "pd.scale"]);
    // (x·2 + 2 + 1)·3 + 2 at x = 1
    expect(Array.from(runReference(graph, { x: nd([1, 2], [1, 1]) }, initState(graph, 0)).outputs[0].data)).toEqual([17, 17]);
    expect(gradCheck(src.replace(header, "")).checked).toBeGreaterThan(0);
    expect(first(model("return x;", "x: Tensor<[Batch, 2]>", "ps = new nn.ParameterList([F.ones(2)]);"))).toMatch(/^TSDP3003 \d+: nn\.ParameterList holds nn\.Parameter only/);
  });

  it("a ParameterDict is in PyTorch's order (an object, a plain dict, sorted by key; a Map, pairs, assignment in theirs) and walked by keys(), values(), items(), for…of and for…in", () => {
    // PyTorch's ParameterDict.update sorts a plain dict's keys; an OrderedDict, pairs and pd[k] = p keep theirs
    const fields =
      "pd = new nn.ParameterDict({ b: new nn.Parameter(F.full([1], 2.0)), a: new nn.Parameter(F.full([1], 3.0)) });\n" +
      "  om = new nn.ParameterDict(new Map([['z', new nn.Parameter(F.full([1], 5.0))], ['y', new nn.Parameter(F.full([1], 7.0))]]));\n" +
      "  constructor() { super(); this.om.update([['x', new nn.Parameter(F.full([1], 11.0))]]); this.om.update({ w: new nn.Parameter(F.ones(1)), v: new nn.Parameter(F.ones(1)) }); this.pd['c'] = new nn.Parameter(F.full([1], 13.0)); }";
    const body =
      "const ys: Tensor[] = [];\n    for (const [k, p] of this.pd.items()) ys.push(x.mul(p));\n    for (const p of this.om.values()) ys.push(x.mul(p));\n" +
      "    for (const k of this.pd) ys.push(x.mul(this.pd[k]));\n    for (const k in this.pd) ys.push(x.mul(this.pd.get(k)));\n    return F.cat(ys, 1).mul(this.pd.keys().length).add(this.om.has('q') ? 100 : 0);";
    const { graph } = lowerSource(model(body, "x: Tensor<[Batch, 1]>", fields));
    expect(graph.stateDict!.map((k) => k.key)).toEqual(["pd.a", "pd.b", "pd.c", "om.z", "om.y", "om.x", "om.v", "om.w"]);
    const out = Array.from(runReference(graph, { x: nd([1, 1], [1]) }, initState(graph, 0)).outputs[0].data);
    // each walk in the order a, b, c (3, 2, 13) and z, y, x, v, w (5, 7, 11, 1, 1); times 3 keys
    expect(out).toEqual([3, 2, 13, 5, 7, 11, 1, 1, 3, 2, 13, 3, 2, 13].map((v) => v * 3));
  });

  it("a ModuleDict takes PyTorch's iterable of [name, module] pairs and an OrderedDict (a Map), in their order", () => {
    const { graph } = lowerSource(
      model(
        "return F.cat([...this.acts.values()].map((a) => a(x)).concat(this.heads.items().map(([, h]) => h(x))), 1);",
        "x: Tensor<[Batch, 2]>",
        "acts = new nn.ModuleDict([['lrelu', new nn.LeakyReLU()], ['prelu', new nn.PReLU()]]);\n  heads = new nn.ModuleDict(new Map([['z', new nn.Linear(2, 1)], ['a', new nn.Linear(2, 1)]]));\n  constructor() { super(); this.heads.update([['b', new nn.Linear(2, 1)]]); }",
      ),
    );
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["acts.prelu.weight", "heads.z.weight", "heads.z.bias", "heads.a.weight", "heads.a.bias", "heads.b.weight", "heads.b.bias"]);
    expect(graph.outputs[0].shape).toEqual([{ batch: 1 }, 7]);
  });
});

describe("torch's dtype names: F.float32, F.long", () => {
  it("convert as their names do (int64 held as int32); the others are refused with the two tsdp has", () => {
    const src = model("return x.to(F.long).to(F.float32).add(x.to(F.int).to(F.float));", "x: Tensor<[Batch, 3]>");
    const { graph } = lowerSource(src);
    expect(graph.nodes.filter((n) => n.op === "to_int").length).toBe(2);
    const out = runReference(graph, { x: nd([1, 3], [1.7, -2.5, 3]) }, initState(graph, 0)).outputs[0].data;
    expect(Array.from(out)).toEqual([2, -4, 6]);
    expect(first(model("return x.to(F.float64);", "x: Tensor<[Batch, 3]>"))).toMatch(/^TSDP3004 5: to\("float64"\): tsdp's tensors are float32 \(int32 for indices\).*leave the float64 out$/);
    expect(first(model("return x.to(F.bfloat16);", "x: Tensor<[Batch, 3]>"))).toMatch(/^TSDP3004 5: to: tsdp's tensors are "float32" or "int32" \(int64 is held as int32\), got "bfloat16"/);
  });
});

describe("more ports' spellings: ger, enableGqa, zero_module's p.detach().zero_(), requires_grad on an input", () => {
  it("x.ger(y) is outer; SDPA's enableGqa repeats the key and value heads; detach().zero_() zeroes a parameter; an input's requiresGrad is a no-op", () => {
    const { graph } = lowerSource(
      model(
        "const o = x.index(':', 0).ger(F.tensor([1, 2, 3, 4])).sum(1, true); const q = x.view(-1, 4, 1, 1).expand(-1, 4, 2, 1); const kv = x.view(-1, 2, 2, 1);\n    x.requiresGrad = true;\n    return [o, F.scaledDotProductAttention(q, kv, kv, { enableGqa: true }).flatten(1), F.scaledDotProductAttention(q, kv.repeatInterleave(2, 1), kv.repeatInterleave(2, 1)).flatten(1), this.fc(x)];",
        "x: Tensor<[Batch, 4]>",
        "fc = new nn.Linear(4, 2);\n  constructor() { super(); for (const p of this.fc.parameters()) p.detach().zero_(); }",
      ),
    );
    const xs = [0.5, -1, 2, 0.25, -0.75, 1.5, 0, 3];
    const [o, gqa, repeated, fc] = runReference(graph, { x: nd([2, 4], xs) }, initState(graph, 0)).outputs.map((t) => Array.from(t.data));
    // o[b] = x[b, 0] · (1 + 2 + 3 + 4)
    expect(o).toEqual([xs[0] * 10, xs[4] * 10]);
    gqa.forEach((v, i) => expect(v).toBeCloseTo(repeated[i], 12));
    expect(fc).toEqual([0, 0, 0, 0]);
    expect(first(model("const h = this.fc(x); h.requiresGrad = true; return h;", "x: Tensor<[Batch, 4]>", "fc = new nn.Linear(4, 4);"))).toMatch(/^TSDP2001 \d+: requiresGrad can only be set on a tensor no trained parameter reaches/);
  });
});

describe("reshapeAs, cumsum's dtype, a listed int32 index table as a buffer, the batch paired with itself", () => {
  it("x.reshapeAs(y) is x.reshape(y.shape); cumsum(dim, { dtype }) converts first (DETR's not_mask.cumsum(1, dtype=float32))", () => {
    const [r, c, f] = outputs("const m = x.gt(0).int(); return [x.flatten().reshapeAs(x.view(-1, 2, 2)).flatten(1), m.cumsum(1, { dtype: 'float32' }), F.cumsum(m, 1, { dtype: F.float32 })];", "x: Tensor<[Batch, 4]>", { x: nd([1, 4], [1, -2, 3, 4]) });
    expect(r).toEqual([1, -2, 3, 4]);
    expect(c).toEqual([1, 1, 2, 3]);
    expect(f).toEqual(c);
  });
  it("an int32 buffer listed past what a kernel computes in place (LeViT's attention_bias_idxs) is float32 state read as int32", () => {
    const idxs = Array.from({ length: 100 }, (_, i) => (i * 7) % 5);
    const src = model(
      "return this.biases.index(':', this.idxs).flatten().unsqueeze(0).add(x.narrow(1, 0, 1).mul(0));",
      "x: Tensor<[Batch, 4]>",
      `biases = new nn.Parameter(F.arange(10).view(2, 5).float());
  declare idxs: Tensor;
  constructor() { super(); this.registerBuffer("idxs", F.tensor([${idxs.join(", ")}], { dtype: "int32" }).view(10, 10), false); }`,
    );
    const { graph } = lowerSource(src);
    expect(graph.buffers.map((b) => `${b.attrs.name}${JSON.stringify(b.shape)}`)).toEqual(["idxs[10,10]"]);
    const [got] = runReference(graph, { x: nd([1, 4], [0, 0, 0, 0]) }, initState(graph, 0)).outputs.map((t) => Array.from(t.data));
    expect(got).toEqual([...idxs, ...idxs.map((i) => i + 5)]);
  });
  it("a result with the batch twice ([Batch, Batch], in-batch logits u·vᵀ) is each device's pairs: not an output (test/batch-share.test.ts trains one)", () => {
    expect(first(model("const u = this.fc(x); return u.matmul(u.T);", "x: Tensor<[Batch, 4]>", "fc = new nn.Linear(4, 4);"))).toBe("TSDP4005 5: forward must return tensors with the batch in dim 0 only, got [Batch, Batch]");
  });
});


describe("median, logit, norms of any p ≥ 1 and matrix norms of ord ±1 and ±∞", () => {
  it("compute PyTorch's values", () => {
    const [med, at, whole, logit, clamped, p3, p0, m1, mInf, mNeg1] = outputs(
      "const m = x.median(1); const A = x.view(-1, 2, 2); return [m.values.unsqueeze(1), m.indices.float().unsqueeze(1), x.narrow(1, 0, 1).mul(0).add(F.tensor([4, 1, 3, 2]).median()), F.logit(x.sigmoid()), x.mul(0).add(0.5).add(x.sign().mul(0.5)).logit(0.25), x.norm(3, 1, true), F.linalg.vectorNorm(x, 0, 1, true), F.linalg.matrixNorm(A, 1).unsqueeze(1), F.linalg.norm(A, Infinity, [1, 2]).unsqueeze(1), F.linalg.matrixNorm(A, -1).unsqueeze(1)];",
      "x: Tensor<[Batch, 4]>",
      { x: nd([1, 4], [0.5, -2, 3, 0]) },
    );
    // sorted −2, 0, 0.5, 3: the lower median 0 at index 3
    expect(med).toEqual([0]);
    expect(at).toEqual([3]);
    expect(whole).toEqual([2]);
    [0.5, -2, 3, 0].forEach((v, i) => expect(logit[i]).toBeCloseTo(v, 12));
    // 0.5 ± 0.5 clamped to [0.25, 0.75]: logit(0.75) = log 3, −log 3, log 3, logit(0.5) = 0
    [Math.log(3), -Math.log(3), Math.log(3), 0].forEach((v, i) => expect(clamped[i]).toBeCloseTo(v, 12));
    expect(p3[0]).toBeCloseTo(Math.cbrt(0.125 + 8 + 27), 12);
    expect(p0).toEqual([3]);
    // a float count, as PyTorch's norm of a float tensor, not the int32 of a bool mask's sum
    const counts = lowerSource(model("return [x.norm(0, 1, true), F.linalg.vectorNorm(x, 0, 1, true).sqrt().add(x)];", "x: Tensor<[Batch, 4]>")).graph.outputs;
    expect(counts.map((o) => o.dtype)).toEqual(["f32", "f32"]);
    // A = [[0.5, −2], [3, 0]]: column sums 3.5, 2; row sums 2.5, 3
    expect(m1).toEqual([3.5]);
    expect(mInf).toEqual([3]);
    expect(mNeg1).toEqual([2]);
    expect(first(model("return x.view(-1, 2, 2).norm('nuc', [1, 2]).unsqueeze(1);", "x: Tensor<[Batch, 4]>"))).toMatch(/needs singular values|is not supported/);
  });
});

describe("narrow from the end, movedim of several dims, a Gaussian NLL's per-sample variance", () => {
  it("compute PyTorch's values", () => {
    const x = nd([1, 2, 3], [1, 2, 3, 4, 5, 6]);
    const [end, moved, one] = outputs(
      "return [x.narrow(2, -2, 2).flatten(1), x.unsqueeze(3).movedim([1, 2], [3, 1]).flatten(1), x.movedim(1, 2).flatten(1)];",
      "x: Tensor<[Batch, 2, 3]>",
      { x },
    );
    expect(end).toEqual([2, 3, 5, 6]);
    // [B, 2, 3, 1] with dim 1 → 3 and dim 2 → 1: [B, 3, 1, 2], element (b, k, 0, j) = x[b, j, k]
    expect(moved).toEqual([1, 4, 2, 5, 3, 6]);
    expect(one).toEqual(moved);
    const [nll, explicit] = outputs(
      "const v = x.abs().add(1).sum(1); return [F.gaussianNllLoss(x, x.mul(0.5), v, { reduction: 'none' }), F.gaussianNllLoss(x, x.mul(0.5), v.unsqueeze(1).expand(-1, 3), { reduction: 'none' })];",
      "x: Tensor<[Batch, 3]>",
      { x: nd([1, 3], [1, -2, 0.5]) },
    );
    expect(nll).toEqual(explicit);
  });
});

describe("older names still in PyTorch: ndimension, nelement, ravel, msort", () => {
  it("are dim, numel, flatten and sort(0)'s values", () => {
    const x = nd([2, 3], [3, -1, 2, 0.5, 4, -2]);
    const [names, ravel, msort] = outputs(
      // beta-VAE's mu.data.ndimension() == 4; a column sorted along dim 0 (msort) of a tensor without the batch
      "const c = F.tensor([[3.0, 1], [-2, 5], [0, 0.5]]); return [x.mul(x.ndimension()).add(x.nelement()), F.ravel(x.view(-1, 3, 1)).view(-1, 3).add(x.ravel().view(-1, 3)), x.add(F.msort(c).sum(1).view(1, 3)).add(c.msort().view(1, 6).narrow(1, 0, 3))];",
      "x: Tensor<[Batch, 3]>",
      { x },
    );
    // 2 dims, and 6 elements: numel counts the batch's share, 2 samples here
    expect(names).toEqual([12, 4, 10, 7, 14, 2]);
    expect(ravel).toEqual([6, -2, 4, 1, 8, -4]);
    // sorted columns [[-2, 0.5], [0, 1], [3, 5]]: row sums −1.5, 1, 8, and the first row −2, 0.5, 0
    expect(msort).toEqual([-0.5, 0.5, 10, -3, 5.5, 6]);
  });
  it("Python's len(x) written x.length is the size of dim 0 (rtdl's torch.ones(len(x_num), 1)); of a 0-d tensor refused", () => {
    const x = nd([2, 3], [3, -1, 2, 0.5, 4, -2]);
    const [cls] = outputs("return F.cat([F.ones(x.length, 1), x.mul(this.w.length)], 1);", "x: Tensor<[Batch, 3]>", { x }, "w = new nn.Parameter(F.ones(4, 3));");
    expect(cls).toEqual([1, 12, -4, 8, 1, 2, 16, -8]);
    expect(first(model("return x.mul(x.sum().length);", "x: Tensor<[Batch, 3]>"))).toMatch(/^TSDP4001 5: length: a 0-d tensor has no length/);
  });
});
