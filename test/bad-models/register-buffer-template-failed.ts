// Buffers registered under names built in a loop (`mask${i}`), whose value fails: one error, where it
// is; the names it would have registered are quiet afterwards, as a literal name's are.
// expect: TSDP4001 9:65
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Masked extends nn.Module {
  constructor() {
    super();
    for (let i = 0; i < 1; i++) this.registerBuffer(`mask${i}`, F.zeros(3).matmul(F.zeros(4)));
    this.mask0.fill_(1);
  }

  declare mask0: Tensor;

  forward(x: Tensor<[Batch, 3]>) {
    return x.mul(this.mask0);
  }
}
