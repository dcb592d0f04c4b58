// nn.Sequential holding nn.Linear(8, 0)
// expect: TSDP3004 6:45
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  body = new nn.Sequential(new nn.Linear(8, 0), new nn.ReLU());
  forward(x: Tensor<[Batch, 8]>) {
    return this.body(x);
  }
}
