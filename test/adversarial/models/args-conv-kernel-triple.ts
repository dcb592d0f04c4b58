// nn.Conv2d with a 3-element kernel size (a Conv3d habit)
// expect: TSDP3003 6:30
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  conv = new nn.Conv2d(1, 4, [3, 3, 3]);
  forward(x: Tensor<[Batch, 1, 8, 8]>) {
    return this.conv(x);
  }
}
