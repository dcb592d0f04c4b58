// 150 nested parentheses: deep but legal
// expect: ok
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
export class M extends nn.Module {
  fc = new nn.Linear(4, 4);
  constructor() {
    super();
    const k = ((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))));
  }
  forward(x: Tensor<[Batch, 4]>) {
    x = this.fc(x);
    return x;
  }
}
