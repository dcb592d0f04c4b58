// forward returning x.view(-1, 4) of [Batch, 8]: its dim 0 is 2*Batch
// expect: TSDP4005 8:12
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {

  forward(x: Tensor<[Batch, 8]>) {
    return x.view(-1, 4);
  }
}
