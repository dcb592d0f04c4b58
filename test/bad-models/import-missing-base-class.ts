// Import not found: the model extends a base class imported from ./base, which does not exist; nothing else is reported.
// expect: TSDP1004 4:26
import { nn, type Tensor, type Batch } from "tsdp/dsl";
import { Backbone } from "./base";

export class Classifier extends Backbone {
  head = new nn.Linear(512, 10);

  forward(x: Tensor<[Batch, 3, 32, 32]>) {
    return this.head(this.features(x));
  }
}
