import { backpropagate } from "../2-autodiff/backward.ts";
import { fail } from "../diagnostics/diagnostic.ts";
import type { Node } from "../ir/node.ts";
import { formatShape, shapeEq } from "../ir/shape.ts";
import { arg, bindArgs, locOfArg, opt } from "./args.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { insideNoGrad } from "./no-grad.ts";
import { requiresGradient } from "./requires-grad.ts";
import { BuiltinFunction, describe, TensorValue, type CallSite, type Value } from "./values.ts";

// torch.autograd.grad inside forward: a WGAN-GP critic's gradient penalty (the gradient of its
// scores with respect to interpolated images), a PINN's u_x and u_xx, an energy model's forces
// (−∂E/∂positions), a saliency map. The gradient is taken when compiling, by the same reverse
// sweep as the training step's (compiler/2-autodiff/backward.ts): its nodes join forward's graph
// where the call is, so forward computes them like any other value. With createGraph the result
// is differentiable in turn, and the step's backward differentiates through it — the second
// derivatives of the ops on the way (each gradient op's own gradient rule); without, it is
// detached, as PyTorch's result without create_graph carries no graph.
// Which tensors require grad: requires-grad.ts.

const WHO = "F.autograd.grad";

/** A tensor or a list of tensors, as PyTorch's outputs, inputs and grad_outputs take them. */
function tensors(v: Value, what: string, site: CallSite, loc = site.loc, nullable = false): (TensorValue | null)[] {
  const list = Array.isArray(v) ? v : [v];
  return list.map((t, i) => {
    if (t instanceof TensorValue) return t;
    if (nullable && (t === null || t === undefined)) return null;
    return fail("wrongArgumentType", `${WHO}: ${what}${Array.isArray(v) ? ` ${i}` : ""} is ${describe(t)}; it takes a tensor or a list of tensors`, loc);
  });
}

/**
 * F.autograd.grad(outputs, inputs, { gradOutputs, createGraph, retainGraph, allowUnused,
 * materializeGrads }): the gradients of Σ ⟨outputₖ, gradOutputsₖ⟩ with respect to each input, a
 * list in the inputs' order, with PyTorch's errors for what it refuses.
 */
export function autogradGradFunction(em: GraphEmitter, inForward: () => boolean): BuiltinFunction {
  return new BuiltinFunction(WHO, (args, site) => {
    const b = bindArgs(
      WHO,
      [
        arg("outputs", "any"),
        arg("inputs", "any"),
        opt("gradOutputs", "any", null, { nullable: true }),
        opt("retainGraph", "bool", null, { nullable: true }),
        opt("createGraph", "bool", false),
        opt("onlyInputs", "bool", true),
        opt("allowUnused", "bool", null, { nullable: true }),
        opt("isGradsBatched", "bool", false),
        opt("materializeGrads", "bool", false),
      ],
      args,
      site,
    );
    if (!inForward())
      fail("unsupportedSyntax", `${WHO} in a constructor: there is no graph yet to differentiate (a gradient inside forward is taken there, of what forward computes)`, site.loc);
    if (b.isGradsBatched === true)
      fail("unsupportedSyntax", `${WHO}: isGradsBatched (vmap over the gradient outputs) is not supported; call ${WHO} once per gradOutputs and stack the results`, locOfArg(b, "isGradsBatched", site));
    const outputs = tensors(b.outputs, "outputs", site, locOfArg(b, "outputs", site)) as TensorValue[];
    const inputs = tensors(b.inputs, "inputs", site, locOfArg(b, "inputs", site)) as TensorValue[];
    const given = b.gradOutputs === null ? outputs.map(() => null) : tensors(b.gradOutputs, "gradOutputs", site, locOfArg(b, "gradOutputs", site), true);
    if (given.length !== outputs.length)
      fail("invalidArgument", `${WHO}: gradOutputs has ${given.length} tensors for ${outputs.length} outputs (PyTorch's "grad requires one gradient per output"); give one per output`, locOfArg(b, "gradOutputs", site));
    const createGraph = b.createGraph as boolean;
    const allowUnused = (b.allowUnused as boolean | null) ?? (b.materializeGrads as boolean);
    if (insideNoGrad() && createGraph)
      fail("unsupportedSyntax", `${WHO} with createGraph inside F.noGrad: what the block computes carries no gradient, so its outputs have no graph to differentiate (PyTorch's "does not require grad"); take the gradient outside the block`, site.loc);

    outputs.forEach((o, i) => {
      if (o.node.dtype !== "f32" || !requiresGradient(o.node))
        fail(
          "invalidArgument",
          `${WHO}: output ${i} does not require grad (no trained parameter and no tensor marked with requiresGrad_() reaches it), as PyTorch's "element ${i} of tensors does not require grad and does not have a grad_fn"; mark the tensor to differentiate with respect to: x.requiresGrad_() before computing the output from it`,
          locOfArg(b, "outputs", site),
        );
    });
    inputs.forEach((x, i) => {
      if (x.node.dtype !== "f32" || !requiresGradient(x.node))
        fail(
          "invalidArgument",
          `${WHO}: input ${i} does not require grad, as PyTorch's "One of the differentiated Tensors does not require grad"; mark it with x.requiresGrad_() (PyTorch's x.requires_grad_(True)) before computing the outputs from it`,
          locOfArg(b, "inputs", site),
        );
    });
    const seeds = outputs.map((o, i): readonly [Node, Node] => {
      const g = given[i];
      if (g === null) {
        // PyTorch creates the seed 1 only for an output of one element
        if (o.node.shape.some((d) => d !== 1))
          fail("invalidArgument", `${WHO}: output ${i} is ${formatShape(o.node.shape)}, and a gradient is created implicitly only for an output of one element (PyTorch's "grad can be implicitly created only for scalar outputs"); pass gradOutputs: F.onesLike(output) for the sum of its elements`, locOfArg(b, "outputs", site));
        return [o.node, em.node("expand", [em.node("const", [], { value: 1 }, WHO, site)], { shape: o.node.shape }, WHO, site)];
      }
      if (!shapeEq(g.node.shape, o.node.shape) || g.node.dtype !== "f32")
        fail("shapeMismatch", `${WHO}: gradOutputs ${i} is ${g.node.dtype === "f32" ? "" : "an integer "}${formatShape(g.node.shape)} and output ${i} is ${formatShape(o.node.shape)} (PyTorch's "Mismatch in shape"); give a float tensor of the output's shape`, locOfArg(b, "gradOutputs", site));
      // the seed carries no gradient of its own unless the graph is kept (PyTorch differentiates
      // through grad_outputs only with create_graph)
      return [o.node, createGraph ? g.node : em.node("detach", [g.node], {}, WHO, site)];
    });
    const reached = backpropagate(em.builder, seeds, inputs.map((x) => x.node));
    return inputs.map((x, i) => {
      const g = reached.get(x.node);
      if (!g) {
        if (b.materializeGrads === true) return em.tensor("expand", [em.node("const", [], { value: 0 }, WHO, site)], { shape: x.node.shape }, WHO, site);
        if (allowUnused) return null;
        return fail(
          "invalidArgument",
          `${WHO}: input ${i} is not used to compute the outputs, as PyTorch's "One of the differentiated Tensors appears to not have been used in the graph"; pass allowUnused: true for null there (or materializeGrads: true for zeros)`,
          locOfArg(b, "inputs", site),
        );
      }
      em.gradientsInForward.push({ gradient: g, at: site.loc });
      return createGraph ? new TensorValue(g) : em.tensor("detach", [g], {}, WHO, site);
    });
  });
}
