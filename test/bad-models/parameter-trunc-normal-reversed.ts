// nn.init.trunc_normal_ with its bounds the wrong way round: no value lies in [2, -2].
// expect: TSDP3004 8:5
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Pos extends nn.Module {
  pos = new nn.Parameter(F.zeros([1, 4]));
  constructor() { super();
    nn.init.trunc_normal_(this.pos, { std: 1, a: 2, b: -2 });
  }
  forward(x: Tensor<[Batch, 4]>) {
    return x.add(this.pos);
  }
}
