// nn.Conv2d with dilation 4 on an 8x8 input: the effective kernel is 9
// expect: TSDP4001 8:12
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  conv = new nn.Conv2d(1, 4, 3, { dilation: 4 });
  forward(x: Tensor<[Batch, 1, 8, 8]>) {
    return this.conv(x);
  }
}
