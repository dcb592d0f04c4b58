// nn.Conv2d with a negative entry in a stride pair
// expect: TSDP3004 6:43
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  conv = new nn.Conv2d(1, 4, 3, { stride: [1, -2] });
  forward(x: Tensor<[Batch, 1, 8, 8]>) {
    return this.conv(x);
  }
}
