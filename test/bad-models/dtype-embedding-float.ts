// Dtype mismatch: nn.Embedding gets float32 token ids; the input must be declared "int32".
// expect: TSDP4002 10:15
import { nn, type Tensor, type Batch } from "tsdp/dsl";

export class Bag extends nn.Module {
  embed = new nn.Embedding(1000, 32);
  fc = new nn.Linear(32, 2);

  forward(tokens: Tensor<[Batch, 20]>) {
    const e = this.embed(tokens);
    return this.fc(e.mean(1));
  }
}
