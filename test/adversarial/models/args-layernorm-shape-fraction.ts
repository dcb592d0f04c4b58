// nn.LayerNorm([8.5])
// expect: TSDP3003 6:25
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  ln = new nn.LayerNorm([8.5]);
  forward(x: Tensor<[Batch, 8]>) {
    return this.ln(x);
  }
}
