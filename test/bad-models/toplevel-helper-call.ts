// Top-level code: a call of a helper that registers the model in a global registry.
// expect: TSDP2002 19:1
import { nn, type Tensor, type Batch } from "tsdp/dsl";

const registry: string[] = [];

function register(name: string) {
  registry.push(name);
}

export class Registered extends nn.Module {
  fc = new nn.Linear(4, 2);

  forward(x: Tensor<[Batch, 4]>) {
    return this.fc(x);
  }
}

register("Registered");
