// legal edge values: padding "same", dilation 2, depthwise groups, dropout p 1, pool padding half the kernel
// expect: ok
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Net extends nn.Module {
  conv = new nn.Conv2d(2, 4, 3, { padding: "same", dilation: 2 });
  depthwise = new nn.Conv2d(4, 4, 3, { groups: 4, padding: 1 });
  pool = new nn.MaxPool2d(2, { padding: 1 });
  drop = new nn.Dropout(1);
  bn = new nn.BatchNorm2d(4, { momentum: 0 });
  forward(x: Tensor<[Batch, 2, 8, 8]>) {
    return this.drop(this.pool(this.bn(this.depthwise(this.conv(x)))));
  }
}
