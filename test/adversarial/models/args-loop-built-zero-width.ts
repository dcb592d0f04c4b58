// layers built in a loop from a width list that contains 0
// expect: TSDP3004 11:46
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  layers = new nn.ModuleList();
  constructor() {
    super();
    let prev = 8;
    for (const width of [16, 0, 4]) {
      this.layers.append(new nn.Linear(prev, width));
      prev = width;
    }
  }
  forward(x: Tensor<[Batch, 8]>) {
    for (const layer of this.layers) x = layer(x);
    return x;
  }
}
