// Wrong argument count: nn.Linear(10) is missing outFeatures.
// expect: TSDP3002 6:8
import { nn, type Tensor, type Batch } from "tsdp/dsl";

export class OneArg extends nn.Module {
  fc = new nn.Linear(10);

  forward(x: Tensor<[Batch, 10]>) {
    return this.fc(x);
  }
}
