// Runtime-only global: require() of a JSON config to size the layers.
// expect: TSDP2005 5:16
import { nn, type Tensor, type Batch } from "tsdp/dsl";

const config = require("./config.json");

export class Configured extends nn.Module {
  fc = new nn.Linear(config.inputs, config.outputs);

  forward(x: Tensor<[Batch, 8]>) {
    return this.fc(x);
  }
}
