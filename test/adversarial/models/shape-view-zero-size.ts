// x.view(0, -1): a size of 0
// expect: TSDP4001 8:12
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {

  forward(x: Tensor<[Batch, 8]>) {
    return x.view(0, -1);
  }
}
