import { fail } from "../diagnostics/diagnostic.ts";
import { describe, SymInt, type CallSite, type TensorValue, type Value } from "./values.ts";

/** A transposed convolution's per-dim settings, one entry per spatial dim. */
export interface TransposedConv {
  readonly kernelSize: readonly number[];
  readonly stride: readonly number[];
  readonly padding: readonly number[];
  readonly dilation: readonly number[];
}

const LAYOUT = { 1: "[L] (or [N, C, L], as x.size())", 2: "[H, W] (or [N, C, H, W], as x.size())", 3: "[D, H, W] (or [N, C, D, H, W], as x.size())" } as const;

/**
 * The output padding that gives a transposed convolution the output size asked for (forward's
 * outputSize: its last `dims` sizes, or a tensor's shape — U-Net's up path to a skip's size):
 * PyTorch's _output_padding, size − ((in − 1)·stride − 2·padding + dilation·(kernel − 1) + 1) per
 * dim, which must be less than the stride (PyTorch's also less than the dilation, which tsdp's
 * transposed convolutions do not take).
 */
export function outputPaddingFor(size: Value, input: TensorValue, conv: TransposedConv, site: CallSite, who: string): number[] {
  const dims = conv.kernelSize.length as 1 | 2 | 3;
  const sizes = Array.isArray(size) ? size : null;
  // x.size() as the size (ENet's up(x, output_size=x.size())): its batch size is symbolic, and only the last `dims` matter
  if (!sizes || (sizes.length !== dims && sizes.length !== dims + 2) || !sizes.slice(-dims).every((d) => typeof d === "number" && Number.isInteger(d) && d >= 1) || !sizes.slice(0, -dims).every((d) => d instanceof SymInt || (typeof d === "number" && Number.isInteger(d) && d >= 1)))
    return fail("wrongArgumentType", `${who}: outputSize is the output's ${LAYOUT[dims]}, got ${describe(size)}`, site.loc);
  const spatial = input.node.shape.slice(-dims);
  return (sizes.slice(-dims) as number[]).map((want, i) => {
    const inSize = spatial[i] as number;
    const least = (inSize - 1) * conv.stride[i] - 2 * conv.padding[i] + conv.dilation[i] * (conv.kernelSize[i] - 1) + 1;
    // tsdp's transposed convolutions take an output padding below the stride; PyTorch's also below the dilation
    const reach = conv.stride[i];
    if (want < least || want - least >= reach) {
      const torchReach = Math.max(conv.stride[i], conv.dilation[i]);
      const note = want >= least && want - least < torchReach ? ` (PyTorch reaches ${least + torchReach - 1} through the dilation, an output padding tsdp's transposed convolution does not take)` : "";
      fail("invalidArgument", `${who}: an output size of ${want} along dim ${i + 2} is out of reach: from ${inSize} positions this layer gives ${least}${reach > 1 ? ` to ${least + reach - 1}` : ""}${note}`, site.loc);
    }
    return want - least;
  });
}
