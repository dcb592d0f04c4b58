// forward lines holding */ and #error, quoted in kernel comments
// expect: ok
import { nn, F, type Tensor, type Batch, Training, optim } from "tsdp/dsl";

export class Net extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  fc2 = new nn.Linear(8, 3);
  forward(x: Tensor<[Batch, 4]>) {
    const h = F.relu(this.fc1(x)); // */ #error injected /*
    return this.fc2(h); /* */ // */ static int x = __builtin_puts("PWNED");
  }
}
