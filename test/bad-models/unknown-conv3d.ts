// Unknown layer: nn.Conv3d is not part of tsdp's model language.
// expect: TSDP3001 6:14
import { nn, type Tensor, type Batch } from "tsdp/dsl";

export class VideoNet extends nn.Module {
  conv = new nn.Conv3d(3, 16, 3);
  fc = new nn.Linear(16, 4);

  forward(x: Tensor<[Batch, 3, 8, 32, 32]>) {
    x = this.conv(x);
    return this.fc(x.mean([2, 3, 4]));
  }
}
