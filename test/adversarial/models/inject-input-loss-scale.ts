// a forward parameter named loss_scale, an input of the generated training step
// expect: TSDP3008 8:11
import { nn, F, type Tensor, type Batch, Training, optim } from "tsdp/dsl";

export class Net extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  fc2 = new nn.Linear(8, 3);
  forward(loss_scale: Tensor<[Batch, 4]>) {
    return this.fc2(F.relu(this.fc1(loss_scale)));
  }
}

export const training = new Training(Net, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.1 }) });
