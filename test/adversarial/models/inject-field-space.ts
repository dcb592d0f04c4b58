// a field name with a space
// expect: TSDP3008 8:3
import { nn, F, type Tensor, type Batch, Training, optim } from "tsdp/dsl";

export class Net extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  fc2 = new nn.Linear(8, 3);
  "my layer" = new nn.Linear(4, 4);
  forward(x: Tensor<[Batch, 4]>) {
    return this.fc2(F.relu(this.fc1(x)));
  }
}
