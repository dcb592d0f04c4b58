// a forward parameter named target, the name of the training target
// expect: TSDP3008 8:11
import { nn, F, type Tensor, type Batch, Training, optim } from "tsdp/dsl";

export class Net extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  fc2 = new nn.Linear(8, 3);
  forward(target: Tensor<[Batch, 4]>) {
    return this.fc2(F.relu(this.fc1(target)));
  }
}

export const training = new Training(Net, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.1 }) });
