// nn.AvgPool2d(3, 1, -1)
// expect: TSDP3004 6:33
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  pool = new nn.AvgPool2d(3, 1, -1);
  forward(x: Tensor<[Batch, 1, 8, 8]>) {
    return this.pool(x);
  }
}
