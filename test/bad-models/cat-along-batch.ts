// torch.cat's default dim 0 joins the two batches one after another, [2*Batch, 4]: fine inside forward
// (the Set Transformer's heads), but not a result, whose dim 0 is the batch that devices split and gather.
// expect: TSDP4005 8:12
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Joined extends nn.Module {
  forward(x: Tensor<[Batch, 4]>, y: Tensor<[Batch, 4]>) {
    return F.cat([x, y]);
  }
}
