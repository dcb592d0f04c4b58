// Bad output: forward returns a number (the accuracy) instead of a tensor.
// expect: TSDP4005 11:12
import { nn, type Tensor, type Batch } from "tsdp/dsl";

export class Scorer extends nn.Module {
  fc = new nn.Linear(10, 10);

  forward(x: Tensor<[Batch, 10]>) {
    const logits = this.fc(x);
    const classes = logits.size(1);
    return 1 / classes;
  }
}
