// F.dropout(x, 0.5, "train"): training must be a boolean or this.training
// expect: TSDP3003 8:30
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {

  forward(x: Tensor<[Batch, 8]>) {
    return F.dropout(x, 0.5, "train");
  }
}
