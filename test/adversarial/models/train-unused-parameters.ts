// a model whose forward ignores its only layer: the loss depends on no parameter
// expect: TSDP5005 12:25
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  fc = new nn.Linear(8, 3);
  forward(x: Tensor<[Batch, 8]>) {
    return x.view(-1, 2, 4).sum(1).softmax(1);
  }
}

export const training = new Training(Net, {
  loss: new nn.MSELoss(),
  optimizer: new optim.SGD({ lr: 0.1 }),
});
