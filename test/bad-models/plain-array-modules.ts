// Module not in the model: the hidden layers are kept in a plain array, so their parameters are never registered.
// expect: TSDP3007 6:3
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

export class ArrayMlp extends nn.Module {
  layers = [new nn.Linear(16, 32), new nn.Linear(32, 32), new nn.Linear(32, 4)];

  forward(x: Tensor<[Batch, 16]>) {
    for (const layer of this.layers) x = F.relu(layer(x));
    return x;
  }
}
