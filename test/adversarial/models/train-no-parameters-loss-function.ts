// a parameter-free model trained with a loss function
// expect: TSDP5005 12:25
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {

  forward(x: Tensor<[Batch, 8]>) {
    return x.tanh();
  }
}

export const training = new Training(Net, {
  loss: (out: Tensor, y: Tensor<[Batch, 8]>) => F.mseLoss(out, y, { reduction: "sum" }),
  optimizer: new optim.Adam(),
});
