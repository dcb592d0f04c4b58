// Shape mismatch: after two 2×2 poolings a 12×12 input is 3×3 on the way into a 5×5 convolution.
// expect: TSDP4001 15:16
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class TooDeep extends nn.Module {
  conv1 = new nn.Conv2d(1, 8, 3, { padding: 1 });
  conv2 = new nn.Conv2d(8, 16, 3, { padding: 1 });
  conv3 = new nn.Conv2d(16, 32, 5);
  pool = new nn.MaxPool2d(2);
  fc = new nn.Linear(32, 10);

  forward(x: Tensor<[Batch, 1, 12, 12]>) {
    x = this.pool(F.relu(this.conv1(x)));
    x = this.pool(F.relu(this.conv2(x)));
    x = F.relu(this.conv3(x));
    return this.fc(x.flatten(1));
  }
}
