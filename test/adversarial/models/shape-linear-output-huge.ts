// nn.Linear(8, 2**31 - 1): a weight of 8 * (2^31 - 1) elements
// expect: TSDP4006 6:8
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  fc = new nn.Linear(8, 2 ** 31 - 1);
  forward(x: Tensor<[Batch, 8]>) {
    return this.fc(x);
  }
}
