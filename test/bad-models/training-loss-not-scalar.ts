// Invalid training declaration: reduction "none" gives one loss per sample, but training needs a scalar loss.
// expect: TSDP5004 14:9
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

export class Classifier extends nn.Module {
  fc = new nn.Linear(32, 4);

  forward(x: Tensor<[Batch, 32]>) {
    return this.fc(x);
  }
}

export const training = new Training(Classifier, {
  loss: new nn.CrossEntropyLoss({ reduction: "none" }),
  optimizer: new optim.AdamW({ lr: 3e-4 }),
});
