// two nested constant loops of 99,999 (each under the per-loop limit) run out the step budget
// expect: TSDP2013 10:5
// timeout: 60
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
export class M extends nn.Module {
  fc = new nn.Linear(4, 4);
  constructor() {
    super();
    let s = 0;
    for (let i = 0; i < 99999; i++) {
      for (let j = 0; j < 99999; j++) s = s + 1;
    }
  }
  forward(x: Tensor<[Batch, 4]>) {
    x = this.fc(x);
    return x;
  }
}
