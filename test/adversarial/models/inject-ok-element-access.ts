// a layer read as this["fc1"], as getattr would
// expect: ok
import { nn, F, type Tensor, type Batch, Training, optim } from "tsdp/dsl";

export class Net extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  fc2 = new nn.Linear(8, 3);
  forward(x: Tensor<[Batch, 4]>) {
    return this.fc2(F.relu(this["fc1"](x)));
  }
}
