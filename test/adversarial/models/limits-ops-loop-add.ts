// for i < 99,999 { for j < 10 { x = x.add(1) } } — a million ops
// expect: TSDP2016 13:40
// timeout: 60
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
export class M extends nn.Module {
  fc = new nn.Linear(4, 4);
  constructor() {
    super();
  }
  forward(x: Tensor<[Batch, 4]>) {
    x = this.fc(x);
    for (let i = 0; i < 99999; i++) {
      for (let j = 0; j < 10; j++) x = x.add(1);
    }
    return x;
  }
}
