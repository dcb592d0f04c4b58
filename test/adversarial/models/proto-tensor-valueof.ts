// x.valueOf(): Object.prototype's methods are not tensor methods (they crashed the compiler)
// expect: TSDP2011 7:20
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  forward(x: Tensor<[Batch, 2]>) {
    const v: any = (x as any).valueOf();
    return x;
  }
}
