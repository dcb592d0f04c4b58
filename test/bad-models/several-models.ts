// Several models: two exported models and no --model to choose between them.
// expect: TSDP5002 13:14
import { nn, type Tensor, type Batch } from "tsdp/dsl";

export class Encoder extends nn.Module {
  fc = new nn.Linear(64, 16);

  forward(x: Tensor<[Batch, 64]>) {
    return this.fc(x);
  }
}

export class Decoder extends nn.Module {
  fc = new nn.Linear(16, 64);

  forward(z: Tensor<[Batch, 16]>) {
    return this.fc(z);
  }
}
