// a top-level const computed by a function with nested loops
// expect: TSDP2013 7:3
// timeout: 60
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
function big(): number {
  let s = 0;
  for (let i = 0; i < 99999; i++) for (let j = 0; j < 99999; j++) s++;
  return s;
}
const K = big();
export class M extends nn.Module {
  fc = new nn.Linear(4, 4);
  constructor() {
    super();
    const k = K;
  }
  forward(x: Tensor<[Batch, 4]>) {
    x = this.fc(x);
    return x;
  }
}
