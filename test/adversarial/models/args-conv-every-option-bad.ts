// nn.Conv2d with three bad options at once: all three are reported
// expect: TSDP3004 8:43
// expect: TSDP3004 8:56
// expect: TSDP3003 8:66
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  conv = new nn.Conv2d(1, 4, 3, { stride: 0, dilation: -1, bias: "no" });
  forward(x: Tensor<[Batch, 1, 8, 8]>) {
    return this.conv(x);
  }
}
