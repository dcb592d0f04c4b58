import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

// LeNet, the model of the mission's seed document, line for line.
export class SimpleModel extends nn.Module {
  conv1 = new nn.Conv2d(1, 20, 5);
  pool = new nn.MaxPool2d(2, 2);
  conv2 = new nn.Conv2d(20, 50, 5);
  fc1 = new nn.Linear(50 * 4 * 4, 500);
  fc2 = new nn.Linear(500, 10);

  forward(x: Tensor<[Batch, 1, 28, 28]>) {
    x = this.pool(F.relu(this.conv1(x)));
    x = this.pool(F.relu(this.conv2(x)));
    x = x.view(-1, 50 * 4 * 4);
    x = F.relu(this.fc1(x));
    return this.fc2(x);
  }
}

export const training = new Training(SimpleModel, {
  loss: new nn.CrossEntropyLoss(),
  optimizer: new optim.SGD({ lr: 0.01, momentum: 0.9 }),
});
