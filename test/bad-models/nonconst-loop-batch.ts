// Data-dependent control flow: a loop over the batch, whose size is only known at run time.
// expect: TSDP2007 11:21
import { nn, type Tensor, type Batch } from "tsdp/dsl";

export class PerSample extends nn.Module {
  fc = new nn.Linear(8, 8);

  forward(x: Tensor<[Batch, 8]>) {
    let out = this.fc(x);
    const n = x.size(0);
    for (let i = 0; i < n; i++) {
      out = out.add(1);
    }
    return out;
  }
}
