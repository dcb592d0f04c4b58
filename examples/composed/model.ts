import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
import { MixerLayer, convGeluBn } from "./blocks.ts";

// ConvMixer, from "Patches Are All You Need?" (Trockman & Kolter), set up for CIFAR-10 as in
// the authors' small CIFAR-10 script (patch size 2, kernel size 5), but narrower and shallower
// by default to keep the example quick: width 64 and depth 4, where the authors train 256 and 8
// (new ConvMixer(8, 256) builds that size). The original is one
// flat nn.Sequential built by a list comprehension; this port keeps its layers and their order
// but gives them names: a patch-embedding stem, an nn.ModuleList of MixerLayer blocks (each a
// residual depthwise conv and a pointwise conv, every conv followed by GELU and BatchNorm2d),
// global average pooling and a linear classifier. So the computation and parameter count are
// the original's, while the state_dict keys are "stem.0.weight", "blocks.3.spatial.fn.0.weight",
// ... instead of "0.weight", "6.0.fn.0.weight", ...
//
// It also shows how a model is composed: classes holding classes across two files, a
// constructor with defaults, a module list appended to in a loop, a module-level constant and
// helper functions (samePadding, convGeluBn in blocks.ts).

const NUM_CLASSES = 10;

export class ConvMixer extends nn.Module {
  stem: nn.Sequential;
  blocks: nn.ModuleList<MixerLayer>;
  pool: nn.AdaptiveAvgPool2d;
  head: nn.Linear;

  constructor(depth = 4, width = 64, kernelSize = 5, patchSize = 2, numClasses = NUM_CLASSES) {
    super();
    // Non-overlapping patchSize × patchSize patches, each embedded into `width` channels.
    this.stem = convGeluBn(3, width, patchSize, patchSize);
    this.blocks = new nn.ModuleList<MixerLayer>();
    for (let i = 0; i < depth; i++) this.blocks.append(new MixerLayer(width, kernelSize));
    this.pool = new nn.AdaptiveAvgPool2d(1);
    this.head = new nn.Linear(width, numClasses);
  }

  forward(x: Tensor<[Batch, 3, 32, 32]>) {
    x = this.stem(x); // [Batch, 64, 16, 16]
    for (const block of this.blocks) x = block(x);
    x = this.pool(x); // [Batch, 64, 1, 1]
    x = F.flatten(x, 1);
    return this.head(x);
  }
}

export const training = new Training(ConvMixer, {
  loss: new nn.CrossEntropyLoss(),
  optimizer: new optim.AdamW({ lr: 0.01, weightDecay: 0.01 }),
});
