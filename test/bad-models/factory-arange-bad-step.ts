// torch.arange refuses a step whose sign goes away from end.
// expect: TSDP3004 7:18
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Ramp extends nn.Module {
  forward(x: Tensor<[Batch, 4]>) {
    return x.add(F.arange(0, 4, -1));
  }
}
