// an array that pushes a copy of itself 40 times
// expect: TSDP2015 9:34
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
export class M extends nn.Module {
  fc = new nn.Linear(4, 4);
  constructor() {
    super();
    const a = [1];
    for (let i = 0; i < 40; i++) a.push(...a);
  }
  forward(x: Tensor<[Batch, 4]>) {
    x = this.fc(x);
    return x;
  }
}
