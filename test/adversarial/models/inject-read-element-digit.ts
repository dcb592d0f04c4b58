// this[0](x) on a model class, which is no nn.Sequential
// expect: TSDP3008 9:33
import { nn, F, type Tensor, type Batch, Training, optim } from "tsdp/dsl";

export class Net extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  fc2 = new nn.Linear(8, 3);
  forward(x: Tensor<[Batch, 4]>) {
    return this.fc2(F.relu(this[0](x)));
  }
}
