// F.dropout(x, -0.1)
// expect: TSDP3004 8:25
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {

  forward(x: Tensor<[Batch, 8]>) {
    return F.dropout(x, -0.1);
  }
}
