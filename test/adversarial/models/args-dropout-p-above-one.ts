// nn.Dropout(1.5)
// expect: TSDP3004 6:25
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  drop = new nn.Dropout(1.5);
  forward(x: Tensor<[Batch, 8]>) {
    return this.drop(x);
  }
}
