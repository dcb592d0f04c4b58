// Several errors: a module-level let, a top-level console.log, and a namespace, each reported on its own.
// expect: TSDP2012 7:1
// expect: TSDP2002 8:1
// expect: TSDP2001 10:1
import { nn, type Tensor, type Batch } from "tsdp/dsl";

let depth = 2;
console.log("depth", depth);

namespace Mode {
  export const train = 0;
}

export class Noisy extends nn.Module {
  fc = new nn.Linear(8, 8);

  forward(x: Tensor<[Batch, 8]>) {
    return this.fc(x);
  }
}
