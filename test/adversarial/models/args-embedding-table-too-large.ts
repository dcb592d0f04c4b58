// nn.Embedding(2**31, 1): more rows than int32 indexes
// expect: TSDP4006 6:26
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  emb = new nn.Embedding(2 ** 31, 1);
  forward(t: Tensor<[Batch, 5], "int32">) {
    return this.emb(t);
  }
}
