// A labeled continue of a block: JavaScript continues loops only (break outer would leave the block).
// expect: TSDP2001 15:31
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class EarlyExit extends nn.Module {
  blocks = new nn.ModuleList([new nn.Linear(8, 8), new nn.Linear(8, 8), new nn.Linear(8, 8)]);
  depth = 2;

  forward(x: Tensor<[Batch, 8]>) {
    let i = 0;
    outer: {
      for (const block of this.blocks) {
        x = F.relu(block(x));
        i += 1;
        if (i === this.depth) continue outer;
      }
    }
    return x;
  }
}
