// layers named like functions of the generated harness (optimizer_update, tsdp_accumulate)
// expect: ok
import { nn, F, type Tensor, type Batch, Training, optim } from "tsdp/dsl";

export class Net extends nn.Module {
  optimizer_update = new nn.Linear(4, 8);
  tsdp_accumulate = new nn.Linear(8, 3);
  forward(x: Tensor<[Batch, 4]>) {
    return this.tsdp_accumulate(F.relu(this.optimizer_update(x)));
  }
}

export const training = new Training(Net, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.1 }) });
