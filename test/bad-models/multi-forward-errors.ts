// Several errors in forward: an operator on tensors, a while loop on tensor values, and an unrelated shape mismatch later on.
// expect: TSDP2006 13:15
// expect: TSDP2007 15:12
// expect: TSDP4001 18:12
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Sloppy extends nn.Module {
  fc1 = new nn.Linear(10, 20);
  fc2 = new nn.Linear(30, 5);

  forward(x: Tensor<[Batch, 10]>) {
    const h = F.relu(this.fc1(x));
    const y = h + h;
    let steps = 0;
    while (h.mean().gt(steps)) {
      steps++;
    }
    return this.fc2(h);
  }
}
