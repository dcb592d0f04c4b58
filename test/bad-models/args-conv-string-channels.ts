// Wrong argument type: the channel count of nn.Conv2d is a string read from a config object.
// expect: TSDP3003 8:27
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

const config = { channels: "64", kernel: 3 };

export class FromConfig extends nn.Module {
  conv = new nn.Conv2d(3, config.channels, config.kernel);

  forward(x: Tensor<[Batch, 3, 32, 32]>) {
    return F.relu(this.conv(x));
  }
}
