// an input dim of 1e12
// expect: TSDP4006 7:29
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {

  forward(x: Tensor<[Batch, 1000000000000]>) {
    return x.relu();
  }
}
