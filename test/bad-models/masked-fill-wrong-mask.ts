// The mask of maskedFill must broadcast to the input's shape: [4, 5] does not fit [Batch, 4, 4].
// expect: TSDP4001 7:12
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Masked extends nn.Module {
  forward(x: Tensor<[Batch, 4, 4]>) {
    return x.maskedFill(F.tril(F.ones([4, 5])), -Infinity).softmax(-1);
  }
}
