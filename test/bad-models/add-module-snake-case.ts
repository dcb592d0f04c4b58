// PyTorch's add_module spelled in snake case: the message gives the model language's addModule.
// expect: TSDP2011 10:33
import { nn, type Tensor, type Batch } from "tsdp/dsl";

export class Stacked extends nn.Module {
  head = new nn.Linear(16, 2);

  constructor() {
    super();
    for (let i = 0; i < 2; i++) this.add_module(`layer${i}`, new nn.Linear(16, 16));
  }

  forward(x: Tensor<[Batch, 16]>) {
    return this.head(x);
  }
}
