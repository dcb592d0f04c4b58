// Runtime-only global: the hidden size is read from process.env, which does not exist at compile time.
// expect: TSDP2005 5:23
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

const HIDDEN = Number(process.env.HIDDEN_SIZE ?? "128");

export class EnvSized extends nn.Module {
  fc1 = new nn.Linear(20, HIDDEN);
  fc2 = new nn.Linear(HIDDEN, 2);

  forward(x: Tensor<[Batch, 20]>) {
    return this.fc2(F.relu(this.fc1(x)));
  }
}
