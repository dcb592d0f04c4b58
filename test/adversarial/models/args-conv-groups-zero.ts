// nn.Conv2d with groups 0
// expect: TSDP3004 6:43
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  conv = new nn.Conv2d(4, 4, 3, { groups: 0 });
  forward(x: Tensor<[Batch, 4, 8, 8]>) {
    return this.conv(x);
  }
}
