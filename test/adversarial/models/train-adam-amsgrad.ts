// optim.Adam({ amsgrad: "yes" }): a switch that is not a boolean (refused at its value), with a bad lr
// expect: TSDP3004 16:35
// expect: TSDP3003 16:48
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  fc1 = new nn.Linear(8, 16);
  fc2 = new nn.Linear(16, 3);
  forward(x: Tensor<[Batch, 8]>) {
    return this.fc2(F.relu(this.fc1(x)));
  }
}

export const training = new Training(Net, {
  loss: new nn.CrossEntropyLoss(),
  optimizer: new optim.Adam({ lr: -1, amsgrad: "yes" }),
});
