import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
import { GemmMLP } from "./gemm-mlp.ts";

// The CPU dry run's stand-in for gemm-mlp.ts: the same network at width 256, small enough for
// the CPU target (bench/gpu-check.sh with TSDP_BENCH_TARGET=cpu).

export class GemmMLPSmall extends nn.Module {
  net = new GemmMLP(256);

  forward(x: Tensor<[Batch, 256]>) {
    return this.net(x);
  }
}

export const training = new Training(GemmMLPSmall, {
  loss: new nn.CrossEntropyLoss(),
  optimizer: new optim.SGD({ lr: 0.01, momentum: 0.9 }),
});
