// nn.Conv2d padding 2**30: the output would be past int32
// expect: TSDP4006 8:12
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  conv = new nn.Conv2d(1, 1, 1, { padding: 2 ** 30 });
  forward(x: Tensor<[Batch, 1, 8, 8]>) {
    return this.conv(x);
  }
}
