// Invalid argument: output_padding 2 is not smaller than the stride (2) or the dilation (1), which
// PyTorch refuses too: a whole stride of output padding is the output of a larger input.
// expect: TSDP3004 12:12
import { nn, type Tensor, type Batch } from "tsdp/dsl";

export class Upsample extends nn.Module {
  up = new nn.ConvTranspose2d(8, 4, 3, { stride: 2, padding: 1, outputPadding: 2 });

  forward(x: Tensor<[Batch, 8, 7, 7]>) {
    // the message names the layer and the rule
    const y = x.relu();
    return this.up(y);
  }
}
