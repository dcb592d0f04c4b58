import { fail } from "../diagnostics/diagnostic.ts";
import type { SourceLoc } from "../diagnostics/diagnostic.ts";
import type { Init } from "../ir/node.ts";
import { ModuleValue, ParameterValue, describe, type ParamDecl, type Value } from "./values.ts";

// nn.utils' weight norm, spectral norm and parametrize replace a module's trained parameter by
// others (weight_g and weight_v; weight_orig with the buffers weight_u and weight_v;
// parametrizations.weight.original) and compute the old name in forward (ModuleValue.computed).
// The parameter is a built-in layer's (a declaration in m.params) or a user module's nn.Parameter
// field (RealNVP's weight-normed Rescale); both are replaced here, in PyTorch's order: the new
// parameters after the module's others (register_parameter appends), the buffers after its buffers.

/** One tensor that takes the replaced parameter's place. */
export interface ParameterPart {
  readonly local: string;
  readonly shape: readonly number[];
  readonly init: Init;
  /** state the optimizer never sees (spectral norm's singular vectors) */
  readonly buffer?: boolean;
  /** the trained tensor that keeps the parameter's own values (v, weight_orig, original) */
  readonly original?: boolean;
}

/** The parameter to split: its shape and initial value, and the one call that replaces it. */
export interface SplitParameter {
  readonly shape: readonly number[];
  readonly init: Init;
  replace(parts: readonly ParameterPart[]): void;
}

/**
 * `name` of module `m` (a layer's parameter or a user module's nn.Parameter), ready to be split;
 * refused where it is not a trained tensor of m's own, or where two names share it (tying) or it is
 * already computed, since splitting either would change what the other reads.
 */
export function splitParameter(who: string, m: Value, name: string, loc: SourceLoc): SplitParameter {
  if (!(m instanceof ModuleValue) || m.plain || m.kind === "list" || m.kind === "dict" || m.kind === "sequential")
    return fail("wrongArgumentType", `${who} takes a module with the parameter (nn.Linear, nn.Conv1d, a module of yours with an nn.Parameter), got ${describe(m)}`, loc);
  const computed = () => fail("unsupportedSyntax", `${who}: ${m.typeName}.${name} is tied to another parameter or already computed (weight norm, spectral norm or a parametrization); splitting it again would change what the other reads`, loc);
  if (m.tied.has(name) || m.computed.has(name)) return computed();
  if (m.isLayer) {
    const decl = m.params.find((p) => p.local === name);
    if (!decl) return fail("invalidArgument", `${who}: ${m.typeName} has no parameter '${name}' (its parameters: ${m.params.map((p) => p.local).join(", ") || "none"})`, loc);
    return {
      shape: decl.shape as number[],
      init: decl.init,
      replace(parts) {
        m.computedFrom.set(name, { shape: decl.shape as number[], init: decl.init });
        const params = m.params as ParamDecl[];
        params.splice(params.indexOf(decl), 1);
        const frozen = m.frozen.delete(name);
        for (const p of parts) {
          const part = { local: p.local, shape: p.shape, init: p.init };
          if (p.buffer) (m.buffers as ParamDecl[]).push(part);
          else {
            params.push(part);
            // a frozen parameter freezes every part of it
            if (frozen) m.frozen.add(p.local);
          }
        }
      },
    };
  }
  const own = m.fields.get(name);
  const held = [...m.fields.values()].filter((v) => v === own).length;
  if (!(own instanceof ParameterValue) || own.buffer) {
    const names = [...m.fields].filter(([, v]) => v instanceof ParameterValue && !v.buffer).map(([k]) => k);
    return fail("invalidArgument", `${who}: ${m.typeName} has no nn.Parameter '${name}' (its parameters: ${names.join(", ") || "none"})`, loc);
  }
  if (held > 1) return computed();
  return {
    shape: own.shape,
    init: own.init,
    replace(parts) {
      m.computedFrom.set(name, { shape: own.shape, init: own.init });
      m.fields.delete(name);
      for (const p of parts)
        // the original keeps its ParameterValue: a clone of a draw still draws the same numbers
        m.fields.set(p.local, p.original ? own : new ParameterValue(p.shape, p.init, own.createdAt, p.buffer || own.frozen, p.buffer));
    },
  };
}
