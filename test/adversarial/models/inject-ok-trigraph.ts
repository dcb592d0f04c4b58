// a ??/ trigraph (a backslash in old C) at the end of a quoted line
// expect: ok
import { nn, F, type Tensor, type Batch, Training, optim } from "tsdp/dsl";

export class Net extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  fc2 = new nn.Linear(8, 3);
  forward(x: Tensor<[Batch, 4]>) {
    const h = F.relu(this.fc1(x)); // ??/
    return this.fc2(h); // ??=
  }
}
