// nn.Embedding with paddingIdx equal to numEmbeddings
// expect: TSDP3004 6:47
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  emb = new nn.Embedding(10, 4, { paddingIdx: 10 });
  forward(t: Tensor<[Batch, 5], "int32">) {
    return this.emb(t);
  }
}
