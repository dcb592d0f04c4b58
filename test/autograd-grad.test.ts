// F.autograd.grad inside forward (compiler/1-frontend/autograd-grad.ts) and the second derivatives
// the step's backward takes through it (twiceDifferentiable, compiler/ops/elementwise.ts). Checked on
// the float64 reference: values against derivatives worked out by hand (tolerance 1e-10 relative),
// parameter gradients against central differences of the reference's own loss (step 1e-5,
// tolerance 1e-6 relative to the largest gradient) — not against autodiff's rules themselves.
import { describe, expect, it } from "vitest";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import type { Graph, Node } from "../compiler/ir/node.ts";
import { initState, type ModelState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd, type NDArray } from "../compiler/reference/ndarray.ts";
import { normals } from "../compiler/reference/rng.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const model = (fields: string, forward: string, inDim = 1) =>
  `${header}export class M extends nn.Module {\n  ${fields}\n  forward(x: Tensor<[Batch, ${inDim}]>) {\n    ${forward}\n  }\n}\n` +
  `export const training = new Training(M, { loss: new nn.MSELoss({ reduction: "sum" }), optimizer: new optim.SGD({ lr: 0.1 }) });\n`;

const BATCH = 3;

interface Run {
  readonly graph: Graph;
  readonly state: ModelState;
  readonly output: number[];
  readonly loss: number;
  grad(name: string): number[];
}

/** Each source lowered and differentiated once: central differences rerun the reference only. */
const lowered = new Map<string, { graph: Graph; step: Graph; gradients: ReadonlyMap<string, Node> }>();

function run(source: string, x: NDArray, target: NDArray, state?: ModelState): Run {
  let compiled = lowered.get(source);
  if (!compiled) {
    const { graph } = lowerSource(source);
    const { graph: step, gradients } = differentiate(graph);
    lowered.set(source, (compiled = { graph, step, gradients }));
  }
  const { graph, step, gradients } = compiled;
  const s = state ?? initState(graph, 0);
  const values = runReference(step, { x, target }, s, { training: true }).values;
  return {
    graph,
    state: s,
    output: Array.from(values.get(step.outputs[0])!.data),
    loss: values.get(step.loss!.value)!.data[0],
    grad: (name) => Array.from(values.get(gradients.get(name)!)!.data),
  };
}

/** ∂loss/∂p by central differences of the reference's loss, element by element. */
function numericGradient(source: string, x: NDArray, target: NDArray, base: ModelState, name: string): number[] {
  const p = base.params.get(name)!;
  const h = 1e-5;
  return Array.from(p.data, (_, i) => {
    const at = (delta: number) => {
      const data = Float64Array.from(p.data);
      data[i] += delta;
      const params = new Map(base.params);
      params.set(name, nd(p.shape, data));
      return run(source, x, target, { params, buffers: base.buffers }).loss;
    };
    return (at(h) - at(-h)) / (2 * h);
  });
}

function expectGradientsMatch(source: string, x: NDArray, target: NDArray, names: readonly string[]) {
  const got = run(source, x, target);
  for (const name of names) {
    const want = numericGradient(source, x, target, got.state, name);
    const scale = Math.max(1e-3, ...want.map(Math.abs));
    const analytic = got.grad(name);
    expect(analytic).toHaveLength(want.length);
    analytic.forEach((g, i) => expect(Math.abs(g - want[i]), `${name}[${i}]: ${g} vs ${want[i]}`).toBeLessThanOrEqual(1e-6 * scale));
  }
  return got;
}

const closeTo = (got: number[], want: number[], rel = 1e-10) => {
  expect(got).toHaveLength(want.length);
  got.forEach((v, i) => expect(Math.abs(v - want[i]), `${i}: ${v} vs ${want[i]}`).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(want[i]))));
};

const x1 = nd([BATCH, 1], normals(BATCH, 11, 1));
const zeros1 = nd([BATCH, 1], new Float64Array(BATCH));

describe("F.autograd.grad in forward: a PINN's derivatives", () => {
  const pinn = model(
    "a = new nn.Linear(1, 4);\n  b = new nn.Linear(4, 1);",
    `x = x.clone().requiresGrad_();
    const u = this.b(F.tanh(this.a(x)));
    const [ux] = F.autograd.grad(u, x, { gradOutputs: F.onesLike(u), createGraph: true });
    const [uxx] = F.autograd.grad(ux, x, { gradOutputs: F.onesLike(ux), createGraph: true });
    return uxx.add(u.mul(0.5)).add(ux.mul(0.25));`,
  );
  it("u_x and u_xx are the derivatives worked out by hand", () => {
    const got = run(pinn, x1, zeros1);
    const w1 = got.state.params.get("a.weight")!.data, b1 = got.state.params.get("a.bias")!.data;
    const w2 = got.state.params.get("b.weight")!.data, b2 = got.state.params.get("b.bias")!.data[0];
    const want = Array.from(x1.data, (x) => {
      let u = b2, ux = 0, uxx = 0;
      for (let j = 0; j < 4; j++) {
        const t = Math.tanh(w1[j] * x + b1[j]);
        u += w2[j] * t;
        ux += w2[j] * w1[j] * (1 - t * t);
        uxx += w2[j] * w1[j] * w1[j] * -2 * t * (1 - t * t);
      }
      return uxx + 0.5 * u + 0.25 * ux;
    });
    closeTo(got.output, want);
  });
  it("the step's gradients through u_x and u_xx (second and third derivatives of tanh's sweep) match central differences", () => {
    expectGradientsMatch(pinn, x1, nd([BATCH, 1], normals(BATCH, 12, 1)), ["a.weight", "a.bias", "b.weight", "b.bias"]);
  });
});

describe("F.autograd.grad in forward: a beam's fourth-order residual", () => {
  // Euler–Bernoulli's EI·u_xxxx = q: four derivatives in forward, the step's gradient a fifth (tanh's and sigmoid's polynomials, sin's cycle)
  for (const act of ["F.tanh", "F.sigmoid", "F.sin"])
    it(`u_xxxx through ${act}: the step's gradients match central differences`, () => {
      const beam = model(
        "a = new nn.Linear(1, 3);\n  b = new nn.Linear(3, 1);",
        `x = x.clone().requiresGrad_();
    const u = this.b(${act}(this.a(x)));
    const d = (y: Tensor) => F.autograd.grad(y, x, { gradOutputs: F.onesLike(y), createGraph: true })[0];
    return d(d(d(d(u)))).add(u);`,
      );
      expectGradientsMatch(beam, x1, nd([BATCH, 1], normals(BATCH, 13, 1)), ["a.weight", "a.bias", "b.weight"]);
    });
});

describe("F.autograd.grad in forward: a gradient penalty", () => {
  // WGAN-GP's critic: the penalty (‖∇ₓ D(x̂)‖ − 1)² on interpolates; here x̂ is the input itself
  const critic = (act: string) =>
    model(
      "a = new nn.Linear(2, 5);\n  b = new nn.Linear(5, 1);",
      `const xi = x.mul(1).requiresGrad_();
    const d = this.b(${act});
    const [g] = F.autograd.grad(d, xi, { gradOutputs: F.onesLike(d), createGraph: true, retainGraph: true });
    const gp = g.norm(2, 1, true).sub(1).pow(2);
    return d.add(gp.mul(10));`,
      2,
    );
  const x2 = nd([BATCH, 2], normals(2 * BATCH, 13, 1));
  const t = nd([BATCH, 1], normals(BATCH, 14, 1));
  for (const act of ["F.leakyRelu(this.a(xi), 0.2)", "F.silu(this.a(xi))", "F.gelu(this.a(xi), { approximate: \"tanh\" })", "F.sigmoid(this.a(xi))", "F.gelu(this.a(xi))"])
    it(`through ${act}: the critic's parameter gradients match central differences`, () => {
      expectGradientsMatch(critic(act), x2, t, ["a.weight", "a.bias", "b.weight"]);
    });
  it("without createGraph the gradient is a value: the penalty passes no gradient to the parameters", () => {
    const src = critic("F.tanh(this.a(xi))");
    const detached = run(src.replace("createGraph: true", "createGraph: false"), x2, t);
    const plain = run(src.replace("return d.add(gp.mul(10));", "return d.add(gp.mul(10).detach());"), x2, t);
    closeTo(detached.output, plain.output);
    closeTo(detached.grad("a.weight"), plain.grad("a.weight"));
  });
});

describe("second derivatives of the fused gradients: layer norm, batch norm, cross-entropy, NLL", () => {
  // their gradient ops' own gradients go through the same value composed of differentiable ops (GradContext.vjp)
  const x2 = nd([4, 2], normals(8, 20, 1));
  for (const act of ["F.leakyRelu(h, 0.2)", "F.tanh(h)"])
  it(`a critic with nn.LayerNorm (weight and bias) then ${act}: the penalty's parameter gradients match central differences`, () => {
    const src = model(
      "a = new nn.Linear(2, 5);\n  ln = new nn.LayerNorm(5);\n  b = new nn.Linear(5, 1);",
      `const xi = x.mul(1).requiresGrad_();
    const h = this.ln(this.a(xi));
    const d = this.b(${act});
    const [g] = F.autograd.grad(d, xi, { gradOutputs: F.onesLike(d), createGraph: true });
    return d.add(g.norm(2, 1, true).sub(1).pow(2));`,
      2,
    );
    expectGradientsMatch(src, x2, nd([4, 1], normals(4, 21, 1)), ["a.weight", "ln.weight", "ln.bias", "b.weight"]);
  });
  for (const [norm, layer] of [["BatchNorm1d", "new nn.BatchNorm1d(5)"], ["BatchNorm1d without affine or running statistics", "new nn.BatchNorm1d(5, { affine: false, trackRunningStats: false })"]] as const)
    it(`a critic with ${norm} in train mode: the penalty's parameter gradients match central differences`, () => {
      const src = model(
        `a = new nn.Linear(2, 5);\n  bn = ${layer};\n  b = new nn.Linear(5, 1);`,
        `const xi = x.mul(1).requiresGrad_();
    const d = this.b(F.tanh(this.bn(this.a(xi))));
    const [g] = F.autograd.grad(d, xi, { gradOutputs: F.onesLike(d), createGraph: true });
    return d.add(g.norm(2, 1, true).sub(1).pow(2));`,
        2,
      );
      expectGradientsMatch(src, x2, nd([4, 1], normals(4, 25, 1)), norm === "BatchNorm1d" ? ["a.weight", "bn.weight", "bn.bias", "b.weight"] : ["a.weight", "b.weight"]);
    });
  for (const [name, options] of [["mean", ""], ["sum", ", { reduction: \"sum\" }"], ["label smoothing", ", { labelSmoothing: 0.2 }"], ["none", ", { reduction: \"none\" }"], ["ignoreIndex", ", { ignoreIndex: 1, reduction: \"sum\" }"], ["none, weighted by a function of x", ", { reduction: \"none\" }"]] as const)
    it(`double backprop of F.crossEntropy (${name}): ‖∂L/∂x‖² in the loss matches central differences`, () => {
      // the last: each row's dy is itself computed from x (a partial derivative, not a total one, is the op's)
      const reduce = name === "none" ? ".sum()" : name.startsWith("none,") ? ".mul(logits.select(1, 0).tanh()).sum()" : "";
      const src = model(
        "a = new nn.Linear(2, 3);",
        `const xi = x.mul(1).requiresGrad_();
    const logits = this.a(xi).tanh().mul(2);
    const labels = x.select(1, 0).gt(0).long().add(x.select(1, 1).gt(0.5).long());
    const inner = F.crossEntropy(logits, labels${options})${reduce};
    const [g] = F.autograd.grad(inner, xi, { createGraph: true });
    return logits.add(g.pow(2).sum(1, true));`,
        2,
      );
      expectGradientsMatch(src, x2, nd([4, 3], normals(12, 22, 1)), ["a.weight", "a.bias"]);
    });
  it("double backprop of F.nllLoss of logSoftmax: matches central differences", () => {
    const src = model(
      "a = new nn.Linear(2, 3);",
      `const xi = x.mul(1).requiresGrad_();
    const logits = this.a(xi).tanh().mul(2);
    const labels = x.select(1, 0).gt(0).long();
    const [g] = F.autograd.grad(F.nllLoss(F.logSoftmax(logits, 1), labels), xi, { createGraph: true });
    return logits.add(g.pow(2).sum(1, true));`,
      2,
    );
    expectGradientsMatch(src, x2, nd([4, 3], normals(12, 23, 1)), ["a.weight", "a.bias"]);
  });
});

describe("second derivatives of a convolution", () => {
  // a convolutional critic's penalty (the input gradient through conv2d_grad_input, differentiated
  // again) and MAML's inner step over a convolution (conv2d_grad_weight, differentiated again)
  const conv = (forward: string) =>
    `${header}export class M extends nn.Module {\n  c = new nn.Conv2d(1, 2, 3, { stride: 2, padding: 1 });\n  forward(x: Tensor<[Batch, 1, 5, 5]>) {\n    ${forward}\n  }\n}\n` +
    `export const training = new Training(M, { loss: new nn.MSELoss({ reduction: "sum" }), optimizer: new optim.SGD({ lr: 0.1 }) });\n`;
  const x = nd([2, 1, 5, 5], normals(50, 17, 1));
  it("a gradient penalty through a strided, padded convolution and leaky relu", () => {
    const src = conv(`const xi = x.mul(1).requiresGrad_();
    const d = F.leakyRelu(this.c(xi), 0.2).pow(2).sum([1, 2, 3]).unsqueeze(1);
    const [g] = F.autograd.grad(d, xi, { gradOutputs: F.onesLike(d), createGraph: true });
    return d.add(g.flatten(1).norm(2, 1, true).sub(1).pow(2));`);
    expectGradientsMatch(src, x, nd([2, 1], normals(2, 18, 1)), ["c.weight", "c.bias"]);
  });
  for (const pool of ["F.avgPool2d(h, 2)", "F.avgPool2d(h, 3, { stride: 2, padding: 1 })", "F.adaptiveAvgPool2d(h, 2)", "F.adaptiveAvgPool2d(h, [2, 1])", "F.maxPool2d(h, 2)", "F.maxPool2d(h, 3, { stride: 2, padding: 1 })", "F.adaptiveMaxPool2d(h, 2)", "F.maxPool2d(F.relu(h), 2, { stride: 1 })"])
    it(`a gradient penalty through ${pool} (the pool's gradient is linear in dy: its own gradient is its transpose)`, () => {
      const src = conv(`const xi = x.mul(1).requiresGrad_();
    const h = this.c(xi).tanh();
    const d = ${pool}.pow(2).sum([1, 2, 3]).unsqueeze(1);
    const [g] = F.autograd.grad(d, xi, { gradOutputs: F.onesLike(d), createGraph: true });
    return d.add(g.flatten(1).pow(2).sum(1, true));`);
      expectGradientsMatch(src, x, nd([2, 1], normals(2, 24, 1)), ["c.weight", "c.bias"]);
    });
  it("MAML's conv block (conv, BatchNorm, relu, max pool): fast weights from the inner gradient", () => {
    const src =
      `${header}export class M extends nn.Module {\n  c = new nn.Conv2d(1, 2, 3, { padding: 1 });\n  bn = new nn.BatchNorm2d(2);\n  b = new nn.Linear(8, 1);\n` +
      `  forward(x: Tensor<[Batch, 1, 5, 5]>) {\n    const f = (w: Tensor) => this.b(F.maxPool2d(F.relu(this.bn(F.conv2d(x, w, this.c.bias, { padding: 1 }))), 2).flatten(1));\n` +
      `    const [gw] = F.autograd.grad(f(this.c.weight).pow(2).sum(), this.c.weight, { createGraph: true });\n    return f(this.c.weight.sub(gw.mul(0.1)));\n  }\n}\n` +
      `export const training = new Training(M, { loss: new nn.MSELoss({ reduction: "sum" }), optimizer: new optim.SGD({ lr: 0.1 }) });\n`;
    expectGradientsMatch(src, x, nd([2, 1], normals(2, 26, 1)), ["c.weight", "c.bias", "bn.weight", "bn.bias", "b.weight"]);
  });
  it("fast weights from the inner gradient of a convolution's weight", () => {
    const src = conv(`const inner = this.c(x).pow(2).sum();
    const [gw] = F.autograd.grad(inner, this.c.weight, { createGraph: true });
    const fast = F.conv2d(x, this.c.weight.sub(gw.mul(0.01)), this.c.bias, { stride: 2, padding: 1 });
    return fast.flatten(1).sum(1, true);`);
    expectGradientsMatch(src, x, nd([2, 1], normals(2, 19, 1)), ["c.weight", "c.bias"]);
  });
});

describe("second derivatives of the pointwise ops", () => {
  // y = f(pre(a·x)); the loss reads ∂y/∂x, so the step needs f″ (and pre's): checked by central differences
  const cases: Record<string, string> = {
    tanh: "h.tanh()",
    sigmoid: "h.sigmoid()",
    exp: "h.exp()",
    expm1: "h.expm1()",
    log: "p.log()",
    log1p: "p.log1p()",
    sin: "h.sin()",
    cos: "h.cos()",
    sqrt: "p.sqrt()",
    rsqrt: "p.rsqrt()",
    reciprocal: "p.reciprocal()",
    erf: "h.erf()",
    erfc: "h.erfc()",
    erfinv: "p.erfinv()",
    lgamma: "p.lgamma()",
    digamma: "p.digamma()",
    polygamma: "F.polygamma(1, p)",
    exp2: "h.exp2()",
    log2: "p.log2()",
    log10: "p.log10()",
    tan: "p.tan()",
    sinh: "h.sinh()",
    cosh: "h.cosh()",
    asin: "p.asin()",
    acos: "p.acos()",
    atan: "h.atan()",
    asinh: "h.asinh()",
    acosh: "p.add(1.5).acosh()",
    atanh: "p.atanh()",
    neg: "h.neg().mul(h)",
    abs: "h.abs().mul(h)",
    // the activations composed of them (an energy model's shifted softplus, SchNet's; ELU-family critics)
    softplus: "F.softplus(h)",
    softplusBeta: "F.softplus(h, 2, 1)",
    elu: "F.elu(h)",
    selu: "F.selu(h)",
    celu: "F.celu(h, 0.5)",
    mish: "F.mish(h)",
    logsigmoid: "F.logsigmoid(h)",
    softsign: "F.softsign(h)",
    tanhshrink: "F.tanhshrink(h)",
    hardswish: "F.hardswish(h.mul(3))",
    logit: "p.logit()",
    logitEps: "p.logit(0.2)",
    relu: "F.relu(h).mul(h)",
    hardtanh: "F.hardtanh(h, -0.5, 0.5).mul(h)",
    relu6: "F.relu6(h.mul(4)).mul(h)",
    hardsigmoid: "F.hardsigmoid(h.mul(4)).mul(h)",
    clamp: "h.clamp(-0.3, 0.3).mul(h)",
    softmax: "F.softmax(h, 1)",
    logSoftmax: "F.logSoftmax(h, 1)",
    layerNorm: "F.layerNorm(h, [3])",
    normalize: "F.normalize(h, 2, 1)",
    // var_backward's mean is differentiable: its double backward has the mean's −1/N term
    var: "h.var(1, { keepdim: true }).mul(h)",
    varBiased: "h.var(1, { keepdim: true, unbiased: false }).mul(h)",
    std: "h.std(1, { keepdim: true }).mul(h)",
    varMean: "F.varMean(h, 1, { keepdim: true })[0].mul(h)",
  };
  for (const [name, expr] of Object.entries(cases))
    it(name, () => {
      const src = model(
        "a = new nn.Linear(1, 3);",
        `x = x.clone().requiresGrad_();
    const h = this.a(x);
    const p = h.sigmoid().mul(0.8).add(0.1);
    const y = ${expr};
    const [dy] = F.autograd.grad(y.sum(), x, { createGraph: true });
    return dy.add(y.sum(1, true));`,
      );
      expectGradientsMatch(src, x1, nd([BATCH, 1], normals(BATCH, 15, 1)), ["a.weight", "a.bias"]);
    });
});

describe("second derivatives of the element losses and of an embedding", () => {
  // the losses' derivative ops differentiated again (their second partials ℓ_xx, ℓ_xt, ℓ_tt), input and target both depending on x
  const x2 = nd([4, 2], normals(8, 30, 1));
  for (const loss of [
    "F.l1Loss(h.tanh(), h.mul(0.3))",
    "F.smoothL1Loss(h.tanh(), h.mul(0.3), { beta: 0.5 })",
    "F.smoothL1Loss(h.tanh(), h.mul(0.3), { beta: 0 })",
    "F.huberLoss(h.tanh(), h.mul(0.3), { delta: 0.5, reduction: \"sum\" })",
    "F.binaryCrossEntropy(h.sigmoid(), h.tanh().mul(0.5).add(0.5))",
    "F.binaryCrossEntropyWithLogits(h, h.tanh().mul(0.5).add(0.5), { reduction: \"none\" }).sum()",
  ])
    it(`‖∂/∂x ${loss}‖² in the loss matches central differences`, () => {
      const src = model(
        "a = new nn.Linear(2, 3);",
        `const xi = x.mul(1).requiresGrad_();
    const h = this.a(xi);
    const [g] = F.autograd.grad(${loss}, xi, { createGraph: true });
    return h.add(g.pow(2).sum(1, true));`,
        2,
      );
      expectGradientsMatch(src, x2, nd([4, 3], normals(12, 31, 1)), ["a.weight", "a.bias"]);
    });
  for (const padding of ["", ", { paddingIdx: 1 }"])
    it(`MAML over an nn.Embedding${padding}: fast weights from the inner gradient of its weight`, () => {
      const src = model(
        `e = new nn.Embedding(4, 3${padding});\n  b = new nn.Linear(3, 1);`,
        `const idx = x.gt(0).long().add(x.gt(0.7).long()).add(x.gt(-0.7).long());
    const [gw] = F.autograd.grad(this.b(this.e(idx).sum(1)).pow(2).sum(), this.e.weight, { createGraph: true });
    return this.b(F.embedding(idx, this.e.weight.sub(gw.mul(0.1))).sum(1));`,
        4,
      );
      const x4 = nd([BATCH, 4], normals(4 * BATCH, 32, 1));
      const t = nd([BATCH, 1], normals(BATCH, 33, 1));
      if (!padding) return void expectGradientsMatch(src, x4, t, ["e.weight", "b.weight", "b.bias"]);
      // forward reads the padding row and its gradient is 0 all the same (PyTorch's padding_idx), so central
      // differences of the loss are its gradient on the other rows only
      const got = expectGradientsMatch(src, x4, t, ["b.weight", "b.bias"]);
      const want = numericGradient(src, x4, t, got.state, "e.weight");
      const scale = Math.max(...want.map(Math.abs));
      got.grad("e.weight").forEach((g, i) => {
        if (Math.floor(i / 3) !== 1) expect(Math.abs(g - want[i]), `e.weight[${i}]`).toBeLessThanOrEqual(1e-6 * scale);
      });
    });
});

describe("torch.func's grad and grad_and_value (F.func, on F.autograd.grad)", () => {
  const fields = "a = new nn.Linear(1, 3);\n  b = new nn.Linear(3, 1);";
  const target = nd([BATCH, 1], normals(BATCH, 40, 1));
  it("grad(f)(x) is F.autograd.grad of f(x) with createGraph, and the step differentiates through it", () => {
    const viaFunc = model(fields, `const f = (z: Tensor) => this.b(this.a(z).tanh()).pow(2).sum();
    const g = F.func.grad(f)(x);
    return g.add(this.b(this.a(x).sin()));`);
    const viaGrad = model(fields, `const xi = x.mul(1).requiresGrad_();
    const [g] = F.autograd.grad(this.b(this.a(xi).tanh()).pow(2).sum(), xi, { createGraph: true });
    return g.add(this.b(this.a(x).sin()));`);
    const got = expectGradientsMatch(viaFunc, x1, target, ["a.weight", "a.bias", "b.weight"]);
    closeTo(got.output, run(viaGrad, x1, target).output);
  });
  it("argnums as a list gives a list; hasAux returns aux beside; gradAndValue the value too", () => {
    const src = model(fields, `const f = (w: Tensor, z: Tensor, scale: number) => {
      const y = F.linear(z, w, this.a.bias).tanh();
      return [y.sum().mul(scale), y];
    };
    const [[gw, gz], y] = F.func.grad(f, { argnums: [0, 1], hasAux: true })(this.a.weight, x, 2);
    const [gv, [value, aux]] = F.func.gradAndValue(f, { argnums: -2, hasAux: true })(this.a.weight, x, 2);
    const fast = F.linear(x, this.a.weight.sub(gw.mul(0.1)), this.a.bias);
    return this.b(fast.tanh()).add(gz).add(gv.sub(gz)).add(aux.sum(1, true).mul(0)).add(value).sub(y.sum());`);
    expectGradientsMatch(src, x1, target, ["a.weight", "a.bias", "b.weight"]);
  });
  it("an argument f does not use gets zeros; the caller's tensor is not marked", () => {
    const src = model(fields, `const g = F.func.grad((z: Tensor, unused: Tensor) => this.a(z).sum(), { argnums: 1 })(x, x.mul(2));
    if (x.requiresGrad) throw new Error("marked");
    return this.b(this.a(x)).add(g);`);
    const got = run(src, x1, target);
    closeTo(got.output, run(model(fields, "return this.b(this.a(x));"), x1, target).output);
  });
  const errorOf = (forward: string) => diagnosticsOf(model(fields, forward)).map((d) => `${d.code} ${d.message}`)[0];
  it("functorch's errors: an output of more than one element, argnums out of range; the other transforms refused with how to write them", () => {
    expect(errorOf("return F.func.grad((z: Tensor) => this.a(z))(x);")).toMatch(/TSDP3004 F\.func\.grad\(f\)\(…\): f must return a tensor of one element .* got a tensor of shape \[Batch, 3\]/);
    expect(errorOf("return F.func.grad((z: Tensor) => this.a(z).sum(), { argnums: 1 })(x);")).toMatch(/argnums 1 is out of range for a call with 1 positional argument/);
    expect(errorOf("return F.func.vmap((z: Tensor) => this.a(z))(x);")).toMatch(/F\.func\.vmap is not supported: .*F\.func\.grad/);
    expect(errorOf("return F.func.functional_call(this.a, {}, [x]);")).toMatch(/F\.func\.functional_call is not supported: .*no functional_call/);
  });
});

describe("F.autograd.grad's arguments and PyTorch's errors", () => {
  const fields = "a = new nn.Linear(1, 2);\n  b = new nn.Linear(1, 2);";
  const errorOf = (forward: string) => diagnosticsOf(model(fields, forward)).map((d) => `${d.code} ${d.message}`)[0];
  it("gradients with respect to parameters (MAML's inner step), in the inputs' order, null for an unused one with allowUnused", () => {
    const src = model(
      fields,
      `const inner = this.a(x).pow(2).sum();
    const [gw, gb, unused] = F.autograd.grad(inner, [this.a.weight, this.a.bias, this.b.weight], { createGraph: true, allowUnused: true });
    if (unused !== null) throw new Error("expected null");
    const fast = F.linear(x, this.a.weight.sub(gw.mul(0.1)), this.a.bias.sub(gb.mul(0.1)));
    return fast.sum(1, true);`,
    );
    const got = expectGradientsMatch(src, x1, nd([BATCH, 1], normals(BATCH, 16, 1)), ["a.weight", "a.bias"]);
    // the inner gradient by hand: ∂/∂W Σ (Wx + b)² = 2 Σ_b (Wx + b) xᵀ
    const w = got.state.params.get("a.weight")!.data, bias = got.state.params.get("a.bias")!.data;
    const gw = [0, 1].map((j) => Array.from(x1.data).reduce((s, x) => s + 2 * (w[j] * x + bias[j]) * x, 0));
    const gb = [0, 1].map((j) => Array.from(x1.data).reduce((s, x) => s + 2 * (w[j] * x + bias[j]), 0));
    const want = Array.from(x1.data, (x) => [0, 1].reduce((s, j) => s + (w[j] - 0.1 * gw[j]) * x + bias[j] - 0.1 * gb[j], 0));
    closeTo(got.output, want);
  });
  it("materializeGrads gives zeros for an unused input", () => {
    const src = model(fields, `const [g] = F.autograd.grad(this.a(x).sum(), this.b.weight, { materializeGrads: true });\n    return this.a(x).sum(1, true).add(g.sum());`);
    const got = run(src, x1, zeros1);
    const plain = run(model(fields, "return this.a(x).sum(1, true);"), x1, zeros1);
    closeTo(got.output, plain.output);
  });
  it("refuses what PyTorch refuses, naming what to write", () => {
    expect(errorOf("const [g] = F.autograd.grad(this.a(x).sum(), x);\n    return g;")).toMatch(/^TSDP\d+ F\.autograd\.grad: input 0 does not require grad.*requiresGrad_\(\)/);
    expect(errorOf("const y = x.mul(2);\n    const [g] = F.autograd.grad(y.sum(), this.a.weight);\n    return g;")).toMatch(/output 0 does not require grad/);
    expect(errorOf("const [g] = F.autograd.grad(this.a(x).sum(), this.b.weight);\n    return g;")).toMatch(/input 0 is not used to compute the outputs.*allowUnused: true/);
    expect(errorOf("const [g] = F.autograd.grad(this.a(x), this.a.weight);\n    return g;")).toMatch(/output 0 is \[Batch, 2\], and a gradient is created implicitly only for an output of one element.*gradOutputs: F\.onesLike/);
    expect(errorOf("const y = this.a(x);\n    const [g] = F.autograd.grad(y, this.a.weight, { gradOutputs: F.onesLike(x) });\n    return g;")).toMatch(/gradOutputs 0 is \[Batch, 1\] and output 0 is \[Batch, 2\].*Mismatch in shape/);
    expect(errorOf("const [g] = F.autograd.grad(this.a(x).sum(), this.a.weight, { isGradsBatched: true });\n    return g;")).toMatch(/isGradsBatched/);
    expect(errorOf("const [g] = F.autograd.functional.jacobian(this.a(x).sum(), this.a.weight);\n    return g;")).toMatch(/vector-Jacobian product is F\.autograd\.grad/);
  });
  it("a derivative past the ones an op defines is refused at the line that needs it, naming the op and the order", () => {
    const forward = `x = x.clone().requiresGrad_();
    const u = this.a(x).tanh().sum(1, true);
    const [ux] = F.autograd.grad(u.sum(), x, { createGraph: true });
    const [uxx] = F.autograd.grad(ux.sum(), x, { createGraph: true });
    const [uxxx] = F.autograd.grad(uxx.sum(), x, { createGraph: true });
    const [u4] = F.autograd.grad(uxxx.sum(), x, { createGraph: true });
    const [u5] = F.autograd.grad(u4.sum(), x, { createGraph: true });
    const [u6] = F.autograd.grad(u5.sum(), x, { createGraph: true });
    const [u7] = F.autograd.grad(u6.sum(), x, { createGraph: true });
    const [u8] = F.autograd.grad(u7.sum(), x, { createGraph: true });
    return u8;`;
    // the frontend takes the eight gradients; the step's backward then needs a ninth derivative of tanh
    const { graph } = lowerSource(model(fields, forward));
    let message = "";
    try {
      differentiate(graph);
    } catch (e) {
      message = String(e);
    }
    expect(message).toMatch(/TSDP2025: .*\(tanh_grad8\), a derivative of tanh taken in forward by F\.autograd\.grad with createGraph: true, and the ninth derivative of tanh that its gradient needs is not implemented/);
  });
  it("requiresGrad_(true) on an integer tensor is PyTorch's error; requiresGrad reads true after it", () => {
    expect(errorOf("const i = x.long().requiresGrad_();\n    return this.a(x);")).toMatch(/only a float tensor can require grad/);
    const src = model(fields, "const y = x.mul(1);\n    const before = y.requiresGrad;\n    y.requiresGrad_();\n    if (before || !y.requiresGrad) throw new Error(\"flag\");\n    return this.a(x);");
    expect(run(src, x1, nd([BATCH, 2], new Float64Array(2 * BATCH))).output).toHaveLength(2 * BATCH);
  });
});
