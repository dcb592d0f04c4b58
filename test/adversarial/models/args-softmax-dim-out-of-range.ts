// F.softmax(x, 2) on a 2-D tensor
// expect: TSDP3004 8:12
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {

  forward(x: Tensor<[Batch, 8]>) {
    return F.softmax(x, 2);
  }
}
