// nn.Linear(8, Infinity)
// expect: TSDP3004 6:25
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  fc = new nn.Linear(8, Infinity);
  forward(x: Tensor<[Batch, 8]>) {
    return this.fc(x);
  }
}
