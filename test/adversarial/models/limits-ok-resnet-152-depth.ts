// a CIFAR ResNet as deep as ResNet-152 (6·25 + 2 layers, training step included) compiles within every default budget
// expect: ok
// timeout: 120
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
import { ResNet } from "../../../examples/resnet/model.ts";

export class ResNet152Deep extends nn.Module {
  net = new ResNet([25, 25, 25]);
  forward(x: Tensor<[Batch, 3, 32, 32]>) {
    return this.net(x);
  }
}

export const training = new Training(ResNet152Deep, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.1, momentum: 0.9 }) });
