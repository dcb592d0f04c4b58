// nn.Embedding(0, 4)
// expect: TSDP3004 6:26
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  emb = new nn.Embedding(0, 4);
  forward(t: Tensor<[Batch, 5], "int32">) {
    return this.emb(t);
  }
}
