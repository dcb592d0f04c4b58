import { fail } from "../diagnostics/diagnostic.ts";
import { formatShape, isBatch, type Dim } from "../ir/shape.ts";
import { arg, locOfArg, opt, type Bound } from "./args.ts";
import { ops } from "./composite-ops.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import type { LayerSpec } from "./layer-spec.ts";
import { describe, TensorValue, type CallSite, type Value } from "./values.ts";

// torch.nn.functional.ctc_loss and nn.CTCLoss (Graves et al. 2006; CRNN's text recognizer, speech
// models): −log of the total probability of every alignment of the target to the input frames, as a
// composition unrolled over the (compile-time) T frames. Each sample's target of length L is
// extended with blanks, l' = (b, y₁, b, y₂, …, y_L, b) of E = 2S + 1 places (S the padded target
// width), and the forward variables run, in log space,
//   α₀(s)  = lp₀(l'ₛ) for s < 2, else −∞
//   αₜ(s)  = logsumexp(αₜ₋₁(s), αₜ₋₁(s − 1), αₜ₋₁(s − 2) where l'ₛ ≠ b and l'ₛ ≠ l'ₛ₋₂) + lpₜ(l'ₛ)
//   loss   = −logaddexp(α_{T−1}(2L), α_{T−1}(2L − 1))
// with αₜ kept past a sample's input length (its last frame's). −∞ is written as NEG = −10³⁰, a
// finite number, so that the log-sum of three unreachable places is finite and its gradient 0 (with
// −∞ it would be NaN · 0); a loss above 10²⁹ — no alignment fits in the input — is +∞ (PyTorch's),
// or 0 with zeroInfinity. Autodiff gives the loss's gradient with respect to logProbs; through
// log_softmax (how logProbs are made) it equals PyTorch's, whose ctc_loss backward returns the
// gradient with respect to the logits.

const NEG = -1e30;
/** A loss at or above this is no alignment at all: PyTorch's +∞. */
const IMPOSSIBLE = 1e29;

export const ctcArgs = [
  arg("logProbs", "tensor"),
  arg("targets", "tensor"),
  arg("inputLengths", "any"),
  arg("targetLengths", "any"),
  opt("blank", "nonNegInt", 0),
  opt("reduction", "string", "mean", { choices: ["mean", "sum", "none"] }),
  opt("zeroInfinity", "bool", false),
];

/** A per-sample length: a number for every sample, or an int32 (or integral float32) tensor [N]. */
type Lengths = { readonly kind: "fixed"; readonly value: number } | { readonly kind: "tensor"; readonly value: TensorValue };

function lengthsOf(b: Bound, name: string, N: Dim, most: number, who: string, site: CallSite): Lengths {
  const v: Value = b[name];
  const at = locOfArg(b, name, site);
  if (typeof v === "number") {
    if (!Number.isInteger(v) || v < 0 || v > most) fail("invalidArgument", `${who}: ${name} must be an integer from 0 to ${most}, got ${v}`, at);
    return { kind: "fixed", value: v };
  }
  if (!(v instanceof TensorValue))
    return fail("wrongArgumentType", `${who}: ${name} is a tensor of one length per sample [N] or a number for every sample, got ${describe(v)}${Array.isArray(v) ? " (an array cannot be as long as the batch: give a tensor)" : ""}`, at);
  const shape = v.node.shape;
  if (shape.length !== 1 || !isBatch(shape[0]) || !isBatch(N) || shape[0].batch !== N.batch)
    fail("shapeMismatch", `${who}: ${name} must be one length per sample, ${formatShape([N])}, got ${formatShape(shape)}`, at);
  return { kind: "tensor", value: v };
}

export function ctcLoss(b: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const c = ops(em, who, site);
  const logProbs: TensorValue = b.logProbs;
  const targets: TensorValue = b.targets;
  const lpShape = logProbs.node.shape;
  if (lpShape.length !== 3 || isBatch(lpShape[0]) || !isBatch(lpShape[1]))
    fail(
      "shapeMismatch",
      `${who}: logProbs is [T, N, C] (frames, the batch, classes), as PyTorch's, with N the model's Batch dim (the loss is per sample of the batch, its lengths and targets too)${
        lpShape.length === 3 && isBatch(lpShape[0]) ? "; a batch-first [N, T, C] is logProbs.transpose(0, 1)" : lpShape.length === 3 ? `; its dim 1 is the number ${String(lpShape[1])}, not the batch` : ""
      }, got ${formatShape(lpShape)}`,
      locOfArg(b, "logProbs", site),
    );
  if (logProbs.node.dtype !== "f32") fail("dtypeMismatch", `${who}: logProbs must be float32, got int32`, locOfArg(b, "logProbs", site));
  const [T, N, C] = lpShape as [number, Dim, number];
  const tShape = targets.node.shape;
  if (tShape.length !== 2 || !isBatch(tShape[0]) || (tShape[0] as { batch: number }).batch !== (N as { batch: number }).batch)
    fail("shapeMismatch", `${who}: targets are padded, one row per sample [N, S] (${formatShape([N])} first); the concatenated 1-D form has a length known only at run time, got ${formatShape(tShape)}`, locOfArg(b, "targets", site));
  if (targets.node.dtype !== "i32") fail("dtypeMismatch", `${who}: targets are int32 class indices, got float32`, locOfArg(b, "targets", site));
  if (b.blank >= C) fail("invalidArgument", `${who}: blank (${b.blank}) must be a class of logProbs' ${C}`, locOfArg(b, "blank", site));
  const S = tShape[1] as number;
  const E = 2 * S + 1;
  const inputLengths = lengthsOf(b, "inputLengths", N, T, who, site);
  const targetLengths = lengthsOf(b, "targetLengths", N, S, who, site);

  const full = (value: number, shape: readonly Dim[]) => c.op("expand", [em.node("full", [], { shape: [], value }, who, site)], { shape });
  // the places s = 0 … E − 1, as a row [1, E]
  const place = c.reshape(em.tensor("arange", [], { start: 0, step: 1, length: E }, who, site), [1, E]);
  const lengthColumn = (l: Lengths) => (l.kind === "fixed" ? full(l.value, [N, 1]) : c.reshape(l.value.node.dtype === "i32" ? c.op("to_float", [l.value]) : l.value, [N, 1]));

  // l' [N, E] as float32 labels (exact below 2²⁴): blank, y₁, blank, …, y_S, blank
  const labels = c.op("to_float", [targets]);
  const pairs = c.op("concat", [full(b.blank, [N, S, 1]), c.reshape(labels, [N, S, 1])], { dim: 2 });
  const extended = c.op("concat", [c.reshape(pairs, [N, 2 * S]), full(b.blank, [N, 1])], { dim: 1 });
  // lpₜ(l'ₛ) for every frame and place [T, N, E]: a gather along the classes
  const index = c.op("expand", [c.reshape(c.op("to_int", [extended]), [1, N, E])], { shape: [T, N, E] });
  const lp = c.op("take", [logProbs, index], { dim: 2, mode: "elementwise" });
  const frame = (t: number) => c.reshape(c.narrow(lp, 0, t, 1), [N, E]);
  // the skip from s − 2: a label place (odd s ≥ 3) whose label differs from the one before it
  const twoBack = c.op("concat", [full(-1, [N, 2]), c.narrow(extended, 1, 0, E - 2)], { dim: 1 });
  const skip = c.op("mul", [c.op("ne", [extended, twoBack]), c.op("mul", [c.op("ge", [place, 3]), c.op("eq", [c.op("remainder", [place, 2]), 1])])]);
  const shifted = (a: TensorValue, by: number) => c.op("concat", [full(NEG, [N, by]), c.narrow(a, 1, 0, E - by)], { dim: 1 });
  const larger = (x: TensorValue, y: TensorValue) => c.op("where", [c.op("gt", [x, y]), x, y]);

  let alpha = c.op("where", [c.op("lt", [place, 2]), frame(0), NEG]);
  const frames = inputLengths.kind === "fixed" ? inputLengths.value : T;
  const within = inputLengths.kind === "tensor" ? lengthColumn(inputLengths) : undefined;
  for (let t = 1; t < frames; t++) {
    const stay = alpha;
    const step = shifted(alpha, 1);
    const jump = c.op("where", [skip, shifted(alpha, 2), NEG]);
    // logsumexp of the three, shifted by their (constant) maximum
    const m = c.op("detach", [larger(larger(stay, step), jump)]);
    const sum = c.op("add", [c.op("add", [c.op("exp", [c.op("sub", [stay, m])]), c.op("exp", [c.op("sub", [step, m])])]), c.op("exp", [c.op("sub", [jump, m])])]);
    const next = c.op("add", [c.op("add", [c.op("log", [sum]), m]), frame(t)]);
    // past a sample's input length its α stays its last frame's
    alpha = within ? c.op("where", [c.op("lt", [t, within]), next, alpha]) : next;
  }
  // the end: α(2L) and α(2L − 1) (none when L = 0)
  const L = lengthColumn(targetLengths);
  const at = (position: TensorValue) => c.op("take", [alpha, c.op("to_int", [position])], { dim: 1, mode: "elementwise" });
  const last = at(c.op("mul", [L, 2]));
  const beforeLast = c.op("where", [c.op("gt", [L, 0]), at(c.op("where", [c.op("gt", [L, 0]), c.op("sub", [c.op("mul", [L, 2]), 1]), 0])), NEG]);
  const m = c.op("detach", [larger(last, beforeLast)]);
  const total = c.op("add", [c.op("log", [c.op("add", [c.op("exp", [c.op("sub", [last, m])]), c.op("exp", [c.op("sub", [beforeLast, m])])])]), m]);
  const nll = c.reshape(c.op("neg", [total]), [N]);
  const infinite = em.node("full", [], { shape: [], value: b.zeroInfinity ? 0 : Infinity }, who, site);
  const losses = c.op("where", [c.op("ge", [nll, IMPOSSIBLE]), infinite, nll]);
  if (b.reduction === "none") return losses;
  if (b.reduction === "sum") return c.op("sum", [losses], { dims: null, keepdim: false });
  // PyTorch's mean: each loss over its target length (at least 1), then over the batch
  const perLabel = c.op("div", [losses, c.reshape(c.op("where", [c.op("lt", [L, 1]), 1, L]), [N])]);
  return c.op("mean", [perLabel], { dims: null, keepdim: false });
}

/** F.ctcLoss(logProbs, targets, inputLengths, targetLengths, { blank, reduction, zeroInfinity }). */
export const ctcLossFunction = { args: ctcArgs, lower: ctcLoss };

/** nn.CTCLoss({ blank, reduction, zeroInfinity }) called with (logProbs, targets, inputLengths, targetLengths). */
export const ctcLossLayer: LayerSpec = {
  args: ctcArgs.slice(4),
  inputs: ctcArgs.slice(0, 4),
  summary: (b) => `blank=${b.blank}, ${b.reduction}`,
  forward: (_self, b, call, site, em, who) => ctcLoss({ ...b, ...call }, site, em, who),
};
