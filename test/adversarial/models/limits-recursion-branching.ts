// a recursion that doubles its calls at each level and never reaches its base case: the nesting budget ends it first (its first call goes deeper each time)
// expect: TSDP2014 5:22
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
function grow(n: number): number {
  return n < 0 ? 0 : grow(n + 1) + grow(n + 2);
}
export class M extends nn.Module {
  fc = new nn.Linear(4, 4);
  forward(x: Tensor<[Batch, 4]>) {
    return this.fc(x).mul(grow(0));
  }
}
