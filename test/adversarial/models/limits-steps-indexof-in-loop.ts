// a loop that searches a 100,000-element array on every turn: builtin work counts as steps
// expect: TSDP2013 11:5
// timeout: 60
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
export class M extends nn.Module {
  fc = new nn.Linear(4, 4);
  constructor() {
    super();
    const xs = Array.from({ length: 100000 }, (_, i) => i);
    let found = 0;
    for (let i = 0; i < 99999; i++) found = found + xs.indexOf(-1);
  }
  forward(x: Tensor<[Batch, 4]>) {
    x = this.fc(x);
    return x;
  }
}
