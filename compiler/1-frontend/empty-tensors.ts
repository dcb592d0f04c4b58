import { fail } from "../diagnostics/diagnostic.ts";
import { bindArgs, opt } from "./args.ts";
import { sizeOf } from "./tensor-methods.ts";
import { BuiltinFunction, describe, EmptyTensor, TensorValue, type CallSite, type Value } from "./values.ts";
import { factoryMembers } from "./factories.ts";
import type { GraphEmitter } from "./graph-emitter.ts";

// An empty tensor (values.ts EmptyTensor: a greedy decoder's `all_tokens = torch.zeros(B, 0)`, then
// `torch.cat([all_tokens, token], 1)` each step) exists to be concatenated onto: F.cat drops it
// (joins.ts). Its shape can be read, and conversions (.long(), .float(), .to(…)) keep it empty;
// anything else would compute on no elements, and is refused saying so.

const CONVERSIONS: Readonly<Record<string, "f32" | "i32" | undefined>> = {
  float: "f32", long: "i32", int: "i32", to: undefined, type: undefined, detach: undefined, clone: undefined, contiguous: undefined,
};

/** `e.name` of an empty tensor. */
export function emptyTensorProperty(e: EmptyTensor, name: string, site: CallSite, em: GraphEmitter): Value {
  // e.resize_(sizes): the legacy way to size a tensor made by x.new() (AWD-LSTM's embedded_dropout);
  // PyTorch's new elements are uninitialized, zeros here, as F.empty's (filled next: bernoulli_, normal_)
  if (name === "resize_")
    return new BuiltinFunction("resize_", (args, s) => {
      const made = (factoryMembers(em, () => "forward").get("empty") as BuiltinFunction).call(args, s);
      return e.dtype === "i32" && made instanceof TensorValue ? em.tensor("to_int", [made], {}, "resize_", s) : made;
    });
  if (name === "shape") return e.shape.map(sizeOf);
  if (name === "dtype") return e.dtype === "i32" ? "int32" : "float32";
  if (name === "device") return "cuda";
  if (name === "size")
    return new BuiltinFunction("size", (args, s) => {
      const { dim } = bindArgs("size", [opt("dim", "int", null, { nullable: true })], args, s);
      if (dim === null) return e.shape.map(sizeOf);
      const d = dim < 0 ? dim + e.shape.length : dim;
      return d >= 0 && d < e.shape.length ? sizeOf(e.shape[d]) : fail("invalidArgument", `size: dim ${dim} is out of range for ${describe(e)}`, s.loc);
    });
  if (name === "dim") return new BuiltinFunction("dim", () => e.shape.length);
  if (name === "numel") return new BuiltinFunction("numel", () => 0);
  if (Object.hasOwn(CONVERSIONS, name))
    return new BuiltinFunction(name, (args) => {
      const to = CONVERSIONS[name] ?? (args[0] === "int32" || args[0] === "int64" || args[0] === "long" ? "i32" : args[0] === "float32" || args[0] === "float" ? "f32" : e.dtype);
      return new EmptyTensor(e.shape, to);
    });
  return fail("unsupportedSyntax", `${describe(e)} has no elements to compute '${name}' on; an empty tensor is only joined onto (F.cat([empty, x], dim)), as a greedy decoder's tokens so far`, site.loc);
}
