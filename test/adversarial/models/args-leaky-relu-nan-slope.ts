// nn.LeakyReLU(NaN)
// expect: TSDP3004 6:26
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  act = new nn.LeakyReLU(NaN);
  forward(x: Tensor<[Batch, 8]>) {
    return this.act(x);
  }
}
