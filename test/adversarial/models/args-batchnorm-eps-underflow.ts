// nn.BatchNorm1d eps 1e-50, which is 0 in float32
// expect: TSDP3004 6:37
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  bn = new nn.BatchNorm1d(8, { eps: 1e-50 });
  forward(x: Tensor<[Batch, 8]>) {
    return this.bn(x);
  }
}
