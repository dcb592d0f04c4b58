// Syntax error: Python slicing x[:, 0] copied from the PyTorch original is not TypeScript.
// expect: TSDP1002 9:19
import { nn, type Tensor, type Batch } from "tsdp/dsl";

export class FirstToken extends nn.Module {
  head = new nn.Linear(64, 2);

  forward(x: Tensor<[Batch, 16, 64]>) {
    const cls = x[:, 0];
    return this.head(cls);
  }
}
