// Layer sized at run time: nn.Linear created in forward with x.size(1) features (PyTorch's lazy-layer habit).
// expect: TSDP3005 10:16
import { nn, type Tensor, type Batch } from "tsdp/dsl";

export class Lazy extends nn.Module {
  out = 10;

  forward(x: Tensor<[Batch, 3, 8, 8]>) {
    const flat = x.flatten(1);
    const fc = new nn.Linear(flat.size(1), this.out);
    return fc(flat);
  }
}
