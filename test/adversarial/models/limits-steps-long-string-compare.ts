// comparing two half-million-character strings on every turn of a loop
// expect: TSDP2013 13:5
// timeout: 60
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
export class M extends nn.Module {
  fc = new nn.Linear(4, 4);
  constructor() {
    super();
    let s = "x";
    for (let i = 0; i < 19; i++) s = s + s;
    const t = s + "";
    let n = 0;
    for (let i = 0; i < 99999; i++) if (s === t) n++;
  }
  forward(x: Tensor<[Batch, 4]>) {
    x = this.fc(x);
    return x;
  }
}
