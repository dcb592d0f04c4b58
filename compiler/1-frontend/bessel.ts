import { arg, bindArgs } from "./args.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { BuiltinFunction, describe, TensorValue, type CallSite, type Value } from "./values.ts";
import { fail } from "../diagnostics/diagnostic.ts";

// torch.special's modified Bessel functions i0, i0e, i1, i1e: one op each (ops/elementwise-math.ts;
// the float64 reference compiler/reference/bessel.ts, the kernels' runtime/harness/bessel.h). As
// compositions (the power series and the asymptotic expansion in Horner's form, a select between
// them) their values were as accurate, but the backward's kernel inlined each polynomial's
// partial sums at every use: a megabyte of CUDA for one call. torch.i0 and x.i0() are in
// math-functions.ts.

/** F.special.i0, i0e, i1, i1e. */
export function besselFunctions(em: GraphEmitter): [string, BuiltinFunction][] {
  return ["i0", "i0e", "i1", "i1e"].map((name) => [
    name,
    new BuiltinFunction(`F.special.${name}`, (args: Value[], site: CallSite) => {
      const who = `F.special.${name}`;
      const x: Value = bindArgs(who, [arg("input", "any")], args, site).input;
      if (!(x instanceof TensorValue)) return fail("wrongArgumentType", `${who}: input must be a tensor, got ${describe(x)}`, site.loc);
      return em.tensor(name, [x], {}, who, site);
    }),
  ]);
}
