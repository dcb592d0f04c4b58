// an nn.Sequential of 300,000 ReLU modules
// expect: TSDP2016 12:9
// timeout: 60
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
export class M extends nn.Module {
  fc: nn.Sequential;
  constructor() {
    super();
    this.fc = new nn.Sequential(...Array.from({ length: 300000 }, () => new nn.ReLU()));
  }
  forward(x: Tensor<[Batch, 4]>) {
    x = this.fc(x);
    return x;
  }
}
