// an array of 500,000 numbers summed with reduce
// expect: ok
// timeout: 60
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
export class M extends nn.Module {
  fc = new nn.Linear(4, 4);
  constructor() {
    super();
    const xs = Array.from({ length: 500000 }, (_, i) => i % 7);
    const total = xs.reduce((a, b) => a + b, 0);
    if (total < 0) this.fc = new nn.Linear(4, 4);
  }
  forward(x: Tensor<[Batch, 4]>) {
    x = this.fc(x);
    return x;
  }
}
