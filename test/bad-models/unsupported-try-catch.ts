// Unsupported syntax: try/catch around a layer call.
// expect: TSDP2001 9:5
import { nn, type Tensor, type Batch } from "tsdp/dsl";

export class Guarded extends nn.Module {
  fc = new nn.Linear(20, 5);

  forward(x: Tensor<[Batch, 20]>) {
    try {
      return this.fc(x);
    } catch (e) {
      return x;
    }
  }
}
