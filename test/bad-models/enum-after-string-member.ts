// An enum member without an initializer after a string member: it has no value (TypeScript refuses it too).
// expect: TSDP2003 7:3
import { nn, type Tensor, type Batch } from "tsdp/dsl";

enum Activation {
  Relu = "relu",
  Gelu,
}

export class Mlp extends nn.Module {
  fc = new nn.Linear(8, 8);
  act = Activation.Gelu === Activation.Relu ? new nn.GELU() : new nn.ReLU();

  forward(x: Tensor<[Batch, 8]>) {
    return this.act(this.fc(x));
  }
}
