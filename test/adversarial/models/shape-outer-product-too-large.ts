// an outer product of 50000 features: 2.5e9 elements per sample
// expect: TSDP4006 8:12
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {

  forward(x: Tensor<[Batch, 50000]>) {
    return x.unsqueeze(2).matmul(x.unsqueeze(1));
  }
}
