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

  it("SequentialLR: each scheduler from its milestone, counting from 0; LambdaLR, MultiplicativeLR", () => {
    const s = new lrScheduler.SequentialLR(1, [new lrScheduler.ConstantLR(1, { factor: 0.1, totalIters: 2 }), new lrScheduler.ExponentialLR(1, { gamma: 0.9 })], [2]);
    close(trace(s, 5), [0.1, 0.1, 1, 0.9, 0.81]);
    close(trace(new lrScheduler.LambdaLR(0.5, (e) => 0.95 ** e), 3), [0.5, 0.475, 0.45125]);
    close(trace(new lrScheduler.MultiplicativeLR(1, () => 0.5), 4), [1, 0.5, 0.25, 0.125]);
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

  it("a SequentialLR's schedulers must be made for its model (PyTorch: the same optimizer), and a step's groupLrs are numbers", () => {
    const grouped = model();
    expect(() => new lrScheduler.SequentialLR(grouped, [new lrScheduler.CosineAnnealingLR(0.001, { tMax: 4 })], [])).toThrow(/SequentialLR: schedulers\[0\] was made for a base lr, the SequentialLR for a model: make every one for the same model/);
    expect(() => new lrScheduler.SequentialLR(0.001, [new lrScheduler.StepLR(model(), { stepSize: 2 })], [])).toThrow(/schedulers\[0\] was made for another model, the SequentialLR for a base lr/);
    expect(() => new lrScheduler.OneCycleLR(model(), { maxLr: [0.1, 0.01] as never, totalSteps: 4 })).toThrow(/maxLr is one number for every param group/);
    expect(() => new lrScheduler.LambdaLR(model(), [() => 1, () => 2] as never)).toThrow(/one for every param group; a list, one per group, is not supported/);
  });
});
