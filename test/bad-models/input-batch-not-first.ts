// Invalid input shape: the batch is written last (channels-last habit), but it must be the first dim.
// expect: TSDP4004 8:21
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class ChannelsLast extends nn.Module {
  conv = new nn.Conv2d(3, 8, 3);

  forward(x: Tensor<[3, 32, 32, Batch]>) {
    return F.relu(this.conv(x));
  }
}
