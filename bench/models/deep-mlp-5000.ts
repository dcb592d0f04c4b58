import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

// 5000 Linear+ReLU layers in one nn.Sequential, trained with SGD: a compile-time stress test.
export class Deep extends nn.Module {
  body: nn.Sequential;
  constructor(depth = 5000, width = 16) {
    super();
    const layers: nn.Module[] = [];
    for (let i = 0; i < depth; i++) layers.push(new nn.Linear(width, width), new nn.ReLU());
    this.body = new nn.Sequential(...layers);
  }
  forward(x: Tensor<[Batch, 16]>) {
    return this.body(x);
  }
}

export const training = new Training(Deep, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.01 }) });
