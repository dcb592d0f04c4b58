// F.avgPool2d(x, -2)
// expect: TSDP3004 8:27
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {

  forward(x: Tensor<[Batch, 1, 8, 8]>) {
    return F.avgPool2d(x, -2);
  }
}
