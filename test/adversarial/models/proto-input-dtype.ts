// an input dtype named after Object.prototype's constructor
// expect: TSDP4004 6:33
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  forward(x: Tensor<[Batch, 2], "constructor">) {
    return x;
  }
}
