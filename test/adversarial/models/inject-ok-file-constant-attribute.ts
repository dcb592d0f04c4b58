// a file-level string constant used as the loss's reduction
// expect: ok
import { nn, F, type Tensor, type Batch, Training, optim } from "tsdp/dsl";

const reduction = "sum";
const note = "\"; static int x = __builtin_puts(\"PWNED\"); //";

export class Net extends nn.Module {
  fc = new nn.Linear(4, 3);
  forward(x: Tensor<[Batch, 4]>) {
    return this.fc(x);
  }
}

export const training = new Training(Net, { loss: new nn.CrossEntropyLoss({ reduction }), optimizer: new optim.SGD({ lr: 0.1 }) });
