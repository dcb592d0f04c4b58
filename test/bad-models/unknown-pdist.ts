// Unknown function: F.pdist (distances between the rows of one matrix: pairs across the batch) is not part of tsdp's model language.
// expect: TSDP3001 9:12
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Positive extends nn.Module {
  fc = new nn.Linear(16, 1);

  forward(x: Tensor<[Batch, 16]>) {
    return F.pdist(this.fc(x).view(-1, 1));
  }
}
