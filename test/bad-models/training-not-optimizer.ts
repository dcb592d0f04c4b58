// Invalid training declaration: the optimizer is a plain options object, not new optim.SGD(...).
// expect: TSDP5004 17:14
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Classifier extends nn.Module {
  fc = new nn.Linear(784, 10);

  forward(x: Tensor<[Batch, 784]>) {
    return this.fc(x);
  }
}

const lr = 0.01;

export const training = new Training(Classifier, {
  loss: new nn.CrossEntropyLoss(),
  optimizer: { kind: "sgd", lr },
});
