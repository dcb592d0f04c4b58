import { fail } from "../diagnostics/diagnostic.ts";
import { formatShape, numel, shapeEq, type Shape } from "../ir/shape.ts";
import { arg, opt, type Bound } from "./args.ts";
import { fixedDim, ops } from "./composite-ops.ts";
import { basename } from "node:path";
import type { GraphEmitter } from "./graph-emitter.ts";
import { writeInPlace } from "./in-place.ts";
import { ModeFlag, TensorValue, type CallSite } from "./values.ts";

// torch.nn.functional.batch_norm(input, running_mean, running_var, weight=None, bias=None,
// training=False, momentum=0.1, eps=1e-5) — MAML's functional forward, conditional batch norms
// that keep their own statistics — as a composition: in training (or without running statistics)
// each channel is normalized by its batch mean and biased variance over every dim but 1, and
// running statistics given are updated in place, PyTorch's way (momentum m; the variance's
// unbiased, n/(n − 1)): r ← (1 − m)·r + m·batch statistic; in eval they normalize. `training` may
// be this.training: both are computed and joined per mode, the update kept in train mode only. As
// nn.BatchNorm under data parallelism, each replica's statistics are its own share's; statistics
// passed as a module's buffers persist (state-updates.ts), others change as tensors do.

type Ops = ReturnType<typeof ops>;

/** x normalized per channel (dim 1) by `mean` and `variance` [C], then scaled and shifted: (x − μ)/√(σ² + ε)·w + b. */
export function normalizeByStatistics(c: Ops, x: TensorValue, mean: TensorValue, variance: TensorValue, weight: TensorValue | null, bias: TensorValue | null, eps: number): TensorValue {
  const channels = x.node.shape[1];
  const perChannel = (t: TensorValue) => c.reshape(t, x.node.shape.map((_, i) => (i === 1 ? channels : 1)));
  let y = c.op("div", [c.op("sub", [x, perChannel(mean)]), c.op("sqrt", [c.op("add", [perChannel(variance), eps])])]);
  if (weight) y = c.op("mul", [y, perChannel(weight)]);
  return bias ? c.op("add", [y, perChannel(bias)]) : y;
}

/** PyTorch's running-statistic update: (1 − m)·r + m·s, s without gradient. */
export const runningBlend = (c: Ops, r: TensorValue, s: TensorValue, momentum: number): TensorValue =>
  c.op("add", [c.op("mul", [r, 1 - momentum]), c.op("mul", [c.op("detach", [s]), momentum])]);

/**
 * PyTorch's _verify_batch_size: batch statistics need more than one value per channel ("Expected
 * more than 1 value per channel when training"). `when`: the modes that take them — "always" (no
 * running statistics, or F.batch_norm's training=True) or "training". A fixed count of one ([1, C]:
 * no batch dim) is known now: refused here when always, else recorded for the runtime to refuse
 * train mode (Graph.trainingRefusals). One value per sample ([Batch, C]) depends on each device's
 * share: the runtime refuses a share of one sample (Graph.perSampleBatchStatistics).
 */
export function requireValuesPerChannel(shape: Shape, when: "always" | "training", who: string, site: CallSite, em: GraphEmitter): void {
  const count = numel(shape.filter((_, i) => i !== 1));
  if (count.c > 1) return;
  if (count.p > 0) {
    em.takesPerSampleStatistics(when === "always");
    return;
  }
  const message = `expected more than 1 value per channel when training (PyTorch's error), got input size ${formatShape(shape)}: a channel's statistics over one value`;
  if (when === "always") fail("shapeMismatch", `${who}: ${message}`, site.loc);
  em.refuseTraining(`${who} (${basename(site.loc.file)}:${site.loc.line}): ${message}`);
}

export const functionalBatchNorm = {
  args: [
    arg("x", "tensor"),
    arg("runningMean", "any"),
    arg("runningVar", "any"),
    opt("weight", "tensor", null, { nullable: true }),
    opt("bias", "tensor", null, { nullable: true }),
    opt("training", "any", false),
    opt("momentum", "number", 0.1),
    opt("eps", "posNumber", 1e-5),
  ],
  lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string): TensorValue => {
    const x: TensorValue = b.x;
    const shape = x.node.shape;
    if (shape.length < 2) fail("shapeMismatch", `${who} expects an input [N, C, *], got ${formatShape(shape)}`, site.loc);
    const channels = fixedDim(shape, 1, "the channel dim", who, site);
    const stat = (v: unknown, name: string): TensorValue | null => {
      if (v === null || v === undefined) return null;
      if (!(v instanceof TensorValue) || !shapeEq(v.node.shape, [channels]) || v.node.dtype !== "f32")
        return fail("shapeMismatch", `${who}: ${name} must be a float32 tensor [${channels}] (one per channel of ${formatShape(shape)}) or null`, site.loc);
      return v;
    };
    const [runningMean, runningVar] = [stat(b.runningMean, "runningMean"), stat(b.runningVar, "runningVar")];
    if ((runningMean === null) !== (runningVar === null)) fail("invalidArgument", `${who}: give both running statistics or neither`, site.loc);
    const training: boolean | ModeFlag = b.training instanceof ModeFlag ? b.training : b.training === true ? true : b.training === false ? false : fail("wrongArgumentType", `${who}: training is true, false or this.training`, site.loc);
    // F.batch_norm verifies when its training flag is set; without running statistics tsdp takes the batch's in every mode
    if (training !== false || !runningMean) requireValuesPerChannel(shape, training === true || !runningMean ? "always" : "training", who, site, em);
    const c = ops(em, who, site);
    const dims = shape.map((_, i) => i).filter((i) => i !== 1);
    const perChannel = (t: TensorValue) => c.reshape(t, shape.map((_, i) => (i === 1 ? channels : 1)));
    const normalized = (mean: TensorValue, variance: TensorValue) => normalizeByStatistics(c, x, mean, variance, b.weight, b.bias, b.eps);
    // the batch's statistics: the mean and the biased variance over every dim but the channel's
    const mean = c.op("mean", [x], { dims, keepdim: false });
    const centered = c.op("sub", [x, perChannel(mean)]);
    const variance = c.op("mean", [c.op("mul", [centered, centered])], { dims, keepdim: false });
    // each device's share's statistics, as nn.BatchNorm's: documented, not a coupling to warn of
    em.perReplicaStatistics.push(mean.node, variance.node);
    const batchOut = normalized(mean, variance);
    if (!runningMean || !runningVar) return batchOut;
    const evalOut = normalized(runningMean, runningVar);
    if (training === false) return evalOut;
    // the running statistics' update (the elements per channel counted per replica: n/(n − 1) for the unbiased variance)
    const count = c.op("sum", [c.op("add", [c.op("mul", [x, 0]), 1])], { dims, keepdim: false });
    em.perReplicaStatistics.push(count.node);
    const unbiased = c.op("div", [c.op("mul", [variance, count]), c.op("sub", [count, 1])]);
    const both = (train: TensorValue, evaluation: TensorValue) => (training === true ? train : c.op("mode_select", [train, evaluation]));
    const [newMean, newVar] = [both(runningBlend(c, runningMean, mean, b.momentum), runningMean), both(runningBlend(c, runningVar, unbiased, b.momentum), runningVar)];
    writeInPlace(runningMean, newMean, `${who}'s running mean`, site, em, "forward");
    writeInPlace(runningVar, newVar, `${who}'s running variance`, site, em, "forward");
    return both(batchOut, evalOut);
  },
};
