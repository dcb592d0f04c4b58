// a non-ASCII class name, shown in comments of model.cu and model.h
// expect: ok
import { nn, F, type Tensor, type Batch, Training, optim } from "tsdp/dsl";

export class Modèle extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  fc2 = new nn.Linear(8, 3);
  forward(x: Tensor<[Batch, 4]>) {
    return this.fc2(F.relu(this.fc1(x)));
  }
}

export const training = new Training(Modèle, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.1 }) });
