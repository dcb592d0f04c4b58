// joining 200,000 strings of 10 characters
// expect: TSDP2015 9:15
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
export class M extends nn.Module {
  fc = new nn.Linear(4, 4);
  constructor() {
    super();
    const parts = Array.from({ length: 200000 }, () => "0123456789");
    const s = parts.join("");
  }
  forward(x: Tensor<[Batch, 4]>) {
    x = this.fc(x);
    return x;
  }
}
