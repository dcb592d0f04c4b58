// nn.Conv2d whose weight alone holds more than 2^31 - 1 elements
// expect: TSDP4006 6:10
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  conv = new nn.Conv2d(1, 65536, 200);
  forward(x: Tensor<[Batch, 1, 8, 8]>) {
    return this.conv(x);
  }
}
