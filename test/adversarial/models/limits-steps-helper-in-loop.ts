// an outer loop that calls a helper whose own loop is long: reported at the outer loop
// expect: TSDP2013 15:5
// timeout: 60
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
function work(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s = s + i;
  return s;
}
export class M extends nn.Module {
  fc = new nn.Linear(4, 4);
  constructor() {
    super();
    let t = 0;
    for (let k = 0; k < 99999; k++) t = t + work(99999);
  }
  forward(x: Tensor<[Batch, 4]>) {
    x = this.fc(x);
    return x;
  }
}
