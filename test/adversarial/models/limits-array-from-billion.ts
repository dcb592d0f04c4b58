// Array.from with a length of a billion
// expect: TSDP2015 8:15
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
export class M extends nn.Module {
  fc = new nn.Linear(4, 4);
  constructor() {
    super();
    const a = Array.from({ length: 1000000000 }, (_, i) => i);
  }
  forward(x: Tensor<[Batch, 4]>) {
    x = this.fc(x);
    return x;
  }
}
