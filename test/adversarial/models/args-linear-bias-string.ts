// nn.Linear with bias "false" (a string, not a boolean)
// expect: TSDP3003 6:36
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  fc = new nn.Linear(8, 3, { bias: "false" });
  forward(x: Tensor<[Batch, 8]>) {
    return this.fc(x);
  }
}
