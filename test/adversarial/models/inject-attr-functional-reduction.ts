// F.crossEntropy reduction from a file-level constant that carries code
// expect: TSDP3004 15:103
import { nn, F, type Tensor, type Batch, Training, optim } from "tsdp/dsl";

const how = "sum */ #error x /*";

export class Net extends nn.Module {
  fc = new nn.Linear(4, 3);
  forward(x: Tensor<[Batch, 4]>) {
    return this.fc(x);
  }
}

export const training = new Training(Net, {
  loss: (out: Tensor<[Batch, 3]>, y: Tensor<[Batch], "int32">) => F.crossEntropy(out, y, { reduction: how }),
  optimizer: new optim.SGD({ lr: 0.1 }),
});
