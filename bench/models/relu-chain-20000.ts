import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
// 20,000 ReLUs after one Linear, built by a loop (the op budget allows it), trained with SGD: a compile-time stress test.
export class ReluChain extends nn.Module {
  fc = new nn.Linear(4, 4);
  forward(x: Tensor<[Batch, 4]>) {
    let y = this.fc(x);
    for (let i = 0; i < 20000; i++) y = y.relu();
    return y;
  }
}
export const training = new Training(ReluChain, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });
