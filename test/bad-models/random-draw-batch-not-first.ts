// A random draw in forward whose batch dim is not the first: each replica draws its own rows of the batch's numbers, which needs the batch first.
// expect: TSDP3004 7:18
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Noisy extends nn.Module {
  forward(x: Tensor<[Batch, 4]>) {
    return x.add(F.randn([4, x.size(0)]).t());
  }
}
