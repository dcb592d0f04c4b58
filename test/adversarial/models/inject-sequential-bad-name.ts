// an nn.Sequential stored under a name with a semicolon (a C statement separator)
// expect: TSDP3008 8:3
import { nn, F, type Tensor, type Batch, Training, optim } from "tsdp/dsl";

export class Net extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  fc2 = new nn.Linear(8, 3);
  "seq;1" = new nn.Sequential(new nn.Linear(4, 4), new nn.ReLU());
  forward(x: Tensor<[Batch, 4]>) {
    return this.fc2(F.relu(this.fc1(x)));
  }
}
