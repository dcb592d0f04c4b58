// A labeled loop with break outer: labels are not supported (an unlabeled break or a helper's return is).
// expect: TSDP2001 11:5
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class EarlyExit extends nn.Module {
  blocks = new nn.ModuleList([new nn.Linear(8, 8), new nn.Linear(8, 8), new nn.Linear(8, 8)]);
  depth = 2;

  forward(x: Tensor<[Batch, 8]>) {
    let i = 0;
    outer: for (const block of this.blocks) {
      for (let r = 0; r < 2; r++) {
        x = F.relu(block(x));
        i += 1;
        if (i === this.depth) break outer;
      }
    }
    return x;
  }
}
