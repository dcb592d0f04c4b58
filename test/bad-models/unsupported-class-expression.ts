// Unsupported syntax: a block defined as a class expression assigned to a const.
// expect: TSDP2001 5:15
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

const Block = class extends nn.Module {
  fc = new nn.Linear(10, 10);
  forward(x: Tensor) {
    return F.relu(this.fc(x));
  }
};

export class Net extends nn.Module {
  block = new Block();
  forward(x: Tensor<[Batch, 10]>) {
    return this.block(x);
  }
}
