// An nn.Parameter needs a factory's value made in the constructor, not a number.
// expect: TSDP3003 6:24
import { nn, type Tensor, type Batch } from "tsdp/dsl";

export class Scaled extends nn.Module {
  g = new nn.Parameter(0.5);

  forward(x: Tensor<[Batch, 4]>) {
    return x.mul(this.g);
  }
}
