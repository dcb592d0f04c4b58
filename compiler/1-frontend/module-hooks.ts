import { fail } from "../diagnostics/diagnostic.ts";
import { arg, bindArgs, opt } from "./args.ts";
import { BuiltinFunction, FunctionValue, ModuleValue, ObjectValue, describe, type CallSite, type Value } from "./values.ts";

// PyTorch's forward hooks, as feature extractors and Grad-CAM register them on a backbone's layers:
//   module.register_forward_pre_hook(hook): hook(module, args) runs before forward; what it returns
//     (unless None) replaces the arguments (a single value is one argument);
//   module.register_forward_hook(hook): hook(module, args, output) runs after forward; what it
//     returns (unless None) replaces the output.
// Hooks run in registration order (prepend: true puts one first) at every call of the module, in
// the compiled forward like the rest of the model. Registered in a constructor only: registered in
// forward, PyTorch would add one more at every call. The handle's remove() takes it out again.

interface Hooks {
  readonly pre: Value[];
  readonly post: Value[];
}

const registered = new WeakMap<ModuleValue, Hooks>();

interface Host {
  requireConstruct(who: string, site: CallSite): void;
  callCallback(f: Value, args: Value[], site: CallSite): Value;
}

const REGISTRATIONS: Record<string, "pre" | "post"> = {
  registerForwardPreHook: "pre",
  register_forward_pre_hook: "pre",
  registerForwardHook: "post",
  register_forward_hook: "post",
};

/** module.registerForwardHook / registerForwardPreHook (and PyTorch's spellings), or undefined for other names. */
export function hookRegistration(m: ModuleValue, name: string, host: Host): BuiltinFunction | undefined {
  const kind = Object.hasOwn(REGISTRATIONS, name) ? REGISTRATIONS[name] : undefined;
  if (!kind) return undefined;
  const who = `${m.typeName}.${name}`;
  return new BuiltinFunction(who, (args, site) => {
    host.requireConstruct(who, site);
    const b = bindArgs(who, [arg("hook", "any"), opt("prepend", "bool", false), opt("withKwargs", "bool", false), opt("alwaysCall", "bool", false)], args, site);
    if (b.withKwargs) fail("unsupportedSyntax", `${who}: withKwargs: forward takes positional arguments only in tsdp, so the hook has none to see`, site.loc);
    if (!(b.hook instanceof FunctionValue || b.hook instanceof BuiltinFunction))
      fail("wrongArgumentType", `${who} takes a function (module, args${kind === "post" ? ", output" : ""}) => …, got ${describe(b.hook)}`, site.loc);
    const hooks = registered.get(m) ?? { pre: [], post: [] };
    registered.set(m, hooks);
    const list = hooks[kind];
    if (b.prepend) list.unshift(b.hook);
    else list.push(b.hook);
    const remove = new BuiltinFunction("RemovableHandle.remove", (_, s) => {
      host.requireConstruct("RemovableHandle.remove", s);
      const at = list.indexOf(b.hook);
      if (at >= 0) list.splice(at, 1);
      return undefined;
    });
    return new ObjectValue(new Map<string, Value>([["remove", remove]]));
  });
}

/** Calls `forward` with the module's hooks around it, as PyTorch's Module.__call__. */
export function callWithHooks(m: ModuleValue, args: Value[], site: CallSite, host: Host, forward: (args: Value[]) => Value): Value {
  const hooks = registered.get(m);
  if (!hooks) return forward(args);
  for (const hook of hooks.pre) {
    const changed = host.callCallback(hook, [m, args], site);
    if (changed !== undefined && changed !== null) args = Array.isArray(changed) ? changed : [changed];
  }
  let output = forward(args);
  for (const hook of hooks.post) {
    const changed = host.callCallback(hook, [m, args, output], site);
    if (changed !== undefined && changed !== null) output = changed;
  }
  return output;
}
