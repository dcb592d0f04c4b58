// nn.BatchNorm1d with momentum 2
// expect: TSDP3004 6:42
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  bn = new nn.BatchNorm1d(8, { momentum: 2 });
  forward(x: Tensor<[Batch, 8]>) {
    return this.bn(x);
  }
}
