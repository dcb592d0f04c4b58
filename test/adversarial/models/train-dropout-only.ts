// a model made only of Dropout: nothing to train
// expect: TSDP5005 12:25
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  drop = new nn.Dropout(0.2);
  forward(x: Tensor<[Batch, 8]>) {
    return this.drop(x);
  }
}

export const training = new Training(Net, {
  loss: new nn.MSELoss(),
  optimizer: new optim.SGD({ lr: 0.1 }),
});
