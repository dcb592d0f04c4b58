// x.mul(Infinity): ±Infinity is a scalar as in PyTorch (x · ∞, NaN at 0); a finite number past float32 is args-mul-past-float32.ts
// expect: ok
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {

  forward(x: Tensor<[Batch, 8]>) {
    return x.mul(Infinity);
  }
}
