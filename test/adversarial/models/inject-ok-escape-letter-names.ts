// layers named Z and ZZ, the escape character of tsdp's identifier mangling
// expect: ok
import { nn, F, type Tensor, type Batch, Training, optim } from "tsdp/dsl";

export class Net extends nn.Module {
  Z = new nn.Linear(4, 8);
  ZZ = new nn.Linear(8, 3);
  forward(x: Tensor<[Batch, 4]>) {
    return this.ZZ(F.relu(this.Z(x)));
  }
}
