// an object re-spread with one more key on every turn of a loop: each copy counts
// expect: TSDP2013 10:5
// timeout: 60
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
export class M extends nn.Module {
  fc = new nn.Linear(4, 4);
  constructor() {
    super();
    let o = {};
    for (let i = 0; i < 99999; i++) o = { ...o, [`k${i}`]: i };
  }
  forward(x: Tensor<[Batch, 4]>) {
    x = this.fc(x);
    return x;
  }
}
