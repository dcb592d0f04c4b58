// forward returning [output, weight]: the second has no Batch dim and the batch does not reach it, returned once
// expect: ok
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  fc = new nn.Linear(8, 3);
  forward(x: Tensor<[Batch, 8]>) {
    return [this.fc(x), this.fc.bias];
  }
}
