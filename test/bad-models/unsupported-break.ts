// Unsupported syntax: break out of a loop over the blocks.
// expect: TSDP2001 16:20
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class EarlyExit extends nn.Module {
  blocks = new nn.ModuleList([new nn.Linear(8, 8), new nn.Linear(8, 8), new nn.Linear(8, 8)]);
  depth = 2;

  forward(x: Tensor<[Batch, 8]>) {
    let i = 0;
    for (const block of this.blocks) {
      x = F.relu(block(x));
      i += 1;
      if (i === this.depth) {
        // stop after `depth` blocks
        if (i > 0) break;
      }
    }
    return x;
  }
}
