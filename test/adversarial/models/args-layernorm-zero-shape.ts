// nn.LayerNorm([0])
// expect: TSDP3004 6:25
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  ln = new nn.LayerNorm([0]);
  forward(x: Tensor<[Batch, 8]>) {
    return this.ln(x);
  }
}
