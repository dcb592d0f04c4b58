// forward calling itself on the same module with no base case, building tensors at each level
// expect: TSDP2014 7:12
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
export class M extends nn.Module {
  fc = new nn.Linear(4, 4);
  forward(x: Tensor<[Batch, 4]>): Tensor {
    return this.forward(this.fc(x));
  }
}
