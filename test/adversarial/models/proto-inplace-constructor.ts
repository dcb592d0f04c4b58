// y.constructor_(): an in-place form of Object.prototype.constructor
// expect: TSDP2011 8:5
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  forward(x: Tensor<[Batch, 2]>) {
    const y = x.clone();
    (y as any).constructor_();
    return y;
  }
}
