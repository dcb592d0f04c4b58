// this.training tested in a constructor: the mode follows train()/eval() at run time, and a constructor runs once.
// expect: TSDP2007 9:21
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class ManualDropout extends nn.Module {
  fc1 = new nn.Linear(100, 50);
  fc2 = new nn.Linear(50, 10);
  // meant: dropout while training only, which nn.Dropout already does
  drop: nn.Module = this.training ? new nn.Dropout(0.5) : new nn.Identity();

  forward(x: Tensor<[Batch, 100]>) {
    x = this.drop(F.relu(this.fc1(x)));
    return this.fc2(x);
  }
}
