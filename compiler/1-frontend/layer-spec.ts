import type { Init } from "../ir/node.ts";
import { arg, type ArgSpec, type Bound } from "./args.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { TensorValue, type CallSite, type ModuleValue, type ParamDecl, type Value } from "./values.ts";
import { layerStateOr } from "./state-updates.ts";

// What a built-in layer declares (layers.ts, composite-layers.ts): its constructor arguments, its
// parameters with PyTorch's names and default initialization, and its forward as IR ops.

export interface LayerSpec {
  readonly args: readonly ArgSpec[];
  /** Parameters and buffers from the bound constructor arguments. */
  readonly state?: (b: Bound) => { params?: ParamDecl[]; buffers?: ParamDecl[] };
  /** Child layers (nn.MultiheadAttention's out_proj), registered after the layer's own parameters. */
  readonly children?: (b: Bound) => readonly { readonly name: string; readonly typeName: string; readonly spec: LayerSpec; readonly args: Bound }[];
  readonly summary?: (b: Bound) => string;
  /**
   * Parameters the layer may be built without (bias: false, affine: false), which then read as null
   * in a constructor, as PyTorch registers them as None: `if (m.bias !== null) nn.init.zeros_(m.bias)`.
   */
  readonly optional?: readonly string[];
  /**
   * Settings PyTorch keeps in another form than the binding gives them (nn.Conv1d's kernel_size is
   * the tuple (k,), bound as the number k): attributes read as these instead.
   */
  readonly attributes?: (b: Bound) => Record<string, Value>;
  /** forward: the call's arguments after binding to `inputs`. */
  readonly inputs?: readonly ArgSpec[];
  readonly forward: (self: ModuleValue, b: Bound, call: Bound, site: CallSite, em: GraphEmitter, who: string) => Value;
}

export const x = arg("x", "tensor");

/**
 * kaiming_uniform_(a=√5) as nn.Linear and nn.Conv2d use it: gain √(2/(1+5)), std gain/√fan_in,
 * bound √3·std = 1/√fan_in. Their bias is U(−1/√fan_in, 1/√fan_in) too.
 */
export const fanInUniform = (fanIn: number): Init => ({ kind: "uniform", bound: 1 / Math.sqrt(fanIn) });
/** xavier_uniform_ (gain 1): U(−b, b) with b = √(6/(fan_in + fan_out)). */
export const xavierUniform = (fanIn: number, fanOut: number): Init => ({ kind: "uniform", bound: Math.sqrt(6 / (fanIn + fanOut)) });
export const ones: Init = { kind: "constant", value: 1 };
export const zeros: Init = { kind: "constant", value: 0 };

export function param(local: string, shape: number[], init: Init, dtype?: "i64"): ParamDecl {
  return dtype ? { local, shape, init, dtype } : { local, shape, init };
}

/** The layer's parameter `local` in forward, or null when the layer has none (bias: false). */
export function param_(self: ModuleValue, local: string): TensorValue | null {
  const computed = self.computed.get(local);
  if (computed) return computed();
  const n = self.paramNodes.get(local);
  return n ? layerStateOr(n) : null;
}
