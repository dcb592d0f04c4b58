// Unsupported syntax: an enum for the activation choice.
// expect: TSDP2001 5:1
import { nn, type Tensor, type Batch } from "tsdp/dsl";

enum Activation {
  Relu,
  Gelu,
}

export class Mlp extends nn.Module {
  fc = new nn.Linear(8, 8);
  act = new nn.ReLU();

  forward(x: Tensor<[Batch, 8]>) {
    return this.act(this.fc(x));
  }
}
