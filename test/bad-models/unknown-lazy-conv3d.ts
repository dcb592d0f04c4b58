// Unknown layer: nn.LazyConv3d (in_channels inferred at the first call) is not part of tsdp's model language.
// expect: TSDP3001 7:12
import { nn, type Tensor, type Batch } from "tsdp/dsl";

export class VideoDecoder extends nn.Module {
  conv = new nn.Conv3d(3, 16, 3, { padding: 1 });
  up = new nn.LazyConv3d(3, 2);

  forward(x: Tensor<[Batch, 3, 8, 32, 32]>) {
    return this.up(this.conv(x)).flatten(1);
  }
}
