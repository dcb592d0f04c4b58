// Missing input shape: forward's parameter has no Tensor<[Batch, ...]> annotation.
// expect: TSDP4003 8:11
import { nn, F } from "tsdp/dsl";

export class Untyped extends nn.Module {
  fc = new nn.Linear(784, 10);

  forward(x) {
    return F.logSoftmax(this.fc(x), 1);
  }
}
