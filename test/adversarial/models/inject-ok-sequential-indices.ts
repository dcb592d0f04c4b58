// nn.Sequential and nn.ModuleList children named 0, 1, 2 by tsdp
// expect: ok
import { nn, F, type Tensor, type Batch, Training, optim } from "tsdp/dsl";

export class Net extends nn.Module {
  body = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 8));
  heads = new nn.ModuleList([new nn.Linear(8, 8), new nn.Linear(8, 3)]);
  forward(x: Tensor<[Batch, 4]>) {
    const h = this.body(x);
    return this.heads[1](F.relu(this.heads[0](h)));
  }
}
