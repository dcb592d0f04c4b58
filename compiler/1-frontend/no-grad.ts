import { fail } from "../diagnostics/diagnostic.ts";
import { arg, bindArgs, locOfArg, opt } from "./args.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { BuiltinFunction, describe, FunctionValue, ModuleValue, ObjectValue, TensorValue, type CallSite, type Value } from "./values.ts";

/**
 * F.noGrad(() => …): PyTorch's `with torch.no_grad():` block, written as a function the call runs
 * at once. In a constructor it only runs it (parameter copies, p.data.fill_: initializers either
 * way). In forward, what the block returns carries no gradient, as tensors computed under
 * no_grad: each tensor in the result (arrays and objects walked) is detached; and an in-place
 * change the block makes is one autograd does not record (views.ts unrecordedChange).
 */
export function noGradFunction(em: GraphEmitter, call: (f: Value, args: Value[], site: CallSite) => Value): BuiltinFunction {
  return new BuiltinFunction("F.noGrad", (args, site) => {
    const b = bindArgs("F.noGrad", [arg("fn", "any")], args, site);
    if (!(b.fn instanceof FunctionValue) && !(b.fn instanceof BuiltinFunction))
      fail("wrongArgumentType", `F.noGrad takes a function of no arguments, the block PyTorch runs under torch.no_grad(), got ${describe(b.fn)}`, locOfArg(b, "fn", site));
    return underNoGrad(em, site, () => call(b.fn, [], site));
  });
}

/**
 * `body` run as a torch.no_grad() block: what it returns is detached, and in-place changes inside
 * it are not recorded either (views.ts unrecordedChange). F.noGrad's block, and a method decorated
 * with @F.noGrad() (PyTorch's `@torch.no_grad()` on an EMA update or a sampling method).
 */
export function underNoGrad(em: GraphEmitter, site: CallSite, body: () => Value): Value {
  noGradDepth++;
  try {
    return detached(body(), em, site);
  } finally {
    noGradDepth--;
  }
}

let noGradDepth = 0;

/** Whether the code being evaluated runs inside an F.noGrad block. */
export const insideNoGrad = (): boolean => noGradDepth > 0;

function detached(v: Value, em: GraphEmitter, site: CallSite): Value {
  if (v instanceof TensorValue) return em.constants.owns(v.node) ? v : em.tensor("detach", [v], {}, "detach", site);
  if (Array.isArray(v)) return v.map((e) => detached(e, em, site));
  if (v instanceof ObjectValue) return new ObjectValue(new Map([...v.props].map(([k, e]) => [k, detached(e, em, site)])));
  return v;
}

/** torch.utils.checkpoint.checkpoint's keywords: how PyTorch recomputes, which changes no value. */
const CHECKPOINT_OPTIONS = new Set(["useReentrant", "preserveRngState", "determinismCheck", "debug", "contextFn"]);

/**
 * F.checkpoint(fn, ...args): torch.utils.checkpoint.checkpoint (activation checkpointing in timm's
 * and Hugging Face's blocks) — fn(...args), with the same values and gradients: PyTorch frees the
 * block's activations and recomputes them in the backward to save memory; tsdp's step keeps what
 * its backward reads either way. A trailing options object ({ useReentrant: false }) is accepted.
 */
export function checkpointFunction(call: (f: Value, args: Value[], site: CallSite) => Value): BuiltinFunction {
  return new BuiltinFunction("F.checkpoint", (args, site) => {
    const [fn, ...rest] = args;
    if (!(fn instanceof FunctionValue || fn instanceof BuiltinFunction || fn instanceof ModuleValue))
      fail("wrongArgumentType", `F.checkpoint takes the function or module to run and its arguments (torch.utils.checkpoint.checkpoint(block, x)), got ${args.length ? describe(fn) : "nothing"}`, site.loc);
    const last = rest[rest.length - 1];
    const options = last instanceof ObjectValue && last.props.size > 0 && [...last.props.keys()].every((k) => CHECKPOINT_OPTIONS.has(k));
    return call(fn, options ? rest.slice(0, -1) : rest, site);
  });
}

/**
 * F.checkpointSequential(functions, segments, input): torch.utils.checkpoint.checkpoint_sequential —
 * an nn.Sequential (or an array of modules and functions) run in order on input, checkpointed in
 * `segments` pieces in PyTorch; the values and gradients are the plain run's (see F.checkpoint).
 */
export function checkpointSequentialFunction(call: (f: Value, args: Value[], site: CallSite) => Value): BuiltinFunction {
  const who = "F.checkpointSequential";
  return new BuiltinFunction(who, (args, site) => {
    // PyTorch's keywords of how it recomputes, which change no value
    const b = bindArgs(who, [arg("functions", "any"), arg("segments", "posInt"), arg("input", "any"), opt("useReentrant", "any", null, { nullable: true }), opt("preserveRngState", "any", true)], args, site);
    const sequence = b.functions instanceof ModuleValue && b.functions.isSequence ? b.functions.items : Array.isArray(b.functions) ? b.functions : undefined;
    const runnable = (f: Value) => f instanceof ModuleValue || f instanceof FunctionValue || f instanceof BuiltinFunction;
    if (!sequence || !sequence.every(runnable))
      return fail("wrongArgumentType", `${who} takes an nn.Sequential or an array of modules and functions to run in order, got ${describe(b.functions)}`, locOfArg(b, "functions", site));
    // PyTorch's segment size is len(functions) // segments, which must not be 0
    if (b.segments > sequence.length)
      fail("invalidArgument", `${who}: ${b.segments} segments of ${sequence.length} functions leave a segment empty (PyTorch's segment size len(functions) // segments would be 0); use at most ${sequence.length}`, locOfArg(b, "segments", site));
    return sequence.reduce<Value>((x, f) => call(f, [x], site), b.input);
  });
}
