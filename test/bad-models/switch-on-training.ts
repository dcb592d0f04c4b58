// A switch over this.training in forward: the train/eval mode changes at run time, so no branch can be chosen when compiling.
// expect: TSDP2007 13:13
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class ModeSwitch extends nn.Module {
  fc = new nn.Linear(16, 16);

  constructor() {
    super();
  }

  forward(x: Tensor<[Batch, 16]>) {
    switch (this.training) {
      case true:
        return F.dropout(this.fc(x), 0.1);
      default:
        return this.fc(x);
    }
  }
}
