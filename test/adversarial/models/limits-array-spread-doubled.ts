// an array doubled by spreading it into itself
// expect: TSDP2015 9:38
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
export class M extends nn.Module {
  fc = new nn.Linear(4, 4);
  constructor() {
    super();
    let a = [1];
    for (let i = 0; i < 40; i++) a = [...a, ...a];
  }
  forward(x: Tensor<[Batch, 4]>) {
    x = this.fc(x);
    return x;
  }
}
