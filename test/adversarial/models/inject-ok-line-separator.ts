// U+2028 in a comment of forward (a line break for JavaScript, not for C)
// expect: ok
import { nn, F, type Tensor, type Batch, Training, optim } from "tsdp/dsl";

export class Net extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  fc2 = new nn.Linear(8, 3);
  forward(x: Tensor<[Batch, 4]>) {
    const h = F.relu(this.fc1(x)); // a // static int x = __builtin_puts("PWNED");
    return this.fc2(h);
  }
}
