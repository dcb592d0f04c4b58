// Invalid training declaration: Training names a plain config class instead of the nn.Module model.
// expect: TSDP5004 19:38
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

class Hyperparameters {
  lr = 0.01;
}

export class Mlp extends nn.Module {
  fc1 = new nn.Linear(20, 64);
  fc2 = new nn.Linear(64, 3);
  act = new nn.ReLU();

  forward(x: Tensor<[Batch, 20]>) {
    return this.fc2(this.act(this.fc1(x)));
  }
}

export const training = new Training(Hyperparameters, {
  loss: new nn.CrossEntropyLoss(),
  optimizer: new optim.SGD({ lr: 0.01 }),
});
