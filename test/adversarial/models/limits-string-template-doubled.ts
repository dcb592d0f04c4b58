// a string doubled through a template literal
// expect: TSDP2015 9:38
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
export class M extends nn.Module {
  fc = new nn.Linear(4, 4);
  constructor() {
    super();
    let s = "ab";
    for (let i = 0; i < 40; i++) s = `${s}${s}`;
  }
  forward(x: Tensor<[Batch, 4]>) {
    x = this.fc(x);
    return x;
  }
}
