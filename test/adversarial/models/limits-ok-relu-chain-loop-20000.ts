// a 20,000-op .relu() chain built by a loop, with training, compiles
// expect: ok
// timeout: 120
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
export class M extends nn.Module {
  fc = new nn.Linear(4, 4);
  constructor() {
    super();
  }
  forward(x: Tensor<[Batch, 4]>) {
    x = this.fc(x);
    for (let i = 0; i < 20000; i++) x = x.relu();
    return x;
  }
}
export const training = new Training(M, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });
