// optim.AdamW with eps 0: PyTorch's rule is 0 ≤ eps, so it compiles (a parameter the loss does not
// reach is skipped by the update, so its zero gradient makes no 0/0; one whose gradient is 0 gets
// NaN, as in PyTorch)
// expect: ok
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
  optimizer: new optim.AdamW({ lr: 1e-3, eps: 0 }),
});
