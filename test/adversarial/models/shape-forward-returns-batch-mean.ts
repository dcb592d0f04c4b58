// forward reducing over the batch: x.mean(0)
// expect: TSDP4005 8:12
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {

  forward(x: Tensor<[Batch, 8]>) {
    return x.mean(0);
  }
}
