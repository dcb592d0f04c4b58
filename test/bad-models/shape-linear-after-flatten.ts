// Shape mismatch: the classifier's nn.Linear expects 512 features but the flattened feature map has 2048.
// expect: TSDP4001 17:12
import { nn, type Tensor, type Batch } from "tsdp/dsl";

export class SmallCnn extends nn.Module {
  features = new nn.Sequential(
    new nn.Conv2d(3, 32, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
  );
  flatten = new nn.Flatten();
  classifier = new nn.Linear(512, 10);

  forward(x: Tensor<[Batch, 3, 16, 16]>) {
    x = this.features(x);
    x = this.flatten(x);
    return this.classifier(x);
  }
}
