// Unsupported syntax: a setter on a model class (an assignment would run code; getters are fine).
// expect: TSDP2001 13:3
import { nn, type Tensor, type Batch } from "tsdp/dsl";

export class WithSetter extends nn.Module {
  hidden = 64;
  fc = new nn.Linear(32, this.hidden);

  get outFeatures() {
    return this.hidden;
  }

  set outFeatures(n: number) {
    this.hidden = n;
  }

  forward(x: Tensor<[Batch, 32]>) {
    return this.fc(x);
  }
}
