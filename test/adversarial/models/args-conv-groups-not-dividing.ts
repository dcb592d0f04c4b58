// nn.Conv2d with groups that do not divide the input channels
// expect: TSDP3004 6:43
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  conv = new nn.Conv2d(3, 6, 3, { groups: 2 });
  forward(x: Tensor<[Batch, 3, 8, 8]>) {
    return this.conv(x);
  }
}
