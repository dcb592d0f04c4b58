import { fail } from "../diagnostics/diagnostic.ts";
import { namedModules } from "./module-tree.ts";
import { ModeFlag, type CallSite, type ModuleValue } from "./values.ts";

// A module's own train/eval mode. PyTorch's model.train(mode) calls each module's train(), and a
// class may override it (mmdet's norm_eval: super.train(mode), then its BatchNorms back to eval;
// a frozen backbone's `this.backbone.eval()`). The override is evaluated at compile time for both
// of the model's modes (interp/classes.ts setTrainMode), giving each module a flag per mode, which
// its forward reads instead of the model's: data parallel replicas all hold the same, being static.

/**
 * What a module's `training` is in forward: this.training (ModeFlag: the model's mode at run time)
 * unless an override holds it — false in both modes (eval always: a BatchNorm normalizes by its
 * running statistics and leaves them), true in both (MC dropout kept drawing in eval).
 */
export function modeOf(m: ModuleValue): boolean | ModeFlag {
  if (!m.modes || (m.modes.train && !m.modes.eval)) return ModeFlag.value;
  return m.modes.train;
}

/** The modules an override holds in one mode, by path, for the manifest and `tsdp inspect`: "eval" or "train". */
export function heldMode(m: ModuleValue): "eval" | "train" | undefined {
  const mode = modeOf(m);
  return mode === false ? "eval" : mode === true ? "train" : undefined;
}

/**
 * Records the flags the two evaluations of model.train(mode) gave. A module in train mode when the
 * model is in eval and in eval when it trains is no state one compiled program can hold (its
 * forward would run the other mode's code): refused at the override that did it.
 */
export function recordModes(root: ModuleValue, inTrain: ReadonlyMap<ModuleValue, boolean>, inEval: ReadonlyMap<ModuleValue, boolean>, site: CallSite): void {
  for (const [path, m] of namedModules(root)) {
    // a module no call reached (an override that neither calls super.train(mode) nor sets its
    // children's modes) keeps the mode it was made in, as in PyTorch: training, in both modes
    const modes = { train: inTrain.get(m) ?? true, eval: inEval.get(m) ?? true };
    if (!modes.train && modes.eval)
      fail("unsupportedSyntax", `${path || "the model"} (${m.typeName}) ends in eval mode when the model trains and in train mode when it evaluates; an overridden train(mode) may hold a module in one mode, not swap them`, site.loc);
    m.modes = modes.train && !modes.eval ? undefined : modes;
  }
}
