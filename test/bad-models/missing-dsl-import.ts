// Undefined name: Training is used but not imported from "tsdp/dsl".
// expect: TSDP2005 13:29
import { nn, optim, type Tensor, type Batch } from "tsdp/dsl";

export class Linear1 extends nn.Module {
  fc = new nn.Linear(3, 1);

  forward(x: Tensor<[Batch, 3]>) {
    return this.fc(x);
  }
}

export const training = new Training(Linear1, {
  loss: new nn.MSELoss(),
  optimizer: new optim.SGD({ lr: 0.05 }),
});
