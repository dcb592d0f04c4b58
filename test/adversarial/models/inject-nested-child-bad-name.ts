// a bad layer name inside a submodule class, not the model
// expect: TSDP3008 6:3
import { nn, F, type Tensor, type Batch, Training, optim } from "tsdp/dsl";

class Block extends nn.Module {
  "inner layer" = new nn.Linear(4, 4);
  forward(x: Tensor<[Batch, 4]>) {
    return x;
  }
}

export class Net extends nn.Module {
  block = new Block();
  fc = new nn.Linear(4, 3);
  forward(x: Tensor<[Batch, 4]>) {
    return this.fc(this.block(x));
  }
}
