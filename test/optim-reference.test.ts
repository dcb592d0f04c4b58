// The float64 reference of PyTorch's update rules, on cases worked out by hand.
import { describe, expect, it } from "vitest";
import type { OptimizerSpec } from "../compiler/ir/node.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { newOptimizerState, optimizerStep } from "../compiler/reference/optim.ts";

const sgd = (o: Partial<Extract<OptimizerSpec, { kind: "SGD" }>>): OptimizerSpec => ({ kind: "SGD", lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...o });
const adam = (kind: "Adam" | "AdamW", o: object = {}): OptimizerSpec => ({ kind, lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, ...o });

function run(spec: OptimizerSpec, grads: number[], p0 = 1, overrides: object[] = []): number[] {
  const params = new Map([["w", nd([1], [p0])]]);
  const state = newOptimizerState();
  return grads.map((g, t) => {
    optimizerStep(spec, state, params, new Map([["w", nd([1], [g])]]), overrides[t]);
    return params.get("w")!.data[0];
  });
}

describe("RMSprop", () => {
  const rms = (o: object = {}): OptimizerSpec => ({ kind: "RMSprop", lr: 0.1, alpha: 0.75, eps: 0, weightDecay: 0, momentum: 0, ...o });
  it("v ← αv + (1 − α)g², p ← p − η·g / (√v + ε)", () => {
    // v1 = 0.25·4 = 1 → p = 1 − 0.1·2/1 = 0.8; v2 = 0.75 + 0.25·1 = 1 → p = 0.8 − 0.1·1/1 = 0.7
    const [p1, p2] = run(rms(), [2, 1]);
    expect(p1).toBeCloseTo(0.8, 15);
    expect(p2).toBeCloseTo(0.7, 15);
  });
  it("momentum: b ← μ·b + g / (√v + ε) from a zero buffer; weight decay adds λ·p first", () => {
    // g1 = 2 → v1 = 1, b1 = 2 → p = 0.8; g2 = 1 → v2 = 1, b2 = 0.5·2 + 1 = 2 → p = 0.6
    const [p1, p2] = run(rms({ momentum: 0.5 }), [2, 1]);
    expect(p1).toBeCloseTo(0.8, 15);
    expect(p2).toBeCloseTo(0.6, 15);
    // λ = 1: g1 = 1 + 1 = 2 as above → 0.8
    expect(run(rms({ weightDecay: 1 }), [1])[0]).toBeCloseTo(0.8, 15);
  });
});

describe("Adagrad and Adamax", () => {
  it("Adagrad: s ← s + g², p ← p − η·g / (√s + ε); weight decay adds λ·p first", () => {
    const ada = (o: object = {}): OptimizerSpec => ({ kind: "Adagrad", lr: 0.1, eps: 0, weightDecay: 0, ...o });
    // s1 = 4 → p = 1 − 0.1·2/2 = 0.9; s2 = 4 + 9 = 13 → p = 0.9 − 0.1·3/√13
    const [p1, p2] = run(ada(), [2, 3]);
    expect(p1).toBeCloseTo(0.9, 15);
    expect(p2).toBeCloseTo(0.9 - 0.3 / Math.sqrt(13), 15);
    // λ = 1: g1 = 1 + 1 = 2 as above
    expect(run(ada({ weightDecay: 1 }), [1])[0]).toBeCloseTo(0.9, 15);
  });
  it("Adadelta: v ← ρv + (1 − ρ)g², d ← √(a + ε)/√(v + ε)·g, a ← ρa + (1 − ρ)d², p ← p − η·d", () => {
    const spec: OptimizerSpec = { kind: "Adadelta", lr: 1, alpha: 0.5, eps: 1e-2, weightDecay: 0 };
    // v1 = 0.5·4 = 2, d1 = √0.01/√2.01·2, a1 = 0.5·d1²; p1 = 1 − d1
    const v1 = 2, d1 = (Math.sqrt(0.01) / Math.sqrt(v1 + 0.01)) * 2, a1 = 0.5 * d1 * d1;
    const v2 = 0.5 * v1 + 0.5, d2 = (Math.sqrt(a1 + 0.01) / Math.sqrt(v2 + 0.01)) * 1;
    const [p1, p2] = run(spec, [2, 1]);
    expect(p1).toBeCloseTo(1 - d1, 15);
    expect(p2).toBeCloseTo(1 - d1 - d2, 15);
  });
  it("Adamax: m ← β₁m + (1 − β₁)g, u ← max(β₂u, |g| + ε), p ← p − (η / (1 − β₁ᵗ))·m / u", () => {
    const spec: OptimizerSpec = { kind: "Adamax", lr: 0.1, beta1: 0.5, beta2: 0.5, eps: 0, weightDecay: 0 };
    // m1 = 1, u1 = 2, c1 = 0.5 → p = 1 − 0.2·1/2 = 0.9; m2 = 0.5 − 0.25 = 0.25, u2 = max(1, 0.5) = 1, c1 = 0.75 → p = 0.9 − (0.1/0.75)·0.25
    const [p1, p2] = run(spec, [2, -0.5]);
    expect(p1).toBeCloseTo(0.9, 15);
    expect(p2).toBeCloseTo(0.9 - (0.1 / 0.75) * 0.25, 15);
  });
});

describe("NAdam and RAdam", () => {
  it("NAdam: p ← p − η·(1 − μ_t)/(1 − Πμ)·g/d − η·μ_{t+1}/(1 − Πμ·μ_{t+1})·m/d, d = √v/√(1 − β₂ᵗ) + ε", () => {
    // ψ = 0 makes μ constant: β₁(1 − ½) = 0.25. Step 1, g = 2: m = 1, v = 2, d = √2/√0.5 = 2, Πμ = 0.25;
    // p = 1 − 0.1·1·(2/2) − 0.1·(0.25/(1 − 0.0625))·(1/2) = 0.9 − 0.1·(4/15)·0.5
    const spec: OptimizerSpec = { kind: "NAdam", lr: 0.1, beta1: 0.5, beta2: 0.5, eps: 0, weightDecay: 0, momentum: 0 };
    expect(run(spec, [2])[0]).toBeCloseTo(0.9 - 0.1 * (4 / 15) * 0.5, 15);
    // the schedule: with ψ = 0.004, μ_1 = 0.9·(1 − ½·0.96^0.004), and a step's momentumDecay (the spec's momentum) changes it
    const schedule = (psi: number) => run({ ...spec, beta1: 0.9, beta2: 0.999, eps: 1e-8, momentum: psi }, [1, 1]);
    expect(schedule(0.004)).not.toEqual(schedule(0.05));
  });
  it("RAdam: plain momentum while ρ_t ≤ 5, then the rectified step η·r_t·sign(g) for a constant gradient", () => {
    // β₂ = 0.8: ρ_∞ = 9; ρ_t = 9 − 2t·0.8ᵗ/(1 − 0.8ᵗ) is 4.74 at t = 6 and 5.29 at t = 7. A constant g = 1
    // makes m̂ = 1 and √v = √(1 − β₂ᵗ), so an unrectified step moves p by η and a rectified one by η·r_t
    const spec: OptimizerSpec = { kind: "RAdam", lr: 0.1, beta1: 0.9, beta2: 0.8, eps: 0, weightDecay: 0 };
    const got = run(spec, Array(9).fill(1));
    let p = 1;
    const want = got.map((_, i) => {
      const t = i + 1;
      const rho = 9 - (2 * t * 0.8 ** t) / (1 - 0.8 ** t);
      p -= 0.1 * (rho > 5 ? Math.sqrt(((rho - 4) * (rho - 2) * 9) / (5 * 7 * rho)) : 1);
      return p;
    });
    got.forEach((v, i) => expect(v, `step ${i + 1}`).toBeCloseTo(want[i], 12));
    expect(got[5]).toBeCloseTo(0.4, 12); // six plain steps of 0.1
  });
});

describe("SGD", () => {
  it("plain: p ← p − η·g", () => expect(run(sgd({}), [1, 2])).toEqual([0.9, 0.7]));
  it("momentum: the buffer starts as the first gradient, then μ·b + (1 − τ)·g", () => {
    // b1 = 1 → p = 0.9; b2 = 0.5·1 + 0.75·2 = 2 → p = 0.7
    const [p1, p2] = run(sgd({ momentum: 0.5, dampening: 0.25 }), [1, 2]);
    expect(p1).toBeCloseTo(0.9, 15);
    expect(p2).toBeCloseTo(0.7, 15);
  });
  it("nesterov: g + μ·b", () => {
    // b1 = 1, step g + 0.5·1 = 1.5 → 0.85; b2 = 0.5 + 2 = 2.5, step 2 + 1.25 = 3.25 → 0.525
    const [p1, p2] = run(sgd({ momentum: 0.5, nesterov: true }), [1, 2]);
    expect(p1).toBeCloseTo(0.85, 15);
    expect(p2).toBeCloseTo(0.525, 15);
  });
  it("weight decay adds λ·p to the gradient, and the learning rate can change per step", () => {
    // g = 1 + 0.5·1 = 1.5 → 1 − 0.15 = 0.85; then lr 0.2: g = 1 + 0.425 → 0.85 − 0.285 = 0.565
    const [p1, p2] = run(sgd({ weightDecay: 0.5 }), [1, 1], 1, [{}, { lr: 0.2 }]);
    expect(p1).toBeCloseTo(0.85, 15);
    expect(p2).toBeCloseTo(0.565, 15);
  });
});

describe("Adam and AdamW", () => {
  it("Adam's first step moves by about η·sign(g) (bias correction)", () => {
    // m = 0.1g, v = 0.001g²; m/(1−β₁) = g, √(v/(1−β₂)) = |g| → step η·g/(|g| + ε)
    const [p1] = run(adam("Adam"), [4]);
    expect(p1).toBeCloseTo(1 - 0.1 * (4 / (4 + 1e-8)), 14);
  });
  it("Adam's weight decay goes through the moments; AdamW's decays the weight directly", () => {
    const [a] = run(adam("Adam", { weightDecay: 0.5 }), [1]); // g = 1.5 → step ≈ η
    expect(a).toBeCloseTo(1 - 0.1 * (1.5 / (1.5 + 1e-8)), 14);
    const [w] = run(adam("AdamW", { weightDecay: 0.5 }), [1]); // p·(1 − 0.05) − η·1
    expect(w).toBeCloseTo(0.95 - 0.1 * (1 / (1 + 1e-8)), 14);
  });
  it("second step follows the moment recurrences", () => {
    const g1 = 1;
    const g2 = -2;
    const m = 0.9 * 0.1 * g1 + 0.1 * g2;
    const v = 0.999 * 0.001 * g1 * g1 + 0.001 * g2 * g2;
    const expected = 1 - 0.1 * (1 / (1 + 1e-8)) - (0.1 / (1 - 0.81)) * (m / (Math.sqrt(v) / Math.sqrt(1 - 0.999 ** 2) + 1e-8));
    expect(run(adam("Adam"), [g1, g2])[1]).toBeCloseTo(expected, 13);
  });
});

describe("param groups", () => {
  it("a parameter in no declared group (the internal skipped group) keeps its value and gets no state, as PyTorch's optimizer over the others", () => {
    // PyTorch: optim.AdamW([{"params": [w], "lr": 0.2}], lr=0.1, eps=0) never touches b, which has a gradient
    const spec: OptimizerSpec = { ...adam("AdamW", { eps: 0, weightDecay: 0.5 }), groups: [{ params: ["w"], lr: 0.2 }, { params: ["b"], lr: 0, weightDecay: 0, internal: true, skipped: true }] };
    const params = new Map([["w", nd([1], [1])], ["b", nd([1], [3])]]);
    const state = newOptimizerState();
    for (let t = 0; t < 3; t++) optimizerStep(spec, state, params, new Map([["w", nd([1], [1])], ["b", nd([1], [0])]]));
    expect(params.get("b")!.data[0]).toBe(3);
    expect(state.perParam.has("b")).toBe(false);
    // w: AdamW at its group's lr 0.2 with a constant gradient 1 (each step moves by 0.2 after the decay p·(1 − 0.2·0.5))
    expect(params.get("w")!.data[0]).toBeCloseTo(((1 * 0.9 - 0.2) * 0.9 - 0.2) * 0.9 - 0.2, 12);
  });
});

describe("param groups with their own momentum, betas, eps, alpha (PyTorch's param_groups keys)", () => {
  // PyTorch's optimizer over groups is, parameter by parameter, the optimizer made with that
  // parameter's group's settings: each group here against a run of its parameter alone
  const grads = [[0.5, -1], [2, 0.25], [-0.75, 1.5]];
  const together = (spec: OptimizerSpec, overrides: object[] = []) => {
    const params = new Map([["w", nd([1], [1])], ["b", nd([1], [-2])]]);
    const state = newOptimizerState();
    grads.forEach(([gw, gb], t) => optimizerStep(spec, state, params, new Map([["w", nd([1], [gw])], ["b", nd([1], [gb])]]), overrides[t]));
    return [params.get("w")!.data[0], params.get("b")!.data[0]];
  };
  const alone = (spec: OptimizerSpec, which: 0 | 1, p0: number, overrides: object[] = []) => run(spec, grads.map((g) => g[which]), p0, overrides).at(-1)!;
  const cases: [string, OptimizerSpec, object, object][] = [
    ["SGD: momentum, dampening; nesterov", sgd({ momentum: 0.9, weightDecay: 0.1 }), { momentum: 0.5, dampening: 0.3 }, { nesterov: true }],
    ["Adam: betas, eps", adam("Adam", { weightDecay: 0.1 }), { beta1: 0.5, beta2: 0.9, eps: 0.1 }, { eps: 1e-3 }],
    ["AdamW: betas", adam("AdamW", { weightDecay: 0.1 }), { beta1: 0.5, beta2: 0.9 }, {}],
    // unrectified over these 3 steps (ρ_t ≤ 5): m̂ with each group's β₁
    ["RAdam: betas", { kind: "RAdam", lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }, { beta1: 0.5, beta2: 0.9 }, {}],
    ["RMSprop: alpha, eps, momentum", { kind: "RMSprop", lr: 0.1, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0 }, { alpha: 0.5, eps: 0.1, momentum: 0.3 }, {}],
    ["Adadelta: rho (alpha)", { kind: "Adadelta", lr: 1, alpha: 0.9, eps: 1e-6, weightDecay: 0 }, { alpha: 0.5 }, { eps: 1e-3 }],
  ];
  for (const [label, spec, ownW, ownB] of cases)
    it(label, () => {
      const grouped = { ...spec, groups: [{ params: ["w"], ...ownW }, { params: ["b"], ...ownB }] } as OptimizerSpec;
      const [w, b] = together(grouped);
      expect(w).toBeCloseTo(alone({ ...spec, ...ownW } as OptimizerSpec, 0, 1), 13);
      expect(b).toBeCloseTo(alone({ ...spec, ...ownB } as OptimizerSpec, 1, -2), 13);
      // and not what the optimizer's own settings give (the groups' settings change the result)
      if (Object.keys(ownW).length) expect(Math.abs(w - alone(spec, 0, 1))).toBeGreaterThan(1e-6);
    });
  it("a step's momentum or β₁ (a OneCycleLR's cycle) is every group's, its own too; a step's eps only the groups' without their own", () => {
    const spec = { ...adam("Adam"), groups: [{ params: ["w"], beta1: 0.5, beta2: 0.9, eps: 0.1 }, { params: ["b"] }] } as OptimizerSpec;
    const steps = [{ beta1: 0.8, beta2: 0.999, eps: 1e-3 }, { beta1: 0.7, beta2: 0.999, eps: 1e-3 }, { beta1: 0.6, beta2: 0.999, eps: 1e-3 }];
    const [w, b] = together(spec, steps);
    // w: the step's β₁, its own β₂ and eps
    expect(w).toBeCloseTo(alone(adam("Adam", { beta2: 0.9, eps: 0.1 }), 0, 1, steps.map((o) => ({ beta1: o.beta1 }))), 13);
    expect(b).toBeCloseTo(alone(adam("Adam"), 1, -2, steps), 13);
    const sgdSpec = { ...sgd({ momentum: 0.9 }), groups: [{ params: ["w"], momentum: 0.2, dampening: 0.5 }, { params: ["b"] }] } as OptimizerSpec;
    const [sw] = together(sgdSpec, grads.map(() => ({ momentum: 0.6 })));
    expect(sw).toBeCloseTo(alone(sgd({ momentum: 0.6, dampening: 0.5 }), 0, 1), 13);
  });
});

describe("clip_grad_norm_ before the step (clipGradNorm)", () => {
  const twoParams = (spec: OptimizerSpec, g: [number[], number[]], overrides?: object) => {
    const params = new Map([
      ["a", nd([2], [1, 1])],
      ["b", nd([1], [1])],
    ]);
    const grads = new Map([
      ["a", nd([2], g[0])],
      ["b", nd([1], g[1])],
    ]);
    optimizerStep(spec, newOptimizerState(), params, grads, overrides);
    return { params: [...params.values()].flatMap((p) => Array.from(p.data)), grads: [...grads.values()].flatMap((p) => Array.from(p.data)) };
  };
  it("scales every gradient by max_norm / (‖g‖₂ + 1e-6), the norm over all parameters together, in place", () => {
    // ‖(3, 0), (4)‖ = 5 → factor 1 / (5 + 1e-6): gradients (0.6, 0, 0.8), p ← 1 − 0.1·g
    const f = 1 / (5 + 1e-6);
    const r = twoParams(sgd({ clipGradNorm: 1 }), [[3, 0], [4]]);
    expect(r.grads).toEqual([3 * f, 0, 4 * f]);
    expect(r.params).toEqual([1 - 0.1 * 3 * f, 1, 1 - 0.1 * 4 * f]);
  });
  it("leaves gradients under max_norm as they are (the factor is clamped to 1); given per step, it overrides the declaration", () => {
    expect(twoParams(sgd({ clipGradNorm: 10 }), [[3, 0], [4]]).grads).toEqual([3, 0, 4]);
    expect(twoParams(sgd({ clipGradNorm: 10 }), [[3, 0], [4]], { clipGradNorm: 2.5 }).grads[2]).toBe((4 * 2.5) / (5 + 1e-6));
    expect(twoParams(sgd({ clipGradNorm: 1 }), [[3, 0], [4]], { clipGradNorm: 0 }).grads).toEqual([3, 0, 4]);
  });
  it("a NaN gradient makes every gradient NaN, as torch.clamp keeps the NaN factor", () => {
    expect(twoParams(sgd({ clipGradNorm: 1 }), [[Number.NaN, 0], [4]]).grads.every(Number.isNaN)).toBe(true);
    expect(twoParams(sgd({ clipGradNorm: 1, clipGradNormType: "inf" }), [[Number.NaN, 0], [4]]).grads.every(Number.isNaN)).toBe(true);
  });
  it("norm_type: the 1-norm Σ|g|, the ∞-norm max |g|, any p (Σ|g|ᵖ)^(1/p), over all parameters together", () => {
    // (3, 0), (−4): ‖·‖₁ = 7, ‖·‖∞ = 4, ‖·‖₃ = (27 + 64)^(1/3)
    const scaled = (f: number) => [3 * f, 0, -4 * f];
    expect(twoParams(sgd({ clipGradNorm: 1, clipGradNormType: 1 }), [[3, 0], [-4]]).grads).toEqual(scaled(1 / (7 + 1e-6)));
    expect(twoParams(sgd({ clipGradNorm: 2, clipGradNormType: "inf" }), [[3, 0], [-4]]).grads).toEqual(scaled(2 / (4 + 1e-6)));
    expect(twoParams(sgd({ clipGradNorm: 1, clipGradNormType: 3 }), [[3, 0], [-4]]).grads).toEqual(scaled(1 / (91 ** (1 / 3) + 1e-6)));
  });
});

describe("clip_grad_value_ before the step (clipGradValue)", () => {
  it("clamps every gradient to [−v, v] in place, then the rule runs on them; a NaN stays NaN, as torch.clamp", () => {
    const params = new Map([["a", nd([3], [1, 1, 1])]]);
    const grads = new Map([["a", nd([3], [3, -0.25, -2])]]);
    optimizerStep(sgd({ clipGradValue: 0.5 }), newOptimizerState(), params, grads);
    expect(Array.from(grads.get("a")!.data)).toEqual([0.5, -0.25, -0.5]);
    expect(Array.from(params.get("a")!.data)).toEqual([1 - 0.1 * 0.5, 1 + 0.1 * 0.25, 1 + 0.1 * 0.5]);
    const nan = new Map([["a", nd([1], [Number.NaN])]]);
    optimizerStep(sgd({ clipGradValue: 0.5 }), newOptimizerState(), new Map([["a", nd([1], [1])]]), nan);
    expect(nan.get("a")!.data[0]).toBeNaN();
  });
});

describe("the update in float32 arithmetic (a check's measure of its conditioning)", () => {
  const step32 = (spec: OptimizerSpec, g: number, p0: number, float32: boolean) => {
    const params = new Map([["w", nd([1], [p0])]]);
    optimizerStep(spec, newOptimizerState(), params, new Map([["w", nd([1], [g])]]), {}, float32);
    return params.get("w")!.data[0];
  };
  const rms: OptimizerSpec = { kind: "RMSprop", lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0.01, momentum: 0.5 };
  it("gives float32 values within float32 rounding of the float64 update where the update is well conditioned", () => {
    for (const spec of [rms, sgd({ momentum: 0.9, weightDecay: 0.01 }), adam("AdamW", { weightDecay: 0.1 })]) {
      const got = step32(spec, 0.37, 0.8, true);
      expect(Math.fround(got)).toBe(got);
      expect(Math.abs(got - step32(spec, 0.37, 0.8, false))).toBeLessThan(1e-6);
    }
  });
  it("moves RMSprop's update far more where the weight decay cancels the gradient down to ε", () => {
    // g = ∇ + λp ≈ 1e-8: float32 keeps ∇ and λp to 2⁻²⁴ of 1e-3, so g, and g/(√v + ε), move by about 1e-3 of themselves
    const p = 0.1, grad = -1e-3 + 1e-8;
    const moved = Math.abs(step32(rms, grad, p, true) - step32(rms, grad, p, false));
    const wellConditioned = Math.abs(step32(rms, 0.37, p, true) - step32(rms, 0.37, p, false));
    expect(moved).toBeGreaterThan(100 * wellConditioned);
  });
});

describe("the variant switches (maximize, amsgrad, centered, decoupled weight decay, Adagrad's lr decay and start)", () => {
  it("maximize ascends: every rule runs on −∇", () => {
    expect(run(sgd({ maximize: true }), [2])[0]).toBeCloseTo(1.2, 15);
    // with weight decay, −∇ + λp: g = −2 + 1 = −1 → p = 1 + 0.1
    expect(run(sgd({ maximize: true, weightDecay: 1 }), [2])[0]).toBeCloseTo(1.1, 15);
    const [up] = run(adam("Adam", { maximize: true }), [3]);
    expect(up).toBeCloseTo(1 + 0.1 * (3 / (3 + 1e-8)), 12);
  });
  it("amsgrad divides by the largest second moment so far", () => {
    // β₂ = 0.5: v1 = 0.5·16 = 8, v2 = 4 + 0.5·0.04 = 4.02 < 8, so step 2 divides by √8
    const spec = adam("Adam", { beta1: 0, beta2: 0.5, eps: 0, amsgrad: true });
    const [p1, p2] = run(spec, [4, 0.2]);
    const c2 = (t: number) => 1 - 0.5 ** t;
    expect(p1).toBeCloseTo(1 - 0.1 * (4 / (Math.sqrt(8) / Math.sqrt(c2(1)))), 15);
    expect(p2).toBeCloseTo(p1 - 0.1 * (0.2 / (Math.sqrt(8) / Math.sqrt(c2(2)))), 15);
    // without: √4.02
    expect(run(adam("Adam", { beta1: 0, beta2: 0.5, eps: 0 }), [4, 0.2])[1]).toBeCloseTo(p1 - 0.1 * (0.2 / (Math.sqrt(4.02) / Math.sqrt(c2(2)))), 15);
  });
  it("centered RMSprop divides by √(v − ḡ²) + ε, ḡ the gradients' running average", () => {
    // α = 0.75, g = 2: v = 0.25·4 = 1, ḡ = 0.25·2 = 0.5, √(1 − 0.25) = √0.75
    const spec: OptimizerSpec = { kind: "RMSprop", lr: 0.1, alpha: 0.75, eps: 0, weightDecay: 0, momentum: 0, centered: true };
    expect(run(spec, [2])[0]).toBeCloseTo(1 - 0.1 * (2 / Math.sqrt(0.75)), 15);
  });
  it("decoupled weight decay (NAdam, RAdam) decays the parameter, not the gradient", () => {
    // RAdam's first step is plain momentum: m̂ = g; decoupled: p·(1 − ηλ) − η·g
    const radam = (o: object): OptimizerSpec => ({ kind: "RAdam", lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.5, ...o });
    expect(run(radam({ decoupledWeightDecay: true }), [2])[0]).toBeCloseTo(1 * (1 - 0.05) - 0.1 * 2, 15);
    expect(run(radam({}), [2])[0]).toBeCloseTo(1 - 0.1 * (2 + 0.5), 15);
  });
  it("Adagrad: lr / (1 + (t − 1)·lrDecay), the sum starting at initialAccumulatorValue", () => {
    const spec: OptimizerSpec = { kind: "Adagrad", lr: 0.1, eps: 0, weightDecay: 0, lrDecay: 1, initialAccumulatorValue: 5 };
    // s1 = 5 + 4 = 9 → p = 1 − 0.1·2/3; s2 = 9 + 16 = 25, lr 0.1/2 → p −= 0.05·4/5
    const [p1, p2] = run(spec, [2, 4]);
    expect(p1).toBeCloseTo(1 - 0.2 / 3, 15);
    expect(p2).toBeCloseTo(p1 - 0.04, 15);
  });
});
