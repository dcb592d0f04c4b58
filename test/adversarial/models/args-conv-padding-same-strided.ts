// nn.Conv2d padding "same" with stride 2 (PyTorch refuses it)
// expect: TSDP3004 6:55
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  conv = new nn.Conv2d(1, 4, 3, { stride: 2, padding: "same" });
  forward(x: Tensor<[Batch, 1, 8, 8]>) {
    return this.conv(x);
  }
}
