// Unknown property: a misspelled tensor method x.flaten(1).
// expect: TSDP2011 11:9
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Misspelled extends nn.Module {
  conv = new nn.Conv2d(1, 4, 3);
  fc = new nn.Linear(4 * 26 * 26, 10);

  forward(x: Tensor<[Batch, 1, 28, 28]>) {
    x = F.relu(this.conv(x));
    x = x.flaten(1);
    return this.fc(x);
  }
}
