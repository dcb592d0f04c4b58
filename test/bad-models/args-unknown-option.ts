// Invalid argument: nn.Conv2d has no option 'paddding' (a typo of padding).
// expect: TSDP3004 6:35
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Padded extends nn.Module {
  conv = new nn.Conv2d(3, 8, 3, { paddding: 1 });

  forward(x: Tensor<[Batch, 3, 32, 32]>) {
    return F.relu(this.conv(x));
  }
}
