// optim.SGD({ weightDecay: "1e-4" })
// expect: TSDP3003 15:52
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
  optimizer: new optim.SGD({ lr: 0.1, weightDecay: "1e-4" }),
});
