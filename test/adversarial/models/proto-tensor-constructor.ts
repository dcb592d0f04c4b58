// x.constructor(1): not Object's constructor (it called Object and went on)
// expect: TSDP2011 7:12
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  forward(x: Tensor<[Batch, 2]>) {
    return (x as any).constructor(1);
  }
}
