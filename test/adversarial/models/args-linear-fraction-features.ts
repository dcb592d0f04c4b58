// nn.Linear(8, 16 / 3): a computed size that is not an integer
// expect: TSDP3003 6:25
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  fc = new nn.Linear(8, 16 / 3);
  forward(x: Tensor<[Batch, 8]>) {
    return this.fc(x);
  }
}
