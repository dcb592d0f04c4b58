// Invalid training declaration: the loss is the string name of a loss, not a loss module or function.
// expect: TSDP5004 14:9
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Regressor extends nn.Module {
  fc = new nn.Linear(13, 1);

  forward(x: Tensor<[Batch, 13]>) {
    return this.fc(x);
  }
}

export const training = new Training(Regressor, {
  loss: "mse",
  optimizer: new optim.Adam({ lr: 1e-3 }),
});
