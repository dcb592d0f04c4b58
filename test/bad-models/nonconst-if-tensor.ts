// Data-dependent control flow: an if on a tensor value.
// expect: TSDP2007 11:9
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Gate extends nn.Module {
  fc = new nn.Linear(10, 10);

  forward(x: Tensor<[Batch, 10]>) {
    const h = this.fc(x);
    const peak = h.max();
    if (peak) {
      return F.relu(h);
    }
    return h;
  }
}
