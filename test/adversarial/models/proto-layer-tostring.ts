// a layer's toString is not one of PyTorch's renamed methods (it was read from Object.prototype)
// expect: TSDP2011 8:20
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  fc = new nn.Linear(2, 2);
  forward(x: Tensor<[Batch, 2]>) {
    const s: any = (this.fc as any).toString();
    return this.fc(x);
  }
}
