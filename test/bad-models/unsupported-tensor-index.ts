// Unsupported syntax: indexing a tensor with x[0] (take the first time step).
// expect: TSDP2001 10:19
import { nn, type Tensor, type Batch } from "tsdp/dsl";

export class LastStep extends nn.Module {
  proj = new nn.Linear(64, 10);

  forward(x: Tensor<[Batch, 12, 64]>) {
    const steps = x.transpose(0, 1);
    const first = steps[0];
    return this.proj(first);
  }
}
