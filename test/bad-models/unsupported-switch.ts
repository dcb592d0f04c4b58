// Unsupported syntax: a switch over the activation name in the constructor.
// expect: TSDP2001 11:5
import { nn, type Tensor, type Batch } from "tsdp/dsl";

export class Configurable extends nn.Module {
  fc = new nn.Linear(16, 16);
  act: nn.Module;

  constructor(kind = "relu") {
    super();
    switch (kind) {
      case "gelu":
        this.act = new nn.GELU();
        break;
      default:
        this.act = new nn.ReLU();
    }
  }

  forward(x: Tensor<[Batch, 16]>) {
    return this.act(this.fc(x));
  }
}
