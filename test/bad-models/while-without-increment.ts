// A while loop whose counter is never incremented: it would run forever, so the compiler stops it.
// expect: TSDP2008 11:5
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Repeated extends nn.Module {
  layer = new nn.Linear(32, 32);
  steps = 3;

  forward(x: Tensor<[Batch, 32]>) {
    let i = 0;
    while (i < this.steps) {
      x = F.relu(this.layer(x));
    }
    return x;
  }
}
