// Data-dependent control flow: an if on this.training, which changes at run time with train()/eval().
// expect: TSDP2007 11:9
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class ManualDropout extends nn.Module {
  fc1 = new nn.Linear(100, 50);
  fc2 = new nn.Linear(50, 10);

  forward(x: Tensor<[Batch, 100]>) {
    x = F.relu(this.fc1(x));
    if (this.training) {
      x = F.dropout(x, 0.5);
    }
    return this.fc2(x);
  }
}
