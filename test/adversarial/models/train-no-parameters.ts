// a training declaration for a model without parameters
// expect: TSDP5005 12:25
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {

  forward(x: Tensor<[Batch, 8]>) {
    return x.relu().sub(x.mean(1, true));
  }
}

export const training = new Training(Net, {
  loss: new nn.MSELoss(),
  optimizer: new optim.SGD({ lr: 0.1 }),
});
