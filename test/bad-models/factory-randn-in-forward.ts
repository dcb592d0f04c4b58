// F.randn inside forward would draw new numbers every call; it only initializes a parameter.
// expect: TSDP2003 7:18
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Noisy extends nn.Module {
  forward(x: Tensor<[Batch, 4]>) {
    return x.add(F.randn([4]));
  }
}
