import { fail } from "../diagnostics/diagnostic.ts";
import { bindArgs } from "./args.ts";
import { insideNoGrad } from "./no-grad.ts";
import { BuiltinFunction, type CallSite } from "./values.ts";

// Tensor methods that act on a gradient during PyTorch's backward rather than on values in forward.
// retain_grad only asks autograd to keep a non-leaf's .grad for reading after backward, which changes
// no value and no parameter's gradient, so it is accepted. A hook's function would have to run on the
// gradient inside the generated backward, which tsdp derives from forward's ops and never calls user
// code in, so hooks are refused with what to write instead.

/** x.register_hook(fn) and its kin: why each is refused, and what computes the same. */
export const GRADIENT_HOOK_REFUSALS: Readonly<Record<string, string>> = {
  registerHook:
    "a hook on a gradient is not run: tsdp derives the backward from forward's tensor ops and calls no function of the model's on a gradient. A hook that scales the gradient by s (a gradient reversal's −λ, a gradient's 0.5) is x.mul(s).add(x.mul(1 - s).detach()) in its place — the value x, the gradient s·g; one that clips every parameter's gradient is the training declaration's clipGradValue: v (clip_grad_value_) or clipGradNorm; one that only reads or saves the gradient changes no number of the step: leave it out",
  registerPostAccumulateGradHook:
    "a hook after a parameter's gradient is accumulated (an optimizer step in the hook) is not run: tsdp's step runs the optimizer the training declaration names on every parameter after the backward, which is what such a hook usually does; leave it out and name the optimizer in the training declaration",
};

/**
 * x.retain_grad(): PyTorch keeps x's .grad after backward for the user to read; it changes no value
 * and no gradient, so here it does nothing. As PyTorch's, it is an error on a tensor that does not
 * require grad ("can't retain_grad on Tensor that has requires_grad=False"): a detached value, a
 * constant, or one computed under no_grad.
 */
export function retainGradMethod(requiresGrad: () => boolean): BuiltinFunction {
  return new BuiltinFunction("retainGrad", (args, site: CallSite) => {
    bindArgs("retainGrad", [], args, site);
    if (insideNoGrad() || !requiresGrad())
      fail(
        "invalidArgument",
        "retainGrad: the tensor does not require grad (no trained parameter's gradient reaches it: detached, a constant or input, or computed under F.noGrad), and PyTorch raises \"can't retain_grad on Tensor that has requires_grad=False\" here; remove the call",
        site.loc,
      );
    return undefined;
  });
}
