// A random draw in forward sized by the batch twice: a tensor has at most one batch dim.
// expect: TSDP2003 7:18
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Noisy extends nn.Module {
  forward(x: Tensor<[Batch, 4]>) {
    return x.add(F.randn([x.size(0), x.size(0)]).sum(1, true));
  }
}
