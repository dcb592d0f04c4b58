// a quoted field name that closes the state table's C string and adds a statement that runs at load
// expect: TSDP3008 8:3
import { nn, F, type Tensor, type Batch, Training, optim } from "tsdp/dsl";

export class Net extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  fc2 = new nn.Linear(8, 3);
  'q", 0, 0, F32, 0}, 0, 0, 0, 0, 0u, 0}}; static int x = __builtin_puts("PWNED"); static int y[] = {{{"z' = new nn.Linear(4, 4);
  forward(x: Tensor<[Batch, 4]>) {
    return this.fc2(F.relu(this.fc1(x)));
  }
}
