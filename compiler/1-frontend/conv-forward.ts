import { fail } from "../diagnostics/diagnostic.ts";
import { arg, bindArgs, opt } from "./args.ts";
import { BuiltinFunction, describe, TensorValue, type CallSite, type ModuleValue } from "./values.ts";

// nn.Conv1d/2d/3d's _conv_forward(input, weight, bias): the layer's convolution (its stride,
// padding, padding mode, dilation and groups) with another weight and bias. Subclasses that change
// the weight before convolving call it (lsq-net's QuanConv2d, weight-standardized and
// fake-quantized convolutions): `return self._conv_forward(x, quantized_weight, self.bias)`.

const CONVOLUTIONS = new Set(["nn.Conv1d", "nn.Conv2d", "nn.Conv3d"]);
const NAMES = new Set(["_conv_forward", "_convForward"]);

/** The layer's _conv_forward for `name`, or undefined when `name` is not it or `m` is not a convolution. */
export function convForwardMethod(m: ModuleValue, name: string): BuiltinFunction | undefined {
  // the layer itself, or a user class extending it (class QuanConv2d extends nn.Conv2d)
  const layer = m.layerType ?? m.typeName;
  if (!NAMES.has(name) || !CONVOLUTIONS.has(layer) || !m.forward) return undefined;
  const forward = m.forward;
  const who = `${layer}.${name}`;
  return new BuiltinFunction(who, (args, site: CallSite) => {
    const b = bindArgs(who, [arg("input", "tensor"), arg("weight", "tensor"), opt("bias", "any", null, { nullable: true })], args, site);
    if (b.bias !== null && !(b.bias instanceof TensorValue)) fail("wrongArgumentType", `${who}: bias is a tensor or null, got ${describe(b.bias)}`, site.loc);
    // the layer's own forward reading these tensors where it reads its parameters (layer-spec.ts param_)
    const given = new Map<string, () => TensorValue>([["weight", () => b.weight]]);
    if (b.bias instanceof TensorValue) given.set("bias", () => b.bias);
    const withGiven = Object.create(m, { computed: { value: given }, paramNodes: { value: new Map() } }) as ModuleValue;
    return forward(withGiven, [b.input], site);
  });
}
