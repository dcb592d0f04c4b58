// a constructor parameter property holding a layer, with a non-ASCII name
// expect: TSDP3008 7:22
import { nn, F, type Tensor, type Batch, Training, optim } from "tsdp/dsl";

export class Net extends nn.Module {
  fc = new nn.Linear(4, 3);
  constructor(public lineär = new nn.Linear(4, 4)) {
    super();
  }
  forward(x: Tensor<[Batch, 4]>) {
    return this.fc(x);
  }
}
