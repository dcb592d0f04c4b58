// nn.BatchNorm1d with bad eps, momentum and affine at once
// expect: TSDP3004 8:37
// expect: TSDP3004 8:54
// expect: TSDP3003 8:67
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  bn = new nn.BatchNorm1d(8, { eps: -1e-5, momentum: NaN, affine: 1 });
  forward(x: Tensor<[Batch, 8]>) {
    return this.bn(x);
  }
}
