// Missing super(): a hand-written constructor forgets to call super() first.
// expect: TSDP2001 8:3
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class NoSuper extends nn.Module {
  fc: nn.Linear;

  constructor() {
    this.fc = new nn.Linear(8, 2);
  }

  forward(x: Tensor<[Batch, 8]>) {
    return F.sigmoid(this.fc(x));
  }
}
