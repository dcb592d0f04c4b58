// Invalid argument: nn.Conv2d has no option 'paddingMode'.
// expect: TSDP3004 6:47
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Padded extends nn.Module {
  conv = new nn.Conv2d(3, 8, 3, { padding: 1, paddingMode: "reflect" });

  forward(x: Tensor<[Batch, 3, 32, 32]>) {
    return F.relu(this.conv(x));
  }
}
