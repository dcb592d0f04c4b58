// F.maxPool2d(x, 2, null): a null stride means the kernel size, as in PyTorch
// expect: ok
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {

  forward(x: Tensor<[Batch, 1, 8, 8]>) {
    return F.maxPool2d(x, 2, null);
  }
}
