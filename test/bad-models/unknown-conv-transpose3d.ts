// Unknown layer: nn.ConvTranspose3d is not part of tsdp's model language (nn.Conv3d is).
// expect: TSDP3001 7:12
import { nn, type Tensor, type Batch } from "tsdp/dsl";

export class VideoDecoder extends nn.Module {
  conv = new nn.Conv3d(3, 16, 3, { padding: 1 });
  up = new nn.ConvTranspose3d(16, 3, 2, { stride: 2 });

  forward(x: Tensor<[Batch, 3, 8, 32, 32]>) {
    return this.up(this.conv(x)).flatten(1);
  }
}
