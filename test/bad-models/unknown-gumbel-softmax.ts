// Unknown function: F.gumbelSoftmax (a random draw in forward) is not part of tsdp's model language.
// expect: TSDP3001 9:12
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Positive extends nn.Module {
  fc = new nn.Linear(16, 1);

  forward(x: Tensor<[Batch, 16]>) {
    return F.gumbelSoftmax(this.fc(x));
  }
}
