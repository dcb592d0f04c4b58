// nn.Conv2d(3 / 2, 4, 3): a computed channel count that is not an integer
// expect: TSDP3003 6:24
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  conv = new nn.Conv2d(3 / 2, 4, 3);
  forward(x: Tensor<[Batch, 1, 8, 8]>) {
    return this.conv(x);
  }
}
