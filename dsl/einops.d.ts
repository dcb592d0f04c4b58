// tsdp/einops: einops (`from einops import rearrange, repeat, reduce` and
// `from einops.layers.torch import Rearrange, Reduce`) in the model language. Each pattern is
// expanded when the model compiles into reshape, permute, expand and reduction ops; a pattern that
// does not fit the tensor is a compile-time error at the call. einops' keyword axis sizes
// (`h=8`) are the object after the pattern (`{ h: 8 }`).
import type { nn, Tensor } from "./index.js";

/** reduce's reductions (max and min as torch's amax and amin). */
export type Reduction = "mean" | "sum" | "max" | "min" | "prod";
/** Axis sizes by name: positive integers, or the batch size (x.shape[0]). */
export type AxesLengths = { readonly [axis: string]: number };

/** rearrange(x, "b n (h d) -> b h n d", { h: 8 }); a list of tensors is stacked along a new first axis. */
export declare function rearrange(tensor: Tensor | readonly Tensor[], pattern: string, axesLengths?: AxesLengths): Tensor;
/** repeat(cls, "1 1 d -> b 1 d", { b }): axes only on the right are new (their sizes given, or numbers). */
export declare function repeat(tensor: Tensor | readonly Tensor[], pattern: string, axesLengths?: AxesLengths): Tensor;
/** reduce(x, "b c (h p1) (w p2) -> b c h w", "max", { p1: 2, p2: 2 }): axes only on the left are reduced. */
export declare function reduce(tensor: Tensor | readonly Tensor[], pattern: string, reduction: Reduction, axesLengths?: AxesLengths): Tensor;
/** einops' einsum: the tensors first, the pattern last, "b i d, b j d -> b i j". */
export declare function einsum(...tensorsAndPattern: [...tensors: Tensor[], pattern: string]): Tensor;
/** pack([cls, x], "b * d"): the dims at "*" viewed as one and joined; with each tensor's packed dims. */
export declare function pack(tensors: readonly Tensor[], pattern: string): [Tensor, number[][]];
/** unpack(x, ps, "b * d"): pack's inverse, split by the packed shapes (one -1 may be inferred). */
export declare function unpack(tensor: Tensor, packedShapes: readonly (readonly number[])[], pattern: string): Tensor[];
/** parseShape(x, "b c _ w"): each named axis's size ("_" skips a dim, "..." the rest). */
export declare function parseShape(tensor: Tensor, pattern: string): { [axis: string]: number };
export { parseShape as parse_shape };

/** einops.layers.torch.Rearrange: rearrange as a layer without parameters (inside nn.Sequential). */
export declare class Rearrange extends nn.Module {
  constructor(pattern: string, axesLengths?: AxesLengths);
}
export interface Rearrange {
  (x: Tensor): Tensor;
}
/** einops.layers.torch.Reduce: reduce as a layer without parameters. */
export declare class Reduce extends nn.Module {
  constructor(pattern: string, reduction: Reduction, axesLengths?: AxesLengths);
}
export interface Reduce {
  (x: Tensor): Tensor;
}
