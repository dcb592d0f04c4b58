// Unsupported syntax: a while loop in forward (loops must be for loops with constant bounds).
// expect: TSDP2001 11:5
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Repeated extends nn.Module {
  layer = new nn.Linear(32, 32);
  steps = 3;

  forward(x: Tensor<[Batch, 32]>) {
    let i = 0;
    while (i < this.steps) {
      x = F.relu(this.layer(x));
      i++;
    }
    return x;
  }
}
