// Unsupported syntax: a getter on a model class.
// expect: TSDP2001 9:3
import { nn, type Tensor, type Batch } from "tsdp/dsl";

export class WithGetter extends nn.Module {
  hidden = 64;
  fc = new nn.Linear(32, this.hidden);

  get outFeatures() {
    return this.hidden;
  }

  forward(x: Tensor<[Batch, 32]>) {
    return this.fc(x);
  }
}
