// Math.max(...xs) and [].concat(...xs) with 600,000 elements: within the array budget, and no native spread overflows
// expect: ok
// timeout: 60
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
export class M extends nn.Module {
  fc = new nn.Linear(4, 4);
  constructor() {
    super();
    const xs = Array.from({ length: 600000 }, (_, i) => i % 1000);
    const m = Math.max(...xs) + Math.min(...xs) + Math.floor(...xs);
    const ys: number[] = [].concat(...xs);
    if (m !== 999 || ys.length !== 600000) wrongResult();
  }
  forward(x: Tensor<[Batch, 4]>) {
    x = this.fc(x);
    return x;
  }
}
