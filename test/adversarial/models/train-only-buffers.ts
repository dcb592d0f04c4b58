// a model whose only layer is a BatchNorm without affine parameters
// expect: TSDP5005 12:25
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  bn = new nn.BatchNorm1d(8, { affine: false });
  forward(x: Tensor<[Batch, 8]>) {
    return this.bn(x);
  }
}

export const training = new Training(Net, {
  loss: new nn.MSELoss(),
  optimizer: new optim.Adam({ lr: 1e-3 }),
});
