// F.pdist of a tensor with the batch: the distances between its rows pair samples across the batch, which is split across devices (of a tensor without it, a parameter, it is supported).
// expect: TSDP4001 9:12
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Positive extends nn.Module {
  fc = new nn.Linear(16, 1);

  forward(x: Tensor<[Batch, 16]>) {
    return F.pdist(this.fc(x).view(-1, 1));
  }
}
