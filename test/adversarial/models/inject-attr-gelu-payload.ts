// a GELU approximate string with a newline and #error
// expect: TSDP3004 8:36
import { nn, F, type Tensor, type Batch, Training, optim } from "tsdp/dsl";

export class Net extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  fc2 = new nn.Linear(8, 3);
  act = new nn.GELU({ approximate: "tanh\n#error injected" });
  forward(x: Tensor<[Batch, 4]>) {
    return this.fc2(this.act(this.fc1(x)));
  }
}
