// a stride larger than the input is legal: one output pixel
// expect: ok
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  conv = new nn.Conv2d(1, 4, 3, { stride: 100 });
  forward(x: Tensor<[Batch, 1, 8, 8]>) {
    return this.conv(x).flatten(1);
  }
}
