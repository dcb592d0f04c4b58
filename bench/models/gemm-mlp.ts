import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";

// Benchmark (d): a GEMM-bound MLP, four Linear layers of 4096 features with ReLU between. At
// batch 4096 a training step is 3 GEMMs per layer (forward, input gradient, weight gradient) of
// 2·4096³ FLOP each: 24·4096³ ≈ 1.65 TFLOP, so its time measures the GEMM kernels, not launches.
// bench/pytorch/bench.py builds the same network from nn.Linear and nn.ReLU.

export class GemmMLP extends nn.Module {
  fc1: nn.Linear;
  fc2: nn.Linear;
  fc3: nn.Linear;
  fc4: nn.Linear;

  constructor(width = 4096) {
    super();
    this.fc1 = new nn.Linear(width, width);
    this.fc2 = new nn.Linear(width, width);
    this.fc3 = new nn.Linear(width, width);
    this.fc4 = new nn.Linear(width, width);
  }

  forward(x: Tensor<[Batch, 4096]>) {
    x = F.relu(this.fc1(x));
    x = F.relu(this.fc2(x));
    x = F.relu(this.fc3(x));
    return this.fc4(x);
  }
}

export const training = new Training(GemmMLP, {
  loss: new nn.CrossEntropyLoss(),
  optimizer: new optim.SGD({ lr: 0.01, momentum: 0.9 }),
});
