// nn.Flatten(NaN)
// expect: TSDP3004 6:25
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  flat = new nn.Flatten(NaN);
  forward(x: Tensor<[Batch, 1, 8, 8]>) {
    return this.flat(x);
  }
}
