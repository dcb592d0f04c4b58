// a plain number field with a name that is no identifier: it names no layer, so it is allowed
// expect: ok
import { nn, F, type Tensor, type Batch, Training, optim } from "tsdp/dsl";

export class Net extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  fc2 = new nn.Linear(8, 3);
  "hidden size" = 8;
  "0" = 3;
  forward(x: Tensor<[Batch, 4]>) {
    return this.fc2(F.relu(this.fc1(x)));
  }
}
