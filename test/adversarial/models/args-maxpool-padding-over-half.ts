// nn.MaxPool2d with padding larger than half the kernel (PyTorch refuses)
// expect: TSDP3004 6:41
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  pool = new nn.MaxPool2d(2, { padding: 2 });
  forward(x: Tensor<[Batch, 1, 8, 8]>) {
    return this.pool(x);
  }
}
