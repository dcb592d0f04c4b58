// Runtime-only global: eval() computing a layer width from a string.
// expect: TSDP2005 5:15
import { nn, type Tensor, type Batch } from "tsdp/dsl";

const WIDTH = eval("16 * 4");

export class Evaluated extends nn.Module {
  fc = new nn.Linear(8, WIDTH);

  forward(x: Tensor<[Batch, 8]>) {
    return this.fc(x);
  }
}
