// x.flatten(2, 1) on a 4-D tensor
// expect: TSDP3004 8:12
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {

  forward(x: Tensor<[Batch, 1, 8, 8]>) {
    return x.flatten(2, 1);
  }
}
