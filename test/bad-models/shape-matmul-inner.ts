// Shape mismatch: attention scores q @ k with k not transposed, so the inner dims (32 and 10) differ.
// expect: TSDP4001 15:20
import { nn, type Tensor, type Batch } from "tsdp/dsl";

export class Attention extends nn.Module {
  q = new nn.Linear(32, 32);
  k = new nn.Linear(32, 32);
  v = new nn.Linear(32, 32);

  forward(x: Tensor<[Batch, 10, 32]>) {
    const q = this.q(x);
    const k = this.k(x);
    const v = this.v(x);
    // PyTorch: q @ k.transpose(-2, -1)
    const scores = q.matmul(k).div(Math.sqrt(32));
    return scores.softmax(-1).matmul(v);
  }
}
