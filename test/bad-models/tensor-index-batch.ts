// Indexing a tensor along the batch: x[0] is x.select(0, 0), one sample, whose dim 0 is the batch
// (split across devices). The time step is x.select(1, 0), or x.transpose(0, 1)[0].
// expect: TSDP4001 10:19
import { nn, type Tensor, type Batch } from "tsdp/dsl";

export class FirstStep extends nn.Module {
  proj = new nn.Linear(64, 10);

  forward(x: Tensor<[Batch, 12, 64]>) {
    const first = x[0];
    return this.proj(first);
  }
}
