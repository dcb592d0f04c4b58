// lrScheduler: torch.optim.lr_scheduler's learning rates step by step, against PyTorch's documented
// examples and, for CosineAnnealingLR, against PyTorch's recursive (chainable) form written out.
import { describe, expect, it } from "vitest";
import { lrScheduler } from "../runtime/index.ts";

/** The lr at steps 0 … n − 1, stepping as a training loop does. */
function trace(s: { lr: number; step(): void }, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    out.push(s.lr);
    s.step();
  }
  return out;
}
const close = (got: number[], want: number[]) => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(g, `step ${i}`).toBeCloseTo(want[i], 12));
};

describe("lrScheduler: PyTorch's learning rates per step", () => {
  it("StepLR, MultiStepLR, ExponentialLR (PyTorch's docstring examples, base 0.05)", () => {
    const step = trace(new lrScheduler.StepLR(0.05, { stepSize: 30, gamma: 0.1 }), 90);
    close([step[0], step[29], step[30], step[59], step[60], step[89]], [0.05, 0.05, 0.005, 0.005, 0.0005, 0.0005]);
    const multi = trace(new lrScheduler.MultiStepLR(0.05, { milestones: [80, 30], gamma: 0.1 }), 100);
    close([multi[29], multi[30], multi[79], multi[80]], [0.05, 0.005, 0.005, 0.0005]);
    close(trace(new lrScheduler.ExponentialLR(1, { gamma: 0.9 }), 4), [1, 0.9, 0.81, 0.729]);
  });

  it("ConstantLR, LinearLR, PolynomialLR (PyTorch's docstring examples)", () => {
    close(trace(new lrScheduler.ConstantLR(0.05, { factor: 0.5, totalIters: 4 }), 6), [0.025, 0.025, 0.025, 0.025, 0.05, 0.05]);
    close(trace(new lrScheduler.LinearLR(0.05, { startFactor: 0.5, totalIters: 4 }), 6), [0.025, 0.03125, 0.0375, 0.04375, 0.05, 0.05]);
    close(trace(new lrScheduler.PolynomialLR(0.001, { totalIters: 4, power: 1 }), 6), [0.001, 0.00075, 0.0005, 0.00025, 0, 0]);
  });

  it("CosineAnnealingLR equals PyTorch's recursive form, past tMax too", () => {
    const [base, etaMin, tMax] = [0.1, 0.001, 10];
    const recursive: number[] = [base];
    for (let t = 1; t < 3 * tMax; t++) {
      const prev = recursive[t - 1];
      recursive.push(
        (t - 1 - tMax) % (2 * tMax) === 0
          ? prev + ((base - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2
          : ((1 + Math.cos((Math.PI * t) / tMax)) / (1 + Math.cos((Math.PI * (t - 1)) / tMax))) * (prev - etaMin) + etaMin,
      );
    }
    close(trace(new lrScheduler.CosineAnnealingLR(base, { tMax, etaMin }), 3 * tMax), recursive);
  });

  it("CosineAnnealingWarmRestarts restarts at t0, t0 + t0·tMult, …", () => {
    const s = trace(new lrScheduler.CosineAnnealingWarmRestarts(1, { t0: 10, tMult: 2, etaMin: 0 }), 71);
    for (const restart of [0, 10, 30, 70]) expect(s[restart]).toBe(1);
    // halfway through the second period (20 long): cos(π/2)
    expect(s[20]).toBeCloseTo(0.5, 12);
    expect(s[9]).toBeCloseTo((1 + Math.cos((Math.PI * 9) / 10)) / 2, 12);
  });

  it("OneCycleLR: up to maxLr by pctStart, down to maxLr/(div·finalDiv); momentum the other way; β₁ for Adam", () => {
    const sgd = new lrScheduler.OneCycleLR(0.1, { maxLr: 0.1, totalSteps: 100 });
    const lrs = trace(sgd, 100);
    expect(lrs[0]).toBeCloseTo(0.004, 12);
    expect(lrs[29]).toBeCloseTo(0.1, 12);
    expect(lrs[99]).toBeCloseTo(0.004 / 1e4, 15);
    // the phases are cosines: halfway up, the mean
    expect(lrs[14]).toBeCloseTo(0.004 + (0.1 - 0.004) * (1 - Math.cos((Math.PI * 14) / 29)) / 2, 12);
    const fresh = new lrScheduler.OneCycleLR(0.1, { maxLr: 0.1, totalSteps: 100 });
    expect(fresh.options()).toEqual({ lr: fresh.lr, momentum: 0.95 });
    for (let i = 0; i < 29; i++) fresh.step();
    expect(fresh.momentum).toBeCloseTo(0.85, 12);
    // past the total: PyTorch's error
    const over = new lrScheduler.OneCycleLR(1, { maxLr: 1, totalSteps: 3 });
    for (let i = 0; i < 4; i++) over.step();
    expect(() => over.lr).toThrow(/tried to step 4 times; the specified number of total steps is 3/);
    // a compiled model's declared Adam: its lr is not used (maxLr is), β₁ cycles, β₂ kept
    const adam = { manifest: { training: { optimizer: { kind: "Adam", lr: 0.001, beta1: 0.9, beta2: 0.98 } } } };
    const options = new lrScheduler.OneCycleLR(adam, { maxLr: 0.01, totalSteps: 10 }).options();
    expect(options.lr).toBeCloseTo(0.0004, 15);
    expect(options.betas).toEqual([0.95, 0.98]);
    expect(() => new lrScheduler.OneCycleLR({ manifest: { training: { optimizer: { kind: "Adagrad", lr: 0.1 } } } }, { maxLr: 0.1, totalSteps: 10 })).toThrow(/Adagrad has no momentum to cycle/);
  });

  it("CyclicLR triangular and triangular2", () => {
    close(trace(new lrScheduler.CyclicLR(0, { baseLr: 0.001, maxLr: 0.005, stepSizeUp: 4, cycleMomentum: false }), 9), [0.001, 0.002, 0.003, 0.004, 0.005, 0.004, 0.003, 0.002, 0.001]);
    const halved = trace(new lrScheduler.CyclicLR(0, { baseLr: 0.001, maxLr: 0.005, stepSizeUp: 4, mode: "triangular2" }), 13);
    expect(halved[12]).toBeCloseTo(0.001 + 0.004 / 2, 12);
  });

  it("CyclicLR with a scaleFn of its own (PyTorch's scale_fn, over mode): of the cycle number, or of the step with scaleMode \"iterations\"", () => {
    // PyTorch's docs' example, scale_fn = lambda x: 0.5 * (1 + sin(x * pi / 2)), scale_mode "cycle": cycle 1 scales by 1, cycle 2 by 0.5, cycle 3 by 0
    const sine = (x: number) => 0.5 * (1 + Math.sin((x * Math.PI) / 2));
    const byCycle = trace(new lrScheduler.CyclicLR(0, { baseLr: 0.001, maxLr: 0.005, stepSizeUp: 2, scaleFn: sine, cycleMomentum: false }), 11);
    close(byCycle, [0.001, 0.003, 0.005, 0.003, 0.001, 0.002, 0.003, 0.002, 0.001, 0.001, 0.001]);
    // "iterations": the scale of step t, scale_fn(t), over the triangle's height at t; mode is ignored, as PyTorch's
    const bySteps = trace(new lrScheduler.CyclicLR(0, { baseLr: 0.001, maxLr: 0.005, stepSizeUp: 2, mode: "triangular2", scaleFn: (t) => 1 / (1 + t), scaleMode: "iterations", cycleMomentum: false }), 6);
    close(bySteps, [0.001, 0.001 + 0.002 / 2, 0.001 + 0.004 / 3, 0.001 + 0.002 / 4, 0.001, 0.001 + 0.002 / 6]);
    expect(() => new lrScheduler.CyclicLR(0, { baseLr: 0.001, maxLr: 0.005, scaleFn: 2 as never })).toThrow(/CyclicLR: scaleFn must be a function of the cycle number/);
    expect(() => new lrScheduler.CyclicLR(0, { baseLr: 0.001, maxLr: 0.005, scaleFn: sine, scaleMode: "steps" as never })).toThrow(/CyclicLR: scaleMode must be "cycle" or "iterations"/);
  });

  it("SequentialLR: each scheduler from its milestone, counting from 0; LambdaLR, MultiplicativeLR", () => {
    const s = new lrScheduler.SequentialLR(1, [new lrScheduler.ConstantLR(1, { factor: 0.1, totalIters: 2 }), new lrScheduler.ExponentialLR(1, { gamma: 0.9 })], [2]);
    close(trace(s, 5), [0.1, 0.1, 1, 0.9, 0.81]);
    close(trace(new lrScheduler.LambdaLR(0.5, (e) => 0.95 ** e), 3), [0.5, 0.475, 0.45125]);
    close(trace(new lrScheduler.MultiplicativeLR(1, () => 0.5), 4), [1, 0.5, 0.25, 0.125]);
  });

  it("ChainedScheduler: every scheduler's factor multiplies the lr each step, as PyTorch's chainable forms through one optimizer", () => {
    // PyTorch's documented example (lr 1): ConstantLR(factor 0.1, total_iters 2) then ExponentialLR(0.9):
    // 0.1 when made, then 0.09, 0.81, 0.729, 0.6561 (its docstring lists the values after each step()
    // and misprints 0.81 as 0.081)
    const chain = new lrScheduler.ChainedScheduler([new lrScheduler.ConstantLR(1, { factor: 0.1, totalIters: 2 }), new lrScheduler.ExponentialLR(1, { gamma: 0.9 })]);
    close(trace(chain, 5), [0.1, 0.09, 0.81, 0.729, 0.6561]);
    expect(chain.schedulers.map((s) => s.lastEpoch)).toEqual([5, 5]);
    // PyTorch's newer docstring: ConstantLR(0.1, total_iters 20) · ExponentialLR(0.9): 0.05, 0.045, 0.0405, …,
    // 0.00675 at step 19, 0.06078 at 20 (the constant's factor divided out), 0.05470 at 21 — an lr of 0.5
    // (the docstring says 0.05, which its own values contradict)
    const doc = trace(new lrScheduler.ChainedScheduler([new lrScheduler.ConstantLR(0.5, { factor: 0.1, totalIters: 20 }), new lrScheduler.ExponentialLR(0.5, { gamma: 0.9 })]), 22);
    // (the docstring's digits cut off, not rounded: 0.5·0.9²⁰ = 0.060788)
    [0.05, 0.045, 0.0405, 0.00675, 0.06078, 0.0547].forEach((want, i) => expect(Math.abs(doc[[0, 1, 2, 19, 20, 21][i]] - want)).toBeLessThan(1e-5));
    // a warmup times a step decay: LinearLR(0.5 → 1 over 2) · StepLR(γ 0.1 every 3), lr 0.2
    const warm = new lrScheduler.ChainedScheduler([new lrScheduler.LinearLR(0.2, { startFactor: 0.5, totalIters: 2 }), new lrScheduler.StepLR(0.2, { stepSize: 3, gamma: 0.1 })]);
    close(trace(warm, 5), [0.1, 0.15, 0.2, 0.02, 0.02]);
    expect(() => new lrScheduler.ChainedScheduler([new lrScheduler.CosineAnnealingLR(1, { tMax: 4 })])).toThrow(/schedulers\[0\] is a CosineAnnealingLR, whose PyTorch step\(\) sets the lr/);
    expect(() => new lrScheduler.ChainedScheduler([new lrScheduler.ReduceLROnPlateau(1)] as never)).toThrow(/ReduceLROnPlateau, whose step needs the metric/);
    expect(() => new lrScheduler.ChainedScheduler([])).toThrow(/non-empty array of schedulers, got an empty array/);
  });

  it("ReduceLROnPlateau: the lr times factor after more than `patience` epochs without improvement, then cooldown", () => {
    const s = new lrScheduler.ReduceLROnPlateau(0.1, { patience: 2, cooldown: 1 });
    const lrs = [1, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95].map((m) => (s.step(m), s.lr));
    // the 5th epoch is the third without improvement: reduced; one epoch of cooldown, then three more
    close(lrs, [0.1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.01, 0.001]);
  });

  it("refuses bad arguments with what and why, and resumes from stateDict", () => {
    expect(() => new lrScheduler.StepLR(0.1, { stepSize: 0 })).toThrow(/StepLR: stepSize must be an integer ≥ 1, got 0/);
    expect(() => new lrScheduler.StepLR({ manifest: {} } as never, { stepSize: 2 })).toThrow(/a compiled model with a training step/);
    expect(() => new lrScheduler.SequentialLR(1, [new lrScheduler.StepLR(1, { stepSize: 2 })], [3])).toThrow(/one milestone fewer than schedulers/);
    const a = new lrScheduler.CosineAnnealingLR(1, { tMax: 8 });
    for (let i = 0; i < 3; i++) a.step();
    const b = new lrScheduler.CosineAnnealingLR(1, { tMax: 8 });
    b.loadStateDict(a.stateDict());
    expect(b.lr).toBe(a.lr);
  });

  it("refuses what PyTorch refuses: an unknown anneal, a phase without steps, a momentum ≥ 1", () => {
    expect(() => new lrScheduler.OneCycleLR(0.1, { maxLr: 0.1, totalSteps: 10, annealStrategy: "cosine" as never })).toThrow(/annealStrategy must be "cos" or "linear", got "cosine"/);
    expect(() => new lrScheduler.OneCycleLR(0.1, { maxLr: 0.1, totalSteps: 10, pctStart: 0.1 })).toThrow(/pctStart 0\.1 with totalSteps 10 leaves a phase without steps/);
    expect(() => new lrScheduler.OneCycleLR(0.1, { maxLr: 0.1, totalSteps: 10, maxMomentum: 2 })).toThrow(/maxMomentum must be in \[0, 1\), got 2/);
    // stepping costs one λ call per step; a restart period of one length is t mod t0 at any t
    let calls = 0;
    const mult = new lrScheduler.MultiplicativeLR(1, () => (calls++, 0.99));
    for (let i = 0; i < 100; i++) {
      void mult.lr;
      mult.step();
    }
    expect(calls).toBe(99);
    expect(mult.lr).toBeCloseTo(0.99 ** 100, 12);
    // its state carries the product of λ: a resume at any step costs no λ call, and one without it
    // (or a step set by hand) replays at most MAX_REPLAYED_STEPS calls, refused beyond (2⁵³ − 1 ran for hours)
    const state = mult.stateDict();
    expect(state).toEqual({ lastEpoch: 100, factor: expect.closeTo(0.99 ** 100, 12) });
    calls = 0;
    const far = new lrScheduler.MultiplicativeLR(1, () => (calls++, 0.99));
    far.loadStateDict({ ...state, lastEpoch: 2 ** 53 - 1 });
    expect(far.options().lr).toBeCloseTo(0.99 ** 100, 12);
    expect(calls).toBe(0);
    expect(() => new lrScheduler.MultiplicativeLR(1, () => 0.99).loadStateDict({ lastEpoch: 2 ** 53 - 1 })).toThrow(
      /MultiplicativeLR\.loadStateDict: its rate at step 9007199254740991 is the product of lrLambda over the 9007199254740991 steps from step 0, more than the 1000000000 tsdp replays .*resume with loadStateDict\(stateDict\(\)\)/,
    );
    expect(() => new lrScheduler.MultiplicativeLR(1, () => 0.99).loadStateDict({ lastEpoch: 3, factor: NaN })).toThrow(/factor \(the product of lrLambda up to lastEpoch\) must be a finite number, got number NaN/);
    const byHand = new lrScheduler.MultiplicativeLR(1, () => 0.99);
    byHand.lastEpoch = 1e12;
    expect(() => byHand.options()).toThrow(/MultiplicativeLR: its rate at step 1000000000000 is the product of lrLambda over the 1000000000000 steps/);
    const old = new lrScheduler.MultiplicativeLR(1, () => 0.5);
    old.loadStateDict({ lastEpoch: 3 });
    expect(old.lr).toBe(0.125);
    const warm = new lrScheduler.CosineAnnealingWarmRestarts(1, { t0: 7 });
    warm.lastEpoch = 1e9;
    expect(warm.lr).toBeCloseTo((1 + Math.cos((Math.PI * (1e9 % 7)) / 7)) / 2, 12);
    // SequentialLR: milestones in order; the active scheduler's momentum comes through
    expect(() => new lrScheduler.SequentialLR(1, [new lrScheduler.StepLR(1, { stepSize: 2 }), new lrScheduler.StepLR(1, { stepSize: 2 }), new lrScheduler.StepLR(1, { stepSize: 2 })], [5, 2])).toThrow(/milestones must increase, got \[5, 2\]/);
    const cycle = new lrScheduler.OneCycleLR(0.1, { maxLr: 0.1, totalSteps: 20 });
    const seq = new lrScheduler.SequentialLR(0.1, [new lrScheduler.ConstantLR(0.1, { factor: 0.5, totalIters: 2 }), cycle], [2]);
    for (let i = 0; i < 5; i++) seq.step();
    // step 5 is the cycle's step 3 (its milestone at 2)
    const alone = new lrScheduler.OneCycleLR(0.1, { maxLr: 0.1, totalSteps: 20 });
    alone.lastEpoch = 3;
    expect(seq.options()).toEqual(alone.options());
    expect(seq.options().momentum).toBeDefined();
    // ReduceLROnPlateau resumes from its state (through JSON too, whose null is the first step's ∞)
    const plateau = new lrScheduler.ReduceLROnPlateau(1, { patience: 1, factor: 0.5 });
    const again = new lrScheduler.ReduceLROnPlateau(1, { patience: 1, factor: 0.5 });
    again.loadStateDict(JSON.parse(JSON.stringify(plateau.stateDict())));
    for (const metric of [3, 3, 3, 2, 2, 2]) {
      plateau.step(metric);
      again.step(metric);
    }
    expect(again.lr).toBe(plateau.lr);
    expect(plateau.lr).toBe(0.25);
    const resumed = new lrScheduler.ReduceLROnPlateau(1, { patience: 1, factor: 0.5 });
    resumed.loadStateDict(plateau.stateDict());
    plateau.step(2);
    resumed.step(2);
    expect(resumed.stateDict()).toEqual(plateau.stateDict());
    expect(() => resumed.loadStateDict({ ...plateau.stateDict(), numBadEpochs: -1 })).toThrow(/numBadEpochs must be an integer ≥ 0, got -1/);
  });
});

describe("lrScheduler over param groups: each group's rate from its own initial lr, as PyTorch's", () => {
  // a model whose optimizer (lr 0.001) declares a head group of its own lr 0.1 and a group of the optimizer's
  // a fresh one each time: schedulers made for one model share its initial lrs, as PyTorch's share the optimizer's
  const model = () => ({ manifest: { training: { optimizer: { kind: "SGD", lr: 0.001 }, paramGroups: [{ params: ["fc2.weight", "fc2.bias"], lr: 0.1 }, { params: ["fc1.weight"] }] } } });
  const cosine = (base: number, etaMin: number, t: number, tMax: number) => etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * t) / tMax))) / 2;

  it("a floor applies to each group: CosineAnnealingLR's etaMin, CosineAnnealingWarmRestarts'", () => {
    const grouped = model();
    const s = new lrScheduler.CosineAnnealingLR(grouped, { tMax: 8, etaMin: 1e-4 });
    for (let t = 0; t <= 8; t++, s.step()) {
      close(s.getLastLr(), [cosine(0.1, 1e-4, t, 8), cosine(0.001, 1e-4, t, 8)]);
      // the step's options carry every group's rate (the harness sets each group's lr from them)
      close([...s.options().groupLrs!], s.getLastLr());
    }
    // at tMax every group is at the floor (one factor on the declared lr would give the head 0.1·1e-4/0.001)
    const end = new lrScheduler.CosineAnnealingLR(grouped, { tMax: 8, etaMin: 1e-4 });
    end.lastEpoch = 8;
    close(end.getLastLr(), [1e-4, 1e-4]);
    const warm = new lrScheduler.CosineAnnealingWarmRestarts(model(), { t0: 4, etaMin: 1e-3 });
    warm.lastEpoch = 6;
    close(warm.getLastLr(), [cosine(0.1, 1e-3, 2, 4), cosine(0.001, 1e-3, 2, 4)]);
  });

  it("a multiplicative one scales each group's own; a cycle sets every group alike (PyTorch's one max_lr); a model without groups has one rate and no groupLrs", () => {
    let grouped = model();
    const step = new lrScheduler.StepLR(grouped, { stepSize: 2, gamma: 0.5 });
    step.lastEpoch = 2;
    close(step.getLastLr(), [0.05, 0.0005]);
    const mult = new lrScheduler.MultiplicativeLR(grouped, () => 0.9);
    mult.lastEpoch = 3;
    close(mult.getLastLr(), [0.1 * 0.729, 0.001 * 0.729]);
    const cycle = new lrScheduler.OneCycleLR((grouped = model()), { maxLr: 0.01, totalSteps: 10 });
    cycle.lastEpoch = 3;
    expect(cycle.getLastLr()).toEqual([cycle.lr, cycle.lr]);
    expect(cycle.options()).toMatchObject({ lr: cycle.lr, groupLrs: [cycle.lr, cycle.lr], momentum: cycle.momentum });
    const cyclic = new lrScheduler.CyclicLR((grouped = model()), { baseLr: 0.001, maxLr: 0.01, stepSizeUp: 4 });
    cyclic.lastEpoch = 2;
    close(cyclic.getLastLr(), [0.0055, 0.0055]);
    // SequentialLR hands each group's base to the scheduler in charge
    grouped = model();
    const seq = new lrScheduler.SequentialLR(grouped, [new lrScheduler.ConstantLR(grouped, { factor: 0.5, totalIters: 2 }), new lrScheduler.ExponentialLR(grouped, { gamma: 0.5 })], [2]);
    seq.lastEpoch = 3;
    close(seq.getLastLr(), [0.05, 0.0005]);
    close([...seq.options().groupLrs!], [0.05, 0.0005]);
    expect(new lrScheduler.StepLR(0.1, { stepSize: 2 }).options()).toEqual({ lr: 0.1 });
  });

  it("ReduceLROnPlateau floors each group at its minLr (one number, or one per group) and resumes every group's rate", () => {
    const grouped = model();
    const s = new lrScheduler.ReduceLROnPlateau(grouped, { patience: 0, factor: 0.1, minLr: 1e-4 });
    for (const metric of [1, 1, 1, 1]) s.step(metric);
    // three reductions: the head 0.1 → 1e-4 (floored), the rest 0.001 → 1e-4 (floored at the first)
    close(s.getLastLr(), [1e-4, 1e-4]);
    expect(s.options().groupLrs).toEqual(s.getLastLr());
    const own = new lrScheduler.ReduceLROnPlateau(grouped, { patience: 0, factor: 0.1, minLr: [1e-3, 1e-6] });
    for (const metric of [1, 1, 1]) own.step(metric);
    close(own.getLastLr(), [1e-3, 1e-5]);
    const resumed = new lrScheduler.ReduceLROnPlateau(grouped, { patience: 0, factor: 0.1, minLr: [1e-3, 1e-6] });
    resumed.loadStateDict(JSON.parse(JSON.stringify(own.stateDict())));
    own.step(1);
    resumed.step(1);
    expect(resumed.getLastLr()).toEqual(own.getLastLr());
    expect(() => new lrScheduler.ReduceLROnPlateau(grouped, { minLr: [1e-3] })).toThrow(/minLr has 1 values, the optimizer has 2 param groups/);
    expect(() => resumed.loadStateDict({ ...own.stateDict(), lrs: [0.1] })).toThrow(/lrs must hold 2 rates, one per param group/);
  });

  it("schedulers made for one model share its initial lrs, as PyTorch's share the optimizer's param groups: a cosine after a OneCycleLR anneals from the cycle's start", () => {
    const grouped = model();
    const seq = new lrScheduler.SequentialLR(grouped, [new lrScheduler.OneCycleLR(grouped, { maxLr: 0.01, totalSteps: 4 }), new lrScheduler.CosineAnnealingLR(grouped, { tMax: 4 })], [4]);
    // OneCycleLR set every group's initial_lr to maxLr / 25 = 4e-4 (the head's own 0.1 and the rest's 0.001 are gone)
    for (let t = 4; t <= 8; t++) {
      seq.lastEpoch = t;
      close(seq.getLastLr(), [cosine(4e-4, 0, t - 4, 4), cosine(4e-4, 0, t - 4, 4)]);
    }
    // CyclicLR made first starts every group at its baseLr: a later StepLR steps from there
    const cycled = model();
    new lrScheduler.CyclicLR(cycled, { baseLr: 0.002, maxLr: 0.01 });
    close(new lrScheduler.StepLR(cycled, { stepSize: 1, gamma: 0.5 }).getLastLr(), [0.002, 0.002]);
    // made after another, it leaves the initial lrs alone
    const stepped = model();
    new lrScheduler.StepLR(stepped, { stepSize: 1 });
    new lrScheduler.CyclicLR(stepped, { baseLr: 0.002, maxLr: 0.01 });
    close(new lrScheduler.ExponentialLR(stepped, { gamma: 0.5 }).getLastLr(), [0.1, 0.001]);
  });

  it("a MultiplicativeLR in a SequentialLR goes on from the rate at its milestone (PyTorch has no closed form for it: step(0) multiplies the current lr by λ(0))", () => {
    const grouped = model();
    const seq = new lrScheduler.SequentialLR(grouped, [new lrScheduler.ConstantLR(grouped, { factor: 0.5, totalIters: 2 }), new lrScheduler.MultiplicativeLR(grouped, () => 0.9)], [2]);
    const trace: number[][] = [];
    for (let t = 0; t < 5; t++, seq.step()) {
      trace.push(seq.getLastLr());
      expect(seq.options().groupLrs).toEqual(seq.getLastLr());
    }
    close(trace.map((g) => g[0]), [0.05, 0.05, 0.045, 0.0405, 0.03645]);
    close(trace.map((g) => g[1]), [0.0005, 0.0005, 0.00045, 0.000405, 0.0003645]);
  });

  it("a SequentialLR's stateDict carries its MultiplicativeLR's product of λ (factors), as MultiplicativeLR's own: a resume calls λ only for the steps after", () => {
    // PyTorch's optimizer keeps the lr a MultiplicativeLR reached; tsdp's rate is λ's product, which a
    // resumed SequentialLR replayed from step 0 (refused past 10⁹ steps, pointing at a "factor" its stateDict lacked)
    const sequence = (lambda: (epoch: number) => number) => new lrScheduler.SequentialLR(1, [new lrScheduler.ExponentialLR(1, { gamma: 0.5 }), new lrScheduler.MultiplicativeLR(1, lambda)], [3]);
    const ran = sequence(() => 0.9);
    for (let t = 0; t < 10; t++) ran.step();
    // steps 0–2: 1, 0.5, 0.25; at milestone 3 the MultiplicativeLR multiplies 0.25 by λ(0), …, λ(7) at step 10
    expect(ran.stateDict()).toEqual({ lastEpoch: 10, factors: [null, expect.closeTo(0.9 ** 8, 15)] });
    const calls: number[] = [];
    const resumed = sequence((e) => (calls.push(e), 0.5));
    resumed.loadStateDict(JSON.parse(JSON.stringify(ran.stateDict())));
    expect(resumed.lr).toBeCloseTo(ran.lr, 15);
    expect(calls).toEqual([]);
    resumed.step();
    expect(resumed.lr).toBeCloseTo(ran.lr * 0.5, 15);
    expect(calls).toEqual([8]);
    // PyTorch's state (no factors) replays λ; a bad one is refused
    const replayed = sequence(() => 0.9);
    replayed.loadStateDict({ lastEpoch: 10 });
    expect(replayed.lr).toBeCloseTo(ran.lr, 15);
    expect(() => replayed.loadStateDict({ lastEpoch: 10, factors: [0.5] })).toThrow(/SequentialLR\.loadStateDict: factors must hold one finite number .* or null per scheduler, 2 in all/);
  });

  it("a SequentialLR's schedulers must be made for its model (PyTorch: the same optimizer), and a step's groupLrs are numbers", () => {
    const grouped = model();
    expect(() => new lrScheduler.SequentialLR(grouped, [new lrScheduler.CosineAnnealingLR(0.001, { tMax: 4 })], [])).toThrow(/SequentialLR: schedulers\[0\] was made for a base lr, the SequentialLR for a model: make every one for the same model/);
    expect(() => new lrScheduler.SequentialLR(0.001, [new lrScheduler.StepLR(model(), { stepSize: 2 })], [])).toThrow(/schedulers\[0\] was made for another model, the SequentialLR for a base lr/);
    expect(() => new lrScheduler.OneCycleLR(model(), { maxLr: [0.1, 0.01] as never, totalSteps: 4 })).toThrow(/maxLr is one number for every param group/);
    expect(() => new lrScheduler.LambdaLR(model(), [() => 1, () => 2] as never)).toThrow(/one for every param group; a list, one per group, is not supported/);
  });
});

// PyTorch's plain step() loop (the chainable get_lr() of torch/optim/lr_scheduler.py), where tsdp
// gave something else: each expected value below is computed here from PyTorch's recursive rule,
// quoted in a comment; `close` holds to 12 decimal places (5e-13 absolute, on rates ≤ 0.5).
describe("lrScheduler follows PyTorch's step() loop and param groups (sched53)", () => {
  const sgd = () => ({ manifest: { training: { optimizer: { kind: "SGD", lr: 0.1, momentum: 0.9 } } } });
  const adam = () => ({ manifest: { training: { optimizer: { kind: "Adam", lr: 0.01, beta1: 0.9, beta2: 0.98 } } } });
  const grouped = () => ({ manifest: { training: { optimizer: { kind: "SGD", lr: 0.1, momentum: 0.9 }, paramGroups: [{ params: ["fc.bias"], lr: 0.02 }, { params: ["fc.weight"] }] } } });
  // PyTorch's OneCycleLR._annealing_cos and CyclicLR.get_lr's momentum (triangular)
  const annealCos = (start: number, end: number, pct: number) => end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  const cyclicMomentum = (t: number, up: number, down: number, base: number, max: number) => {
    const cycle = Math.floor(1 + t / (up + down));
    const x = 1 + t / (up + down) - cycle;
    const ratio = up / (up + down);
    return max - (max - base) * (x <= ratio ? x / ratio : (x - 1) / (ratio - 1));
  };
  // CosineAnnealingLR.get_lr after step 0: (1 + cos(πt/T)) / (1 + cos(π(t−1)/T)) · (lr − η) + η (PyTorch's chain, its branch at t − 1 − T ≡ 0 mod 2T not reached here)
  const cosineChain = (lr0: number, etaMin: number, tMax: number, n: number) => {
    const out = [lr0];
    for (let t = 1; t < n; t++) out.push(((1 + Math.cos((Math.PI * t) / tMax)) / (1 + Math.cos((Math.PI * (t - 1)) / tMax))) * (out[t - 1] - etaMin) + etaMin);
    return out;
  };

  it("D1: ConstantLR, LinearLR, PolynomialLR with totalIters 0 give what PyTorch's loop gives (not the closed form)", () => {
    // ConstantLR.get_lr: step 0 → lr·factor; a step other than total_iters → lr; step total_iters → lr / factor
    const constantChain = (base: number, factor: number, totalIters: number, n: number) => {
      const out: number[] = [];
      let lr = base;
      for (let t = 0; t < n; t++) out.push((lr = t === 0 ? lr * factor : t === totalIters ? lr / factor : lr));
      return out;
    };
    close(trace(new lrScheduler.ConstantLR(0.1, { factor: 0.25, totalIters: 0 }), 6), constantChain(0.1, 0.25, 0, 6));
    expect(new lrScheduler.ConstantLR(0.1, { factor: 0.25, totalIters: 0 }).lr).toBeCloseTo(0.025, 15);
    close(trace(new lrScheduler.ConstantLR(0.1, { factor: 0.25, totalIters: 3 }), 6), constantChain(0.1, 0.25, 3, 6));
    // LinearLR.get_lr: step 0 → lr·start_factor; past total_iters (every step after 0 here) → lr
    close(trace(new lrScheduler.LinearLR(0.1, { startFactor: 0.4, totalIters: 0 }), 5), [0.04, 0.04, 0.04, 0.04, 0.04]);
    // PolynomialLR.get_lr: the initial step and past total_iters → lr
    close(trace(new lrScheduler.PolynomialLR(0.1, { totalIters: 0, power: 2 }), 4), [0.1, 0.1, 0.1, 0.1]);
    // for a model with groups too: each group's own lr times factor
    close(new lrScheduler.ConstantLR(grouped(), { factor: 0.5, totalIters: 0 }).options().groupLrs as number[], [0.01, 0.05]);
    // after a SequentialLR's milestone PyTorch sets the closed form at 0 (lr·(factor + 1·(1 − factor)) = lr) and chains on: lr
    const seq = new lrScheduler.SequentialLR(1, [new lrScheduler.ExponentialLR(1, { gamma: 0.5 }), new lrScheduler.ConstantLR(1, { factor: 0.25, totalIters: 0 })], [2]);
    close(trace(seq, 5), [1, 0.5, 1, 1, 1]);
    // where PyTorch's loop fails, refused when made: LinearLR's closed form at a milestone divides by totalIters; ConstantLR divides by factor 0 at totalIters
    expect(() => new lrScheduler.SequentialLR(1, [new lrScheduler.ExponentialLR(1, { gamma: 0.5 }), new lrScheduler.LinearLR(1, { totalIters: 0 })], [2])).toThrow(/schedulers\[1\] cannot start at milestone 2: it is a LinearLR with totalIters 0.*ZeroDivisionError/);
    expect(() => new lrScheduler.ConstantLR(1, { factor: 0, totalIters: 2 })).toThrow(/factor 0 with totalIters 2: PyTorch's step\(\) divides the lr by factor at step 2/);
  });

  it("D2: every scheduler's options() carries each group's rate (OneCycleLR and CyclicLR with cycleMomentum: false too)", () => {
    const makers: [string, (m: ReturnType<typeof grouped>) => { options(): { groupLrs?: readonly number[] }; getLastLr(): number[] }][] = [
      ["OneCycleLR cycleMomentum false", (m) => new lrScheduler.OneCycleLR(m, { maxLr: 0.2, totalSteps: 10, cycleMomentum: false })],
      ["CyclicLR cycleMomentum false", (m) => new lrScheduler.CyclicLR(m, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 3, cycleMomentum: false })],
      ["OneCycleLR", (m) => new lrScheduler.OneCycleLR(m, { maxLr: 0.2, totalSteps: 10 })],
      ["CyclicLR", (m) => new lrScheduler.CyclicLR(m, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 3 })],
      ["StepLR", (m) => new lrScheduler.StepLR(m, { stepSize: 2 })],
      ["MultiStepLR", (m) => new lrScheduler.MultiStepLR(m, { milestones: [2] })],
      ["ConstantLR", (m) => new lrScheduler.ConstantLR(m)],
      ["LinearLR", (m) => new lrScheduler.LinearLR(m)],
      ["ExponentialLR", (m) => new lrScheduler.ExponentialLR(m, { gamma: 0.9 })],
      ["PolynomialLR", (m) => new lrScheduler.PolynomialLR(m)],
      ["CosineAnnealingLR", (m) => new lrScheduler.CosineAnnealingLR(m, { tMax: 4 })],
      ["CosineAnnealingWarmRestarts", (m) => new lrScheduler.CosineAnnealingWarmRestarts(m, { t0: 4 })],
      ["LambdaLR", (m) => new lrScheduler.LambdaLR(m, () => 0.5)],
      ["MultiplicativeLR", (m) => new lrScheduler.MultiplicativeLR(m, () => 0.5)],
      ["SequentialLR", (m) => new lrScheduler.SequentialLR(m, [new lrScheduler.StepLR(m, { stepSize: 2 })], [])],
      ["ReduceLROnPlateau", (m) => new lrScheduler.ReduceLROnPlateau(m)],
    ];
    for (const [name, make] of makers) {
      const s = make(grouped());
      expect(s.options().groupLrs, name).toEqual(s.getLastLr());
    }
    // PyTorch's OneCycleLR sets every group's lr to max_lr/div_factor at step 0: 0.2/25 for the bias group too (not 0.008·0.02/0.1)
    close([...new lrScheduler.OneCycleLR(grouped(), { maxLr: 0.2, totalSteps: 10, cycleMomentum: false }).options().groupLrs!], [0.2 / 25, 0.2 / 25]);
  });

  it("D3: the momentum a OneCycleLR or CyclicLR sets stays in the param groups: maxMomentum from when it is made, its last value after its phase", () => {
    // Linear → OneCycle @5: PyTorch's OneCycleLR set momentum = max_momentum (0.95) when made; the LinearLR phase steps with it
    let m = sgd();
    let seq = new lrScheduler.SequentialLR(m, [new lrScheduler.LinearLR(m, { startFactor: 0.2, totalIters: 5 }), new lrScheduler.OneCycleLR(m, { maxLr: 0.2, totalSteps: 20 })], [5]);
    expect(seq.options().momentum).toBe(0.95);
    // OneCycle → Cosine @10: the cycle's step 9 (its second phase, from step 5 to 19) set it last
    m = sgd();
    seq = new lrScheduler.SequentialLR(m, [new lrScheduler.OneCycleLR(m, { maxLr: 0.2, totalSteps: 20 }), new lrScheduler.CosineAnnealingLR(m, { tMax: 10 })], [10]);
    for (let t = 0; t < 13; t++) seq.step();
    expect(seq.options().momentum).toBeCloseTo(annealCos(0.85, 0.95, (9 - 5) / (19 - 5)), 12);
    // Cyclic → Cosine @12 (up 3, down 3): its step 11's momentum, 0.8667, for Adam as β₁ with the declared β₂
    const a = adam();
    seq = new lrScheduler.SequentialLR(a, [new lrScheduler.CyclicLR(a, { baseLr: 0.001, maxLr: 0.01, stepSizeUp: 3 }), new lrScheduler.CosineAnnealingLR(a, { tMax: 10 })], [12]);
    for (let t = 0; t < 15; t++) seq.step();
    const [beta1, beta2] = seq.options().betas!;
    expect(beta1).toBeCloseTo(cyclicMomentum(11, 3, 3, 0.8, 0.9), 12);
    expect(beta1).toBeCloseTo(0.8 + 0.2 / 3, 12);
    expect(beta2).toBe(0.98);
    // a base lr stands for one optimizer too: the cycle made for the SequentialLR's schedulers
    seq = new lrScheduler.SequentialLR(0.1, [new lrScheduler.LinearLR(0.1), new lrScheduler.CyclicLR(0.1, { baseLr: 0.01, maxLr: 0.1, maxMomentum: 0.97 })], [5]);
    expect(seq.options().momentum).toBe(0.97);
    // PyTorch's OneCycleLR reads its bounds from the param groups: a OneCycleLR made after it writes its own there
    m = sgd();
    seq = new lrScheduler.SequentialLR(m, [new lrScheduler.OneCycleLR(m, { maxLr: 0.2, totalSteps: 20 }), new lrScheduler.OneCycleLR(m, { maxLr: 0.5, totalSteps: 10, maxMomentum: 0.92, baseMomentum: 0.8 })], [20]);
    expect(seq.options().lr).toBeCloseTo(0.5 / 25, 12);
    expect(seq.options().momentum).toBe(0.92);
    seq.lastEpoch = 3;
    // the first's own phases (up to step 0.3·20 − 1 = 5) between the second's initial_lr and max_lr
    expect(seq.lr).toBeCloseTo(annealCos(0.02, 0.5, 3 / 5), 12);
    expect(seq.options().momentum).toBeCloseTo(annealCos(0.92, 0.8, 3 / 5), 12);
  });

  it("D4: a scheduler made before a OneCycleLR keeps the initial lr it was made with (PyTorch's base_lrs), as PyTorch's SequentialLR gives it", () => {
    // cosine made first (base_lrs 0.1), then OneCycleLR (initial_lr 0.2/25): at the milestone PyTorch sets the cosine's closed form at 0 from 0.1, then chains
    let m = sgd();
    const cos = new lrScheduler.CosineAnnealingLR(m, { tMax: 10, etaMin: 0.001 });
    const one = new lrScheduler.OneCycleLR(m, { maxLr: 0.2, totalSteps: 20 });
    const seq = new lrScheduler.SequentialLR(m, [one, cos], [20]);
    seq.lastEpoch = 20;
    const got = trace(seq, 6);
    close(got, cosineChain(0.1, 0.001, 10, 6));
    close(got.slice(0, 3), [0.1, 0.09757729755661011, 0.0905463412215599]);
    // first in the SequentialLR: PyTorch chains from the lr when it was made (initial_lr, 0.008), but LambdaLR reads its base_lrs (0.1)
    m = sgd();
    const step = new lrScheduler.StepLR(m, { stepSize: 2, gamma: 0.5 });
    new lrScheduler.OneCycleLR(m, { maxLr: 0.2, totalSteps: 20 });
    close(trace(new lrScheduler.SequentialLR(m, [step, new lrScheduler.ExponentialLR(m, { gamma: 0.9 })], [8]), 4), [0.008, 0.008, 0.004, 0.004]);
    m = sgd();
    const lambda = new lrScheduler.LambdaLR(m, (e) => 0.95 ** e);
    const cycle = new lrScheduler.OneCycleLR(m, { maxLr: 0.2, totalSteps: 20 });
    close(trace(new lrScheduler.SequentialLR(m, [lambda, cycle], [8]), 3), [0.1, 0.095, 0.09025]);
    // a base lr: the same, the schedulers' order of making replayed (a LinearLR made before the OneCycleLR warms up from 0.2/25)
    const warm = new lrScheduler.LinearLR(0.05, { startFactor: 0.2, totalIters: 5 });
    const base = new lrScheduler.SequentialLR(0.05, [warm, new lrScheduler.OneCycleLR(0.05, { maxLr: 0.2, totalSteps: 20 })], [5]);
    expect(base.lr).toBeCloseTo(0.008 * 0.2, 15);
  });

  it("U1: CyclicLR refuses cycleMomentum for an optimizer without momentum or β₁ when made, as PyTorch's", () => {
    const adagrad = () => ({ manifest: { training: { optimizer: { kind: "Adagrad", lr: 0.1 } } } });
    expect(() => new lrScheduler.CyclicLR(adagrad(), { baseLr: 0.01, maxLr: 0.1 })).toThrow(/CyclicLR: the optimizer must support momentum or beta1 with cycleMomentum enabled \(PyTorch's cycle_momentum\): Adagrad has no momentum to cycle; pass cycleMomentum: false/);
    expect(() => new lrScheduler.OneCycleLR(adagrad(), { maxLr: 0.1, totalSteps: 10 })).toThrow(/OneCycleLR: the optimizer must support momentum or beta1/);
    expect(new lrScheduler.CyclicLR(adagrad(), { baseLr: 0.01, maxLr: 0.1, cycleMomentum: false }).options()).toEqual({ lr: 0.01 });
  });

  it("U2: an unknown or PyTorch-spelled option is refused, naming it, what was meant and the scheduler's options", () => {
    const cases: [() => unknown, RegExp][] = [
      [() => new lrScheduler.CosineAnnealingLR(0.1, { tMax: 10, eta_min: 0.01 } as never), /CosineAnnealingLR: unknown option "eta_min" \(did you mean "etaMin"\? .*\); CosineAnnealingLR's options are tMax, etaMin/],
      [() => new lrScheduler.CyclicLR(0.1, { baseLr: 0.01, maxLr: 0.1, step_size_up: 5 } as never), /CyclicLR: unknown option "step_size_up" \(did you mean "stepSizeUp"\?/],
      [() => new lrScheduler.OneCycleLR(0.1, { maxLr: 0.1, totalSteps: 10, pct_start: 0.5 } as never), /OneCycleLR: unknown option "pct_start" \(did you mean "pctStart"\?/],
      [() => new lrScheduler.ReduceLROnPlateau(0.1, { patience: 0, min_lr: 0.05 } as never), /ReduceLROnPlateau: unknown option "min_lr" \(did you mean "minLr"\?.*ReduceLROnPlateau's options are mode, factor/],
      [() => new lrScheduler.StepLR(0.1, { stepSize: 2, gama: 0.5 } as never), /StepLR: unknown option "gama" \(did you mean "gamma"\?\); StepLR's options are stepSize, gamma/],
      [() => new lrScheduler.MultiStepLR(0.1, { milestones: [2], gama: 0.5 } as never), /MultiStepLR: unknown option "gama" \(did you mean "gamma"\?/],
      [() => new lrScheduler.ConstantLR(0.1, { total_iters: 2 } as never), /ConstantLR: unknown option "total_iters" \(did you mean "totalIters"\?/],
      [() => new lrScheduler.LinearLR(0.1, { start_factor: 0.5 } as never), /LinearLR: unknown option "start_factor" \(did you mean "startFactor"\?/],
      [() => new lrScheduler.ExponentialLR(0.1, { gamma: 0.9, gammma: 0.5 } as never), /ExponentialLR: unknown option "gammma" \(did you mean "gamma"\?/],
      [() => new lrScheduler.PolynomialLR(0.1, { powr: 2 } as never), /PolynomialLR: unknown option "powr" \(did you mean "power"\?/],
      [() => new lrScheduler.CosineAnnealingWarmRestarts(0.1, { T_0: 5 } as never), /CosineAnnealingWarmRestarts: unknown option "T_0" \(did you mean "t0"\?/],
      [() => new lrScheduler.StepLR(0.1, { stepSize: 2, last_epoch: 4 } as never), /StepLR: unknown option "last_epoch" \(a schedule resumes with loadStateDict/],
      [() => new lrScheduler.CosineAnnealingLR(0.1, 10 as never), /CosineAnnealingLR: the options are an object \(\{ tMax, etaMin \}\), got number 10/],
    ];
    for (const [make, message] of cases) expect(make).toThrow(TypeError), expect(make).toThrow(message);
    // refused before the model's initial lr is set: a scheduler made after starts from the declared one
    const m = sgd();
    expect(() => new lrScheduler.OneCycleLR(m, { maxLr: 0.2, total_steps: 10 } as never)).toThrow(/did you mean "totalSteps"/);
    expect(new lrScheduler.StepLR(m, { stepSize: 2 }).lr).toBe(0.1);
  });

  it("ReduceLROnPlateau: a NaN metric is a bad epoch (PyTorch's comparisons with NaN are false); a string is refused as one", () => {
    // patience 1: 1 is the best; NaN, NaN are two epochs without improvement (> 1): 0.1 → 0.01; then 0.5 improves on 1
    const s = new lrScheduler.ReduceLROnPlateau(0.1, { patience: 1 });
    const lrs = [1, NaN, NaN, 0.5].map((metric) => (s.step(metric), s.lr));
    close(lrs, [0.1, 0.1, 0.01, 0.01]);
    expect(s.best).toBe(0.5);
    const max = new lrScheduler.ReduceLROnPlateau(0.1, { mode: "max", patience: 0 });
    max.step(NaN);
    expect(max.best).toBe(-Infinity);
    expect(() => s.step("0.5" as never)).toThrow(/ReduceLROnPlateau.step: the metric must be a number \(the epoch's validation loss\), got the string "0.5" \(convert it with Number\(\)\)/);
  });

  it("U3: a ReduceLROnPlateau (or a SequentialLR) cannot be part of a SequentialLR, and the message says which and why", () => {
    expect(() => new lrScheduler.SequentialLR(0.1, [new lrScheduler.StepLR(0.1, { stepSize: 2 }), new lrScheduler.ReduceLROnPlateau(0.1) as never], [5])).toThrow(
      /SequentialLR: schedulers\[1\] is a ReduceLROnPlateau, which cannot be part of a SequentialLR \(as in PyTorch: its step needs the metric/,
    );
    const inner = new lrScheduler.SequentialLR(0.1, [new lrScheduler.StepLR(0.1, { stepSize: 2 })], []);
    expect(() => new lrScheduler.SequentialLR(0.1, [new lrScheduler.StepLR(0.1, { stepSize: 2 }), inner], [5])).toThrow(/schedulers\[1\] is a SequentialLR; give one SequentialLR every scheduler and milestone/);
    expect(() => new lrScheduler.SequentialLR(0.1, [{} as never], [])).toThrow(/schedulers\[0\] is not a scheduler/);
  });
});
