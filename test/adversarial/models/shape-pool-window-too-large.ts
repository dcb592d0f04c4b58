// nn.MaxPool2d(16) on an 8x8 input: the output would be 0x0
// expect: TSDP4001 8:12
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  pool = new nn.MaxPool2d(16);
  forward(x: Tensor<[Batch, 1, 8, 8]>) {
    return this.pool(x);
  }
}
