import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

// The convolutional net of the MNIST example in PyTorch's official examples repository
// (pytorch/examples, mnist/main.py): two 3×3 convolutions, one 2×2 max pool, dropout, and two
// fully connected layers ending in log-probabilities over the ten digits. Layer names, sizes
// and the order of operations follow the original, so the state_dict keys match.

export class Net extends nn.Module {
  conv1 = new nn.Conv2d(1, 32, 3, 1);
  conv2 = new nn.Conv2d(32, 64, 3, 1);
  dropout1 = new nn.Dropout(0.25);
  dropout2 = new nn.Dropout(0.5);
  fc1 = new nn.Linear(9216, 128); // 64 channels × 12 × 12 after the pool
  fc2 = new nn.Linear(128, 10);

  forward(x: Tensor<[Batch, 1, 28, 28]>) {
    x = this.conv1(x); // [Batch, 32, 26, 26]
    x = F.relu(x);
    x = this.conv2(x); // [Batch, 64, 24, 24]
    x = F.relu(x);
    x = F.maxPool2d(x, 2); // [Batch, 64, 12, 12]
    x = this.dropout1(x);
    x = F.flatten(x, 1); // [Batch, 9216]
    x = this.fc1(x);
    x = F.relu(x);
    x = this.dropout2(x);
    x = this.fc2(x);
    return F.logSoftmax(x, 1);
  }
}

// The original trains with F.nll_loss and optim.Adadelta(lr=1.0) under a StepLR schedule.
// tsdp has no Adadelta, so this port uses Adam at its usual default learning rate instead.
export const training = new Training(Net, {
  loss: new nn.NLLLoss(),
  optimizer: new optim.Adam({ lr: 1e-3 }),
});
