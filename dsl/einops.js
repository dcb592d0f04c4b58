// tsdp/einops is read by `tsdp compile`, which expands each pattern into tensor ops; run directly,
// each name fails at its first use saying what to do instead — tsdp/dsl's own trap.
import { nn as trap } from "./index.js";
export const rearrange = trap, repeat = trap, reduce = trap, einsum = trap, pack = trap, unpack = trap, parseShape = trap, parse_shape = trap;
export const Rearrange = trap, Reduce = trap;
