// a 2,000-layer MLP (Linear+ReLU) with a training declaration compiles
// expect: ok
// timeout: 120
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
export class M extends nn.Module {
  fc: nn.Sequential;
  constructor() {
    super();
    const layers: nn.Module[] = [];
    for (let i = 0; i < 2000; i++) layers.push(new nn.Linear(4, 4), new nn.ReLU());
    this.fc = new nn.Sequential(...layers);
  }
  forward(x: Tensor<[Batch, 4]>) {
    x = this.fc(x);
    return x;
  }
}
export const training = new Training(M, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });
