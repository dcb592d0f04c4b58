// nn.Conv2d(2**31, 2**31, 3): channel counts past int32
// expect: TSDP4006 7:24
// expect: TSDP4006 7:33
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  conv = new nn.Conv2d(2 ** 31, 2 ** 31, 3);
  forward(x: Tensor<[Batch, 1, 8, 8]>) {
    return this.conv(x);
  }
}
