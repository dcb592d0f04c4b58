import { fail } from "../diagnostics/diagnostic.ts";
import type { Node } from "../ir/node.ts";
import { formatShape, shapeEq } from "../ir/shape.ts";
import { MAX_CUSTOM_GRADIENT_INPUTS } from "../ops/custom-gradient.ts";
import { recordRecipe } from "./gradient-hooks.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { insideNoGrad, underNoGrad } from "./no-grad.ts";
import { requiresGradient } from "./requires-grad.ts";
import { BuiltinClass, BuiltinFunction, describe, ObjectValue, TensorValue, type CallSite, type Value } from "./values.ts";

// A custom torch.autograd.Function (DANN's GradReverse, a straight-through quantizer, a clamp with
// its own backward): `class F2 extends F.autograd.Function { static forward(ctx, x, …) … static
// backward(ctx, g) … }`, called as F2.apply(x, …). forward runs as PyTorch runs it — on its inputs
// cut from autograd, under no_grad — and gives the output's value. backward runs once when compiling,
// on a stand-in for the output's gradient; the ops it applies are recorded and replayed in the
// generated backward for each input that requires grad (a custom_gradient node: compiler/ops/custom-gradient.ts).

const WHO = "F.autograd.Function";

/** The base class; a port only extends it and calls its subclass's static apply. */
export const AUTOGRAD_FUNCTION = new BuiltinClass(WHO, (_args, site) =>
  fail("unsupportedSyntax", `a Function is not constructed: call its static apply (MyFunction.apply(x, …)), as PyTorch's Function subclasses are called`, site.loc),
);

/** The static methods of the port's class apply needs, looked up by either spelling. */
export interface FunctionClass {
  readonly name: string;
  member(name: string): Value | undefined;
}

type Call = (f: Value, args: Value[], site: CallSite) => Value;

/** Cls.apply(...args): forward's value, with backward's gradient for each tensor argument that requires grad. */
export function autogradApply(cls: FunctionClass, em: GraphEmitter, call: Call): BuiltinFunction {
  const who = `${cls.name}.apply`;
  return new BuiltinFunction(who, (args, site) => {
    const forward = cls.member("forward");
    const backward = cls.member("backward");
    const setupContext = cls.member("setupContext") ?? cls.member("setup_context");
    if (!forward) fail("unknownProperty", `${cls.name} defines no static forward (a Function subclass defines static forward(ctx, …) and static backward(ctx, grad))`, site.loc);
    const isTensor = (v: Value): v is TensorValue => v instanceof TensorValue;
    const needs = args.map((a) => isTensor(a) && a.node.dtype === "f32" && !insideNoGrad() && requiresGradient(a.node));
    const ctx = functionContext(needs, site);
    // PyTorch runs forward with grad disabled, on the inputs themselves: what it computes carries no gradient
    const inputs = args.map((a) => (isTensor(a) ? em.tensor("detach", [a], {}, "detach", site) : a));
    // the tensor forward returns, before no_grad's detach: the one ctx.mark_non_differentiable names
    let returned: Value;
    const output = underNoGrad(em, site, () => {
      if (!setupContext) return (returned = call(forward, [ctx.value, ...inputs], site));
      // the form with setup_context: forward(…) without ctx, then setup_context(ctx, inputs, output)
      returned = call(forward, inputs, site);
      call(setupContext, [ctx.value, inputs, returned], site);
      return returned;
    });
    if (!(output instanceof TensorValue))
      return fail(
        "unsupportedSyntax",
        `${who}: forward returns ${Array.isArray(output) ? "several values" : describe(output)}; tsdp takes a Function whose forward returns one tensor (for several, write one Function per output, each backward giving its inputs' share)`,
        site.loc,
      );
    const sources = args.flatMap((a, i) => (needs[i] && isTensor(a) ? [{ index: i, node: a.node }] : []));
    if (!sources.length || (returned instanceof TensorValue && ctx.nonDifferentiable.has(returned.node))) return output;
    if (!backward) return fail("unknownProperty", `${cls.name} defines no static backward, and ${who} is called on a tensor that requires grad`, site.loc);
    const standIn = em.node("gradient_stand_in", [output.node], {}, who, site);
    const gradients = call(backward, [ctx.value, new TensorValue(standIn)], site);
    const grads = Array.isArray(gradients) ? gradients : [gradients];
    // PyTorch's rule: one gradient per forward argument (trailing extra Nones are ignored)
    if (grads.length < args.length || grads.slice(args.length).some((g) => g !== null && g !== undefined))
      fail("wrongArgumentCount", `${cls.name}.backward returns ${grads.length} gradients for ${args.length} arguments of forward (PyTorch's "returned an incorrect number of gradients"); return one per argument, null for one that is not a tensor`, site.loc);
    const results = sources.map(({ index, node }): Node | null => {
      const g = grads[index];
      if (g === null || g === undefined) return null;
      if (!isTensor(g) || !shapeEq(g.node.shape, node.shape) || g.node.dtype !== "f32")
        return fail(
          "shapeMismatch",
          `${cls.name}.backward's gradient ${index + 1} is ${isTensor(g) ? `a ${formatShape(g.node.shape)} tensor` : describe(g)}, for argument ${index + 1} of shape ${formatShape(node.shape)} (PyTorch's "returned an invalid gradient"); return a float tensor of the argument's shape, or null`,
          site.loc,
        );
      return g.node;
    });
    grads.forEach((g, i) => {
      if (g !== null && g !== undefined && !isTensor(args[i]))
        fail("wrongArgumentType", `${cls.name}.backward returns a gradient for argument ${i + 1}, ${describe(args[i])}, which is not a tensor (PyTorch's "returned a gradient different than None"); return null there`, site.loc);
    });
    if (results.every((r) => r === null)) return output;
    const { recipe, reads } = recordRecipe(standIn, results, 1 + sources.length);
    if (1 + sources.length + reads.length > MAX_CUSTOM_GRADIENT_INPUTS)
      fail("invalidArgument", `${cls.name}.backward reads ${reads.length} tensors computed in forward; at most ${MAX_CUSTOM_GRADIENT_INPUTS - 1 - sources.length}`, site.loc);
    return em.tensor("custom_gradient", [output.node, ...sources.map((s) => s.node), ...reads], { recipe }, who, site);
  });
}

/** ctx: what forward saves for backward, ctx.needs_input_grad, and attributes of the port's own. */
function functionContext(needs: readonly boolean[], site: CallSite): { value: ObjectValue; nonDifferentiable: Set<Node> } {
  const props = new Map<string, Value>();
  const nonDifferentiable = new Set<Node>();
  const tensors = (name: string, args: Value[], s: CallSite) =>
    args.map((a, i) => (a instanceof TensorValue || a === null || a === undefined ? a : fail("wrongArgumentType", `ctx.${name} takes tensors, argument ${i + 1} is ${describe(a)}`, s.loc)));
  const save = new BuiltinFunction("saveForBackward", (args, s) => {
    const saved = tensors("save_for_backward", args, s);
    props.set("saved_tensors", saved);
    props.set("savedTensors", saved);
    return undefined;
  });
  const markNonDifferentiable = new BuiltinFunction("markNonDifferentiable", (args, s) => {
    for (const t of tensors("mark_non_differentiable", args, s)) if (t instanceof TensorValue) nonDifferentiable.add(t.node);
    return undefined;
  });
  // materializing None gradients as zeros changes nothing here: the output's gradient is always a tensor
  const setMaterializeGrads = new BuiltinFunction("setMaterializeGrads", () => undefined);
  const markDirty = new BuiltinFunction("markDirty", (_args, s) =>
    fail("unsupportedSyntax", `ctx.mark_dirty: a Function that changes its input in place is not supported; return a new tensor from forward instead`, s.loc),
  );
  for (const [names, v] of [
    [["saveForBackward", "save_for_backward"], save],
    [["markNonDifferentiable", "mark_non_differentiable"], markNonDifferentiable],
    [["setMaterializeGrads", "set_materialize_grads"], setMaterializeGrads],
    [["markDirty", "mark_dirty"], markDirty],
    [["needsInputGrad", "needs_input_grad"], [...needs]],
    [["savedTensors", "saved_tensors"], []],
  ] as const)
    for (const n of names) props.set(n, v as Value);
  void site;
  return { value: new ObjectValue(props), nonDifferentiable };
}
