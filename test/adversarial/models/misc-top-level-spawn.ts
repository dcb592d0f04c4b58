// A model file that tries to run a program at compile time: top-level code is refused, never run.
// expect: TSDP1003 3:26
import { execSync } from "node:child_process";
import { nn, type Tensor, type Batch } from "tsdp/dsl";

export class Tiny extends nn.Module {
  fc = new nn.Linear(4, 2);
  forward(x: Tensor<[Batch, 4]>) {
    return this.fc(x);
  }
}
