// Invalid argument: PyTorch's snake_case keyword kernel_size used as an option; tsdp spells it kernelSize.
// expect: TSDP3004 6:33
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Snake extends nn.Module {
  conv = new nn.Conv2d(3, 16, { kernel_size: 3, padding: 1 });

  forward(x: Tensor<[Batch, 3, 32, 32]>) {
    return F.relu(this.conv(x));
  }
}
