import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

// The small convolutional network of PyTorch's "Training a Classifier" tutorial (the CIFAR-10
// part of "Deep Learning with PyTorch: A 60 Minute Blitz"): two 5×5 convolutions, each followed
// by ReLU and a shared 2×2 max pool, then three fully connected layers down to ten classes.
// Trained, as in the tutorial, with cross-entropy and SGD (lr 0.001, momentum 0.9).

export class Net extends nn.Module {
  conv1 = new nn.Conv2d(3, 6, 5);
  pool = new nn.MaxPool2d(2, 2);
  conv2 = new nn.Conv2d(6, 16, 5);
  fc1 = new nn.Linear(16 * 5 * 5, 120);
  fc2 = new nn.Linear(120, 84);
  fc3 = new nn.Linear(84, 10);

  forward(x: Tensor<[Batch, 3, 32, 32]>) {
    x = this.pool(F.relu(this.conv1(x))); // [Batch, 6, 14, 14]
    x = this.pool(F.relu(this.conv2(x))); // [Batch, 16, 5, 5]
    x = F.flatten(x, 1); // flatten all dimensions except batch: [Batch, 400]
    x = F.relu(this.fc1(x));
    x = F.relu(this.fc2(x));
    x = this.fc3(x);
    return x;
  }
}

export const training = new Training(Net, {
  loss: new nn.CrossEntropyLoss(),
  optimizer: new optim.SGD({ lr: 0.001, momentum: 0.9 }),
});
