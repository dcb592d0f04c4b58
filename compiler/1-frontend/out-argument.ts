// torch's out= keyword on its functions (PyG DimeNet's `torch.arange(1, n + 1, out=self.freq)` in
// reset_parameters, `torch.cat(xs, out=buf)`): the result written into `out`, which the call
// returns. The write is out.copy_(result), so it means what copy_ means where the call stands — a
// parameter's or buffer's initializer in a constructor, an in-place change in forward — and
// converts the dtype as PyTorch's out does (an int32 arange into a float32 parameter).
import { fail } from "../diagnostics/diagnostic.ts";
import { formatShape } from "../ir/shape.ts";
import { BuiltinFunction, describe, ObjectValue, TensorValue, type CallSite, type Value } from "./values.ts";

type GetProperty = (obj: Value, name: string, site: CallSite) => Value;

/** The shape `out` holds, where the value says it (a tensor, a parameter). */
function shapeOf(v: Value): string | undefined {
  if (v instanceof TensorValue) return formatShape(v.node.shape);
  const shape = (v as { shape?: unknown }).shape;
  return Array.isArray(shape) && shape.every((d) => typeof d === "number") ? formatShape(shape) : undefined;
}

/**
 * `f` taking an `out` option too: f's call without it, then out.copy_(result), returning out. One
 * wrapper per function, so that F.relu read twice is the same value (`this.act === F.relu`).
 */
export function withOutArgument(f: BuiltinFunction, getProperty: GetProperty): BuiltinFunction {
  let wrapped = wrappers.get(f);
  if (!wrapped) wrappers.set(f, (wrapped = outArgument(f, getProperty)));
  return wrapped;
}
const wrappers = new WeakMap<BuiltinFunction, BuiltinFunction>();

function outArgument(f: BuiltinFunction, getProperty: GetProperty): BuiltinFunction {
  return new BuiltinFunction(
    f.name,
    (args, site) => {
      const last = args[args.length - 1];
      if (!(last instanceof ObjectValue) || !last.props.has("out")) return f.call(args, site);
      const out = last.props.get("out");
      const rest = new Map([...last.props].filter(([k]) => k !== "out"));
      const result = f.call([...args.slice(0, -1), ...(rest.size > 0 ? [new ObjectValue(rest)] : [])], site);
      // out=None is PyTorch's default: a new tensor
      if (out === null || out === undefined) return result;
      if (!(result instanceof TensorValue)) return fail("wrongArgumentType", `${f.name}: out= takes a tensor result, and this call gives ${describe(result)}`, site.loc);
      const [want, got] = [shapeOf(out), formatShape(result.node.shape)];
      // PyTorch resizes an out of another shape (with a warning when it held elements); tsdp keeps a
      // tensor's shape, so that would be a different tensor: say to assign the result instead
      if (want !== undefined && want !== got)
        return fail("shapeMismatch", `${f.name}: out= is ${want} and the result ${got}; PyTorch would resize out to it: assign the result instead (t = ${f.name}(…)), or give an out of the result's shape`, site.loc);
      const copy = getProperty(out, "copy_", site);
      if (!(copy instanceof BuiltinFunction)) return fail("wrongArgumentType", `${f.name}: out= must be a tensor, got ${describe(out)}`, site.loc);
      copy.call([result], site);
      return out;
    },
    f.onPoisoned,
  );
}
