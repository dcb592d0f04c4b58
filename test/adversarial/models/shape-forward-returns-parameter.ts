// forward returning a parameter (no Batch dim): the batch does not reach it, so every replica has the same value and it is returned once (open_clip's logit_scale.exp())
// expect: ok
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  fc = new nn.Linear(8, 3);
  forward(x: Tensor<[Batch, 8]>) {
    return this.fc.weight;
  }
}
