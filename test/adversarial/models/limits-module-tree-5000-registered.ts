// a module tree 5,000 deep built by a loop is registered without recursion; forward through it, each Wrap calling the next one's forward, is then refused at the nesting budget
// expect: TSDP2014 9:12
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
class Wrap extends nn.Module {
  constructor(public inner: nn.Module = new nn.Identity()) {
    super();
  }
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> {
    return this.inner(x);
  }
}
export class M extends nn.Module {
  fc: nn.Module;
  constructor() {
    super();
    let m: nn.Module = new nn.Linear(4, 4);
    for (let i = 0; i < 5000; i++) m = new Wrap(m);
    this.fc = m;
  }
  forward(x: Tensor<[Batch, 4]>) {
    x = this.fc(x);
    return x;
  }
}
