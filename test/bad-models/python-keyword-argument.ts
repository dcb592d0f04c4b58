// Python keyword argument: kernel_size=3 inside the call is an assignment to an undeclared name in TypeScript.
// expect: TSDP2005 6:31
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Ported extends nn.Module {
  conv = new nn.Conv2d(3, 16, kernel_size=3, padding=1);

  forward(x: Tensor<[Batch, 3, 32, 32]>) {
    return F.relu(this.conv(x));
  }
}
