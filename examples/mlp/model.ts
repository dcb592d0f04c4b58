import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

// A modern multilayer perceptron for flattened 28×28 images, as commonly written in PyTorch:
// each hidden block is Linear → LayerNorm → GELU → Dropout, the blocks are collected in an
// nn.Sequential, and a final Linear maps to the class logits. With the defaults below the
// state_dict keys are "body.0.weight" (first Linear), "body.1.weight" (its LayerNorm), ...,
// "body.4.weight" (second block's Linear), ..., then "head.weight" / "head.bias".

export class MLP extends nn.Module {
  body: nn.Sequential;
  head: nn.Linear;

  constructor(inFeatures = 784, hidden: readonly number[] = [512, 256], numClasses = 10, dropout = 0.1) {
    super();
    const layers: nn.Module[] = [];
    let width = inFeatures;
    for (const h of hidden) {
      layers.push(new nn.Linear(width, h));
      layers.push(new nn.LayerNorm(h));
      layers.push(new nn.GELU());
      layers.push(new nn.Dropout(dropout));
      width = h;
    }
    this.body = new nn.Sequential(...layers);
    this.head = new nn.Linear(width, numClasses);
  }

  forward(x: Tensor<[Batch, 784]>) {
    return this.head(this.body(x));
  }
}

export const training = new Training(MLP, {
  loss: new nn.CrossEntropyLoss(),
  optimizer: new optim.AdamW({ lr: 1e-3, weightDecay: 0.01 }),
});
