import { fail } from "../diagnostics/diagnostic.ts";
import { formatShape } from "../ir/shape.ts";
import { arg, bindArgs, locOfArg, opt } from "./args.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { markRequiresGrad } from "./requires-grad.ts";
import { BuiltinFunction, describe, NamespaceValue, ObjectValue, TensorValue, type CallSite, type Value } from "./values.ts";

// torch.func's gradient transforms, written on F.autograd.grad (autograd-grad.ts): grad(f)(x) is the
// gradient of the scalar f(x) with respect to x, and it stays differentiable, as functorch's
// transforms compose with the autograd around them (a gradient penalty, MAML's inner step). The
// argument differentiated is a fresh leaf that requires grad, as functorch wraps it: the caller's
// tensor is not marked. vmap, functional_call, jacrev/jacfwd/hessian and jvp are refused with how to
// write them (refused-names.ts).

type Call = (f: Value, args: Value[], site: CallSite) => Value;

/** The positions grad differentiates: argnums, an int or a list of ints (a list gives a list of gradients). */
function positions(argnums: Value, count: number, who: string, site: CallSite): { at: number[]; many: boolean } {
  const many = Array.isArray(argnums);
  const list = (many ? argnums : [argnums]) as Value[];
  const at = list.map((a) => {
    if (typeof a !== "number" || !Number.isInteger(a)) return fail("wrongArgumentType", `${who}: argnums takes an int or a list of ints, got ${describe(a)}`, site.loc);
    const k = a < 0 ? a + count : a;
    if (k < 0 || k >= count) return fail("invalidArgument", `${who}: argnums ${a} is out of range for a call with ${count} positional argument${count === 1 ? "" : "s"} (PyTorch's "Got argnums=${a}, but only ${count} positional inputs")`, site.loc);
    return k;
  });
  if (many && at.length === 0) fail("invalidArgument", `${who}: argnums must be non-empty (PyTorch's "argnums must be non-empty")`, site.loc);
  return { at, many };
}

/**
 * grad(func, { argnums, hasAux }) and gradAndValue(…): a function that calls func with the
 * differentiated arguments as fresh leaves and returns their gradients (and func's value, and its
 * aux output), with functorch's errors for an output that is not one tensor of one element.
 */
function gradTransform(name: "grad" | "gradAndValue", em: GraphEmitter, autogradGrad: BuiltinFunction, call: Call, inForward: () => boolean): BuiltinFunction {
  const who = `F.func.${name}`;
  return new BuiltinFunction(who, (args, site) => {
    const b = bindArgs(who, [arg("func", "any"), opt("argnums", "any", 0), opt("hasAux", "bool", false)], args, site);
    const func = b.func;
    return new BuiltinFunction(`${who}(f)`, (callArgs, callSite) => {
      if (!inForward()) fail("unsupportedSyntax", `${who} in a constructor: there is no graph yet to differentiate (call it in forward)`, callSite.loc);
      const { at, many } = positions(b.argnums, callArgs.length, who, callSite);
      const leaves = at.map((k) => {
        const x = callArgs[k];
        if (!(x instanceof TensorValue) || x.node.dtype !== "f32")
          return fail("wrongArgumentType", `${who}: argument ${k} is ${describe(x)}; the arguments differentiated (argnums) are float tensors`, callSite.loc);
        // a copy of its own, so that marking it leaves the caller's tensor as it was
        const leaf = em.tensor("mul", [x, em.node("const", [], { value: 1 }, who, callSite)], {}, who, callSite);
        markRequiresGrad(leaf.node);
        return leaf;
      });
      const inputs = callArgs.map((a, k) => (at.includes(k) ? leaves[at.indexOf(k)] : a));
      const result = call(func, inputs, callSite);
      let output: Value = result;
      let aux: Value = undefined;
      if (b.hasAux) {
        if (!Array.isArray(result) || result.length !== 2)
          fail("invalidArgument", `${who} with hasAux: func must return a pair [output, aux] (PyTorch's "Expected f(*args) to return a tuple of an object and aux"), got ${describe(result)}`, locOfArg(b, "hasAux", site));
        [output, aux] = result as Value[];
      }
      if (!(output instanceof TensorValue) || output.node.shape.some((d) => d !== 1))
        fail(
          "invalidArgument",
          `${who}(f)(…): f must return a tensor of one element (PyTorch's "Expected f(*args) to return a scalar Tensor"), got ${output instanceof TensorValue ? `a tensor of shape ${formatShape(output.node.shape)}` : describe(output)}; reduce it first (.sum()) or use F.autograd.grad with gradOutputs`,
          callSite.loc,
        );
      // an argument f does not use gets zeros, as functorch's
      const options = new ObjectValue(new Map<string, Value>([["createGraph", true], ["materializeGrads", true]]));
      const grads = autogradGrad.call([output, leaves, options], callSite) as Value[];
      const gradient: Value = many ? grads : grads[0];
      // grad: the gradient, [gradient, aux] with hasAux; gradAndValue: [gradient, value], [gradient, [value, aux]]
      if (name === "grad") return b.hasAux ? [gradient, aux] : gradient;
      return b.hasAux ? [gradient, [output, aux]] : [gradient, output];
    });
  });
}

/** F.func: torch.func's grad and grad_and_value. */
export function funcNamespace(em: GraphEmitter, autogradGrad: BuiltinFunction, call: Call, inForward: () => boolean): NamespaceValue {
  return new NamespaceValue(
    "F.func",
    new Map<string, Value>([
      ["grad", gradTransform("grad", em, autogradGrad, call, inForward)],
      ["gradAndValue", gradTransform("gradAndValue", em, autogradGrad, call, inForward)],
    ]),
  );
}
