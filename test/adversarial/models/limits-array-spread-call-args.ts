// a call with two million spread arguments
// expect: TSDP2015 9:30
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
export class M extends nn.Module {
  fc = new nn.Linear(4, 4);
  constructor() {
    super();
    const a = Array.from({ length: 600000 }, () => 1);
    const k = Math.max(...a, ...a);
  }
  forward(x: Tensor<[Batch, 4]>) {
    x = this.fc(x);
    return x;
  }
}
