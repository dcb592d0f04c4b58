// Top-level code: a const that is never used still calls console.log when the file loads.
// expect: TSDP2005 5:18
import { nn, type Tensor, type Batch } from "tsdp/dsl";

const greeting = console.log("loading the model");

export class Quiet extends nn.Module {
  fc = new nn.Linear(4, 4);

  forward(x: Tensor<[Batch, 4]>) {
    return this.fc(x);
  }
}
