// nn.LayerNorm([65536, 65536]): parameters past int32
// expect: TSDP4006 6:8
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  ln = new nn.LayerNorm([65536, 65536]);
  forward(x: Tensor<[Batch, 8]>) {
    return this.ln(x);
  }
}
