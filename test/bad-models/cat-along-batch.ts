// torch.cat's default dim 0 is the batch here, which is split across devices: pass a dim.
// expect: TSDP4001 7:12
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Joined extends nn.Module {
  forward(x: Tensor<[Batch, 4]>, y: Tensor<[Batch, 4]>) {
    return F.cat([x, y]);
  }
}
