// StyleGAN2's modulated conv folds the batch into the channels (groups = batch): the batch is split
// across devices, so groups cannot be the batch size; the message names the fused=False form.
// expect: TSDP2003 11:111
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class ModulatedConv extends nn.Module {
  weight = new nn.Parameter(F.randn(1, 4, 3, 3, 3));
  forward(input: Tensor<[Batch, 3, 8, 8]>, style: Tensor<[Batch, 3]>) {
    const [batch, inChannel, height, width] = input.shape;
    const weight = this.weight.mul(style.view(batch, 1, inChannel, 1, 1)).view(batch * 4, inChannel, 3, 3);
    const out = F.conv2d(input.view(1, batch * inChannel, height, width), weight, null, { padding: 1, groups: batch });
    return out.view(batch, 4, height, width);
  }
}
