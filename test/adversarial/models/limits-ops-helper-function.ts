// a helper function called in a loop, each call adding a thousand ops
// expect: TSDP2016 6:38
// timeout: 60
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
function blow(t: Tensor): Tensor {
  for (let i = 0; i < 1000; i++) t = t.mul(1.0001);
  return t;
}
export class M extends nn.Module {
  fc = new nn.Linear(4, 4);
  constructor() {
    super();
  }
  forward(x: Tensor<[Batch, 4]>) {
    x = this.fc(x);
    for (let k = 0; k < 99999; k++) x = blow(x);
    return x;
  }
}
