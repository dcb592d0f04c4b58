// nn.Dropout({ p: NaN })
// expect: TSDP3004 6:30
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  drop = new nn.Dropout({ p: NaN });
  forward(x: Tensor<[Batch, 8]>) {
    return this.drop(x);
  }
}
