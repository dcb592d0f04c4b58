// Several errors: two bad layers in the constructor (unknown layer, missing argument) and a shape mismatch in forward.
// expect: TSDP3001 9:17
// expect: TSDP3002 10:13
// expect: TSDP4001 16:18
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Broken extends nn.Module {
  conv1 = new nn.Conv2d(1, 16, 3);
  auxNorm = new nn.LazyBatchNorm2d();
  auxHead = new nn.Linear(128);
  fc = new nn.Linear(16 * 6 * 6, 10);

  forward(x: Tensor<[Batch, 1, 10, 10]>) {
    x = F.relu(this.conv1(x));
    const aux = this.auxHead(this.auxNorm(x).flatten(1));
    const main = this.fc(x.flatten(1));
    return [main, aux];
  }
}
