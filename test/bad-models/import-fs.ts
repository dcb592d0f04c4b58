// Import not supported: a model file imports from "fs" to read its configuration from the working directory (process, which does not exist at compile time either).
// expect: TSDP1003 5:30
// expect: TSDP2005 7:13
import { nn, type Tensor, type Batch } from "tsdp/dsl";
import { readFileSync } from "fs";

const dir = process.cwd();
const sizes = JSON.parse(readFileSync(`${dir}/sizes.json`, "utf8"));

export class FileSized extends nn.Module {
  fc = new nn.Linear(sizes.in, sizes.out);

  forward(x: Tensor<[Batch, 8]>) {
    return this.fc(x);
  }
}
