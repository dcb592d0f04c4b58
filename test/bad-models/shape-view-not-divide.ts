// Shape mismatch: view(-1, 100) of a [Batch, 16, 5, 5] feature map (400 per sample) is fine, but view(-1, 300) does not divide.
// expect: TSDP4001 12:9
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class Reshaper extends nn.Module {
  conv = new nn.Conv2d(3, 16, 5);
  pool = new nn.MaxPool2d(2);
  fc = new nn.Linear(300, 10);

  forward(x: Tensor<[Batch, 3, 14, 14]>) {
    x = this.pool(F.relu(this.conv(x)));
    x = x.view(-1, 300);
    return this.fc(x);
  }
}
