// Model constructor needs arguments: tsdp creates the model with none, so `hidden` needs a default value.
// expect: TSDP3002 9:15
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Sized extends nn.Module {
  fc1: nn.Linear;
  fc2: nn.Linear;

  constructor(hidden: number, classes = 10) {
    super();
    this.fc1 = new nn.Linear(784, hidden);
    this.fc2 = new nn.Linear(hidden, classes);
  }

  forward(x: Tensor<[Batch, 784]>) {
    return this.fc2(F.relu(this.fc1(x)));
  }
}
