// torch.optim.lr_scheduler for a compiled model: each scheduler computes the learning rate
// PyTorch's would give the optimizer at each step (their closed forms), for trainStep's `lr`
// option, which the compiled step reads every step without recompiling:
//
//   const sched = new lrScheduler.CosineAnnealingLR(model, { tMax: epochs });
//   for (let epoch = 0; epoch < epochs; epoch++) {
//     for (const [x, y] of batches) model.trainStepSync(x, y, sched.options());
//     sched.step();
//   }
//
// The first argument stands for PyTorch's optimizer: the compiled model (its declared optimizer's
// lr is the base) or the base lr itself. `lr` is get_last_lr()[0]; `step()` is scheduler.step()
// (ReduceLROnPlateau's takes the metric); `lastEpoch` counts the steps taken. OneCycleLR and
// CyclicLR also cycle the momentum (SGD's momentum, Adam's β₁), as PyTorch's do by default:
// `options()` carries it. A model with param groups has a rate per group, each from the group's
// own initial lr (PyTorch's initial_lr of each param_group): `getLastLr()` lists them and
// `options()` gives them as the step's `groupLrs`, so a floor (etaMin, minLr) applies to each.

/** What a scheduler adjusts: a compiled model (its declared optimizer) or a base learning rate. */
export type SchedulerTarget =
  | number
  | { readonly manifest: { readonly training?: { readonly optimizer: { readonly kind: string; readonly [k: string]: unknown }; readonly paramGroups?: readonly { readonly params: readonly string[]; readonly lr?: number }[] } } };

/** The trainStep options a scheduler sets this step: lr (each group's, for a model with groups), and the cycled momentum or betas. */
export interface ScheduledOptions {
  readonly lr: number;
  readonly groupLrs?: readonly number[];
  readonly momentum?: number;
  readonly betas?: readonly [number, number];
}

function positive(name: string, v: unknown, who: string, allowZero = false): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) throw new RangeError(`${who}: ${name} must be a finite number ${allowZero ? "≥" : ">"} 0, got ${String(v)}`);
  return v;
}

function integer(name: string, v: unknown, who: string, least = 1): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < least) throw new RangeError(`${who}: ${name} must be an integer ≥ ${least}, got ${String(v)}`);
  return v;
}

/**
 * Each model's initial lrs once a scheduler was made for it: PyTorch keeps `initial_lr` in the
 * optimizer's param groups, set by the first scheduler made for it (`setdefault`) — or by
 * OneCycleLR, which sets it to maxLr / divFactor, and CyclicLR, which starts every group at its
 * baseLr — and every scheduler made after takes its bases from there (a CosineAnnealingLR after a
 * OneCycleLR in a SequentialLR anneals from the cycle's start, not from the declared lr).
 */
const initialLrs = new WeakMap<object, { lr: number; groups?: number[] }>();

/**
 * The optimizer's declared lr (and its kind and β₂, for the momentum a cycle sets), or the number
 * given; and each declared param group's initial lr (its own, or the optimizer's), for a model with
 * groups — as an earlier scheduler for the model left them (initialLrs).
 */
function baseOf(target: SchedulerTarget, who: string): { lr: number; kind?: string; beta2?: number; groups?: number[]; first?: boolean } {
  if (typeof target === "number") return { lr: positive("the base lr", target, who, true) };
  const training = target?.manifest?.training;
  const optimizer = training?.optimizer;
  if (!optimizer) throw new TypeError(`${who}: the first argument is a compiled model with a training step (its optimizer's lr is the base) or a base lr, got ${typeof target === "object" ? "a model without one" : String(target)}`);
  const lr = positive("the optimizer's lr", optimizer.lr, who, true);
  const groups = training.paramGroups?.length ? training.paramGroups.map((g) => (typeof g.lr === "number" ? g.lr : lr)) : undefined;
  const first = !initialLrs.has(target);
  const initial = initialLrs.get(target) ?? { lr, ...(groups ? { groups } : {}) };
  initialLrs.set(target, initial);
  return { lr: initial.lr, kind: optimizer.kind, beta2: typeof optimizer.beta2 === "number" ? optimizer.beta2 : undefined, ...(initial.groups ? { groups: [...initial.groups] } : {}), first };
}

/** Sets every group's initial lr for the schedulers made after (OneCycleLR's maxLr / divFactor). */
function setInitialLrs(target: SchedulerTarget, lr: number): void {
  if (typeof target === "number") return;
  const known = initialLrs.get(target);
  initialLrs.set(target, { lr, ...(known?.groups ? { groups: known.groups.map(() => lr) } : {}) });
}

/** A scheduler: the lr at step t of the closed form, stepped through. */
export abstract class LRScheduler {
  /** PyTorch's last_epoch: the steps taken. */
  lastEpoch = 0;
  readonly baseLr: number;
  protected readonly who: string;
  protected readonly optimizerKind?: string;
  protected readonly beta2?: number;
  /** Each declared param group's initial lr (PyTorch's initial_lr), for a model with groups. */
  readonly groupBaseLrs?: readonly number[];
  /** What it schedules (PyTorch's optimizer): a SequentialLR's schedulers must share it. */
  readonly target: SchedulerTarget;
  /** Whether this is the first scheduler made for its model (whose initial lrs it set). */
  protected readonly first: boolean;

  /** `baseLr`: a scheduler's own base (CyclicLR's), instead of the optimizer's lr. */
  constructor(target: SchedulerTarget, who: string, baseLr?: number) {
    this.who = who;
    this.target = target;
    const base = baseOf(target, who);
    this.baseLr = baseLr === undefined ? base.lr : positive("baseLr", baseLr, who, true);
    this.optimizerKind = base.kind;
    this.beta2 = base.beta2;
    this.groupBaseLrs = base.groups;
    this.first = base.first === true;
  }

  /** The lr at step t (t ≥ 0) of a group whose initial lr is `base` (PyTorch computes each group's from its own). */
  abstract lrFrom(base: number, t: number): number;

  /** The lr at step t (t ≥ 0), from the optimizer's lr. */
  lrAt(t: number): number {
    return this.lrFrom(this.baseLr, t);
  }

  /** This step's lr (PyTorch's get_last_lr()[0] for a model without groups). */
  get lr(): number {
    return this.lrAt(this.lastEpoch);
  }

  /** get_last_lr(): one value per param group, as PyTorch's (one for a model without groups). */
  getLastLr(): number[] {
    return this.groupBaseLrs ? this.groupBaseLrs.map((base) => this.lrFrom(base, this.lastEpoch)) : [this.lr];
  }

  /** scheduler.step(): the next step's lr. */
  step(): void {
    this.lastEpoch++;
  }

  /** The trainStep options for this step. */
  options(): ScheduledOptions {
    return { lr: this.lr, ...this.groupOptions() };
  }

  /** Each group's rate for the step, for a model with groups. */
  protected groupOptions(): { groupLrs?: readonly number[] } {
    return this.groupBaseLrs ? { groupLrs: this.getLastLr() } : {};
  }

  /** This step's lr with a cycled momentum: SGD's (and RMSprop's) momentum, or β₁ of Adam's family (its β₂ kept). */
  protected withMomentum(momentum: number): ScheduledOptions {
    const plain = this.optimizerKind === undefined || this.optimizerKind === "SGD" || this.optimizerKind === "RMSprop";
    return plain ? { lr: this.lr, ...this.groupOptions(), momentum } : { lr: this.lr, ...this.groupOptions(), betas: [momentum, this.beta2 ?? 0.999] };
  }

  /** PyTorch's state_dict: what resumes the schedule (load it into a scheduler made the same way). */
  stateDict(): { lastEpoch: number } {
    return { lastEpoch: this.lastEpoch };
  }

  loadStateDict(state: { lastEpoch: number }): void {
    this.lastEpoch = integer("lastEpoch", state?.lastEpoch, `${this.who}.loadStateDict`, 0);
  }
}

/** LambdaLR: base · λ(t). */
export class LambdaLR extends LRScheduler {
  constructor(target: SchedulerTarget, readonly lrLambda: (epoch: number) => number) {
    super(target, "LambdaLR");
    if (typeof lrLambda !== "function") throw new TypeError(`LambdaLR: lrLambda must be a function of the epoch${Array.isArray(lrLambda) ? " (one for every param group; a list, one per group, is not supported)" : ""}`);
  }
  lrFrom(base: number, t: number): number {
    return base * this.lrLambda(t);
  }
}

/** MultiplicativeLR: each step's lr is the last one times λ(t). */
export class MultiplicativeLR extends LRScheduler {
  constructor(target: SchedulerTarget, readonly lrLambda: (epoch: number) => number) {
    super(target, "MultiplicativeLR");
    if (typeof lrLambda !== "function") throw new TypeError(`MultiplicativeLR: lrLambda must be a function of the epoch${Array.isArray(lrLambda) ? " (one for every param group; a list, one per group, is not supported)" : ""}`);
  }
  /** The product of λ up to the latest step asked for: stepping through continues it (each λ called once), as PyTorch's chain. */
  private reached = { t: 0, factor: 1 };
  lrFrom(base: number, t: number): number {
    let { t: from, factor } = this.reached;
    if (t < from) [from, factor] = [0, 1];
    for (let e = from + 1; e <= t; e++) factor *= this.lrLambda(e);
    this.reached = { t, factor };
    return base * factor;
  }
  private continued = { t: -1, factor: 1 };
  /**
   * Its lr at its own step t when a SequentialLR hands it the rate `lr` at its milestone: PyTorch
   * has no closed form for it, so step(0) multiplies the group's current lr by λ(0), and each
   * step on by λ(t).
   */
  lrContinuing(lr: number, t: number): number {
    let { t: from, factor } = this.continued;
    if (t < from) [from, factor] = [-1, 1];
    for (let e = from + 1; e <= t; e++) factor *= this.lrLambda(e);
    this.continued = { t, factor };
    return lr * factor;
  }
}

/** StepLR: base · γ^⌊t / stepSize⌋. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;
  constructor(target: SchedulerTarget, o: { stepSize: number; gamma?: number }) {
    super(target, "StepLR");
    this.stepSize = integer("stepSize", o?.stepSize, this.who);
    this.gamma = positive("gamma", o.gamma ?? 0.1, this.who, true);
  }
  lrFrom(base: number, t: number): number {
    return base * this.gamma ** Math.floor(t / this.stepSize);
  }
}

/** MultiStepLR: base · γ^(milestones passed). */
export class MultiStepLR extends LRScheduler {
  readonly milestones: readonly number[];
  readonly gamma: number;
  constructor(target: SchedulerTarget, o: { milestones: readonly number[]; gamma?: number }) {
    super(target, "MultiStepLR");
    if (!Array.isArray(o?.milestones)) throw new TypeError("MultiStepLR: milestones must be an array of epochs");
    this.milestones = o.milestones.map((m) => integer("each milestone", m, this.who, 0)).sort((a, b) => a - b);
    this.gamma = positive("gamma", o.gamma ?? 0.1, this.who, true);
  }
  lrFrom(base: number, t: number): number {
    return base * this.gamma ** this.milestones.filter((m) => m <= t).length;
  }
}

/** ConstantLR: base · factor until totalIters, then base. */
export class ConstantLR extends LRScheduler {
  readonly factor: number;
  readonly totalIters: number;
  constructor(target: SchedulerTarget, o: { factor?: number; totalIters?: number } = {}) {
    super(target, "ConstantLR");
    this.factor = positive("factor", o.factor ?? 1 / 3, this.who, true);
    if (this.factor > 1) throw new RangeError("ConstantLR: factor must be between 0 and 1");
    this.totalIters = integer("totalIters", o.totalIters ?? 5, this.who, 0);
  }
  lrFrom(base: number, t: number): number {
    return base * (t < this.totalIters ? this.factor : 1);
  }
}

/** LinearLR: base · (start + (end − start)·min(t, totalIters)/totalIters). */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;
  constructor(target: SchedulerTarget, o: { startFactor?: number; endFactor?: number; totalIters?: number } = {}) {
    super(target, "LinearLR");
    this.startFactor = positive("startFactor", o.startFactor ?? 1 / 3, this.who);
    this.endFactor = positive("endFactor", o.endFactor ?? 1, this.who, true);
    if (this.startFactor > 1 || this.endFactor > 1) throw new RangeError("LinearLR: startFactor and endFactor must be at most 1");
    this.totalIters = integer("totalIters", o.totalIters ?? 5, this.who);
  }
  lrFrom(base: number, t: number): number {
    return base * (this.startFactor + ((this.endFactor - this.startFactor) * Math.min(t, this.totalIters)) / this.totalIters);
  }
}

/** ExponentialLR: base · γ^t. */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;
  constructor(target: SchedulerTarget, o: { gamma: number }) {
    super(target, "ExponentialLR");
    this.gamma = positive("gamma", o?.gamma, this.who, true);
  }
  lrFrom(base: number, t: number): number {
    return base * this.gamma ** t;
  }
}

/** PolynomialLR: base · (1 − min(t, totalIters)/totalIters)^power. */
export class PolynomialLR extends LRScheduler {
  readonly totalIters: number;
  readonly power: number;
  constructor(target: SchedulerTarget, o: { totalIters?: number; power?: number } = {}) {
    super(target, "PolynomialLR");
    this.totalIters = integer("totalIters", o.totalIters ?? 5, this.who);
    this.power = positive("power", o.power ?? 1, this.who, true);
  }
  lrFrom(base: number, t: number): number {
    return base * (1 - Math.min(t, this.totalIters) / this.totalIters) ** this.power;
  }
}

/** CosineAnnealingLR: ηmin + (base − ηmin)·(1 + cos(π·t/tMax))/2. */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;
  constructor(target: SchedulerTarget, o: { tMax: number; etaMin?: number }) {
    super(target, "CosineAnnealingLR");
    this.tMax = integer("tMax", o?.tMax, this.who);
    this.etaMin = positive("etaMin", o.etaMin ?? 0, this.who, true);
  }
  lrFrom(base: number, t: number): number {
    return this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * t) / this.tMax))) / 2;
  }
}

/** CosineAnnealingWarmRestarts (SGDR): the cosine over periods t0, t0·tMult, t0·tMult², …, restarting at base. */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  readonly t0: number;
  readonly tMult: number;
  readonly etaMin: number;
  constructor(target: SchedulerTarget, o: { t0: number; tMult?: number; etaMin?: number }) {
    super(target, "CosineAnnealingWarmRestarts");
    this.t0 = integer("t0", o?.t0, this.who);
    this.tMult = integer("tMult", o.tMult ?? 1, this.who);
    this.etaMin = positive("etaMin", o.etaMin ?? 0, this.who, true);
  }
  lrFrom(base: number, t: number): number {
    let [cur, period] = [t, this.t0];
    // the period t falls in: each restart multiplies its length by tMult (periods of one length: t mod t0, as PyTorch's)
    if (this.tMult === 1) cur = t % this.t0;
    else while (cur >= period) [cur, period] = [cur - period, period * this.tMult];
    return this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * cur) / period))) / 2;
  }
}

type Anneal = (start: number, end: number, pct: number) => number;
const annealCos: Anneal = (start, end, pct) => end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
const annealLinear: Anneal = (start, end, pct) => (end - start) * pct + start;

/**
 * OneCycleLR (per batch): from maxLr/divFactor up to maxLr over pctStart of totalSteps, then down to
 * that over finalDivFactor (threePhase: back to the start first); the momentum (SGD's, or Adam's β₁)
 * cycles the other way between maxMomentum and baseMomentum. Stepping past totalSteps is an error, as PyTorch's.
 */
export class OneCycleLR extends LRScheduler {
  readonly maxLr: number;
  readonly totalSteps: number;
  private readonly phases: { end: number; lr: [number, number]; momentum: [number, number] }[];
  private readonly anneal: Anneal;
  readonly cycleMomentum: boolean;
  constructor(
    target: SchedulerTarget,
    o: { maxLr: number; totalSteps?: number; epochs?: number; stepsPerEpoch?: number; pctStart?: number; annealStrategy?: "cos" | "linear"; cycleMomentum?: boolean; baseMomentum?: number; maxMomentum?: number; divFactor?: number; finalDivFactor?: number; threePhase?: boolean },
  ) {
    super(target, "OneCycleLR");
    if (Array.isArray(o?.maxLr)) throw new TypeError("OneCycleLR: maxLr is one number for every param group (a list, one per group, is not supported)");
    this.maxLr = positive("maxLr", o?.maxLr, this.who);
    this.totalSteps = o.totalSteps !== undefined ? integer("totalSteps", o.totalSteps, this.who) : integer("epochs", o.epochs, this.who) * integer("stepsPerEpoch", o.stepsPerEpoch, this.who);
    const pct = o.pctStart ?? 0.3;
    if (!(pct >= 0 && pct <= 1)) throw new RangeError(`OneCycleLR: pctStart must be in [0, 1], got ${String(pct)}`);
    const initial = this.maxLr / positive("divFactor", o.divFactor ?? 25, this.who);
    setInitialLrs(target, initial);
    const min = initial / positive("finalDivFactor", o.finalDivFactor ?? 1e4, this.who);
    const [base, max] = [o.baseMomentum ?? 0.85, o.maxMomentum ?? 0.95];
    this.phases = o.threePhase
      ? [
          { end: pct * this.totalSteps - 1, lr: [initial, this.maxLr], momentum: [max, base] },
          { end: 2 * pct * this.totalSteps - 2, lr: [this.maxLr, initial], momentum: [base, max] },
          { end: this.totalSteps - 1, lr: [initial, min], momentum: [max, max] },
        ]
      : [
          { end: pct * this.totalSteps - 1, lr: [initial, this.maxLr], momentum: [max, base] },
          { end: this.totalSteps - 1, lr: [this.maxLr, min], momentum: [base, max] },
        ];
    const strategy = o.annealStrategy ?? "cos";
    if (strategy !== "cos" && strategy !== "linear") throw new RangeError(`OneCycleLR: annealStrategy must be "cos" or "linear", got ${JSON.stringify(strategy)}`);
    this.anneal = strategy === "cos" ? annealCos : annealLinear;
    // a phase that ends where it starts divides 0 by 0 at its step (PyTorch's lr is NaN there; the step would refuse it)
    const ends = this.phases.map((p) => p.end);
    if (ends.some((e, i) => e === (i === 0 ? 0 : ends[i - 1])))
      throw new RangeError(`OneCycleLR: pctStart ${pct} with totalSteps ${this.totalSteps} leaves a phase without steps (its phases end at steps ${ends.join(", ")}); give more steps or another pctStart`);
    for (const [name, m] of [["baseMomentum", base], ["maxMomentum", max]] as const)
      if (!(m >= 0 && m < 1) && (o.cycleMomentum ?? true)) throw new RangeError(`OneCycleLR: ${name} must be in [0, 1), got ${String(m)}`);
    this.cycleMomentum = o.cycleMomentum ?? true;
    if (this.cycleMomentum && this.optimizerKind !== undefined && !["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop"].includes(this.optimizerKind))
      throw new TypeError(`OneCycleLR: ${this.optimizerKind} has no momentum to cycle; pass cycleMomentum: false`);
  }
  private at(t: number): { lr: number; momentum: number } {
    if (t > this.totalSteps) throw new RangeError(`OneCycleLR: tried to step ${t} times; the specified number of total steps is ${this.totalSteps}`);
    let start = 0;
    for (let i = 0; i < this.phases.length; i++) {
      const p = this.phases[i];
      if (t <= p.end || i === this.phases.length - 1) {
        const pct = (t - start) / (p.end - start);
        return { lr: this.anneal(p.lr[0], p.lr[1], pct), momentum: this.anneal(p.momentum[0], p.momentum[1], pct) };
      }
      start = p.end;
    }
    throw new Error("unreachable");
  }
  /** Every group's: PyTorch's max_lr (one number) sets each group's cycle alike. */
  lrFrom(_base: number, t: number): number {
    return this.at(t).lr;
  }
  /** This step's momentum (SGD's, RMSprop's) or β₁ (Adam's family). */
  get momentum(): number {
    return this.at(this.lastEpoch).momentum;
  }
  override options(): ScheduledOptions {
    return this.cycleMomentum ? this.withMomentum(this.momentum) : { lr: this.lr };
  }
}

/**
 * CyclicLR (per batch): between baseLr and maxLr over cycles of stepSizeUp + stepSizeDown steps,
 * "triangular", "triangular2" (the height halved each cycle) or "exp_range" (scaled by γ^t); the
 * momentum cycles the other way (cycleMomentum). Its baseLr is its own argument, as PyTorch's.
 */
export class CyclicLR extends LRScheduler {
  readonly maxLr: number;
  private readonly total: number;
  private readonly ratio: number;
  readonly mode: "triangular" | "triangular2" | "exp_range";
  readonly gamma: number;
  readonly cycleMomentum: boolean;
  private readonly momenta: [number, number];
  constructor(
    target: SchedulerTarget,
    o: { baseLr: number; maxLr: number; stepSizeUp?: number; stepSizeDown?: number | null; mode?: "triangular" | "triangular2" | "exp_range"; gamma?: number; cycleMomentum?: boolean; baseMomentum?: number; maxMomentum?: number },
  ) {
    super(target, "CyclicLR", positive("baseLr", o?.baseLr, "CyclicLR", true));
    // PyTorch starts every group at baseLr, which the first scheduler takes as the initial lr
    if (this.first) setInitialLrs(target, this.baseLr);
    this.maxLr = positive("maxLr", o.maxLr, this.who, true);
    const up = positive("stepSizeUp", o.stepSizeUp ?? 2000, this.who);
    const down = o.stepSizeDown === undefined || o.stepSizeDown === null ? up : positive("stepSizeDown", o.stepSizeDown, this.who);
    this.total = up + down;
    this.ratio = up / this.total;
    this.mode = o.mode ?? "triangular";
    if (!["triangular", "triangular2", "exp_range"].includes(this.mode)) throw new RangeError(`CyclicLR: mode must be "triangular", "triangular2" or "exp_range", got ${String(this.mode)}`);
    this.gamma = positive("gamma", o.gamma ?? 1, this.who, true);
    this.cycleMomentum = o.cycleMomentum ?? true;
    this.momenta = [o.baseMomentum ?? 0.8, o.maxMomentum ?? 0.9];
  }
  private phase(t: number): { cycle: number; scale: number } {
    const cycle = Math.floor(1 + t / this.total);
    const x = 1 + t / this.total - cycle;
    return { cycle, scale: x <= this.ratio ? x / this.ratio : (x - 1) / (this.ratio - 1) };
  }
  private scaleFn(cycle: number, t: number): number {
    return this.mode === "triangular" ? 1 : this.mode === "triangular2" ? 1 / 2 ** (cycle - 1) : this.gamma ** t;
  }
  /** Every group's: its baseLr and maxLr (one number each) set each group's cycle alike, as PyTorch's. */
  lrFrom(_base: number, t: number): number {
    const { cycle, scale } = this.phase(t);
    return this.baseLr + (this.maxLr - this.baseLr) * scale * this.scaleFn(cycle, t);
  }
  get momentum(): number {
    const { cycle, scale } = this.phase(this.lastEpoch);
    return this.momenta[1] - (this.momenta[1] - this.momenta[0]) * scale * this.scaleFn(cycle, this.lastEpoch);
  }
  override options(): ScheduledOptions {
    return this.cycleMomentum ? this.withMomentum(this.momentum) : { lr: this.lr };
  }
}

/** SequentialLR: schedulers[i] from milestones[i − 1] on, each counting from 0 at its milestone. */
export class SequentialLR extends LRScheduler {
  constructor(target: SchedulerTarget, readonly schedulers: readonly LRScheduler[], readonly milestones: readonly number[]) {
    super(target, "SequentialLR");
    if (!Array.isArray(schedulers) || schedulers.length < 1 || !schedulers.every((s) => s instanceof LRScheduler)) throw new TypeError("SequentialLR: schedulers must be an array of schedulers");
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1)
      throw new RangeError(`SequentialLR: expects one milestone fewer than schedulers, got ${schedulers.length} schedulers and ${Array.isArray(milestones) ? milestones.length : "no"} milestones`);
    milestones.forEach((m) => integer("each milestone", m, this.who));
    if (milestones.some((m, i) => i > 0 && m <= milestones[i - 1])) throw new RangeError(`SequentialLR: milestones must increase, got [${milestones.join(", ")}]`);
    // PyTorch's "expects all schedulers to belong to the same optimizer": a model's rates are per group
    const other = schedulers.findIndex((s) => s.target !== target && (typeof s.target === "object" || typeof target === "object"));
    if (other >= 0)
      throw new RangeError(`SequentialLR: schedulers[${other}] was made for ${typeof schedulers[other].target === "number" ? "a base lr" : "another model"}, the SequentialLR for ${typeof target === "number" ? "a base lr" : "a model"}: make every one for the same model (PyTorch's schedulers must share their optimizer)`);
  }
  /** The scheduler in charge at step t and its own step count. */
  private active(t: number): { scheduler: LRScheduler; at: number } {
    const i = this.milestones.filter((m) => m <= t).length;
    return { scheduler: this.schedulers[i], at: t - (i > 0 ? this.milestones[i - 1] : 0) };
  }
  lrFrom(base: number, t: number): number {
    const { scheduler, at } = this.active(t);
    // a MultiplicativeLR goes on from the rate the scheduler before it left (the step before its milestone)
    if (scheduler instanceof MultiplicativeLR && t - at > 0) return scheduler.lrContinuing(this.lrFrom(base, t - at - 1), at);
    return scheduler.lrFrom(base, at);
  }
  /** The rates as this SequentialLR gives them, with the active scheduler's momentum (OneCycleLR inside a SequentialLR). */
  override options(): ScheduledOptions {
    const { scheduler, at } = this.active(this.lastEpoch);
    scheduler.lastEpoch = at;
    const { momentum, betas } = scheduler.options();
    return { lr: this.lr, ...this.groupOptions(), ...(momentum !== undefined ? { momentum } : {}), ...(betas !== undefined ? { betas } : {}) };
  }
}

/**
 * ReduceLROnPlateau: the lr times factor when the metric (step(metric)) has not improved for more
 * than `patience` steps (mode min or max, threshold rel or abs), then `cooldown` steps of rest;
 * never below minLr, and not by less than eps — each param group's rate on its own, for a model
 * with groups (PyTorch's min_lr may be one number or one per group).
 */
export class ReduceLROnPlateau {
  /** Each param group's rate (one for a model without groups): PyTorch's get_last_lr(). */
  lrs: number[];
  lastEpoch = 0;
  readonly mode: "min" | "max";
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: "rel" | "abs";
  readonly cooldown: number;
  readonly minLrs: readonly number[];
  readonly eps: number;
  readonly #grouped: boolean;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  constructor(
    target: SchedulerTarget,
    o: { mode?: "min" | "max"; factor?: number; patience?: number; threshold?: number; thresholdMode?: "rel" | "abs"; cooldown?: number; minLr?: number | readonly number[]; eps?: number } = {},
  ) {
    const who = "ReduceLROnPlateau";
    const base = baseOf(target, who);
    this.#grouped = base.groups !== undefined;
    this.lrs = base.groups ?? [base.lr];
    this.mode = o.mode ?? "min";
    if (this.mode !== "min" && this.mode !== "max") throw new RangeError(`${who}: mode must be "min" or "max"`);
    this.factor = positive("factor", o.factor ?? 0.1, who);
    if (this.factor >= 1) throw new RangeError(`${who}: factor should be < 1.0`);
    this.patience = integer("patience", o.patience ?? 10, who, 0);
    this.threshold = positive("threshold", o.threshold ?? 1e-4, who, true);
    this.thresholdMode = o.thresholdMode ?? "rel";
    if (this.thresholdMode !== "rel" && this.thresholdMode !== "abs") throw new RangeError(`${who}: thresholdMode must be "rel" or "abs"`);
    this.cooldown = integer("cooldown", o.cooldown ?? 0, who, 0);
    const minLr = o.minLr ?? 0;
    if (Array.isArray(minLr) && minLr.length !== this.lrs.length)
      throw new RangeError(`${who}: minLr has ${minLr.length} values, the optimizer has ${this.lrs.length} param group${this.lrs.length === 1 ? "" : "s"} (one number sets every group's)`);
    this.minLrs = Array.isArray(minLr) ? minLr.map((m, i) => positive(`minLr[${i}]`, m, who, true)) : this.lrs.map(() => positive("minLr", minLr, who, true));
    this.eps = positive("eps", o.eps ?? 1e-8, who, true);
    this.best = this.mode === "min" ? Infinity : -Infinity;
  }
  private better(a: number, best: number): boolean {
    if (this.mode === "min") return this.thresholdMode === "rel" ? a < best * (1 - this.threshold) : a < best - this.threshold;
    return this.thresholdMode === "rel" ? a > best * (1 + this.threshold) : a > best + this.threshold;
  }
  /** scheduler.step(metric): the metric of the epoch just ended (a validation loss). */
  step(metric: number): void {
    if (typeof metric !== "number" || Number.isNaN(metric)) throw new TypeError(`ReduceLROnPlateau.step: the metric must be a number, got ${String(metric)}`);
    this.lastEpoch++;
    if (this.better(metric, this.best)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else this.numBadEpochs++;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.lrs = this.lrs.map((lr, i) => {
        const next = Math.max(lr * this.factor, this.minLrs[i]);
        return lr - next > this.eps ? next : lr;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
  }
  /** The first group's rate (the optimizer's, for a model without groups). */
  get lr(): number {
    return this.lrs[0];
  }
  getLastLr(): number[] {
    return [...this.lrs];
  }
  options(): ScheduledOptions {
    return { lr: this.lrs[0], ...(this.#grouped ? { groupLrs: [...this.lrs] } : {}) };
  }
  /** PyTorch's state_dict: the rates reached, the best metric and the counters (load it into one made the same way). */
  stateDict(): { lastEpoch: number; lr: number; lrs: number[]; best: number; numBadEpochs: number; cooldownCounter: number } {
    return { lastEpoch: this.lastEpoch, lr: this.lrs[0], lrs: [...this.lrs], best: this.best, numBadEpochs: this.numBadEpochs, cooldownCounter: this.cooldownCounter };
  }
  loadStateDict(state: { lastEpoch: number; lr: number; lrs?: readonly number[]; best: number | null; numBadEpochs: number; cooldownCounter: number }): void {
    const who = "ReduceLROnPlateau.loadStateDict";
    const lastEpoch = integer("lastEpoch", state?.lastEpoch, who, 0);
    // a state saved before rates per group has `lr` alone: every group's
    const given = state.lrs ?? (this.lrs.length === 1 ? [state.lr] : undefined);
    if (!Array.isArray(given) || given.length !== this.lrs.length)
      throw new RangeError(`${who}: lrs must hold ${this.lrs.length} rate${this.lrs.length === 1 ? "" : "s"}, one per param group, got ${state.lrs === undefined ? "none" : String(state.lrs)}`);
    const lrs = given.map((v, i) => positive(`lrs[${i}]`, v, who, true));
    // JSON writes the first step's ±Infinity as null
    const best = state.best === null ? (this.mode === "min" ? Infinity : -Infinity) : state.best;
    if (typeof best !== "number" || Number.isNaN(best)) throw new TypeError(`${who}: best must be a number (±Infinity before the first step), got ${String(state.best)}`);
    const numBadEpochs = integer("numBadEpochs", state.numBadEpochs, who, 0);
    const cooldownCounter = integer("cooldownCounter", state.cooldownCounter, who, 0);
    [this.lastEpoch, this.lrs, this.best, this.numBadEpochs, this.cooldownCounter] = [lastEpoch, lrs, best, numBadEpochs, cooldownCounter];
  }
}
