// two functions calling each other without end, in the constructor
// expect: TSDP2014 5:10
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
function ping(n: number): number {
  return pong(n + 1);
}
function pong(n: number): number { return ping(n * 2); }
export class M extends nn.Module {
  fc = new nn.Linear(4, ping(1) > 0 ? 4 : 2);
  forward(x: Tensor<[Batch, 4]>) {
    return this.fc(x);
  }
}
