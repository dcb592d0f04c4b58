// Higher derivatives on the CPU target: each pointwise op's derivative kernels (<op>_grad, _grad2, …:
// withHigherDerivatives in compiler/ops/elementwise.ts, their C expressions and
// runtime/harness/device.h's tsdp_gelu_tanh_grad2) compiled and run, in forward (gradients taken by
// F.autograd.grad) and in the step's backward (their derivatives), against the float64 reference:
// forward rtol 1e-4 and atol 1e-5 (expectClose), the parameter's gradient rtol 1e-3 and
// atol 1e-4·max|g| (expectGradientClose). The reference's own derivatives are checked against
// central differences in test/autograd-grad.test.ts.
import { join } from "node:path";
import { describe, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { load, tensor } from "../runtime/index.ts";
import { expectClose, expectGradientClose, referenceState } from "./target-helpers.ts";
import { header, writeFiles } from "./helpers.ts";

// y = f(p) with p = 0.5 + 0.3·tanh(x·w) in (0.2, 0.8), every op's domain; the output holds ∂y/∂x (its
// _grad kernel in forward, _grad2 in the step) and, for the ops with more, ∂²y/∂x² and ∂³y/∂x³ (their
// _grad3 and _grad4 in the step), and for four of them ∂⁴y/∂x⁴ (_grad5)
const ONCE = [
  "p.log()", "p.log1p()", "p.sqrt()", "p.rsqrt()", "p.reciprocal()", "p.erf()", "p.erfc()", "p.erfinv()",
  "p.lgamma()", "p.digamma()", "F.polygamma(1, p)", "p.exp2()", "p.log2()", "p.log10()", "p.tan()", "p.sinh()",
  "p.cosh()", "p.asin()", "p.acos()", "p.atan()", "p.asinh()", "p.add(1.5).acosh()", "p.atanh()", "p.expm1()",
  "F.silu(p)", "F.gelu(p)", "F.gelu(p, { approximate: \"tanh\" })",
];
const THRICE = ["p.cos()", "p.pow(3.5)"];
const MODEL = `${header}export class Derivatives extends nn.Module {
  w = new nn.Parameter(F.linspace(-1.5, 1.5, 8));
  forward(x: Tensor<[Batch, 1]>) {
    x = x.clone().requiresGrad_();
    const p = F.tanh(x.mul(this.w)).mul(0.3).add(0.5);
    const d = (y: Tensor) => F.autograd.grad(y.sum(), x, { createGraph: true })[0];
    const outs: Tensor[] = [];
    for (const y of [${ONCE.join(", ")}]) outs.push(d(y));
    for (const y of [${THRICE.join(", ")}]) {
      const dy = d(y);
      const d2y = d(dy);
      outs.push(dy, d2y, d(d2y));
    }
    // the polynomial derivatives' Horner forms (tanh, sigmoid: one generator for every order) and the
    // cycles (sin, exp) further out: four in forward, the fifth in the step (each nested gradient
    // about doubles the graph: seven of tanh alone are 330 kernels and three minutes of g++)
    for (const y of [p.tanh(), p.sigmoid(), p.sin(), p.exp()]) {
      const dy = d(y);
      const d2y = d(dy);
      const d3y = d(d2y);
      outs.push(dy, d2y, d3y, d(d3y));
    }
    return F.cat(outs, 1);
  }
}
export const training = new Training(Derivatives, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });
`;

// The gradient ops' own gradients beyond the pointwise family: max_pool2d_grad's (max_pool2d_pick, a
// kernel of its own), embedding_grad's, the element losses' second partials (<loss>_dxx, _dxt, _dtt),
// and the selects of hardswish's and logit's second derivatives
const SECOND = `${header}export class Second extends nn.Module {
  c = new nn.Conv2d(1, 2, 3, { padding: 1 });
  e = new nn.Embedding(4, 2, { paddingIdx: 0 });
  forward(x: Tensor<[Batch, 1, 4, 4]>) {
    x = x.clone().requiresGrad_();
    const h = this.c(x);
    const p = h.sigmoid().mul(0.8).add(0.1);
    const q = h.tanh().mul(0.5).add(0.5);
    const terms = [
      F.maxPool2d(F.hardswish(h.mul(3)), 2).sum(),
      F.maxPool2d(h, 3, { stride: 2, padding: 1 }).pow(2).sum(),
      p.logit().sum(),
      F.l1Loss(h.tanh(), h.mul(0.3)),
      F.smoothL1Loss(h.tanh(), h.mul(0.3), { beta: 0.5 }),
      F.huberLoss(h.tanh(), h.mul(0.3), { delta: 0.5, reduction: "sum" }),
      F.binaryCrossEntropy(p, q),
      F.binaryCrossEntropyWithLogits(h, q, { reduction: "sum" }),
    ];
    const outs = terms.map((t) => F.autograd.grad(t, x, { createGraph: true })[0].flatten(1));
    const v = x.flatten(1);
    const idx = v.gt(-0.5).long().add(v.gt(0).long()).add(v.gt(0.8).long());
    const [gw] = F.autograd.grad(this.e(idx).tanh().sum(), this.e.weight, { createGraph: true });
    outs.push(F.embedding(idx, this.e.weight.sub(gw.mul(0.5))).flatten(1));
    return F.cat(outs, 1);
  }
}
export const training = new Training(Second, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });
`;

/**
 * Compiles `source` for the CPU target; checks forward (eval) on `input` of `shape` against the
 * reference, then one training step's gradients of `params` (lr 0) against the reference's.
 */
async function expectMatchesReference(source: string, shape: number[], input: Float32Array, params: readonly string[]) {
  const dir = writeFiles({ "model.ts": source });
  const { model, build } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(dir, "build") });
  const graph = model.graph;
  const m = await load(build.outDir);
  try {
    const x = nd(shape, Array.from(input));
    const [n, width] = [shape[0], graph.outputs[0].shape[1] as number];
    m.train(false);
    const got = m.forwardAllSync(tensor(input, shape))[0].data as Float32Array;
    expectClose(got, runReference(graph, { x }, referenceState(graph)).outputs[0].data, "forward's derivatives");
    m.train(true);
    const target = Float32Array.from({ length: n * width }, (_, i) => Math.sin(i));
    m.trainStepSync(tensor(input, shape), tensor(target, [n, width]), { lr: 0 });
    const { graph: stepGraph, gradients } = differentiate(graph);
    const step = runReference(stepGraph, { x, target: nd([n, width], Array.from(target)) }, referenceState(graph), { training: true, seed: 0, step: 0 });
    for (const name of params) expectGradientClose(m.getParameter(`${name}.grad`).data as Float32Array, step.values.get(gradients.get(name)!)!.data, `∂L/∂${name}`);
  } finally {
    m.dispose();
  }
}

describe("higher derivatives on the CPU target", () => {
  it("forward's gradients and the step's gradient through them equal the reference", async () => {
    await expectMatchesReference(MODEL, [3, 1], Float32Array.from([-0.7, 0.4, 1.3]), ["w"]);
  }, 300_000);

  it("max pools', embeddings' and the element losses' second derivatives equal the reference", async () => {
    const input = Float32Array.from({ length: 3 * 16 }, (_, i) => Math.sin(1.7 * i + 0.3));
    await expectMatchesReference(SECOND, [3, 1, 4, 4], input, ["c.weight", "c.bias", "e.weight"]);
  }, 300_000);
});
