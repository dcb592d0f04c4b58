// an input of 65536 x 65536 elements per sample (2^32)
// expect: TSDP4006 7:21
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {

  forward(x: Tensor<[Batch, 65536, 65536]>) {
    return x.relu();
  }
}
