// Module outside the constructor: a dropout layer is created inside forward, as a PyTorch user might with F-style code.
// expect: TSDP3005 10:18
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class InlineLayer extends nn.Module {
  fc = new nn.Linear(32, 10);

  forward(x: Tensor<[Batch, 32]>) {
    x = F.relu(this.fc(x));
    const drop = new nn.Dropout(0.2);
    return drop(x);
  }
}
