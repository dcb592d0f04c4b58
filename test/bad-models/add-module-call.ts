// PyTorch's add_module: a model class adds a submodule as a field; the call names the callee and says so.
// expect: TSDP2010 10:33
import { nn, type Tensor, type Batch } from "tsdp/dsl";

export class Stacked extends nn.Module {
  head = new nn.Linear(16, 2);

  constructor() {
    super();
    for (let i = 0; i < 2; i++) this.addModule(`layer${i}`, new nn.Linear(16, 16));
  }

  forward(x: Tensor<[Batch, 16]>) {
    return this.head(x);
  }
}
