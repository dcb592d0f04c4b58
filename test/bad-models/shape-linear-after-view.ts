// Shape mismatch: LeNet written for 28×28 inputs but fed 32×32 images, so fc1 gets 50·5·5 = 1250 features, not 800.
// expect: TSDP4001 16:16
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class LeNet32 extends nn.Module {
  conv1 = new nn.Conv2d(1, 20, 5);
  pool = new nn.MaxPool2d(2, 2);
  conv2 = new nn.Conv2d(20, 50, 5);
  fc1 = new nn.Linear(50 * 4 * 4, 500);
  fc2 = new nn.Linear(500, 10);

  forward(x: Tensor<[Batch, 1, 32, 32]>) {
    x = this.pool(F.relu(this.conv1(x)));
    x = this.pool(F.relu(this.conv2(x)));
    x = x.view(x.size(0), -1);
    x = F.relu(this.fc1(x));
    return this.fc2(x);
  }
}
