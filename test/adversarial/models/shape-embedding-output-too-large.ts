// an embedding of 4096 tokens into 2^20 dims: 2^32 elements per sample
// expect: TSDP4006 8:12
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  emb = new nn.Embedding(10, 2 ** 20);
  forward(t: Tensor<[Batch, 4096], "int32">) {
    return this.emb(t);
  }
}
