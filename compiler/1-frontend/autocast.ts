import { fail } from "../diagnostics/diagnostic.ts";
import { arg, bindArgs, opt } from "./args.ts";
import { BuiltinFunction, describe, FunctionValue, type CallSite, type Value } from "./values.ts";

/**
 * F.autocast(deviceType, { dtype, enabled }, () => …): PyTorch's `with torch.autocast(…):` block,
 * written as a function run at once (as F.noGrad's). tsdp computes every op in float32, so a block
 * with autocast disabled — a port's float32 island inside a mixed-precision model (rotary tables,
 * a loss, a softmax kept in float32) — is just its code, as PyTorch's is. An enabled block would run
 * its matmuls and convolutions in bf16 or fp16, which tsdp does for the whole model or not at all
 * (tsdp compile --precision bf16): running it in float32 would give other numbers than PyTorch's,
 * so it is refused, saying so.
 */
export function autocastFunction(call: (f: Value, args: Value[], site: CallSite) => Value): BuiltinFunction {
  return new BuiltinFunction("F.autocast", (args, site) => {
    const fn = args.at(-1);
    if (!(fn instanceof FunctionValue) && !(fn instanceof BuiltinFunction))
      fail("wrongArgumentType", `F.autocast takes the block as its last argument, a function of no arguments (PyTorch's \`with torch.autocast(…):\` body): F.autocast("cuda", { enabled: false }, () => …), got ${describe(fn as Value)}`, site.loc);
    const b = bindArgs(
      "F.autocast",
      [arg("deviceType", "string"), opt("dtype", "string", null, { nullable: true }), opt("enabled", "bool", true), opt("cacheEnabled", "bool", null, { nullable: true })],
      args.slice(0, -1),
      site,
    );
    if (b.enabled)
      fail(
        "invalidArgument",
        `F.autocast: an enabled autocast block computes its matmuls and convolutions in ${b.dtype ?? (b.deviceType === "cpu" ? "bfloat16" : "float16")}, and tsdp computes a block in float32, which would give other numbers than PyTorch's; compile the whole model with tsdp compile --precision bf16 (GEMMs in bf16 with float32 accumulation, as autocast's) and write the block's code without the wrapper. A block with { enabled: false } (float32 inside) is accepted`,
        site.loc,
      );
    return call(fn, [], site);
  });
}
