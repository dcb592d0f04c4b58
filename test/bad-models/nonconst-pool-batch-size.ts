// Non-constant shape: the pooling kernel is sized by x.size(0), which is the batch size and unknown until run time.
// expect: TSDP2003 10:24
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class GlobalPool extends nn.Module {
  fc = new nn.Linear(16, 10);

  forward(x: Tensor<[Batch, 16, 8, 8]>) {
    const n = x.size(0);
    x = F.avgPool2d(x, n);
    return this.fc(x.flatten(1));
  }
}
