// nn.AdaptiveAvgPool2d(1.5)
// expect: TSDP3003 6:35
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  pool = new nn.AdaptiveAvgPool2d(1.5);
  forward(x: Tensor<[Batch, 1, 8, 8]>) {
    return this.pool(x);
  }
}
