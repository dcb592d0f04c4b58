// a loss reduction string that carries C code
// expect: TSDP3004 12:88
import { nn, F, type Tensor, type Batch, Training, optim } from "tsdp/dsl";

export class Net extends nn.Module {
  fc = new nn.Linear(4, 3);
  forward(x: Tensor<[Batch, 4]>) {
    return this.fc(x);
  }
}

export const training = new Training(Net, { loss: new nn.CrossEntropyLoss({ reduction: "mean\"; static int x = __builtin_puts(\"PWNED\"); //" }), optimizer: new optim.SGD({ lr: 0.1 }) });
