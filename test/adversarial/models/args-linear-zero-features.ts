// nn.Linear(8, 0): no output features
// expect: TSDP3004 6:25
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  fc = new nn.Linear(8, 0);
  forward(x: Tensor<[Batch, 8]>) {
    return this.fc(x);
  }
}
