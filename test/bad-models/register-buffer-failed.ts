// A PixelCNN-style mask from math on the weight (its absolute values), which a constructor cannot take
// (a parameter's values there are its initializer; PixelCNN's own weight.data.clone() is a copy and
// compiles, test/port-idioms.test.ts): one error, where it is. The buffer it would have registered is then
// quiet — its fill_ and index calls below, and forward's use of it, report nothing more.
// expect: TSDP2011 13:33
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

class MaskedConv2d extends nn.Conv2d {
  declare mask: Tensor;

  constructor(inC: number, outC: number, k: number) {
    super(inC, outC, k, { padding: Math.floor(k / 2) });
    this.registerBuffer("mask", this.weight.data.abs());
    this.mask.fill_(1);
    this.mask.index(":", ":", Math.floor(k / 2), `${Math.floor(k / 2)}:`).fill_(0);
  }

  forward(x: Tensor) {
    return F.conv2d(x, this.weight.mul(this.mask), this.bias, { padding: this.padding });
  }
}

export class PixelCNN extends nn.Module {
  conv = new MaskedConv2d(1, 4, 3);

  forward(x: Tensor<[Batch, 1, 6, 6]>) {
    return this.conv(x);
  }
}
