// A class that declares both #fc and fc: one state_dict name ("fc"). Reported once, at #fc; the
// uses of either after it report nothing more (types59 J: the second was taken for the first, and
// a shape mismatch of the wrong layer followed).
// expect: TSDP3008 8:3
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Both extends nn.Module {
  #fc = new nn.Linear(4, 4);
  fc = new nn.Linear(4, 3);
  forward(x: Tensor<[Batch, 4]>) {
    return this.fc(F.relu(this.#fc(x)));
  }
}
