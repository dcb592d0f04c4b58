// Several errors: a snake_case option, an unknown function in forward, and a training declaration with a bad optimizer.
// expect: TSDP3004 8:47
// expect: TSDP3001 12:12
// expect: TSDP5004 18:14
import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Mixed extends nn.Module {
  conv = new nn.Conv2d(3, 8, 3, { padding: 1, padding_mode: "zeros" });
  fc = new nn.Linear(8, 10);

  forward(x: Tensor<[Batch, 3, 16, 16]>) {
    return F.corrcoef(this.fc(x.mean([2, 3])));
  }
}

export const training = new Training(Mixed, {
  loss: new nn.CrossEntropyLoss(),
  optimizer: optim.SGD,
});
