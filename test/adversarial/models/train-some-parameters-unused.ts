// a model with one unused layer and one used: trains (the unused one gets a zero gradient)
// expect: ok
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  used = new nn.Linear(8, 3);
  spare = new nn.Linear(8, 3);
  forward(x: Tensor<[Batch, 8]>) {
    return this.used(x);
  }
}

export const training = new Training(Net, {
  loss: new nn.CrossEntropyLoss(),
  optimizer: new optim.SGD({ lr: 0.1, momentum: 0.9 }),
});
