// copying a 200,000-element array on every turn of a loop
// expect: TSDP2013 11:5
// timeout: 60
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
export class M extends nn.Module {
  fc = new nn.Linear(4, 4);
  constructor() {
    super();
    const xs = Array.from({ length: 200000 }, () => 1);
    let n = 0;
    for (let i = 0; i < 99999; i++) n = n + xs.slice(0).length;
  }
  forward(x: Tensor<[Batch, 4]>) {
    x = this.fc(x);
    return x;
  }
}
