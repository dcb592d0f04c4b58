// Module-level mutable: a `let` at the top of the file holds the width.
// expect: TSDP2012 5:1
import { nn, type Tensor, type Batch } from "tsdp/dsl";

let width = 32;

export class Mutable extends nn.Module {
  fc = new nn.Linear(width, 10);

  forward(x: Tensor<[Batch, 32]>) {
    return this.fc(x);
  }
}
