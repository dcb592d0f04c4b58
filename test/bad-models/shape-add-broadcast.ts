// Shape mismatch: a residual connection adds [Batch, 64] to [Batch, 128], which do not broadcast.
// expect: TSDP4001 12:12
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class BadResidual extends nn.Module {
  fc1 = new nn.Linear(64, 128);
  fc2 = new nn.Linear(128, 128);

  forward(x: Tensor<[Batch, 64]>) {
    const h = F.relu(this.fc1(x));
    const out = this.fc2(h);
    return out.add(x);
  }
}
