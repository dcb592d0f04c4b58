// Shape mismatch: conv2 expects 32 input channels but conv1 produces 64.
// expect: TSDP4001 12:16
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Cnn extends nn.Module {
  conv1 = new nn.Conv2d(3, 64, 3, { padding: 1 });
  conv2 = new nn.Conv2d(32, 64, 3, { padding: 1 });
  head = new nn.Linear(64, 10);

  forward(x: Tensor<[Batch, 3, 32, 32]>) {
    x = F.relu(this.conv1(x));
    x = F.relu(this.conv2(x));
    x = F.adaptiveAvgPool2d(x, 1).flatten(1);
    return this.head(x);
  }
}
