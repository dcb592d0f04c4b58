// An auxiliary output only in train mode (GoogLeNet's aux logits): forward's results must be the same tensors in both modes.
// expect: TSDP2007 11:9
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

class Body extends nn.Module {
  fc = new nn.Linear(16, 16);
  aux = new nn.Linear(16, 4);

  forward(x: Tensor<[Batch, 16]>) {
    const h = F.relu(this.fc(x));
    if (this.training) return [h, this.aux(h)];
    return h;
  }
}

export class WithAux extends nn.Module {
  body = new Body();

  forward(x: Tensor<[Batch, 16]>) {
    return this.body(x);
  }
}
