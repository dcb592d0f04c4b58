// a constructor draw's Object.prototype method
// expect: TSDP2001 6:24
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  w = new nn.Parameter((F.randn(2, 2) as any).hasOwnProperty("a"));
  forward(x: Tensor<[Batch, 2]>) {
    return x.matmul(this.w);
  }
}
