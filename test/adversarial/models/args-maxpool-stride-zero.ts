// nn.MaxPool2d(2, 0): stride 0
// expect: TSDP3004 6:30
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  pool = new nn.MaxPool2d(2, 0);
  forward(x: Tensor<[Batch, 1, 8, 8]>) {
    return this.pool(x);
  }
}
