// x.detach(): the value passes, the gradient does not. Checked on the reference interpreter with
// hand-derived expectations (not against autodiff's own rule): float64, tolerance 1e-12 relative.
import { describe, expect, it } from "vitest";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { normals } from "../compiler/reference/rng.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const model = (forward: string) =>
  `${header}export class M extends nn.Module {\n  a = new nn.Linear(3, 2);\n  b = new nn.Linear(3, 2);\n  forward(x: Tensor<[Batch, 3]>) {\n    ${forward}\n  }\n}\n` +
  `export const training = new Training(M, { loss: new nn.MSELoss({ reduction: "sum" }), optimizer: new optim.SGD({ lr: 0.1 }) });\n`;

/** Forward outputs and every parameter's gradient, on the reference, for a batch of 4. */
function run(forward: string) {
  const { graph } = lowerSource(model(forward));
  const { graph: step, gradients } = differentiate(graph);
  const x = nd([4, 3], normals(12, 5, 1));
  const target = nd([4, 2], new Float64Array(8));
  const values = runReference(step, { x, target }, initState(graph, 0), { training: true }).values;
  return {
    output: Array.from(values.get(step.outputs[0])!.data),
    grad: (name: string) => Array.from(values.get(gradients.get(name)!)!.data),
  };
}

const close = (got: number[], want: number[]) => {
  expect(got).toHaveLength(want.length);
  got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[i]))));
};

describe("detach", () => {
  it("passes the value unchanged", () => {
    close(run("return this.a(x).detach().add(this.b(x));").output, run("return this.a(x).add(this.b(x));").output);
  });
  it("stops the gradient: a branch through detach gets none, the other branch all of its own", () => {
    const detached = run("return this.a(x).detach().add(this.b(x));");
    expect(detached.grad("a.weight").every((g) => g === 0)).toBe(true);
    expect(detached.grad("a.bias").every((g) => g === 0)).toBe(true);
    expect(detached.grad("b.weight").some((g) => g !== 0)).toBe(true);
  });
  it("treats the detached factor as a constant: L = Σ(y·sg(y))² has ∂L/∂y = 2y³, half of d(Σy⁴)/dy", () => {
    const half = run("const y = this.a(x);\n    return y.mul(y.detach());");
    const whole = run("const y = this.a(x);\n    return y.mul(y);");
    close(half.output, whole.output);
    close(half.grad("a.weight"), whole.grad("a.weight").map((g) => g / 2));
  });
});

// PyTorch's autograd does not see a change made through `.data` or `.detach()` (they share the
// tensor's memory) or made under torch.no_grad(): the tensor holds the new values, and its gradient
// reaches what it held before as if nothing had changed. Each case equals a form that says so with
// detach: y.add(y.detach()) is 2y with y's gradient, as `y.data.mul_(2)` in PyTorch.
describe("a change autograd does not record (.data, .detach(), F.noGrad): new values, the old gradient", () => {
  const doubled = run("const y = this.a(x);\n    return y.add(y.detach());");
  it.each([
    ["y.data.mul_(2)", "const y = this.a(x);\n    y.data.mul_(2);\n    return y;"],
    ["y.detach().mul_(2)", "const y = this.a(x);\n    y.detach().mul_(2);\n    return y;"],
    ["F.noGrad(() => y.mul_(2))", "const y = this.a(x);\n    F.noGrad(() => y.mul_(2));\n    return y;"],
    ["F.noGrad(() => { y.add_(y) })", "const y = this.a(x);\n    F.noGrad(() => { y.add_(y); });\n    return y;"],
  ])("%s: twice the values, the gradient of y itself", (_, forward) => {
    const got = run(forward);
    close(got.output, doubled.output);
    close(got.grad("a.weight"), doubled.grad("a.weight"));
    close(got.grad("a.bias"), doubled.grad("a.bias"));
  });
  it("a write through part of .data: those elements change, the gradient of every element still reaches y", () => {
    // (+1: the zeroed elements' loss gradient is not 0, so where it goes shows)
    const got = run("const y = this.a(x);\n    y.data.narrow(1, 0, 1).fill_(0);\n    return y.add(1);");
    const want = run("const y = this.a(x);\n    return y.add(y.mul(F.tensor([1, 0])).neg().detach()).add(1);");
    close(got.output, want.output);
    expect(got.output.filter((_, i) => i % 2 === 0).every((v) => v === 1)).toBe(true);
    close(got.grad("a.weight"), want.grad("a.weight"));
  });
  it("y.data.copy_(v): y takes v's values, v gets no gradient through it, y's gradient reaches y's own history", () => {
    const got = run("const y = this.a(x);\n    y.data.copy_(this.b(x));\n    return y;");
    const want = run("const y = this.a(x);\n    return y.add(this.b(x).sub(y).detach());");
    close(got.output, want.output);
    close(got.grad("a.weight"), want.grad("a.weight"));
    expect(got.grad("b.weight").every((g) => g === 0)).toBe(true);
  });
  it("into a tensor with no gradient of its own (a detached copy, a buffer), what is written brings none either", () => {
    // z = 2y with no gradient (PyTorch: z.requires_grad stays False), so dL/dy = 2·out·z only
    const got = run("const y = this.a(x);\n    const z = y.detach().clone();\n    F.noGrad(() => z.add_(y));\n    return z.mul(y);");
    const want = run("const y = this.a(x);\n    return y.mul(2).detach().mul(y);");
    close(got.output, want.output);
    close(got.grad("a.weight"), want.grad("a.weight"));
    // z.data.copy_(b(x)): b gets no gradient through z
    const copied = run("const y = this.a(x);\n    const z = y.detach().mul(0);\n    z.data.copy_(this.b(x));\n    return y.add(z);");
    expect(copied.grad("b.weight").every((g) => g === 0)).toBe(true);
    close(copied.grad("a.weight"), run("const y = this.a(x);\n    return y.add(this.b(x).detach());").grad("a.weight"));
  });
  it("a tensor computed under F.noGrad that leaves the block by an assignment carries no gradient, as a returned one (with torch.no_grad(): t = b(x))", () => {
    // before: only the block's return value was detached, so b got the gradient through t too
    const want = run("return this.a(x).add(this.b(x).detach());");
    for (const forward of [
      "let t = x.sum(1, true);\n    F.noGrad(() => { t = this.b(x); });\n    return this.a(x).add(t);",
      "const o = { t: x };\n    F.noGrad(() => { o.t = this.b(x); });\n    return this.a(x).add(o.t);",
      // a teacher's outputs collected under no_grad (preds.append(m(x)))
      "const preds: Tensor[] = [];\n    F.noGrad(() => { preds.push(this.b(x)); });\n    return this.a(x).add(preds[0]);",
      "const m = new Map<string, Tensor>();\n    F.noGrad(() => { m.set('t', this.b(x)); });\n    return this.a(x).add(m.get('t')!);",
    ]) {
      const got = run(forward);
      close(got.output, want.output);
      expect(got.grad("b.weight").every((g) => g === 0), forward).toBe(true);
      close(got.grad("a.weight"), want.grad("a.weight"));
    }
  });
  it("a change recorded by autograd (no .data, outside F.noGrad) is differentiated: y.mul_(2) doubles the gradient too", () => {
    const recorded = run("const y = this.a(x);\n    y.mul_(2);\n    return y;");
    const product = run("const y = this.a(x);\n    return y.mul(2);");
    close(recorded.grad("a.weight"), product.grad("a.weight"));
    expect(recorded.grad("a.weight")[0]).not.toBeCloseTo(doubled.grad("a.weight")[0], 6);
  });

  // PixelCNN++'s x.unsqueeze(-1) + torch.zeros(xs + [nr_mix]).requires_grad_(False): PyTorch leaves a leaf's
  // flag false as it was (VariableTypeManual.cpp requires_grad_), and refuses it on a computed tensor
  it("requiresGrad_(false) on a tensor no gradient reaches changes nothing; on one computed from parameters it is PyTorch's error", () => {
    close(run("return this.a(x).add(F.zeros(2).requiresGrad_(false));").output, run("return this.a(x);").output);
    close(run("return this.a(x).add(x.sum(1, true).requires_grad_(false));").grad("a.weight"), run("return this.a(x).add(x.sum(1, true));").grad("a.weight"));
    const where = (src: string) => diagnosticsOf(model(src)).map((d) => `${d.code} ${d.loc?.line}:${d.loc?.col} ${d.message}`)[0];
    expect(where("return this.a(x).requiresGrad_(false);")).toMatch(/^TSDP3004 6:12 requiresGrad_\(false\): this tensor is computed from parameters, .*only \("you can only change requires_grad flags of leaf variables"\); x\.detach\(\)/);
    // true marks a leaf for F.autograd.grad (autograd-grad.test.ts), and changes no value or parameter gradient
    const marked = run("return this.a(x).add(F.zeros(2).requiresGrad_(true));");
    close(marked.output, run("return this.a(x);").output);
    close(marked.grad("a.weight"), run("return this.a(x);").grad("a.weight"));
  });
});

// Forms that act on a gradient in PyTorch's backward (gradient-hooks.ts): retain_grad only keeps .grad
// to read, so it changes nothing; x.register_hook(fn) replaces the gradient reaching x by fn of it.
// Expectations by hand: with y = a(x), the sum-of-squares loss against 0 reaches y as 2y, so a hook h
// gives a.weight the gradient Σ_b h(2y_b) ⊗ x_b and a.bias Σ_b h(2y_b).
describe("gradient hooks: retainGrad changes nothing, registerHook replaces the gradient", () => {
  it("y.retainGrad() (and retain_grad) leaves the values and every gradient as they are", () => {
    const plain = run("const y = this.a(x);\n    return y.add(this.b(x));");
    for (const spelling of ["retainGrad", "retain_grad"]) {
      const kept = run(`const y = this.a(x);\n    y.${spelling}();\n    return y.add(this.b(x));`);
      close(kept.output, plain.output);
      close(kept.grad("a.weight"), plain.grad("a.weight"));
      close(kept.grad("b.bias"), plain.grad("b.bias"));
    }
  });
  it("retainGrad on a tensor that does not require grad is PyTorch's error", () => {
    const where = (src: string) => diagnosticsOf(model(src)).map((d) => `${d.code} ${d.loc?.line}:${d.loc?.col} ${d.message}`)[0];
    expect(where("const y = this.a(x).detach();\n    y.retainGrad();\n    return y;")).toMatch(/^TSDP3004 7:5 retainGrad: the tensor does not require grad .*can't retain_grad on Tensor that has requires_grad=False/);
    expect(where("const y = F.noGrad(() => { const t = this.a(x); t.retainGrad(); return t; });\n    return y;")).toMatch(/^TSDP3004 6:53 retainGrad/);
  });
  const x = nd([4, 3], normals(12, 5, 1));
  /** a.weight's and a.bias's gradients when the gradient reaching y = a(x) is hook(2y), from y's values. */
  const byHand = (y: number[], hook: (g: number) => number) => {
    const g = y.map((v) => hook(2 * v));
    const weight = [0, 1].flatMap((o) => [0, 1, 2].map((i) => [0, 1, 2, 3].reduce((sum, b) => sum + g[b * 2 + o] * x.data[b * 3 + i], 0)));
    const bias = [0, 1].map((o) => [0, 1, 2, 3].reduce((sum, b) => sum + g[b * 2 + o], 0));
    return { weight, bias };
  };
  const hooked = (hooks: string) => run(`const y = this.a(x);\n    ${hooks}\n    return y;`);
  it("a hook's result is the gradient that flows on: g.clamp(-c, c), g.mul(s), and a hook reading a forward tensor", () => {
    const y = run("return this.a(x);").output;
    for (const [hook, f] of [
      ["y.registerHook((g: Tensor) => g.clamp(-0.3, 0.3));", (g: number) => Math.min(0.3, Math.max(-0.3, g))],
      ["y.register_hook((g: Tensor) => g.neg().mul(0.7));", (g: number) => -0.7 * g],
    ] as const) {
      const got = hooked(hook);
      close(got.output, y);
      const want = byHand(y, f);
      close(got.grad("a.weight"), want.weight);
      close(got.grad("a.bias"), want.bias);
    }
    const masked = hooked("const m = y.gt(0).float();\n    y.registerHook((g: Tensor) => g.mul(m));");
    close(masked.grad("a.bias"), byHand(y, (g) => (g > 0 ? g : 0)).bias);
  });
  it("hooks run in the order registered, each on the previous one's result; one returning nothing changes nothing; remove() takes one off", () => {
    const y = run("return this.a(x);").output;
    const clampThenTriple = hooked("y.registerHook((g: Tensor) => g.clamp(-0.3, 0.3));\n    y.registerHook((g: Tensor) => g.mul(3));\n    y.registerHook((g: Tensor) => { g.sum(); });");
    close(clampThenTriple.grad("a.weight"), byHand(y, (g) => 3 * Math.min(0.3, Math.max(-0.3, g))).weight);
    const removed = hooked("const h = y.registerHook((g: Tensor) => g.mul(3));\n    y.registerHook((g: Tensor) => g.mul(0.5));\n    h.remove();");
    close(removed.grad("a.weight"), byHand(y, (g) => 0.5 * g).weight);
  });
  it("a hook in a forward that tests this.training (evaluated once per mode) keeps its gradient", () => {
    const y = run("return this.a(x);").output;
    const hook = run("const y = this.a(x);\n    y.registerHook((g: Tensor) => g.mul(-0.7));\n    if (!this.training) return y.mul(2);\n    return y;");
    close(hook.grad("a.weight"), byHand(y, (g) => -0.7 * g).weight);
  });
  it("a gradient reversal hook equals the detach form y.mul(-s).add(y.mul(1 + s).detach())", () => {
    const form = run("const y = this.a(x);\n    return y.mul(-0.7).add(y.mul(1.7).detach());");
    close(hooked("y.registerHook((g: Tensor) => g.mul(-0.7));").grad("a.weight"), form.grad("a.weight"));
  });
  it("refuses a hook on a tensor that does not require grad, one returning another shape, and a parameter's hook", () => {
    const where = (src: string) => diagnosticsOf(model(src)).map((d) => `${d.code} ${d.loc?.line}:${d.loc?.col} ${d.message}`)[0];
    expect(where("const y = this.a(x).detach();\n    y.registerHook((g: Tensor) => g);\n    return y;")).toMatch(/^TSDP3004 7:5 registerHook: the tensor does not require grad .*cannot register a hook on a tensor that doesn't require gradient/);
    expect(where("const y = this.a(x);\n    y.registerHook((g: Tensor) => g.sum(1));\n    return y;")).toMatch(/^TSDP4001 7:5 registerHook: the hook returns a \[Batch\] tensor for the gradient of a float32 \[Batch, 2\] one/);
    // PyTorch's hook would change the gradient through a use made before it too; tsdp's is on the uses after
    expect(where("const y = this.a(x);\n    const z = y.mul(2);\n    y.registerHook((g: Tensor) => g.mul(0.5));\n    return y.add(z);")).toMatch(/^TSDP2001 8:5 registerHook: the tensor is already used before the hook is registered \(by mul, line 7\).*register the hook right after the tensor is computed/);
    expect(where("const w = this.a.weight;\n    w.registerHook((g: Tensor) => g.clamp(-1, 1));\n    return F.linear(x, w);")).toMatch(/^TSDP2011 7:5 registerHook on a parameter: a hook on a parameter's gradient is not run.*clipGradValue/);
    const src =
      `${header}export class M extends nn.Module {\n  a = new nn.Linear(3, 2);\n  constructor() {\n    super();\n    for (const p of this.parameters()) p.register_hook((g: Tensor) => g.clamp(-1, 1));\n  }\n` +
      `  forward(x: Tensor<[Batch, 3]>) {\n    return this.a(x);\n  }\n}\nexport const training = new Training(M, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });\n`;
    const paramHook = diagnosticsOf(src)[0];
    expect(`${paramHook.code} ${paramHook.loc?.line}:${paramHook.loc?.col}`).toBe("TSDP2011 6:40");
    expect(paramHook.message).toMatch(/has no register_hook in tsdp: a hook on a parameter's gradient is not run.*clipGradValue/);
  });
});

// A custom torch.autograd.Function (autograd-function.ts): forward's value, backward's gradient for
// each tensor argument that requires grad. Expectations by hand as above: the loss reaches the
// output o as 2o, and backward maps that to the argument's gradient.
describe("custom autograd.Function: forward's value, backward's gradient", () => {
  const functions = `type Ctx = F.autograd.FunctionCtx;
class ReverseLayerF extends F.autograd.Function {
  static forward(ctx: Ctx, x: Tensor, alpha: number) { ctx.alpha = alpha; return x.viewAs(x); }
  static backward(ctx: Ctx, g: Tensor) { return [g.neg().mul(ctx.alpha), null]; }
}
class RoundSTE extends F.autograd.Function {
  static forward(ctx: Ctx, x: Tensor) { return x.mul(4).round().div(4); }
  static backward(ctx: Ctx, g: Tensor) { return g; }
}
class Product extends F.autograd.Function {
  static forward(ctx: Ctx, a: Tensor, b: Tensor) { ctx.save_for_backward(a, b); return a.mul(b); }
  static backward(ctx: Ctx, g: Tensor) {
    const [a, b] = ctx.saved_tensors;
    return [ctx.needs_input_grad[0] ? g.mul(b) : null, ctx.needs_input_grad[1] ? g.mul(a).mul(0.5) : null];
  }
}
class Scale extends F.autograd.Function {
  static forward(x: Tensor, s: number) { return x.mul(s); }
  static setup_context(ctx: Ctx, inputs: [Tensor, number], output: Tensor) { ctx.s = inputs[1]; }
  static backward(ctx: Ctx, g: Tensor) { return [g.mul(ctx.s).mul(3), null]; }
}
class Frozen extends F.autograd.Function {
  static forward(ctx: Ctx, x: Tensor) { const y = x.mul(2); ctx.markNonDifferentiable(y); return y; }
  static backward(ctx: Ctx, g: Tensor) { return g; }
}
`;
  const withFunctions = (forward: string) => model(forward).replace("export class M", `${functions}export class M`);
  const runFn = (forward: string) => {
    const { graph } = lowerSource(withFunctions(forward));
    const { graph: step, gradients } = differentiate(graph);
    const target = nd([4, 2], new Float64Array(8));
    const values = runReference(step, { x, target }, initState(graph, 0), { training: true }).values;
    return { output: Array.from(values.get(step.outputs[0])!.data), grad: (name: string) => Array.from(values.get(gradients.get(name)!)!.data) };
  };
  const x = nd([4, 3], normals(12, 5, 1));
  const byHand = (o: number[], hook: (g: number) => number) => {
    const g = o.map((v) => hook(2 * v));
    return [0, 1].flatMap((r) => [0, 1, 2].map((i) => [0, 1, 2, 3].reduce((sum, b) => sum + g[b * 2 + r] * x.data[b * 3 + i], 0)));
  };
  const y = () => runFn("return this.a(x);").output;
  it("DANN's ReverseLayerF: the value, and −alpha times the gradient; alpha's null is fine", () => {
    const got = runFn("return ReverseLayerF.apply(this.a(x), 0.7);");
    close(got.output, y());
    close(got.grad("a.weight"), byHand(y(), (g) => -0.7 * g));
  });
  it("a Function in a forward that tests this.training (evaluated once per mode) keeps its gradient", () => {
    const got = runFn("const r = ReverseLayerF.apply(this.a(x), 0.7);\n    if (!this.training) return r.mul(2);\n    return r;");
    close(got.grad("a.weight"), byHand(y(), (g) => -0.7 * g));
  });
  it("a straight-through round: the rounded value, the gradient passed as it is", () => {
    const got = runFn("return RoundSTE.apply(this.a(x));");
    close(got.output, y().map((v) => Math.round(4 * v) / 4));
    close(got.grad("a.weight"), byHand(got.output, (g) => g));
  });
  it("saved tensors and needs_input_grad: each argument takes its own gradient, none for one that does not require grad", () => {
    const plain = runFn("return this.a(x).mul(this.b(x));");
    const got = runFn("return Product.apply(this.a(x), this.b(x));");
    close(got.output, plain.output);
    close(got.grad("a.weight"), plain.grad("a.weight"));
    close(got.grad("b.weight"), plain.grad("b.weight").map((g) => 0.5 * g));
    const oneSide = runFn("return Product.apply(this.a(x), this.b(x).detach());");
    close(oneSide.grad("a.weight"), plain.grad("a.weight"));
    expect(oneSide.grad("b.weight").every((g) => g === 0)).toBe(true);
  });
  it("the setup_context form, and mark_non_differentiable's output without gradient", () => {
    close(runFn("return Scale.apply(this.a(x), 2);").grad("a.weight"), byHand(y(), (g) => 2 * 2 * 3 * g));
    const frozen = runFn("return Frozen.apply(this.a(x)).add(this.b(x));");
    expect(frozen.grad("a.weight").every((g) => g === 0)).toBe(true);
  });
  it("refuses what PyTorch refuses, and what tsdp does not take, naming what to write", () => {
    const where = (forward: string, extra = "") => diagnosticsOf(withFunctions(forward).replace("export class M", `${extra}export class M`)).map((d) => `${d.code} ${d.message}`)[0];
    expect(where("return ReverseLayerF.apply(this.a(x), 0.7, 1);")).toMatch(/^TSDP3004|^TSDP300[23]/);
    expect(where("return Bad.apply(this.a(x), 2);", "class Bad extends F.autograd.Function {\n  static forward(ctx: Ctx, x: Tensor, s: number) { return x.mul(s); }\n  static backward(ctx: Ctx, g: Tensor) { return [g]; }\n}\n")).toMatch(
      /^TSDP3002 Bad\.backward returns 1 gradients for 2 arguments of forward .*incorrect number of gradients/,
    );
    expect(where("return Bad.apply(this.a(x), 2);", "class Bad extends F.autograd.Function {\n  static forward(ctx: Ctx, x: Tensor, s: number) { return x.mul(s); }\n  static backward(ctx: Ctx, g: Tensor) { return [g, g]; }\n}\n")).toMatch(
      /^TSDP3003 Bad\.backward returns a gradient for argument 2, the number 2, which is not a tensor|^TSDP3003 Bad\.backward returns a gradient for argument 2/,
    );
    expect(where("return Bad.apply(this.a(x));", "class Bad extends F.autograd.Function {\n  static forward(ctx: Ctx, x: Tensor) { return x; }\n  static backward(ctx: Ctx, g: Tensor) { return g.sum(1); }\n}\n")).toMatch(
      /^TSDP4001 Bad\.backward's gradient 1 is a \[Batch\] tensor, for argument 1 of shape \[Batch, 2\]/,
    );
    expect(where("return Bad.apply(this.a(x))[0];", "class Bad extends F.autograd.Function {\n  static forward(ctx: Ctx, x: Tensor) { return [x, x]; }\n  static backward(ctx: Ctx, g: Tensor) { return g; }\n}\n")).toMatch(/^TSDP2001 Bad\.apply: forward returns several values/);
  });
});
