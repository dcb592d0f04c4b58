// What `tsdp inspect` shows of a convolution's settings ("4 → 8, kernel=3, padding=2, dilation=2,
// groups=2, no bias"): each option that differs from PyTorch's default, a size per dim shown once
// when the dims agree (3×3 as 3), in one place for the 1-D, 2-D and 3-D layers and their transposes.

type Size = number | readonly number[];

/** A size as PyTorch would print the layer's: one number when every dim has it. */
export const shownSize = (v: Size): string => {
  const all = [v].flat();
  return all.every((d) => d === all[0]) ? String(all[0]) : all.join("×");
};

const differs = (v: Size | undefined, fallback: number) => v !== undefined && [v].flat().some((d) => d !== fallback);

interface ConvSettings {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: Size;
  readonly stride?: Size;
  readonly padding?: Size | string;
  readonly outputPadding?: Size;
  readonly dilation?: Size;
  readonly groups?: number;
  readonly bias?: boolean;
}

/** `bound`: a convolution layer's bound arguments (layer-spec.ts), read as ConvSettings. */
export function convSummary(bound: object): string {
  const b = bound as ConvSettings;
  const parts = [`${b.inChannels} → ${b.outChannels}`, `kernel=${shownSize(b.kernelSize)}`];
  if (differs(b.stride, 1)) parts.push(`stride=${shownSize(b.stride!)}`);
  if (typeof b.padding === "string") parts.push(`padding=${b.padding}`);
  else if (differs(b.padding, 0)) parts.push(`padding=${shownSize(b.padding!)}`);
  if (differs(b.outputPadding, 0)) parts.push(`output_padding=${shownSize(b.outputPadding!)}`);
  if (differs(b.dilation, 1)) parts.push(`dilation=${shownSize(b.dilation!)}`);
  if (b.groups !== undefined && b.groups !== 1) parts.push(`groups=${b.groups}`);
  if (b.bias === false) parts.push("no bias");
  return parts.join(", ");
}

/**
 * PyTorch's conv._reversed_padding_repeated_twice, F.pad's amounts for the layer's padding (last
 * dim first, before and after; "same" puts an even kernel's odd one after), which its
 * _conv_forward pads by in a paddingMode other than zeros and ports copying it read.
 */
export function reversedPaddingTwice(padding: readonly number[] | number, sameExtra: readonly number[] | undefined): number[] {
  const per = [padding].flat();
  return per.map((p, i) => [p, p + (sameExtra?.[i] ?? 0)]).reverse().flat();
}
