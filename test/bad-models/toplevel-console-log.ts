// Top-level code: console.log at the top of the file would run when the file is loaded.
// expect: TSDP2002 5:1
import { nn, type Tensor, type Batch } from "tsdp/dsl";

console.log("building the model");

export class Logged extends nn.Module {
  fc = new nn.Linear(4, 2);

  forward(x: Tensor<[Batch, 4]>) {
    return this.fc(x);
  }
}
