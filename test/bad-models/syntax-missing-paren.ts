// Syntax error: a call in forward is missing its closing parenthesis.
// expect: TSDP1002 10:27
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class TinyNet extends nn.Module {
  fc1 = new nn.Linear(784, 128);
  fc2 = new nn.Linear(128, 10);

  forward(x: Tensor<[Batch, 784]>) {
    x = F.relu(this.fc1(x);
    return this.fc2(x);
  }
}
