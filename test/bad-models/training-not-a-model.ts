// Invalid training declaration: the first argument is an instance of the model, not the model class.
// expect: TSDP5004 13:38
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  fc = new nn.Linear(4, 3);

  forward(x: Tensor<[Batch, 4]>) {
    return this.fc(x);
  }
}

export const training = new Training(new Net(), {
  loss: new nn.CrossEntropyLoss(),
  optimizer: new optim.SGD({ lr: 0.1 }),
});
