import { fail } from "../diagnostics/diagnostic.ts";
import type { Node } from "../ir/node.ts";
import { formatShape, shapeEq } from "../ir/shape.ts";
import { MAX_CUSTOM_GRADIENT_INPUTS, type GradientRecipe, type RecipeRef, type RecipeStep } from "../ops/custom-gradient.ts";
import { arg, bindArgs } from "./args.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { insideNoGrad } from "./no-grad.ts";
import { requiresGradient } from "./requires-grad.ts";
import { BuiltinFunction, describe, FunctionValue, ObjectValue, TensorValue, type CallSite, type Value } from "./values.ts";

// Tensor methods that act on a gradient during PyTorch's backward rather than on values in forward.
// retain_grad only asks autograd to keep a non-leaf's .grad for reading after backward, which changes
// no value and no parameter's gradient, so it is accepted. x.register_hook(fn) in forward runs fn
// once, when compiling, on a stand-in for x's gradient and records the ops it applies; the gradient
// rule of the custom_gradient node that x becomes replays them on the real gradient
// (compiler/ops/custom-gradient.ts). A parameter's hook (set in a constructor) is refused.

/** Hooks on a parameter's gradient, and register_post_accumulate_grad_hook: why each is refused, and what computes the same. */
export const GRADIENT_HOOK_REFUSALS: Readonly<Record<string, string>> = {
  registerHook:
    "a hook on a parameter's gradient is not run: the optimizer reads the gradient the step derives. One that clips every parameter's gradient is the training declaration's clipGradValue: v (clip_grad_value_) or clipGradNorm; one that scales or changes the gradient where the parameter is used can be set in forward on the tensor that reads it (const w = this.fc.weight.mul(1); w.registerHook(fn); F.linear(x, w, this.fc.bias)); one that only reads or saves the gradient changes no number of the step: leave it out",
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

/** The hooks registered on a tensor in forward, in order, over the value it had before the first. */
const hooked = new WeakMap<TensorValue, { readonly base: Node; readonly fns: { readonly fn: Value; readonly site: CallSite }[] }>();

/**
 * x.register_hook(fn) on a tensor in forward: x becomes custom_gradient(x, x, reads…), whose
 * gradient is fn applied to the gradient reaching x (PyTorch runs a tensor's hooks in the order
 * they were registered, each on the previous one's result; a hook returning nothing leaves it).
 * Returns PyTorch's handle; handle.remove() takes the hook off for the uses of x after it.
 */
export function registerHookMethod(x: TensorValue, name: string, em: GraphEmitter, call: (f: Value, args: Value[], site: CallSite) => Value): BuiltinFunction {
  return new BuiltinFunction(name, (args, site) => {
    const b = bindArgs(name, [arg("hook", "any")], args, site);
    if (!(b.hook instanceof FunctionValue) && !(b.hook instanceof BuiltinFunction))
      fail("wrongArgumentType", `${name} takes the function to apply to the tensor's gradient (x.register_hook(lambda g: g * 0.5) is x.registerHook((g) => g.mul(0.5))), got ${describe(b.hook)}`, site.loc);
    if (x.node.op === "param")
      fail("unknownProperty", `${name} on a parameter: ${GRADIENT_HOOK_REFUSALS.registerHook}`, site.loc);
    if (x.node.dtype !== "f32" || insideNoGrad() || !requiresGradient(x.node))
      fail("invalidArgument", `${name}: the tensor does not require grad (no trained parameter's gradient reaches it: detached, a constant or input, an integer, or computed under F.noGrad), and PyTorch raises "cannot register a hook on a tensor that doesn't require gradient" here; remove the call`, site.loc);
    if (!hooked.has(x)) refuseEarlierUses(x.node, em, name, site);
    const entry = hooked.get(x) ?? { base: x.node, fns: [] };
    hooked.set(x, entry);
    const hook = { fn: b.hook, site };
    entry.fns.push(hook);
    x.takeOver(hookedValue(entry.base, entry.fns, em, call, site));
    const remove = new BuiltinFunction("remove", (rest, s) => {
      bindArgs("remove", [], rest, s);
      const at = entry.fns.indexOf(hook);
      if (at >= 0) entry.fns.splice(at, 1);
      x.takeOver(hookedValue(entry.base, entry.fns, em, call, s));
      return undefined;
    });
    return new ObjectValue(new Map<string, Value>([["remove", remove]]));
  });
}

/** Reads of a tensor that pass no gradient back to it: a comparison's mask, detach, an integer result. */
const GRADIENTLESS_READS = new Set(["detach", "eq", "ne", "gt", "ge", "lt", "le", "gradient_stand_in", "custom_gradient"]);

/**
 * PyTorch's hook sees every gradient reaching the tensor, also through uses made before it was
 * registered; tsdp's hook is on the uses after it. A use before, which would pass its gradient
 * around the hook, is refused rather than computed differently.
 */
function refuseEarlierUses(n: Node, em: GraphEmitter, name: string, site: CallSite): void {
  const nodes = em.builder.allNodes;
  const used = nodes.slice(n.id + 1).find((m) => m.inputs.includes(n) && m.dtype === "f32" && !GRADIENTLESS_READS.has(m.op));
  if (used)
    fail(
      "unsupportedSyntax",
      `${name}: the tensor is already used before the hook is registered (by ${used.op}, line ${used.loc.line}), and PyTorch's hook would change the gradient through that use too; register the hook right after the tensor is computed, before its first use`,
      site.loc,
    );
}

/** `base` with the hooks' composed gradient, or `base` itself when none is left (or none changes the gradient). */
function hookedValue(base: Node, fns: readonly { readonly fn: Value; readonly site: CallSite }[], em: GraphEmitter, call: (f: Value, args: Value[], site: CallSite) => Value, site: CallSite): Node {
  if (!fns.length) return base;
  const standIn = em.node("gradient_stand_in", [base], {}, "registerHook", site);
  let g: Node = standIn;
  for (const { fn, site: at } of fns) {
    const result = call(fn, [new TensorValue(g)], at);
    if (result === undefined || result === null) continue;
    if (!(result instanceof TensorValue))
      fail("wrongArgumentType", `registerHook: the hook returns ${describe(result)}; a hook returns the new gradient (a tensor of the gradient's shape) or nothing`, at.loc);
    if (!shapeEq(result.node.shape, base.shape) || result.node.dtype !== base.dtype)
      fail("shapeMismatch", `registerHook: the hook returns ${result.node.dtype === "f32" ? "a" : "an integer"} ${formatShape(result.node.shape)} tensor for the gradient of a float32 ${formatShape(base.shape)} one (PyTorch's "hook has changed the size of value"); return a gradient of the tensor's shape`, at.loc);
    g = result.node;
  }
  if (g === standIn) return base;
  const { recipe, reads } = recordRecipe(standIn, [g], 2);
  if (reads.length + 2 > MAX_CUSTOM_GRADIENT_INPUTS)
    fail("invalidArgument", `registerHook: the hook reads ${reads.length} tensors computed in forward; at most ${MAX_CUSTOM_GRADIENT_INPUTS - 2}`, site.loc);
  return em.node("custom_gradient", [base, base, ...reads], { recipe }, "registerHook", site);
}

/**
 * The ops between the stand-in and the results as a recipe: each node a result reads (directly or
 * not) that reads the stand-in is a step, in graph order; any other node a step or result reads is
 * one of the node's reads, its inputs from `firstRead` on (after the value and the sources). Found
 * from the results rather than from the nodes added since the stand-in, because code evaluated again
 * for the other mode (a forward that tests this.training) reuses the nodes it added the first time.
 */
export function recordRecipe(standIn: Node, results: readonly (Node | null)[], firstRead: number): { recipe: GradientRecipe; reads: Node[] } {
  // a node added before the stand-in cannot read it (a graph's nodes are in topological order, ids their places)
  const reachesStandIn = new Map<Node, boolean>();
  const stack = results.filter((r): r is Node => r !== null && r.id > standIn.id);
  while (stack.length) {
    const n = stack[stack.length - 1];
    if (reachesStandIn.has(n)) {
      stack.pop();
      continue;
    }
    const pending = n.inputs.filter((i) => i !== standIn && i.id > standIn.id && !reachesStandIn.has(i));
    if (pending.length) {
      stack.push(...pending);
      continue;
    }
    stack.pop();
    reachesStandIn.set(n, n.inputs.some((i) => i === standIn || reachesStandIn.get(i) === true));
  }
  const stepNodes = [...reachesStandIn].filter(([, reaches]) => reaches).map(([n]) => n).sort((a, b) => a.id - b.id);
  const stepOf = new Map<Node, number>(stepNodes.map((n, k) => [n, k]));
  const reads: Node[] = [];
  const ref = (n: Node): RecipeRef => {
    if (n === standIn) return { dy: true };
    const step = stepOf.get(n);
    if (step !== undefined) return { step };
    let at = reads.indexOf(n);
    if (at < 0) at = reads.push(n) - 1;
    return { input: at + firstRead };
  };
  const steps: RecipeStep[] = stepNodes.map((n) => ({ op: n.op, inputs: n.inputs.map(ref), attrs: n.attrs }));
  return { recipe: { steps, results: results.map((r) => (r ? ref(r) : null)) }, reads };
}
