// Runtime-only global: Date.now() as a seed for the dropout rate, which would differ between compiles.
// expect: TSDP2005 5:14
import { nn, type Tensor, type Batch } from "tsdp/dsl";

const SEED = Date.now() % 10;

export class Timed extends nn.Module {
  fc = new nn.Linear(8, 8);
  drop = new nn.Dropout(SEED / 20);

  forward(x: Tensor<[Batch, 8]>) {
    return this.drop(this.fc(x));
  }
}
