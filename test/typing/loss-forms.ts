// The Training's loss function in each form the README shows, type-checked by tsc with the rest of
// the project (test/typecheck.test.ts): an unannotated pair, an annotated pair, and a model with
// several outputs destructured from an array (a VAE's `([recon, mu, logvar]: Tensor[], x) => …`).
// A LossFunction value is called with a tensor. Not a model file the tests compile: tsc is the check.
import { F, nn, optim, Training, type Batch, type LossFunction, type Tensor } from "tsdp/dsl";

class One extends nn.Module {
  fc = new nn.Linear(4, 3);
  forward(x: Tensor<[Batch, 4]>) {
    return this.fc(x);
  }
}

class Three extends nn.Module {
  fc = new nn.Linear(4, 4);
  forward(x: Tensor<[Batch, 4]>) {
    const h = this.fc(x);
    return [h, h.mul(2), h.exp()];
  }
}

export const unannotated = new Training(One, { loss: (out, y) => F.crossEntropy(out, y), optimizer: new optim.SGD({ lr: 0.1 }) });
export const annotated = new Training(One, { loss: (out: Tensor, y: Tensor<[Batch], "int32">) => F.crossEntropy(out, y), optimizer: new optim.SGD({ lr: 0.1 }) });
export const destructured = new Training(Three, {
  loss: ([recon, mu, logvar]: Tensor[], x: Tensor<[Batch, 4]>) => F.mseLoss(recon, x).add(mu.pow(2).add(logvar).mean()),
  optimizer: new optim.Adam({ lr: 1e-3 }),
});

// a LossFunction is called with a tensor (a wrapper, a field holding the criterion)
export function scaled(loss: LossFunction, k: number): LossFunction {
  return (out, y) => loss(out, y).mul(k);
}
