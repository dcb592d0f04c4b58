// x.mul(1e39): a constant past float32's range
// expect: TSDP3004 8:18
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {

  forward(x: Tensor<[Batch, 8]>) {
    return x.mul(1e39);
  }
}
