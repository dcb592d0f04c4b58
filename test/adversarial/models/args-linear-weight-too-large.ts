// nn.Linear(65536, 65536): a 2^32-element weight
// expect: TSDP4006 6:8
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  fc = new nn.Linear(65536, 65536);
  forward(x: Tensor<[Batch, 65536]>) {
    return this.fc(x);
  }
}
