// nested constant loops inside forward, no tensor work
// expect: TSDP2013 13:5
// timeout: 60
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
export class M extends nn.Module {
  fc = new nn.Linear(4, 4);
  constructor() {
    super();
  }
  forward(x: Tensor<[Batch, 4]>) {
    x = this.fc(x);
    let s = 0;
    for (let i = 0; i < 99999; i++) for (let j = 0; j < 99999; j++) s = s + j;
    return x;
  }
}
