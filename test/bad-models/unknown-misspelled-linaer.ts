// Unknown layer: nn.Linaer is a misspelling of nn.Linear.
// expect: TSDP3001 7:13
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Typo extends nn.Module {
  fc1 = new nn.Linear(784, 256);
  fc2 = new nn.Linaer(256, 10);

  forward(x: Tensor<[Batch, 784]>) {
    return this.fc2(F.relu(this.fc1(x)));
  }
}
