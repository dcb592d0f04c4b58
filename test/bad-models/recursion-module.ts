// Recursion: a tree module that constructs another instance of itself.
// expect: TSDP2004 11:18
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class TreeNode extends nn.Module {
  fc = new nn.Linear(16, 16);
  child: TreeNode | null;

  constructor(depth = 2) {
    super();
    this.child = new TreeNode(depth - 1);
  }

  forward(x: Tensor<[Batch, 16]>) {
    x = F.relu(this.fc(x));
    return this.child ? this.child(x) : x;
  }
}
