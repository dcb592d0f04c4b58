import { groupLrScale, type GroupHyperparameter, type OptimizerSpec } from "../ir/node.ts";
import type { NDArray } from "./ndarray.ts";

// PyTorch's optimizer update rules in float64, one parameter at a time (torch.optim.SGD, Adam,
// AdamW, … with foreach/fused off). The compiled update kernel must match.
//
// The variant switches (OptimizerVariant): maximize negates ∇ before each rule; amsgrad (Adam, AdamW)
// keeps v̂ ← max(v̂, v) (NaN kept, torch.maximum) and divides by √v̂ instead of √v; centered (RMSprop)
// keeps ḡ ← αḡ + (1 − α)g and divides by √(v − ḡ²) + ε; decoupledWeightDecay (NAdam, RAdam) decays
// p ← p·(1 − η·λ) instead of adding λ·p to g; Adagrad's lrDecay uses η/(1 + (t − 1)·lrDecay), and its
// sum starts at initialAccumulatorValue.
//
// SGD:   g ← ∇ + λ·p;  b ← g (the first step with momentum) or μ·b + (1 − τ)·g;  g ← g + μ·b (nesterov) or b;  p ← p − η·g
// Adam:  g ← ∇ + λ·p (Adam) | p ← p·(1 − η·λ) (AdamW);  m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;
//        p ← p − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
// RMSprop: g ← ∇ + λ·p;  v ← αv + (1 − α)g²;  d ← g / (√v + ε);  b ← μ·b + d (b starts at 0);
//        p ← p − η·b (momentum) or p − η·d
// Adagrad: g ← ∇ + λ·p;  s ← s + g²;  p ← p − η·g / (√s + ε)
// Adadelta: g ← ∇ + λ·p;  v ← ρv + (1 − ρ)g²;  d ← √(a + ε) / √(v + ε) · g;  a ← ρa + (1 − ρ)d²;  p ← p − η·d (ρ is the spec's alpha)
// Adamax:  g ← ∇ + λ·p;  m ← β₁m + (1 − β₁)g;  u ← max(β₂u, |g| + ε);  p ← p − (η / (1 − β₁ᵗ))·m / u
// NAdam:   g ← ∇ + λ·p;  m, v as Adam;  μ_t = β₁(1 − ½·0.96^(t·ψ)), Π ← Π·μ_t;  d = √v / √(1 − β₂ᵗ) + ε;
//          p ← p − η·(1 − μ_t)/(1 − Π)·g/d − η·μ_{t+1}/(1 − Π·μ_{t+1})·m/d   (ψ: momentum_decay, the spec's momentum)
// RAdam:   g ← ∇ + λ·p;  m, v as Adam;  ρ_∞ = 2/(1 − β₂) − 1, ρ_t = ρ_∞ − 2tβ₂ᵗ/(1 − β₂ᵗ);  m̂ = m/(1 − β₁ᵗ);
//          p ← p − η·m̂·r_t·√(1 − β₂ᵗ)/(√v + ε) with r_t = √((ρ_t − 4)(ρ_t − 2)ρ_∞ / ((ρ_∞ − 4)(ρ_∞ − 2)ρ_t)) when ρ_t > 5, else p − η·m̂
// Param groups (groups): a parameter's weight decay λ is its group's when the group sets one; its
// lr η is the step's times (group lr / declared lr) when the group sets one, as a PyTorch schedule
// scales every group's lr by the same factor; its momentum, dampening, nesterov, betas, eps and
// alpha are its group's where set, else the step's — momentum and β₁ the step's when it gives
// them (a OneCycleLR's cycle writes every param_group's).
// Clipping first when clipGradNorm > 0 (torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type),
// called between backward and step): every gradient ← ∇·min(1, max_norm / (‖∇‖ₚ + 1e-6)), in place,
// ‖∇‖ₚ over all the trained parameters' gradients together (p 2 unless clipGradNormType says; "inf":
// max |∇|); or when clipGradValue > 0 (clip_grad_value_(params, v)): every gradient clamped to [−v, v].

/** Per-parameter optimizer state, named as in PyTorch's optimizer state_dict. */
export interface ParamState {
  momentum_buffer?: Float64Array;
  exp_avg?: Float64Array;
  exp_avg_sq?: Float64Array;
  square_avg?: Float64Array;
  sum?: Float64Array;
  exp_inf?: Float64Array;
  acc_delta?: Float64Array;
  max_exp_avg_sq?: Float64Array;
  grad_avg?: Float64Array;
}

export interface OptimizerState {
  /** Steps taken (Adam's t). */
  step: number;
  /** NAdam's Π μ_i over the steps taken (PyTorch's mu_product). */
  muProduct?: number;
  readonly perParam: Map<string, ParamState>;
}

export function newOptimizerState(): OptimizerState {
  return { step: 0, perParam: new Map() };
}

/** Hyperparameters that may change per step (the learning rate above all; each declared group's own, as a scheduler gives them). */
export type StepOverrides = Partial<Omit<OptimizerSpec, "kind">> & { readonly groupLrs?: readonly number[] };

/**
 * Updates `params` in place from `grads` (same names), as one optimizer.step(). `float32`: each
 * operation rounded to float32 as the compiled update kernel computes it (its constants in float32
 * too) — not the reference, but the measure of how much float32 rounding moves an update (RMSprop
 * near ε, a weight decay that cancels the gradient), which a check adds to its tolerance.
 */
export function optimizerStep(
  spec: OptimizerSpec,
  state: OptimizerState,
  params: Map<string, NDArray>,
  grads: Map<string, NDArray>,
  overrides: StepOverrides = {},
  float32 = false,
): void {
  const f = float32 ? Math.fround : (v: number) => v;
  const h = { ...spec, ...overrides } as OptimizerSpec;
  state.step += 1;
  // NAdam's momentum schedule, once per step (the same for every parameter)
  const mu = (t: number) => (h.kind === "NAdam" ? h.beta1 * (1 - 0.5 * Math.pow(0.96, t * h.momentum)) : 0);
  if (h.kind === "NAdam") state.muProduct = (state.muProduct ?? 1) * mu(state.step);
  const clipped = () => [...params.keys()].flatMap((name) => grads.get(name) ?? []);
  if (h.clipGradNorm) clipGradNorm(clipped(), h.clipGradNorm, spec.clipGradNormType);
  if (spec.clipGradValue) clipGradValue(clipped(), spec.clipGradValue);
  for (const [name, p] of params) {
    const rawGrad = grads.get(name);
    if (!rawGrad) continue;
    // a param group's own weight decay (PyTorch's param_groups), else the step's; its lr, scaled as the step's
    const group = h.groups?.find((g) => g.params.includes(name));
    // a parameter in no declared group: PyTorch's optimizer does not hold it, so nothing moves it or its state
    if (group?.skipped) continue;
    const weightDecay = group?.weightDecay ?? h.weightDecay;
    const own = group && overrides.groupLrs ? overrides.groupLrs[h.groups!.indexOf(group)] : undefined;
    const groupLr = own ?? h.lr * (group ? groupLrScale(spec, group) : 1);
    const lr = h.kind === "Adagrad" && spec.lrDecay ? groupLr / (1 + (state.step - 1) * spec.lrDecay) : groupLr;
    // the group's own momentum, betas, eps, …, else the step's; a step that gives momentum or betas sets every group's momentum and β₁ (a scheduler's cycle)
    const stepValues = h as Partial<Record<GroupHyperparameter, number | boolean>>;
    const setting = (k: GroupHyperparameter, stepWins = false) => (stepWins ? undefined : group?.[k]) ?? stepValues[k];
    const given = overrides as Partial<Record<GroupHyperparameter, unknown>>;
    const momentumGiven = given.momentum !== undefined || given.beta1 !== undefined;
    const momentum = setting("momentum", momentumGiven) as number, beta1 = setting("beta1", momentumGiven) as number;
    const dampening = setting("dampening") as number, nesterov = setting("nesterov") as boolean, beta2 = setting("beta2") as number;
    const eps = setting("eps") as number, alpha = setting("alpha") as number;
    let s = state.perParam.get(name);
    if (!s) state.perParam.set(name, (s = {}));
    const w = p.data;
    // maximize: the rule ascends, from −∇ (PyTorch negates the gradient before anything else)
    const sign = spec.maximize ? -1 : 1;
    const grad = { data: Float64Array.from(rawGrad.data, (v) => sign * v) };
    if (h.kind === "SGD") {
      // PyTorch creates the buffer at the first step with momentum (whichever step), as that step's gradient
      const fresh = momentum !== 0 && !s.momentum_buffer;
      if (fresh) s.momentum_buffer = new Float64Array(w.length);
      for (let i = 0; i < w.length; i++) {
        let g = f(grad.data[i] + f(f(weightDecay) * w[i]));
        if (momentum !== 0) {
          const b = fresh ? g : f(f(f(momentum) * s.momentum_buffer![i]) + f(f(1 - dampening) * g));
          s.momentum_buffer![i] = b;
          g = nesterov ? f(g + f(f(momentum) * b)) : b;
        }
        w[i] = f(w[i] - f(f(lr) * g));
      }
    } else if (h.kind === "RMSprop") {
      if (!s.square_avg) s.square_avg = new Float64Array(w.length);
      if (momentum !== 0 && !s.momentum_buffer) s.momentum_buffer = new Float64Array(w.length);
      if (spec.centered && !s.grad_avg) s.grad_avg = new Float64Array(w.length);
      for (let i = 0; i < w.length; i++) {
        const g = f(grad.data[i] + f(f(weightDecay) * w[i]));
        const v = (s.square_avg[i] = f(f(f(alpha) * s.square_avg[i]) + f(f(f(1 - alpha) * g) * g)));
        // centered: the variance, v − ḡ², with ḡ the gradients' running average
        const centeredAvg = spec.centered ? (s.grad_avg![i] = f(f(f(alpha) * s.grad_avg![i]) + f(f(1 - alpha) * g))) : 0;
        const spread = spec.centered ? f(v - f(centeredAvg * centeredAvg)) : v;
        const d = f(g / f(f(Math.sqrt(spread)) + f(eps)));
        if (momentum !== 0) w[i] = f(w[i] - f(f(lr) * (s.momentum_buffer![i] = f(f(f(momentum) * s.momentum_buffer![i]) + d))));
        else w[i] = f(w[i] - f(f(lr) * d));
      }
    } else if (h.kind === "Adagrad") {
      if (!s.sum) s.sum = new Float64Array(w.length).fill(spec.initialAccumulatorValue ?? 0);
      for (let i = 0; i < w.length; i++) {
        const g = f(grad.data[i] + f(f(weightDecay) * w[i]));
        const sum = (s.sum[i] = f(s.sum[i] + f(g * g)));
        w[i] = f(w[i] - f(f(lr) * f(g / f(f(Math.sqrt(sum)) + f(eps)))));
      }
    } else if (h.kind === "Adadelta") {
      if (!s.square_avg) s.square_avg = new Float64Array(w.length);
      if (!s.acc_delta) s.acc_delta = new Float64Array(w.length);
      const rho = f(alpha);
      for (let i = 0; i < w.length; i++) {
        const g = f(grad.data[i] + f(f(weightDecay) * w[i]));
        const v = (s.square_avg[i] = f(f(rho * s.square_avg[i]) + f(f(f(1 - rho) * g) * g)));
        const d = f(f(f(Math.sqrt(f(s.acc_delta[i] + f(eps)))) / f(Math.sqrt(f(v + f(eps))))) * g);
        s.acc_delta[i] = f(f(rho * s.acc_delta[i]) + f(f(f(1 - rho) * d) * d));
        w[i] = f(w[i] - f(f(lr) * d));
      }
    } else if (h.kind === "Adamax") {
      if (!s.exp_avg) s.exp_avg = new Float64Array(w.length);
      if (!s.exp_inf) s.exp_inf = new Float64Array(w.length);
      const c1 = 1 - Math.pow(beta1, state.step);
      for (let i = 0; i < w.length; i++) {
        const g = f(grad.data[i] + f(f(weightDecay) * w[i]));
        const m = (s.exp_avg[i] = f(f(f(beta1) * s.exp_avg[i]) + f(f(1 - beta1) * g)));
        const decayed = f(f(beta2) * s.exp_inf[i]);
        const current = f(Math.abs(g) + f(eps));
        // torch.amax keeps a NaN
        const u = (s.exp_inf[i] = current > decayed || Number.isNaN(current) ? current : decayed);
        w[i] = f(w[i] - f(f(f(lr) / f(c1)) * f(m / u)));
      }
    } else if (h.kind === "NAdam" || h.kind === "RAdam") {
      if (!s.exp_avg) s.exp_avg = new Float64Array(w.length);
      if (!s.exp_avg_sq) s.exp_avg_sq = new Float64Array(w.length);
      const t = state.step;
      const c1 = 1 - Math.pow(beta1, t);
      const c2 = 1 - Math.pow(beta2, t);
      const product = state.muProduct ?? 1;
      const next = mu(t + 1);
      const [gWeight, mWeight] = [(1 - mu(t)) / (1 - product), next / (1 - product * next)];
      const inf = 2 / (1 - beta2) - 1;
      const rho = inf - (2 * t * Math.pow(beta2, t)) / c2;
      const rect = rho > 5 ? Math.sqrt(((rho - 4) * (rho - 2) * inf) / ((inf - 4) * (inf - 2) * rho)) : 0;
      for (let i = 0; i < w.length; i++) {
        // decoupledWeightDecay: AdamW's decay of the parameter, not of the gradient
        if (spec.decoupledWeightDecay) w[i] = f(w[i] * f(1 - lr * weightDecay));
        const g = spec.decoupledWeightDecay ? grad.data[i] : f(grad.data[i] + f(f(weightDecay) * w[i]));
        const m = (s.exp_avg[i] = f(f(f(beta1) * s.exp_avg[i]) + f(f(1 - beta1) * g)));
        const v = (s.exp_avg_sq[i] = f(f(f(beta2) * s.exp_avg_sq[i]) + f(f(f(1 - beta2) * g) * g)));
        if (h.kind === "NAdam") {
          const d = f(f(f(Math.sqrt(v)) / f(Math.sqrt(c2))) + f(eps));
          w[i] = f(f(w[i] - f(f(f(lr) * f(gWeight)) * f(g / d))) - f(f(f(lr) * f(mWeight)) * f(m / d)));
        } else if (rect > 0) w[i] = f(w[i] - f(f(f(f(lr) / f(c1)) * m) * f(f(rect) * f(f(Math.sqrt(c2)) / f(f(Math.sqrt(v)) + f(eps))))));
        else w[i] = f(w[i] - f(f(f(lr) / f(c1)) * m));
      }
    } else {
      if (!s.exp_avg) s.exp_avg = new Float64Array(w.length);
      if (!s.exp_avg_sq) s.exp_avg_sq = new Float64Array(w.length);
      if (spec.amsgrad && !s.max_exp_avg_sq) s.max_exp_avg_sq = new Float64Array(w.length);
      const t = state.step;
      const c1 = 1 - Math.pow(beta1, t);
      const c2 = 1 - Math.pow(beta2, t);
      for (let i = 0; i < w.length; i++) {
        let g = grad.data[i];
        if (h.kind === "AdamW") w[i] = f(w[i] * f(1 - lr * weightDecay));
        else g = f(g + f(f(weightDecay) * w[i]));
        const m = (s.exp_avg[i] = f(f(f(beta1) * s.exp_avg[i]) + f(f(1 - beta1) * g)));
        const v = (s.exp_avg_sq[i] = f(f(f(beta2) * s.exp_avg_sq[i]) + f(f(f(1 - beta2) * g) * g)));
        // amsgrad: the largest second moment so far (torch.maximum keeps a NaN)
        const second = spec.amsgrad ? (s.max_exp_avg_sq![i] = Math.max(s.max_exp_avg_sq![i], v)) : v;
        w[i] = f(w[i] - f(f(f(lr) / f(c1)) * f(m / f(f(f(Math.sqrt(second)) / f(Math.sqrt(c2))) + f(eps)))));
      }
    }
  }
}

/** torch.nn.utils.clip_grad_norm_(…, maxNorm, normType): scales `grads` in place; returns their norm before (2-norm by default). */
export function clipGradNorm(grads: readonly NDArray[], maxNorm: number, normType: number | "inf" = 2): number {
  let sum = 0;
  // the inf-norm is the largest |g|, NaN if any is (torch.linalg.vector_norm); p: (Σ|g|ᵖ)^(1/p)
  if (normType === "inf") {
    for (const g of grads) for (const v of g.data) if (!Number.isNaN(sum) && (Number.isNaN(v) || Math.abs(v) > sum)) sum = Math.abs(v);
  }
  else for (const g of grads) for (const v of g.data) sum += normType === 2 ? v * v : Math.abs(v) ** normType;
  const norm = normType === "inf" ? sum : normType === 2 ? Math.sqrt(sum) : normType === 1 ? sum : sum ** (1 / normType);
  const factor = maxNorm / (norm + 1e-6);
  // torch.clamp(factor, max=1) keeps a NaN (a non-finite gradient): every gradient becomes NaN
  const clamped = factor > 1 ? 1 : factor;
  for (const g of grads) for (let i = 0; i < g.data.length; i++) g.data[i] *= clamped;
  return norm;
}

/** torch.nn.utils.clip_grad_value_(…, clipValue): clamps every gradient to [−clipValue, clipValue] in place (torch.clamp keeps a NaN). */
export function clipGradValue(grads: readonly NDArray[], clipValue: number): void {
  for (const g of grads) for (let i = 0; i < g.data.length; i++) g.data[i] = g.data[i] > clipValue ? clipValue : g.data[i] < -clipValue ? -clipValue : g.data[i];
}
