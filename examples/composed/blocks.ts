import { nn, type Tensor } from "tsdp/dsl";

// Building blocks of the ConvMixer in model.ts, kept in their own file.

/** Padding that keeps the spatial size for an odd kernel at stride 1 (PyTorch's padding="same"). */
export function samePadding(kernelSize: number): number {
  return (kernelSize - 1) / 2;
}

/** Conv2d → GELU → BatchNorm2d, the unit ConvMixer repeats everywhere (note: BN after the activation). */
export function convGeluBn(inChannels: number, outChannels: number, kernelSize: number, stride = 1, groups = 1): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(inChannels, outChannels, kernelSize, { stride, padding: stride === 1 ? samePadding(kernelSize) : 0, groups }),
    new nn.GELU(),
    new nn.BatchNorm2d(outChannels),
  );
}

/** fn(x) + x, the Residual wrapper of the ConvMixer paper. */
export class Residual extends nn.Module {
  fn: nn.Module;

  constructor(fn: nn.Module) {
    super();
    this.fn = fn;
  }

  forward(x: Tensor) {
    return this.fn(x).add(x);
  }
}

/**
 * One ConvMixer layer: a residual depthwise convolution mixes spatial locations, then a
 * pointwise (1×1) convolution mixes channels; each conv is followed by GELU and BatchNorm.
 */
export class MixerLayer extends nn.Module {
  spatial: Residual;
  channel: nn.Sequential;

  constructor(dim: number, kernelSize: number) {
    super();
    this.spatial = new Residual(convGeluBn(dim, dim, kernelSize, 1, dim));
    this.channel = convGeluBn(dim, dim, 1);
  }

  forward(x: Tensor) {
    return this.channel(this.spatial(x));
  }
}
