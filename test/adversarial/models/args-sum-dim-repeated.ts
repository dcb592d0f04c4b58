// x.sum([1, 1])
// expect: TSDP3004 8:12
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {

  forward(x: Tensor<[Batch, 8]>) {
    return x.sum([1, 1], true);
  }
}
