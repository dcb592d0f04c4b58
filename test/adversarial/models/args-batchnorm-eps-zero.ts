// nn.BatchNorm2d with eps 0 (divides by a zero variance)
// expect: TSDP3004 6:37
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  bn = new nn.BatchNorm2d(1, { eps: 0 });
  forward(x: Tensor<[Batch, 1, 8, 8]>) {
    return this.bn(x);
  }
}
