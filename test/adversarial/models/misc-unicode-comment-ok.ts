// Comments full of C-looking text and unicode in a legal model: nothing of it matters to the compiler.
// expect: ok
import { nn, F, type Tensor, type Batch } from "tsdp/dsl";

/* #include <stdio.h>  static int x = __builtin_puts("PWNED"); ‮ «ünïcödé» */
export class Tiny extends nn.Module {
  fc = new nn.Linear(4, 2); // "); static int y = __builtin_puts("PWNED"); //

  forward(x: Tensor<[Batch, 4]>) {
    return F.relu(this.fc(x)); // a line comment ending in a backslash \
  }
}
