// F.crossEntropy with labelSmoothing 1.5 in a loss function
// expect: TSDP3004 14:96
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  fc1 = new nn.Linear(8, 16);
  fc2 = new nn.Linear(16, 3);
  forward(x: Tensor<[Batch, 8]>) {
    return this.fc2(F.relu(this.fc1(x)));
  }
}

export const training = new Training(Net, {
  loss: (out: Tensor, y: Tensor<[Batch], "int32">) => F.crossEntropy(out, y, { labelSmoothing: 1.5 }),
  optimizer: new optim.SGD({ lr: 0.1 }),
});
