// non-ASCII local names in forward, quoted in kernel comments
// expect: ok
import { nn, F, type Tensor, type Batch, Training, optim } from "tsdp/dsl";

export class Net extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  fc2 = new nn.Linear(8, 3);
  forward(x: Tensor<[Batch, 4]>) {
    const données = F.relu(this.fc1(x));
    const 結果 = this.fc2(données);
    return 結果;
  }
}
