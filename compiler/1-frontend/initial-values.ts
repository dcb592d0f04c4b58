import { fail, type SourceLoc } from "../diagnostics/diagnostic.ts";
import type { Init } from "../ir/node.ts";

// The initializers PyTorch's normal_ and uniform_ describe, shared by nn.init (factories.ts), a
// parameter's own p.normal_ (parameter-init.ts) and a constructor tensor's t.uniform_ (in-place.ts).

/** N(mean, std²); the mean left out when 0, as the harness and the reference read it. */
export const normalInit = (mean: number, std: number): Init => (mean === 0 ? { kind: "normal", std } : { kind: "normal", std, mean });

/** U(from, to), refused when from > to; centred at 0 unless the bounds say otherwise. */
export function uniformInit(from: number, to: number, who: string, at: SourceLoc): Init {
  if (!(from <= to)) fail("invalidArgument", `${who}: from must not exceed to, got [${from}, ${to}]`, at);
  const center = (from + to) / 2;
  return center === 0 ? { kind: "uniform", bound: to } : { kind: "uniform", bound: (to - from) / 2, center };
}
