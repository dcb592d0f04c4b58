// 20 module classes nested in each other, as deep as real models go and more
// expect: ok
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
class N0 extends nn.Module {
  c = new N1();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x).relu(); }
}
class N1 extends nn.Module {
  c = new N2();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x).relu(); }
}
class N2 extends nn.Module {
  c = new N3();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x).relu(); }
}
class N3 extends nn.Module {
  c = new N4();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x).relu(); }
}
class N4 extends nn.Module {
  c = new N5();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x).relu(); }
}
class N5 extends nn.Module {
  c = new N6();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x).relu(); }
}
class N6 extends nn.Module {
  c = new N7();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x).relu(); }
}
class N7 extends nn.Module {
  c = new N8();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x).relu(); }
}
class N8 extends nn.Module {
  c = new N9();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x).relu(); }
}
class N9 extends nn.Module {
  c = new N10();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x).relu(); }
}
class N10 extends nn.Module {
  c = new N11();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x).relu(); }
}
class N11 extends nn.Module {
  c = new N12();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x).relu(); }
}
class N12 extends nn.Module {
  c = new N13();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x).relu(); }
}
class N13 extends nn.Module {
  c = new N14();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x).relu(); }
}
class N14 extends nn.Module {
  c = new N15();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x).relu(); }
}
class N15 extends nn.Module {
  c = new N16();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x).relu(); }
}
class N16 extends nn.Module {
  c = new N17();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x).relu(); }
}
class N17 extends nn.Module {
  c = new N18();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x).relu(); }
}
class N18 extends nn.Module {
  c = new N19();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x).relu(); }
}
class N19 extends nn.Module {
  c = new nn.Linear(4, 4);
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x).relu(); }
}
export class M extends nn.Module {
  fc = new N0();
  constructor() {
    super();
  }
  forward(x: Tensor<[Batch, 4]>) {
    x = this.fc(x);
    return x;
  }
}
