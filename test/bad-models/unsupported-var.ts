// Unsupported syntax: var inside forward.
// expect: TSDP2001 9:5
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class OldStyle extends nn.Module {
  fc = new nn.Linear(12, 4);

  forward(x: Tensor<[Batch, 12]>) {
    var h = this.fc(x);
    return F.relu(h);
  }
}
