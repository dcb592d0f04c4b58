// nn.GELU({ approximate: "fast" })
// expect: TSDP3004 6:36
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  act = new nn.GELU({ approximate: "fast" });
  forward(x: Tensor<[Batch, 8]>) {
    return this.act(x);
  }
}
