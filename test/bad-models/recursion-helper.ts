// Recursion that never stops: a helper that builds a stack of layers by calling itself, with no case that returns without the call.
// expect: TSDP2014 7:58
import { nn, type Tensor, type Batch } from "tsdp/dsl";

function stack(depth: number, width: number): nn.Module[] {
  if (depth === 0) return [];
  return [new nn.Linear(width, width), new nn.ReLU(), ...stack(depth + 1, width)];
}

export class Deep extends nn.Module {
  body = new nn.Sequential(...stack(3, 32));

  forward(x: Tensor<[Batch, 32]>) {
    return this.body(x);
  }
}
