// Import not found: the residual block lives in ./blocks, which does not exist next to this file.
// expect: TSDP1004 4:31
import { nn, type Tensor, type Batch } from "tsdp/dsl";
import { ResidualBlock } from "./blocks";

export class ResNetTiny extends nn.Module {
  stem = new nn.Conv2d(3, 16, 3, { padding: 1 });
  block = new ResidualBlock(16);

  forward(x: Tensor<[Batch, 3, 32, 32]>) {
    return this.block(this.stem(x));
  }
}
