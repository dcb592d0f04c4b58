// torch.optim.lr_scheduler for a compiled model: each scheduler computes the learning rate
// PyTorch's step() loop would give the optimizer at each step (closed forms where they agree), for trainStep's `lr`
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
// The rates are those of PyTorch's plain `step()` loop (its chainable get_lr()), where that differs
// from the closed form: ConstantLR with totalIters 0 keeps base · factor. The momentum a OneCycleLR
// or CyclicLR sets lives in the model's param groups, as PyTorch's: set to maxMomentum when one is
// made, kept after its phase in a SequentialLR; every scheduler's `options()` carries it.

import { closest, describeValue } from "./errors.ts";

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

/** What an option key of PyTorch's that tsdp does not take is for instead. */
const NOT_AN_OPTION: Readonly<Record<string, string>> = {
  lastEpoch: "a schedule resumes with loadStateDict(stateDict())",
  verbose: "PyTorch's verbose (deprecated) is not supported: print getLastLr()",
};

/**
 * Refuses an options object with a key the scheduler does not take, as PyTorch's TypeError for an
 * unknown keyword: a PyTorch spelling (eta_min, step_size_up) or a typo (gama) would otherwise be
 * ignored and its default used. Says the key, the likely one meant and the scheduler's options.
 */
function checkOptions(o: unknown, who: string, keys: readonly string[]): void {
  if (o === undefined) return;
  const list = keys.join(", ");
  if (typeof o !== "object" || o === null || Array.isArray(o)) throw new TypeError(`${who}: the options are an object ({ ${list} }), got ${describeValue(o)}`);
  for (const k of Object.keys(o)) {
    if (keys.includes(k)) continue;
    // PyTorch's snake_case keyword (eta_min, T_max) is tsdp's camelCase one (etaMin, tMax)
    const plain = k.replace(/_/g, "").toLowerCase();
    const spelled = keys.find((c) => c.toLowerCase() === plain);
    const why = NOT_AN_OPTION[Object.keys(NOT_AN_OPTION).find((c) => c.toLowerCase() === plain) ?? ""];
    const meant = spelled ?? (why === undefined ? closest(k, keys) : undefined);
    const hint =
      meant !== undefined ? ` (did you mean "${meant}"?${spelled !== undefined && k.includes("_") ? " tsdp spells PyTorch's keywords in camelCase" : ""})` : why !== undefined ? ` (${why})` : "";
    throw new TypeError(`${who}: unknown option "${k}"${hint}; ${who}'s options are ${list}`);
  }
}

/** The optimizers with a momentum (SGD's, RMSprop's) or a β₁ (Adam's family) to cycle: PyTorch's `"momentum" in defaults or "betas" in defaults`. */
const CYCLABLE = ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop"];

/** Refuses cycleMomentum for an optimizer without momentum or β₁ when the scheduler is made, as PyTorch's OneCycleLR and CyclicLR. */
function checkCyclable(kind: string | undefined, who: string): void {
  if (kind !== undefined && !CYCLABLE.includes(kind))
    throw new TypeError(`${who}: the optimizer must support momentum or beta1 with cycleMomentum enabled (PyTorch's cycle_momentum): ${kind} has no momentum to cycle; pass cycleMomentum: false`);
}

/**
 * The momentum (SGD's) or β₁ (Adam's family) each model's param groups hold once a OneCycleLR or
 * CyclicLR with cycleMomentum was made for it: PyTorch's sets it to maxMomentum when made, and it
 * stays there for the schedulers that do not cycle it (a LinearLR warmup before the cycle in a
 * SequentialLR steps with it).
 */
const heldMomenta = new WeakMap<object, number>();
/** How many schedulers were made: each one's order (the latest cycle made set the momentum). */
let made = 0;

/** Records the momentum a cycle sets when it is made (in the model's param groups, as PyTorch's). */
function holdMomentum(target: SchedulerTarget, momentum: number): void {
  if (typeof target === "object") heldMomenta.set(target, momentum);
}

/** What PyTorch's OneCycleLR keeps in (and reads back from) the param groups. */
type OneCycleKey = "initialLr" | "maxLr" | "minLr" | "maxMomentum" | "baseMomentum";

/** Each model's OneCycleLRs: one made after writes its values over theirs, as PyTorch's param groups. */
const oneCycles = new WeakMap<object, OneCycleLR[]>();

/** A OneCycleLR or CyclicLR was made for `target`: the OneCycleLRs made before it read what it wrote. */
function cycleMade(target: SchedulerTarget, cycle: OneCycleLR | CyclicLR): void {
  if (typeof target !== "object") return;
  const earlier = oneCycles.get(target) ?? [];
  for (const e of earlier) e.overwrittenBy(cycle);
  if (cycle instanceof OneCycleLR) oneCycles.set(target, [...earlier, cycle]);
}

/** The trainStep options of a momentum (or β₁) for the optimizer: SGD's and RMSprop's momentum, or β₁ of Adam's family with its β₂ kept. */
function momentumOptions(momentum: number | undefined, kind: string | undefined, beta2: number | undefined): Pick<ScheduledOptions, "momentum" | "betas"> {
  if (momentum === undefined) return {};
  return kind === undefined || kind === "SGD" || kind === "RMSprop" ? { momentum } : { betas: [momentum, beta2 ?? 0.999] };
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

/** A scheduler: the lr at step t of PyTorch's step() loop (its closed form, where the two agree), stepped through. */
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
  /** When it was made, among all schedulers: a SequentialLR for a base lr replays what each one made set, as PyTorch's shared optimizer. */
  readonly order = ++made;

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

  /**
   * The trainStep options for this step: its lr, each group's (groupLrs, for a model with groups),
   * and the momentum or β₁ the param groups hold (a cycle's, or the one a OneCycleLR or CyclicLR
   * made for the model left; none: the declared one).
   */
  options(): ScheduledOptions {
    return { lr: this.lr, ...this.groupOptions(), ...momentumOptions(this.momentumAfter(this.lastEpoch, this.heldMomentum()), this.optimizerKind, this.beta2) };
  }

  /** Each group's rate for the step, for a model with groups. */
  protected groupOptions(): { groupLrs?: readonly number[] } {
    return this.groupBaseLrs ? { groupLrs: this.getLastLr() } : {};
  }

  /** The momentum (or β₁) the model's param groups held before this scheduler's first step: what the latest OneCycleLR or CyclicLR made for it set (undefined: the declared one). */
  protected heldMomentum(): number | undefined {
    return typeof this.target === "object" ? heldMomenta.get(this.target) : undefined;
  }

  // What a SequentialLR asks of the schedulers it runs (public for it, not for callers: options(),
  // step() and getLastLr() are the schedule's interface).

  /** The momentum (or β₁) the param groups hold at its own step t, `held` when it took over: a cycle sets its own, any other keeps what was held. */
  momentumAfter(_t: number, held: number | undefined): number | undefined {
    return held;
  }

  /** The momentum a OneCycleLR or CyclicLR set when it was made (its maxMomentum), and when it was made (a number: the order schedulers were made in). */
  momentumWhenMade(): { readonly momentum: number; readonly order: number } | undefined {
    return undefined;
  }

  /**
   * Its rate at its own step t as the first scheduler of a SequentialLR: PyTorch's step() chains
   * from the group's lr when the SequentialLR was made (`current`, the model's initial lr then);
   * what reads its base_lrs (LambdaLR, CosineAnnealingWarmRestarts) has its own (`own`, the initial
   * lr when it was made). They differ for a scheduler made before a OneCycleLR or CyclicLR.
   */
  lrFirstInSequence(current: number, _own: number, t: number): number {
    return this.lrFrom(current, t);
  }

  /** Its rate at its own step t when a SequentialLR hands over to it at a milestone: PyTorch's sets its closed form at 0 from its own base_lrs (`own`), and step() chains on from there. */
  lrAfterMilestone(own: number, t: number): number {
    return this.lrFrom(own, t);
  }

  /** Why PyTorch's SequentialLR fails where it hands over to this scheduler at a milestone (undefined: it does not). */
  milestoneFailure(): string | undefined {
    return undefined;
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
  /** PyTorch's get_lr reads base_lrs: its own initial lr, first in a SequentialLR too. */
  override lrFirstInSequence(_current: number, own: number, t: number): number {
    return this.lrFrom(own, t);
  }
}

/**
 * The most calls of a MultiplicativeLR's λ one rate may take (README): its rate at step t is the
 * product of λ over every step before, which a scheduler that stepped there carries along (one
 * call a step) but one told its lastEpoch (loadStateDict, or the field set) would replay from step
 * 0 — 2⁵³ − 1 steps ran for hours. Its stateDict carries the product (`factor`), as PyTorch's
 * optimizer keeps the lr, so a resume is one step.
 */
export const MAX_REPLAYED_STEPS = 1_000_000_000;

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
    this.checkReplay(t, from);
    for (let e = from + 1; e <= t; e++) factor *= this.lrLambda(e);
    this.reached = { t, factor };
    return base * factor;
  }
  /** Refuses a rate that would call λ more than MAX_REPLAYED_STEPS times (step t, from the step `from` already known). */
  private checkReplay(t: number, from: number, who = this.who): void {
    if (t - from > MAX_REPLAYED_STEPS)
      throw new RangeError(
        `${who}: its rate at step ${t} is the product of lrLambda over the ${t - from} steps from step ${from}, more than the ${MAX_REPLAYED_STEPS} tsdp replays (one lrLambda call each); resume with loadStateDict(stateDict()) of the scheduler that stepped there (it carries the product: "factor", a SequentialLR's "factors"), or step it there`,
      );
  }
  /** lastEpoch and the product of λ up to it (`factor`): loadStateDict resumes from it without calling λ again. */
  override stateDict(): { lastEpoch: number; factor: number } {
    return { lastEpoch: this.lastEpoch, factor: this.lrFrom(1, this.lastEpoch) };
  }
  /** A state without `factor` (PyTorch's, or one written by hand) replays λ up to lastEpoch, at most MAX_REPLAYED_STEPS calls. */
  override loadStateDict(state: { lastEpoch: number; factor?: number }): void {
    const who = `${this.who}.loadStateDict`;
    const factor = state?.factor;
    if (factor !== undefined && (typeof factor !== "number" || !Number.isFinite(factor)))
      throw new RangeError(`${who}: factor (the product of lrLambda up to lastEpoch) must be a finite number, got ${describeValue(factor)}`);
    super.loadStateDict(state);
    if (factor !== undefined) this.reached = { t: this.lastEpoch, factor };
    else this.checkReplay(this.lastEpoch, 0, who);
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
    this.checkReplay(t, from);
    for (let e = from + 1; e <= t; e++) factor *= this.lrLambda(e);
    this.continued = { t, factor };
    return lr * factor;
  }
  /** The product of λ over its own steps up to t, in a SequentialLR: from step 1 when it is first (lrFrom), from step 0 after a milestone (lrContinuing). */
  productInSequence(first: boolean, t: number): number {
    return first ? this.lrFrom(1, t) : this.lrContinuing(1, t);
  }
  /** Resumes that product at t (a SequentialLR's stateDict): no λ call before t. */
  resumeInSequence(first: boolean, t: number, factor: number): void {
    if (first) this.reached = { t, factor };
    else this.continued = { t, factor };
  }
}

/** StepLR: base · γ^⌊t / stepSize⌋. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;
  constructor(target: SchedulerTarget, o: { stepSize: number; gamma?: number }) {
    checkOptions(o, "StepLR", ["stepSize", "gamma"]);
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
    checkOptions(o, "MultiStepLR", ["milestones", "gamma"]);
    super(target, "MultiStepLR");
    if (!Array.isArray(o?.milestones)) throw new TypeError("MultiStepLR: milestones must be an array of epochs");
    this.milestones = o.milestones.map((m) => integer("each milestone", m, this.who, 0)).sort((a, b) => a - b);
    this.gamma = positive("gamma", o.gamma ?? 0.1, this.who, true);
  }
  lrFrom(base: number, t: number): number {
    return base * this.gamma ** this.milestones.filter((m) => m <= t).length;
  }
}

/**
 * ConstantLR: base · factor until totalIters, then base. With totalIters 0, base · factor at every
 * step: PyTorch's step() multiplies by factor at step 0 and divides it out only at step totalIters,
 * which comes after (its closed form would give base) — and base from a SequentialLR's milestone on,
 * where PyTorch's sets the closed form at 0.
 */
export class ConstantLR extends LRScheduler {
  readonly factor: number;
  readonly totalIters: number;
  constructor(target: SchedulerTarget, o: { factor?: number; totalIters?: number } = {}) {
    checkOptions(o, "ConstantLR", ["factor", "totalIters"]);
    super(target, "ConstantLR");
    this.factor = positive("factor", o.factor ?? 1 / 3, this.who, true);
    if (this.factor > 1) throw new RangeError("ConstantLR: factor must be between 0 and 1");
    this.totalIters = integer("totalIters", o.totalIters ?? 5, this.who, 0);
    // PyTorch's step() divides the lr by factor at totalIters: ZeroDivisionError there
    if (this.factor === 0 && this.totalIters > 0)
      throw new RangeError(`ConstantLR: factor 0 with totalIters ${this.totalIters}: PyTorch's step() divides the lr by factor at step ${this.totalIters} (ZeroDivisionError); give a factor > 0 (or totalIters 0: a rate of 0 throughout)`);
  }
  lrFrom(base: number, t: number): number {
    return base * (t < this.totalIters || this.totalIters === 0 ? this.factor : 1);
  }
  override lrAfterMilestone(own: number, t: number): number {
    return this.totalIters === 0 ? own : this.lrFrom(own, t);
  }
}

/** LinearLR: base · (start + (end − start)·min(t, totalIters)/totalIters); with totalIters 0, base · start at every step (PyTorch's step() never moves on from step 0's). */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;
  constructor(target: SchedulerTarget, o: { startFactor?: number; endFactor?: number; totalIters?: number } = {}) {
    checkOptions(o, "LinearLR", ["startFactor", "endFactor", "totalIters"]);
    super(target, "LinearLR");
    this.startFactor = positive("startFactor", o.startFactor ?? 1 / 3, this.who);
    this.endFactor = positive("endFactor", o.endFactor ?? 1, this.who, true);
    if (this.startFactor > 1 || this.endFactor > 1) throw new RangeError("LinearLR: startFactor and endFactor must be at most 1");
    this.totalIters = integer("totalIters", o.totalIters ?? 5, this.who, 0);
  }
  lrFrom(base: number, t: number): number {
    if (this.totalIters === 0) return base * this.startFactor;
    return base * (this.startFactor + ((this.endFactor - this.startFactor) * Math.min(t, this.totalIters)) / this.totalIters);
  }
  override milestoneFailure(): string | undefined {
    return this.totalIters === 0 ? "a LinearLR with totalIters 0, whose closed form (which PyTorch's SequentialLR sets at a milestone) divides by totalIters (ZeroDivisionError); give totalIters ≥ 1, or use a ConstantLR" : undefined;
  }
}

/** ExponentialLR: base · γ^t. */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;
  constructor(target: SchedulerTarget, o: { gamma: number }) {
    checkOptions(o, "ExponentialLR", ["gamma"]);
    super(target, "ExponentialLR");
    this.gamma = positive("gamma", o?.gamma, this.who, true);
  }
  lrFrom(base: number, t: number): number {
    return base * this.gamma ** t;
  }
}

/** PolynomialLR: base · (1 − min(t, totalIters)/totalIters)^power; with totalIters 0, base at every step (PyTorch's step() leaves the lr alone past totalIters). */
export class PolynomialLR extends LRScheduler {
  readonly totalIters: number;
  readonly power: number;
  constructor(target: SchedulerTarget, o: { totalIters?: number; power?: number } = {}) {
    checkOptions(o, "PolynomialLR", ["totalIters", "power"]);
    super(target, "PolynomialLR");
    this.totalIters = integer("totalIters", o.totalIters ?? 5, this.who, 0);
    this.power = positive("power", o.power ?? 1, this.who, true);
  }
  lrFrom(base: number, t: number): number {
    if (this.totalIters === 0) return base;
    return base * (1 - Math.min(t, this.totalIters) / this.totalIters) ** this.power;
  }
  override milestoneFailure(): string | undefined {
    return this.totalIters === 0 ? "a PolynomialLR with totalIters 0, whose closed form (which PyTorch's SequentialLR sets at a milestone) divides by totalIters (ZeroDivisionError); give totalIters ≥ 1" : undefined;
  }
}

/** CosineAnnealingLR: ηmin + (base − ηmin)·(1 + cos(π·t/tMax))/2. */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;
  constructor(target: SchedulerTarget, o: { tMax: number; etaMin?: number }) {
    checkOptions(o, "CosineAnnealingLR", ["tMax", "etaMin"]);
    super(target, "CosineAnnealingLR");
    this.tMax = integer("tMax", o?.tMax, this.who);
    this.etaMin = positive("etaMin", o.etaMin ?? 0, this.who, true);
  }
  lrFrom(base: number, t: number): number {
    return this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * t) / this.tMax))) / 2;
  }
  /** PyTorch's step() chains from the current lr, but climbs back from ηmin past tMax by its own base_lrs: its own base from step tMax + 1 on. */
  override lrFirstInSequence(current: number, own: number, t: number): number {
    return this.lrFrom(t <= this.tMax ? current : own, t);
  }
}

/** CosineAnnealingWarmRestarts (SGDR): the cosine over periods t0, t0·tMult, t0·tMult², …, restarting at base. */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  readonly t0: number;
  readonly tMult: number;
  readonly etaMin: number;
  constructor(target: SchedulerTarget, o: { t0: number; tMult?: number; etaMin?: number }) {
    checkOptions(o, "CosineAnnealingWarmRestarts", ["t0", "tMult", "etaMin"]);
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
  /** PyTorch's get_lr reads base_lrs: its own initial lr, first in a SequentialLR too. */
  override lrFirstInSequence(_current: number, own: number, t: number): number {
    return this.lrFrom(own, t);
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
  private readonly phases: { end: number; lr: [OneCycleKey, OneCycleKey]; momentum: [OneCycleKey, OneCycleKey] }[];
  /**
   * What PyTorch's OneCycleLR reads from the param groups at every step (initial_lr, max_lr,
   * min_lr, max_momentum, base_momentum): its own when made, until a OneCycleLR (or, for the
   * momenta, a CyclicLR with cycleMomentum) made after it for the same model writes theirs.
   */
  private readonly group: Record<OneCycleKey, number>;
  /** Its own values (what it writes to the param groups when made). */
  private readonly own: Readonly<Record<OneCycleKey, number>>;
  private readonly anneal: Anneal;
  readonly cycleMomentum: boolean;
  constructor(
    target: SchedulerTarget,
    o: { maxLr: number; totalSteps?: number; epochs?: number; stepsPerEpoch?: number; pctStart?: number; annealStrategy?: "cos" | "linear"; cycleMomentum?: boolean; baseMomentum?: number; maxMomentum?: number; divFactor?: number; finalDivFactor?: number; threePhase?: boolean },
  ) {
    checkOptions(o, "OneCycleLR", ["maxLr", "totalSteps", "epochs", "stepsPerEpoch", "pctStart", "annealStrategy", "cycleMomentum", "baseMomentum", "maxMomentum", "divFactor", "finalDivFactor", "threePhase"]);
    super(target, "OneCycleLR");
    if (Array.isArray(o?.maxLr)) throw new TypeError("OneCycleLR: maxLr is one number for every param group (a list, one per group, is not supported)");
    this.maxLr = positive("maxLr", o?.maxLr, this.who);
    this.totalSteps = o.totalSteps !== undefined ? integer("totalSteps", o.totalSteps, this.who) : integer("epochs", o.epochs, this.who) * integer("stepsPerEpoch", o.stepsPerEpoch, this.who);
    const pct = o.pctStart ?? 0.3;
    if (!(pct >= 0 && pct <= 1)) throw new RangeError(`OneCycleLR: pctStart must be in [0, 1], got ${String(pct)}`);
    const initial = this.maxLr / positive("divFactor", o.divFactor ?? 25, this.who);
    const min = initial / positive("finalDivFactor", o.finalDivFactor ?? 1e4, this.who);
    const [base, max] = [o.baseMomentum ?? 0.85, o.maxMomentum ?? 0.95];
    this.own = { initialLr: initial, maxLr: this.maxLr, minLr: min, maxMomentum: max, baseMomentum: base };
    this.group = { ...this.own };
    this.phases = o.threePhase
      ? [
          { end: pct * this.totalSteps - 1, lr: ["initialLr", "maxLr"], momentum: ["maxMomentum", "baseMomentum"] },
          { end: 2 * pct * this.totalSteps - 2, lr: ["maxLr", "initialLr"], momentum: ["baseMomentum", "maxMomentum"] },
          { end: this.totalSteps - 1, lr: ["initialLr", "minLr"], momentum: ["maxMomentum", "maxMomentum"] },
        ]
      : [
          { end: pct * this.totalSteps - 1, lr: ["initialLr", "maxLr"], momentum: ["maxMomentum", "baseMomentum"] },
          { end: this.totalSteps - 1, lr: ["maxLr", "minLr"], momentum: ["baseMomentum", "maxMomentum"] },
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
    if (this.cycleMomentum) checkCyclable(this.optimizerKind, this.who);
    // made: every group's initial lr is the cycle's start, and its momentum maxMomentum (PyTorch's param groups)
    setInitialLrs(target, initial);
    if (this.cycleMomentum) holdMomentum(target, max);
    cycleMade(target, this);
  }
  /** The cycle's start (maxLr / divFactor): every group's initial lr once it is made, as PyTorch's initial_lr. */
  get initialLr(): number {
    return this.own.initialLr;
  }
  /** What it wrote to the param groups when made (the momenta only with cycleMomentum), for a OneCycleLR made before it for the same model. */
  written(): Partial<Record<OneCycleKey, number>> {
    const { initialLr, maxLr, minLr, maxMomentum, baseMomentum } = this.own;
    return { initialLr, maxLr, minLr, ...(this.cycleMomentum ? { maxMomentum, baseMomentum } : {}) };
  }
  /** A OneCycleLR or CyclicLR made after it for the same model (PyTorch's optimizer) wrote its values to the param groups this one reads. */
  overwrittenBy(later: OneCycleLR | CyclicLR): void {
    Object.assign(this.group, later.written());
  }
  private at(t: number): { lr: number; momentum: number } {
    if (t > this.totalSteps) throw new RangeError(`OneCycleLR: tried to step ${t} times; the specified number of total steps is ${this.totalSteps}`);
    let start = 0;
    const g = this.group;
    for (let i = 0; i < this.phases.length; i++) {
      const p = this.phases[i];
      if (t <= p.end || i === this.phases.length - 1) {
        const pct = (t - start) / (p.end - start);
        return { lr: this.anneal(g[p.lr[0]], g[p.lr[1]], pct), momentum: this.anneal(g[p.momentum[0]], g[p.momentum[1]], pct) };
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
  override momentumAfter(t: number, held: number | undefined): number | undefined {
    return this.cycleMomentum ? this.at(t).momentum : held;
  }
  override momentumWhenMade(): { readonly momentum: number; readonly order: number } | undefined {
    return this.cycleMomentum ? { momentum: this.own.maxMomentum, order: this.order } : undefined;
  }
}

/**
 * CyclicLR (per batch): between baseLr and maxLr over cycles of stepSizeUp + stepSizeDown steps,
 * "triangular", "triangular2" (the height halved each cycle) or "exp_range" (scaled by γ^t) — or a
 * scaleFn of your own (PyTorch's scale_fn, which overrides mode) of the cycle number (scaleMode
 * "cycle", from 1) or of the step (scaleMode "iterations"); the momentum cycles the other way
 * (cycleMomentum). Its baseLr is its own argument, as PyTorch's.
 */
export class CyclicLR extends LRScheduler {
  readonly maxLr: number;
  private readonly total: number;
  private readonly ratio: number;
  readonly mode: "triangular" | "triangular2" | "exp_range";
  readonly gamma: number;
  readonly cycleMomentum: boolean;
  private readonly momenta: [number, number];
  /** PyTorch's scale_fn and scale_mode: a custom one, or the mode's. */
  private readonly custom?: { readonly fn: (x: number) => number; readonly mode: "cycle" | "iterations" };
  constructor(
    target: SchedulerTarget,
    o: {
      baseLr: number; maxLr: number; stepSizeUp?: number; stepSizeDown?: number | null; mode?: "triangular" | "triangular2" | "exp_range"; gamma?: number;
      scaleFn?: ((x: number) => number) | null; scaleMode?: "cycle" | "iterations"; cycleMomentum?: boolean; baseMomentum?: number; maxMomentum?: number;
    },
  ) {
    checkOptions(o, "CyclicLR", ["baseLr", "maxLr", "stepSizeUp", "stepSizeDown", "mode", "gamma", "scaleFn", "scaleMode", "cycleMomentum", "baseMomentum", "maxMomentum"]);
    super(target, "CyclicLR", positive("baseLr", o?.baseLr, "CyclicLR", true));
    this.maxLr = positive("maxLr", o.maxLr, this.who, true);
    const up = positive("stepSizeUp", o.stepSizeUp ?? 2000, this.who);
    const down = o.stepSizeDown === undefined || o.stepSizeDown === null ? up : positive("stepSizeDown", o.stepSizeDown, this.who);
    this.total = up + down;
    this.ratio = up / this.total;
    this.mode = o.mode ?? "triangular";
    if (!["triangular", "triangular2", "exp_range"].includes(this.mode)) throw new RangeError(`CyclicLR: mode must be "triangular", "triangular2" or "exp_range", got ${String(this.mode)}`);
    this.gamma = positive("gamma", o.gamma ?? 1, this.who, true);
    if (o.scaleFn !== undefined && o.scaleFn !== null) {
      if (typeof o.scaleFn !== "function") throw new TypeError(`CyclicLR: scaleFn must be a function of the cycle number (scaleMode "cycle") or of the step (scaleMode "iterations"), got ${describeValue(o.scaleFn)}`);
      const mode = o.scaleMode ?? "cycle";
      if (mode !== "cycle" && mode !== "iterations") throw new RangeError(`CyclicLR: scaleMode must be "cycle" or "iterations", got ${describeValue(mode)}`);
      this.custom = { fn: o.scaleFn, mode };
    }
    this.cycleMomentum = o.cycleMomentum ?? true;
    this.momenta = [o.baseMomentum ?? 0.8, o.maxMomentum ?? 0.9];
    // PyTorch's "optimizer must support momentum or beta1 with `cycle_momentum` option enabled", when made
    if (this.cycleMomentum) checkCyclable(this.optimizerKind, this.who);
    // made: PyTorch starts every group at baseLr, which the first scheduler takes as the initial lr, and its momentum at maxMomentum
    if (this.first) setInitialLrs(target, this.baseLr);
    if (this.cycleMomentum) holdMomentum(target, this.momenta[1]);
    cycleMade(target, this);
  }
  /** What it wrote to the param groups when made: max_momentum and base_momentum, with cycleMomentum (a OneCycleLR made before it reads them). */
  written(): Partial<Record<OneCycleKey, number>> {
    return this.cycleMomentum ? { maxMomentum: this.momenta[1], baseMomentum: this.momenta[0] } : {};
  }
  private phase(t: number): { cycle: number; scale: number } {
    const cycle = Math.floor(1 + t / this.total);
    const x = 1 + t / this.total - cycle;
    return { cycle, scale: x <= this.ratio ? x / this.ratio : (x - 1) / (this.ratio - 1) };
  }
  private scaleFn(cycle: number, t: number): number {
    if (this.custom) {
      const scale = this.custom.fn(this.custom.mode === "cycle" ? cycle : t);
      if (typeof scale !== "number") throw new TypeError(`CyclicLR: scaleFn(${this.custom.mode === "cycle" ? cycle : t}) must return a number, got ${describeValue(scale)}`);
      return scale;
    }
    return this.mode === "triangular" ? 1 : this.mode === "triangular2" ? 1 / 2 ** (cycle - 1) : this.gamma ** t;
  }
  /** Every group's: its baseLr and maxLr (one number each) set each group's cycle alike, as PyTorch's. */
  lrFrom(_base: number, t: number): number {
    const { cycle, scale } = this.phase(t);
    return this.baseLr + (this.maxLr - this.baseLr) * scale * this.scaleFn(cycle, t);
  }
  /** This step's momentum (SGD's, RMSprop's) or β₁ (Adam's family). */
  get momentum(): number {
    return this.momentumAt(this.lastEpoch);
  }
  private momentumAt(t: number): number {
    const { cycle, scale } = this.phase(t);
    return this.momenta[1] - (this.momenta[1] - this.momenta[0]) * scale * this.scaleFn(cycle, t);
  }
  override momentumAfter(t: number, held: number | undefined): number | undefined {
    return this.cycleMomentum ? this.momentumAt(t) : held;
  }
  override momentumWhenMade(): { readonly momentum: number; readonly order: number } | undefined {
    return this.cycleMomentum ? { momentum: this.momenta[1], order: this.order } : undefined;
  }
}

/**
 * SequentialLR: schedulers[i] from milestones[i − 1] on, each counting from 0 at its milestone, as
 * PyTorch's step() loop gives them: the first goes on from the model's initial lr when the
 * SequentialLR is made; each later one starts at its milestone from its own initial lr (the one it
 * was made with: a CosineAnnealingLR made before a OneCycleLR anneals from the declared lr), a
 * MultiplicativeLR from the rate the one before left. The momentum a OneCycleLR or CyclicLR sets
 * stays after its phase (and a cycle made sets maxMomentum for the phases before it), as PyTorch's
 * param groups hold it.
 */
export class SequentialLR extends LRScheduler {
  constructor(target: SchedulerTarget, readonly schedulers: readonly LRScheduler[], readonly milestones: readonly number[]) {
    super(target, "SequentialLR");
    if (!Array.isArray(schedulers) || schedulers.length < 1) throw new TypeError(`SequentialLR: schedulers must be a non-empty array of schedulers, got ${Array.isArray(schedulers) ? "an empty array" : describeValue(schedulers)}`);
    schedulers.forEach((s: unknown, i) => {
      // PyTorch's own rule: "SequentialLR does not support `ReduceLROnPlateau` scheduler as it requires additional kwargs to be specified when calling `step`"
      if (s instanceof ReduceLROnPlateau)
        throw new TypeError(`SequentialLR: schedulers[${i}] is a ReduceLROnPlateau, which cannot be part of a SequentialLR (as in PyTorch: its step needs the metric, which SequentialLR's step() does not have); step it on its own, ReduceLROnPlateau.step(metric)`);
      if (s instanceof SequentialLR)
        throw new TypeError(`SequentialLR: schedulers[${i}] is a SequentialLR; give one SequentialLR every scheduler and milestone instead (PyTorch's fails when it hands over to one at a milestone, and shifts the milestones of a first one by a step)`);
      if (!(s instanceof LRScheduler)) throw new TypeError(`SequentialLR: schedulers[${i}] is not a scheduler (a StepLR, CosineAnnealingLR, OneCycleLR, …), got ${describeValue(s)}`);
    });
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1)
      throw new RangeError(`SequentialLR: expects one milestone fewer than schedulers, got ${schedulers.length} schedulers and ${Array.isArray(milestones) ? milestones.length : "no"} milestones`);
    milestones.forEach((m) => integer("each milestone", m, this.who));
    if (milestones.some((m, i) => i > 0 && m <= milestones[i - 1])) throw new RangeError(`SequentialLR: milestones must increase, got [${milestones.join(", ")}]`);
    // PyTorch's "expects all schedulers to belong to the same optimizer": a model's rates are per group
    const other = schedulers.findIndex((s) => s.target !== target && (typeof s.target === "object" || typeof target === "object"));
    if (other >= 0)
      throw new RangeError(`SequentialLR: schedulers[${other}] was made for ${typeof schedulers[other].target === "number" ? "a base lr" : "another model"}, the SequentialLR for ${typeof target === "number" ? "a base lr" : "a model"}: make every one for the same model (PyTorch's schedulers must share their optimizer)`);
    schedulers.forEach((s, i) => {
      const failure = i > 0 ? s.milestoneFailure() : undefined;
      if (failure !== undefined) throw new RangeError(`SequentialLR: schedulers[${i}] cannot start at milestone ${milestones[i - 1]}: it is ${failure}`);
    });
    if (typeof target !== "object") this.replayed = replay(schedulers);
  }
  /** For a base lr: each scheduler's initial lr when it was made, and when this was made, as PyTorch's one optimizer would hold them. */
  private readonly replayed?: { readonly current: number; readonly own: ReadonlyMap<LRScheduler, number> };
  /** The scheduler in charge at step t, its index and its own step count. */
  private active(t: number): { scheduler: LRScheduler; index: number; at: number } {
    const index = this.milestones.filter((m) => m <= t).length;
    return { scheduler: this.schedulers[index], index, at: t - (index > 0 ? this.milestones[index - 1] : 0) };
  }
  /** A group's rate at step t: `current`, its initial lr when the SequentialLR was made; `own`, a scheduler's initial lr for it when that one was made. */
  private rate(t: number, current: number, own: (s: LRScheduler) => number): number {
    const { scheduler, index, at } = this.active(t);
    if (index === 0) return scheduler.lrFirstInSequence(current, own(scheduler), at);
    // a MultiplicativeLR goes on from the rate the scheduler before it left (the step before its milestone)
    if (scheduler instanceof MultiplicativeLR) return scheduler.lrContinuing(this.rate(t - at - 1, current, own), at);
    return scheduler.lrAfterMilestone(own(scheduler), at);
  }
  /** A group's rate at step t (undefined: the optimizer's), each scheduler from its own initial lr for the group. */
  private groupRate(group: number | undefined, t: number): number {
    const replayed = this.replayed;
    if (replayed) return this.rate(t, replayed.current, (s) => replayed.own.get(s) ?? s.baseLr);
    const initial = (s: LRScheduler) => (group === undefined ? s.baseLr : (s.groupBaseLrs?.[group] ?? s.baseLr));
    return this.rate(t, initial(this), initial);
  }
  /** The rate at step t had every scheduler been made with the initial lr `base`. */
  lrFrom(base: number, t: number): number {
    return this.rate(t, base, () => base);
  }
  override lrAt(t: number): number {
    return this.groupRate(undefined, t);
  }
  override getLastLr(): number[] {
    return this.groupBaseLrs ? this.groupBaseLrs.map((_, g) => this.groupRate(g, this.lastEpoch)) : [this.lr];
  }
  /** The momentum at step t: each phase before leaves it (a cycle its last step's), the one in charge sets it or keeps it. */
  override momentumAfter(t: number, held: number | undefined): number | undefined {
    const { scheduler, index, at } = this.active(t);
    let momentum = held;
    for (let i = 0; i < index; i++) momentum = this.schedulers[i].momentumAfter(this.milestones[i] - (i > 0 ? this.milestones[i - 1] : 0) - 1, momentum);
    return scheduler.momentumAfter(at, momentum);
  }
  /** Scheduler i's own step at this one's lastEpoch (counting from 0 at its milestone; the last before the next), or undefined before its milestone. */
  private ownStep(i: number): number | undefined {
    const start = i > 0 ? this.milestones[i - 1] : 0;
    if (this.lastEpoch < start) return undefined;
    return Math.min(this.lastEpoch, i < this.milestones.length ? this.milestones[i] - 1 : Infinity) - start;
  }
  /**
   * lastEpoch, and each MultiplicativeLR's product of λ over its steps so far (`factors`, by scheduler;
   * null for the others and for one not reached yet), as MultiplicativeLR's own stateDict carries it:
   * a resume calls λ for the steps after, not for the millions before (PyTorch's optimizer keeps the lr).
   */
  override stateDict(): { lastEpoch: number; factors?: (number | null)[] } {
    const factors = this.schedulers.map((s, i) => {
      const t = this.ownStep(i);
      return s instanceof MultiplicativeLR && t !== undefined ? s.productInSequence(i === 0, t) : null;
    });
    return factors.some((f) => f !== null) ? { lastEpoch: this.lastEpoch, factors } : { lastEpoch: this.lastEpoch };
  }
  /** A state without `factors` (PyTorch's, or one written by hand) replays each MultiplicativeLR's λ up to lastEpoch. */
  override loadStateDict(state: { lastEpoch: number; factors?: readonly (number | null)[] }): void {
    const who = `${this.who}.loadStateDict`;
    const factors = state?.factors;
    if (factors !== undefined && (!Array.isArray(factors) || factors.length !== this.schedulers.length || factors.some((f) => f !== null && (typeof f !== "number" || !Number.isFinite(f)))))
      throw new RangeError(`${who}: factors must hold one finite number (a MultiplicativeLR's product of lrLambda) or null per scheduler, ${this.schedulers.length} in all, got ${describeValue(factors)}`);
    super.loadStateDict(state);
    this.schedulers.forEach((s, i) => {
      const t = this.ownStep(i);
      const factor = factors?.[i];
      if (s instanceof MultiplicativeLR && t !== undefined && typeof factor === "number") s.resumeInSequence(i === 0, t, factor);
    });
  }
  /** A base lr has no param groups to hold a momentum: the latest cycle made among its schedulers set it. */
  protected override heldMomentum(): number | undefined {
    if (typeof this.target === "object") return super.heldMomentum();
    let latest: { readonly momentum: number; readonly order: number } | undefined;
    for (const s of this.schedulers) {
      const m = s.momentumWhenMade();
      if (m !== undefined && (latest === undefined || m.order > latest.order)) latest = m;
    }
    return latest?.momentum;
  }
}

/**
 * A SequentialLR's schedulers made for a base lr, which stands for the one optimizer PyTorch's
 * share: what each one set when made, in the order they were made — the initial lr (the first's
 * setdefault; a OneCycleLR's maxLr / divFactor; a first CyclicLR's baseLr), and a OneCycleLR's
 * values over those of the OneCycleLRs made before it (a CyclicLR's momenta too), as the model's
 * own schedulers do when made.
 */
function replay(schedulers: readonly LRScheduler[]): { current: number; own: Map<LRScheduler, number> } {
  const byOrder = [...new Set(schedulers)].sort((a, b) => a.order - b.order);
  const own = new Map<LRScheduler, number>();
  let initial: number | undefined;
  byOrder.forEach((s, k) => {
    initial = s instanceof OneCycleLR ? s.initialLr : (initial ?? s.baseLr);
    own.set(s, initial);
    if (s instanceof OneCycleLR || s instanceof CyclicLR) for (const e of byOrder.slice(0, k)) if (e instanceof OneCycleLR) e.overwrittenBy(s);
  });
  return { current: initial!, own };
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
  readonly #target: SchedulerTarget;
  readonly #optimizer: { readonly kind?: string; readonly beta2?: number };
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  constructor(
    target: SchedulerTarget,
    o: { mode?: "min" | "max"; factor?: number; patience?: number; threshold?: number; thresholdMode?: "rel" | "abs"; cooldown?: number; minLr?: number | readonly number[]; eps?: number } = {},
  ) {
    const who = "ReduceLROnPlateau";
    checkOptions(o, who, ["mode", "factor", "patience", "threshold", "thresholdMode", "cooldown", "minLr", "eps"]);
    const base = baseOf(target, who);
    this.#target = target;
    this.#optimizer = { kind: base.kind, beta2: base.beta2 };
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
  /** scheduler.step(metric): the metric of the epoch just ended (a validation loss); NaN is never an improvement (a bad epoch), as PyTorch's comparisons. */
  step(metric: number): void {
    if (typeof metric !== "number")
      throw new TypeError(`ReduceLROnPlateau.step: the metric must be a number (the epoch's validation loss), got ${describeValue(metric)}${typeof metric === "string" ? " (convert it with Number())" : ""}`);
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
  /** The trainStep options: the rate (each group's, for a model with groups), and the momentum a OneCycleLR or CyclicLR made for the model left in its param groups. */
  options(): ScheduledOptions {
    const held = typeof this.#target === "object" ? heldMomenta.get(this.#target) : undefined;
    return { lr: this.lrs[0], ...(this.#grouped ? { groupLrs: [...this.lrs] } : {}), ...momentumOptions(held, this.#optimizer.kind, this.#optimizer.beta2) };
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

/** The schedulers whose PyTorch step() multiplies the group's current lr by a factor of the step alone (their chainable forms), so that in a chain the factors multiply. */
const MULTIPLYING = [ConstantLR, LinearLR, ExponentialLR, StepLR, MultiStepLR, PolynomialLR, MultiplicativeLR] as const;

/**
 * ChainedScheduler(schedulers, target?): PyTorch's step() steps every scheduler in turn, each
 * multiplying the optimizer's current lr by its own step's factor (their chainable forms), so the
 * rate at step t is base · Π each scheduler's rate from 1 at t — PyTorch's documented example,
 * ConstantLR(factor 0.1, totalIters 2) chained with ExponentialLR(0.9), gives 0.1, 0.09, 0.81, 0.729.
 * Those that set the rate rather than multiply it (LambdaLR and the cosine, cyclic and one-cycle
 * schedules, whose step reads base_lrs or adds to the lr) would make the chain depend on the order
 * of PyTorch's float updates, and are refused with that reason; ReduceLROnPlateau's step needs the
 * metric (PyTorch's refuses it too). PyTorch's own closed form (_get_closed_form_lr) is the same
 * product of the schedulers' closed forms.
 */
export class ChainedScheduler extends LRScheduler {
  readonly schedulers: readonly LRScheduler[];
  constructor(schedulers: readonly LRScheduler[], target?: SchedulerTarget) {
    checkChained(schedulers);
    super(target ?? schedulers[0].target, "ChainedScheduler");
    this.schedulers = schedulers;
    // PyTorch's "ChainedScheduler expects all schedulers to belong to the same optimizer"
    const other = schedulers.findIndex((s) => s.target !== this.target && (typeof s.target === "object" || typeof this.target === "object"));
    if (other >= 0) throw new RangeError(`ChainedScheduler: schedulers[${other}] was made for ${typeof schedulers[other].target === "number" ? "a base lr" : "another model"}: make every one for the same model (PyTorch's schedulers must share their optimizer)`);
  }
  lrFrom(base: number, t: number): number {
    return this.schedulers.reduce((lr, s) => lr * s.lrFrom(1, t), base);
  }
  /** Steps every scheduler too, as PyTorch's: their lastEpoch counts with the chain's. */
  override step(): void {
    super.step();
    for (const s of this.schedulers) s.lastEpoch = this.lastEpoch;
  }
  override loadStateDict(state: { lastEpoch: number }): void {
    super.loadStateDict(state);
    for (const s of this.schedulers) s.lastEpoch = this.lastEpoch;
  }
}

/** Refuses what a ChainedScheduler cannot chain: no schedulers, a non-scheduler, a ReduceLROnPlateau, one that sets the lr rather than multiplying it. */
function checkChained(schedulers: readonly unknown[]): void {
  if (!Array.isArray(schedulers) || schedulers.length < 1)
    throw new TypeError(`ChainedScheduler: schedulers must be a non-empty array of schedulers, got ${Array.isArray(schedulers) ? "an empty array" : describeValue(schedulers)}`);
  schedulers.forEach((s, i) => {
    if (s instanceof ReduceLROnPlateau) throw new TypeError(`ChainedScheduler: schedulers[${i}] is a ReduceLROnPlateau, whose step needs the metric, which a chain's step() does not have (PyTorch's ChainedScheduler refuses it too: "does not support ReduceLROnPlateau"); step it on its own, ReduceLROnPlateau.step(metric)`);
    if (!(s instanceof LRScheduler)) throw new TypeError(`ChainedScheduler: schedulers[${i}] is not a scheduler (a StepLR, ExponentialLR, LinearLR, …), got ${describeValue(s)}`);
    if (!MULTIPLYING.some((kind) => s instanceof kind))
      throw new TypeError(
        `ChainedScheduler: schedulers[${i}] is a ${s.constructor.name}, whose PyTorch step() sets the lr from base_lrs or adds to it rather than multiplying the current one, so its chained rate depends on the order of the updates; tsdp chains the multiplying ones (ConstantLR, LinearLR, ExponentialLR, StepLR, MultiStepLR, PolynomialLR, MultiplicativeLR) — for a warmup then a cosine, use a SequentialLR`,
      );
  });
}
