// 1,000 module classes, each constructing the next in a field
// expect: TSDP2014 796:20
import { nn, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
class C0 extends nn.Module {
  c = new C1();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C1 extends nn.Module {
  c = new C2();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C2 extends nn.Module {
  c = new C3();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C3 extends nn.Module {
  c = new C4();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C4 extends nn.Module {
  c = new C5();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C5 extends nn.Module {
  c = new C6();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C6 extends nn.Module {
  c = new C7();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C7 extends nn.Module {
  c = new C8();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C8 extends nn.Module {
  c = new C9();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C9 extends nn.Module {
  c = new C10();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C10 extends nn.Module {
  c = new C11();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C11 extends nn.Module {
  c = new C12();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C12 extends nn.Module {
  c = new C13();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C13 extends nn.Module {
  c = new C14();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C14 extends nn.Module {
  c = new C15();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C15 extends nn.Module {
  c = new C16();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C16 extends nn.Module {
  c = new C17();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C17 extends nn.Module {
  c = new C18();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C18 extends nn.Module {
  c = new C19();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C19 extends nn.Module {
  c = new C20();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C20 extends nn.Module {
  c = new C21();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C21 extends nn.Module {
  c = new C22();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C22 extends nn.Module {
  c = new C23();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C23 extends nn.Module {
  c = new C24();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C24 extends nn.Module {
  c = new C25();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C25 extends nn.Module {
  c = new C26();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C26 extends nn.Module {
  c = new C27();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C27 extends nn.Module {
  c = new C28();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C28 extends nn.Module {
  c = new C29();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C29 extends nn.Module {
  c = new C30();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C30 extends nn.Module {
  c = new C31();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C31 extends nn.Module {
  c = new C32();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C32 extends nn.Module {
  c = new C33();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C33 extends nn.Module {
  c = new C34();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C34 extends nn.Module {
  c = new C35();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C35 extends nn.Module {
  c = new C36();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C36 extends nn.Module {
  c = new C37();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C37 extends nn.Module {
  c = new C38();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C38 extends nn.Module {
  c = new C39();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C39 extends nn.Module {
  c = new C40();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C40 extends nn.Module {
  c = new C41();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C41 extends nn.Module {
  c = new C42();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C42 extends nn.Module {
  c = new C43();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C43 extends nn.Module {
  c = new C44();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C44 extends nn.Module {
  c = new C45();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C45 extends nn.Module {
  c = new C46();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C46 extends nn.Module {
  c = new C47();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C47 extends nn.Module {
  c = new C48();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C48 extends nn.Module {
  c = new C49();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C49 extends nn.Module {
  c = new C50();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C50 extends nn.Module {
  c = new C51();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C51 extends nn.Module {
  c = new C52();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C52 extends nn.Module {
  c = new C53();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C53 extends nn.Module {
  c = new C54();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C54 extends nn.Module {
  c = new C55();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C55 extends nn.Module {
  c = new C56();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C56 extends nn.Module {
  c = new C57();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C57 extends nn.Module {
  c = new C58();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C58 extends nn.Module {
  c = new C59();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C59 extends nn.Module {
  c = new C60();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C60 extends nn.Module {
  c = new C61();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C61 extends nn.Module {
  c = new C62();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C62 extends nn.Module {
  c = new C63();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C63 extends nn.Module {
  c = new C64();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C64 extends nn.Module {
  c = new C65();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C65 extends nn.Module {
  c = new C66();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C66 extends nn.Module {
  c = new C67();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C67 extends nn.Module {
  c = new C68();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C68 extends nn.Module {
  c = new C69();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C69 extends nn.Module {
  c = new C70();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C70 extends nn.Module {
  c = new C71();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C71 extends nn.Module {
  c = new C72();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C72 extends nn.Module {
  c = new C73();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C73 extends nn.Module {
  c = new C74();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C74 extends nn.Module {
  c = new C75();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C75 extends nn.Module {
  c = new C76();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C76 extends nn.Module {
  c = new C77();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C77 extends nn.Module {
  c = new C78();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C78 extends nn.Module {
  c = new C79();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C79 extends nn.Module {
  c = new C80();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C80 extends nn.Module {
  c = new C81();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C81 extends nn.Module {
  c = new C82();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C82 extends nn.Module {
  c = new C83();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C83 extends nn.Module {
  c = new C84();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C84 extends nn.Module {
  c = new C85();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C85 extends nn.Module {
  c = new C86();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C86 extends nn.Module {
  c = new C87();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C87 extends nn.Module {
  c = new C88();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C88 extends nn.Module {
  c = new C89();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C89 extends nn.Module {
  c = new C90();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C90 extends nn.Module {
  c = new C91();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C91 extends nn.Module {
  c = new C92();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C92 extends nn.Module {
  c = new C93();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C93 extends nn.Module {
  c = new C94();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C94 extends nn.Module {
  c = new C95();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C95 extends nn.Module {
  c = new C96();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C96 extends nn.Module {
  c = new C97();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C97 extends nn.Module {
  c = new C98();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C98 extends nn.Module {
  c = new C99();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C99 extends nn.Module {
  c = new C100();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C100 extends nn.Module {
  c = new C101();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C101 extends nn.Module {
  c = new C102();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C102 extends nn.Module {
  c = new C103();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C103 extends nn.Module {
  c = new C104();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C104 extends nn.Module {
  c = new C105();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C105 extends nn.Module {
  c = new C106();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C106 extends nn.Module {
  c = new C107();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C107 extends nn.Module {
  c = new C108();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C108 extends nn.Module {
  c = new C109();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C109 extends nn.Module {
  c = new C110();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C110 extends nn.Module {
  c = new C111();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C111 extends nn.Module {
  c = new C112();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C112 extends nn.Module {
  c = new C113();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C113 extends nn.Module {
  c = new C114();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C114 extends nn.Module {
  c = new C115();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C115 extends nn.Module {
  c = new C116();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C116 extends nn.Module {
  c = new C117();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C117 extends nn.Module {
  c = new C118();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C118 extends nn.Module {
  c = new C119();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C119 extends nn.Module {
  c = new C120();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C120 extends nn.Module {
  c = new C121();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C121 extends nn.Module {
  c = new C122();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C122 extends nn.Module {
  c = new C123();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C123 extends nn.Module {
  c = new C124();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C124 extends nn.Module {
  c = new C125();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C125 extends nn.Module {
  c = new C126();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C126 extends nn.Module {
  c = new C127();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C127 extends nn.Module {
  c = new C128();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C128 extends nn.Module {
  c = new C129();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C129 extends nn.Module {
  c = new C130();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C130 extends nn.Module {
  c = new C131();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C131 extends nn.Module {
  c = new C132();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C132 extends nn.Module {
  c = new C133();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C133 extends nn.Module {
  c = new C134();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C134 extends nn.Module {
  c = new C135();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C135 extends nn.Module {
  c = new C136();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C136 extends nn.Module {
  c = new C137();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C137 extends nn.Module {
  c = new C138();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C138 extends nn.Module {
  c = new C139();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C139 extends nn.Module {
  c = new C140();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C140 extends nn.Module {
  c = new C141();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C141 extends nn.Module {
  c = new C142();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C142 extends nn.Module {
  c = new C143();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C143 extends nn.Module {
  c = new C144();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C144 extends nn.Module {
  c = new C145();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C145 extends nn.Module {
  c = new C146();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C146 extends nn.Module {
  c = new C147();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C147 extends nn.Module {
  c = new C148();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C148 extends nn.Module {
  c = new C149();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C149 extends nn.Module {
  c = new C150();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C150 extends nn.Module {
  c = new C151();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C151 extends nn.Module {
  c = new C152();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C152 extends nn.Module {
  c = new C153();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C153 extends nn.Module {
  c = new C154();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C154 extends nn.Module {
  c = new C155();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C155 extends nn.Module {
  c = new C156();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C156 extends nn.Module {
  c = new C157();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C157 extends nn.Module {
  c = new C158();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C158 extends nn.Module {
  c = new C159();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C159 extends nn.Module {
  c = new C160();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C160 extends nn.Module {
  c = new C161();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C161 extends nn.Module {
  c = new C162();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C162 extends nn.Module {
  c = new C163();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C163 extends nn.Module {
  c = new C164();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C164 extends nn.Module {
  c = new C165();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C165 extends nn.Module {
  c = new C166();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C166 extends nn.Module {
  c = new C167();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C167 extends nn.Module {
  c = new C168();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C168 extends nn.Module {
  c = new C169();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C169 extends nn.Module {
  c = new C170();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C170 extends nn.Module {
  c = new C171();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C171 extends nn.Module {
  c = new C172();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C172 extends nn.Module {
  c = new C173();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C173 extends nn.Module {
  c = new C174();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C174 extends nn.Module {
  c = new C175();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C175 extends nn.Module {
  c = new C176();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C176 extends nn.Module {
  c = new C177();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C177 extends nn.Module {
  c = new C178();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C178 extends nn.Module {
  c = new C179();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C179 extends nn.Module {
  c = new C180();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C180 extends nn.Module {
  c = new C181();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C181 extends nn.Module {
  c = new C182();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C182 extends nn.Module {
  c = new C183();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C183 extends nn.Module {
  c = new C184();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C184 extends nn.Module {
  c = new C185();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C185 extends nn.Module {
  c = new C186();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C186 extends nn.Module {
  c = new C187();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C187 extends nn.Module {
  c = new C188();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C188 extends nn.Module {
  c = new C189();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C189 extends nn.Module {
  c = new C190();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C190 extends nn.Module {
  c = new C191();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C191 extends nn.Module {
  c = new C192();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C192 extends nn.Module {
  c = new C193();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C193 extends nn.Module {
  c = new C194();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C194 extends nn.Module {
  c = new C195();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C195 extends nn.Module {
  c = new C196();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C196 extends nn.Module {
  c = new C197();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C197 extends nn.Module {
  c = new C198();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C198 extends nn.Module {
  c = new C199();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C199 extends nn.Module {
  c = new C200();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C200 extends nn.Module {
  c = new C201();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C201 extends nn.Module {
  c = new C202();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C202 extends nn.Module {
  c = new C203();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C203 extends nn.Module {
  c = new C204();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C204 extends nn.Module {
  c = new C205();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C205 extends nn.Module {
  c = new C206();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C206 extends nn.Module {
  c = new C207();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C207 extends nn.Module {
  c = new C208();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C208 extends nn.Module {
  c = new C209();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C209 extends nn.Module {
  c = new C210();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C210 extends nn.Module {
  c = new C211();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C211 extends nn.Module {
  c = new C212();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C212 extends nn.Module {
  c = new C213();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C213 extends nn.Module {
  c = new C214();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C214 extends nn.Module {
  c = new C215();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C215 extends nn.Module {
  c = new C216();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C216 extends nn.Module {
  c = new C217();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C217 extends nn.Module {
  c = new C218();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C218 extends nn.Module {
  c = new C219();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C219 extends nn.Module {
  c = new C220();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C220 extends nn.Module {
  c = new C221();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C221 extends nn.Module {
  c = new C222();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C222 extends nn.Module {
  c = new C223();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C223 extends nn.Module {
  c = new C224();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C224 extends nn.Module {
  c = new C225();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C225 extends nn.Module {
  c = new C226();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C226 extends nn.Module {
  c = new C227();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C227 extends nn.Module {
  c = new C228();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C228 extends nn.Module {
  c = new C229();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C229 extends nn.Module {
  c = new C230();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C230 extends nn.Module {
  c = new C231();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C231 extends nn.Module {
  c = new C232();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C232 extends nn.Module {
  c = new C233();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C233 extends nn.Module {
  c = new C234();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C234 extends nn.Module {
  c = new C235();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C235 extends nn.Module {
  c = new C236();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C236 extends nn.Module {
  c = new C237();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C237 extends nn.Module {
  c = new C238();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C238 extends nn.Module {
  c = new C239();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C239 extends nn.Module {
  c = new C240();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C240 extends nn.Module {
  c = new C241();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C241 extends nn.Module {
  c = new C242();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C242 extends nn.Module {
  c = new C243();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C243 extends nn.Module {
  c = new C244();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C244 extends nn.Module {
  c = new C245();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C245 extends nn.Module {
  c = new C246();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C246 extends nn.Module {
  c = new C247();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C247 extends nn.Module {
  c = new C248();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C248 extends nn.Module {
  c = new C249();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C249 extends nn.Module {
  c = new C250();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C250 extends nn.Module {
  c = new C251();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C251 extends nn.Module {
  c = new C252();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C252 extends nn.Module {
  c = new C253();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C253 extends nn.Module {
  c = new C254();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C254 extends nn.Module {
  c = new C255();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C255 extends nn.Module {
  c = new C256();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C256 extends nn.Module {
  c = new C257();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C257 extends nn.Module {
  c = new C258();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C258 extends nn.Module {
  c = new C259();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C259 extends nn.Module {
  c = new C260();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C260 extends nn.Module {
  c = new C261();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C261 extends nn.Module {
  c = new C262();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C262 extends nn.Module {
  c = new C263();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C263 extends nn.Module {
  c = new C264();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C264 extends nn.Module {
  c = new C265();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C265 extends nn.Module {
  c = new C266();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C266 extends nn.Module {
  c = new C267();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C267 extends nn.Module {
  c = new C268();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C268 extends nn.Module {
  c = new C269();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C269 extends nn.Module {
  c = new C270();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C270 extends nn.Module {
  c = new C271();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C271 extends nn.Module {
  c = new C272();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C272 extends nn.Module {
  c = new C273();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C273 extends nn.Module {
  c = new C274();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C274 extends nn.Module {
  c = new C275();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C275 extends nn.Module {
  c = new C276();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C276 extends nn.Module {
  c = new C277();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C277 extends nn.Module {
  c = new C278();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C278 extends nn.Module {
  c = new C279();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C279 extends nn.Module {
  c = new C280();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C280 extends nn.Module {
  c = new C281();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C281 extends nn.Module {
  c = new C282();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C282 extends nn.Module {
  c = new C283();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C283 extends nn.Module {
  c = new C284();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C284 extends nn.Module {
  c = new C285();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C285 extends nn.Module {
  c = new C286();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C286 extends nn.Module {
  c = new C287();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C287 extends nn.Module {
  c = new C288();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C288 extends nn.Module {
  c = new C289();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C289 extends nn.Module {
  c = new C290();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C290 extends nn.Module {
  c = new C291();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C291 extends nn.Module {
  c = new C292();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C292 extends nn.Module {
  c = new C293();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C293 extends nn.Module {
  c = new C294();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C294 extends nn.Module {
  c = new C295();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C295 extends nn.Module {
  c = new C296();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C296 extends nn.Module {
  c = new C297();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C297 extends nn.Module {
  c = new C298();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C298 extends nn.Module {
  c = new C299();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C299 extends nn.Module {
  c = new C300();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C300 extends nn.Module {
  c = new C301();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C301 extends nn.Module {
  c = new C302();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C302 extends nn.Module {
  c = new C303();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C303 extends nn.Module {
  c = new C304();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C304 extends nn.Module {
  c = new C305();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C305 extends nn.Module {
  c = new C306();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C306 extends nn.Module {
  c = new C307();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C307 extends nn.Module {
  c = new C308();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C308 extends nn.Module {
  c = new C309();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C309 extends nn.Module {
  c = new C310();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C310 extends nn.Module {
  c = new C311();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C311 extends nn.Module {
  c = new C312();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C312 extends nn.Module {
  c = new C313();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C313 extends nn.Module {
  c = new C314();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C314 extends nn.Module {
  c = new C315();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C315 extends nn.Module {
  c = new C316();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C316 extends nn.Module {
  c = new C317();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C317 extends nn.Module {
  c = new C318();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C318 extends nn.Module {
  c = new C319();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C319 extends nn.Module {
  c = new C320();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C320 extends nn.Module {
  c = new C321();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C321 extends nn.Module {
  c = new C322();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C322 extends nn.Module {
  c = new C323();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C323 extends nn.Module {
  c = new C324();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C324 extends nn.Module {
  c = new C325();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C325 extends nn.Module {
  c = new C326();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C326 extends nn.Module {
  c = new C327();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C327 extends nn.Module {
  c = new C328();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C328 extends nn.Module {
  c = new C329();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C329 extends nn.Module {
  c = new C330();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C330 extends nn.Module {
  c = new C331();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C331 extends nn.Module {
  c = new C332();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C332 extends nn.Module {
  c = new C333();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C333 extends nn.Module {
  c = new C334();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C334 extends nn.Module {
  c = new C335();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C335 extends nn.Module {
  c = new C336();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C336 extends nn.Module {
  c = new C337();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C337 extends nn.Module {
  c = new C338();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C338 extends nn.Module {
  c = new C339();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C339 extends nn.Module {
  c = new C340();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C340 extends nn.Module {
  c = new C341();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C341 extends nn.Module {
  c = new C342();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C342 extends nn.Module {
  c = new C343();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C343 extends nn.Module {
  c = new C344();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C344 extends nn.Module {
  c = new C345();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C345 extends nn.Module {
  c = new C346();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C346 extends nn.Module {
  c = new C347();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C347 extends nn.Module {
  c = new C348();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C348 extends nn.Module {
  c = new C349();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C349 extends nn.Module {
  c = new C350();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C350 extends nn.Module {
  c = new C351();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C351 extends nn.Module {
  c = new C352();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C352 extends nn.Module {
  c = new C353();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C353 extends nn.Module {
  c = new C354();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C354 extends nn.Module {
  c = new C355();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C355 extends nn.Module {
  c = new C356();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C356 extends nn.Module {
  c = new C357();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C357 extends nn.Module {
  c = new C358();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C358 extends nn.Module {
  c = new C359();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C359 extends nn.Module {
  c = new C360();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C360 extends nn.Module {
  c = new C361();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C361 extends nn.Module {
  c = new C362();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C362 extends nn.Module {
  c = new C363();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C363 extends nn.Module {
  c = new C364();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C364 extends nn.Module {
  c = new C365();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C365 extends nn.Module {
  c = new C366();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C366 extends nn.Module {
  c = new C367();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C367 extends nn.Module {
  c = new C368();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C368 extends nn.Module {
  c = new C369();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C369 extends nn.Module {
  c = new C370();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C370 extends nn.Module {
  c = new C371();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C371 extends nn.Module {
  c = new C372();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C372 extends nn.Module {
  c = new C373();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C373 extends nn.Module {
  c = new C374();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C374 extends nn.Module {
  c = new C375();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C375 extends nn.Module {
  c = new C376();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C376 extends nn.Module {
  c = new C377();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C377 extends nn.Module {
  c = new C378();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C378 extends nn.Module {
  c = new C379();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C379 extends nn.Module {
  c = new C380();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C380 extends nn.Module {
  c = new C381();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C381 extends nn.Module {
  c = new C382();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C382 extends nn.Module {
  c = new C383();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C383 extends nn.Module {
  c = new C384();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C384 extends nn.Module {
  c = new C385();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C385 extends nn.Module {
  c = new C386();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C386 extends nn.Module {
  c = new C387();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C387 extends nn.Module {
  c = new C388();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C388 extends nn.Module {
  c = new C389();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C389 extends nn.Module {
  c = new C390();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C390 extends nn.Module {
  c = new C391();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C391 extends nn.Module {
  c = new C392();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C392 extends nn.Module {
  c = new C393();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C393 extends nn.Module {
  c = new C394();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C394 extends nn.Module {
  c = new C395();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C395 extends nn.Module {
  c = new C396();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C396 extends nn.Module {
  c = new C397();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C397 extends nn.Module {
  c = new C398();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C398 extends nn.Module {
  c = new C399();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C399 extends nn.Module {
  c = new C400();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C400 extends nn.Module {
  c = new C401();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C401 extends nn.Module {
  c = new C402();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C402 extends nn.Module {
  c = new C403();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C403 extends nn.Module {
  c = new C404();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C404 extends nn.Module {
  c = new C405();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C405 extends nn.Module {
  c = new C406();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C406 extends nn.Module {
  c = new C407();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C407 extends nn.Module {
  c = new C408();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C408 extends nn.Module {
  c = new C409();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C409 extends nn.Module {
  c = new C410();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C410 extends nn.Module {
  c = new C411();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C411 extends nn.Module {
  c = new C412();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C412 extends nn.Module {
  c = new C413();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C413 extends nn.Module {
  c = new C414();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C414 extends nn.Module {
  c = new C415();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C415 extends nn.Module {
  c = new C416();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C416 extends nn.Module {
  c = new C417();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C417 extends nn.Module {
  c = new C418();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C418 extends nn.Module {
  c = new C419();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C419 extends nn.Module {
  c = new C420();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C420 extends nn.Module {
  c = new C421();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C421 extends nn.Module {
  c = new C422();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C422 extends nn.Module {
  c = new C423();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C423 extends nn.Module {
  c = new C424();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C424 extends nn.Module {
  c = new C425();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C425 extends nn.Module {
  c = new C426();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C426 extends nn.Module {
  c = new C427();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C427 extends nn.Module {
  c = new C428();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C428 extends nn.Module {
  c = new C429();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C429 extends nn.Module {
  c = new C430();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C430 extends nn.Module {
  c = new C431();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C431 extends nn.Module {
  c = new C432();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C432 extends nn.Module {
  c = new C433();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C433 extends nn.Module {
  c = new C434();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C434 extends nn.Module {
  c = new C435();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C435 extends nn.Module {
  c = new C436();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C436 extends nn.Module {
  c = new C437();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C437 extends nn.Module {
  c = new C438();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C438 extends nn.Module {
  c = new C439();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C439 extends nn.Module {
  c = new C440();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C440 extends nn.Module {
  c = new C441();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C441 extends nn.Module {
  c = new C442();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C442 extends nn.Module {
  c = new C443();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C443 extends nn.Module {
  c = new C444();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C444 extends nn.Module {
  c = new C445();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C445 extends nn.Module {
  c = new C446();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C446 extends nn.Module {
  c = new C447();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C447 extends nn.Module {
  c = new C448();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C448 extends nn.Module {
  c = new C449();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C449 extends nn.Module {
  c = new C450();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C450 extends nn.Module {
  c = new C451();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C451 extends nn.Module {
  c = new C452();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C452 extends nn.Module {
  c = new C453();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C453 extends nn.Module {
  c = new C454();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C454 extends nn.Module {
  c = new C455();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C455 extends nn.Module {
  c = new C456();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C456 extends nn.Module {
  c = new C457();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C457 extends nn.Module {
  c = new C458();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C458 extends nn.Module {
  c = new C459();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C459 extends nn.Module {
  c = new C460();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C460 extends nn.Module {
  c = new C461();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C461 extends nn.Module {
  c = new C462();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C462 extends nn.Module {
  c = new C463();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C463 extends nn.Module {
  c = new C464();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C464 extends nn.Module {
  c = new C465();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C465 extends nn.Module {
  c = new C466();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C466 extends nn.Module {
  c = new C467();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C467 extends nn.Module {
  c = new C468();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C468 extends nn.Module {
  c = new C469();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C469 extends nn.Module {
  c = new C470();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C470 extends nn.Module {
  c = new C471();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C471 extends nn.Module {
  c = new C472();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C472 extends nn.Module {
  c = new C473();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C473 extends nn.Module {
  c = new C474();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C474 extends nn.Module {
  c = new C475();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C475 extends nn.Module {
  c = new C476();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C476 extends nn.Module {
  c = new C477();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C477 extends nn.Module {
  c = new C478();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C478 extends nn.Module {
  c = new C479();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C479 extends nn.Module {
  c = new C480();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C480 extends nn.Module {
  c = new C481();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C481 extends nn.Module {
  c = new C482();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C482 extends nn.Module {
  c = new C483();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C483 extends nn.Module {
  c = new C484();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C484 extends nn.Module {
  c = new C485();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C485 extends nn.Module {
  c = new C486();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C486 extends nn.Module {
  c = new C487();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C487 extends nn.Module {
  c = new C488();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C488 extends nn.Module {
  c = new C489();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C489 extends nn.Module {
  c = new C490();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C490 extends nn.Module {
  c = new C491();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C491 extends nn.Module {
  c = new C492();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C492 extends nn.Module {
  c = new C493();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C493 extends nn.Module {
  c = new C494();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C494 extends nn.Module {
  c = new C495();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C495 extends nn.Module {
  c = new C496();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C496 extends nn.Module {
  c = new C497();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C497 extends nn.Module {
  c = new C498();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C498 extends nn.Module {
  c = new C499();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C499 extends nn.Module {
  c = new C500();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C500 extends nn.Module {
  c = new C501();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C501 extends nn.Module {
  c = new C502();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C502 extends nn.Module {
  c = new C503();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C503 extends nn.Module {
  c = new C504();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C504 extends nn.Module {
  c = new C505();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C505 extends nn.Module {
  c = new C506();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C506 extends nn.Module {
  c = new C507();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C507 extends nn.Module {
  c = new C508();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C508 extends nn.Module {
  c = new C509();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C509 extends nn.Module {
  c = new C510();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C510 extends nn.Module {
  c = new C511();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C511 extends nn.Module {
  c = new C512();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C512 extends nn.Module {
  c = new C513();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C513 extends nn.Module {
  c = new C514();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C514 extends nn.Module {
  c = new C515();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C515 extends nn.Module {
  c = new C516();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C516 extends nn.Module {
  c = new C517();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C517 extends nn.Module {
  c = new C518();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C518 extends nn.Module {
  c = new C519();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C519 extends nn.Module {
  c = new C520();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C520 extends nn.Module {
  c = new C521();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C521 extends nn.Module {
  c = new C522();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C522 extends nn.Module {
  c = new C523();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C523 extends nn.Module {
  c = new C524();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C524 extends nn.Module {
  c = new C525();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C525 extends nn.Module {
  c = new C526();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C526 extends nn.Module {
  c = new C527();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C527 extends nn.Module {
  c = new C528();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C528 extends nn.Module {
  c = new C529();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C529 extends nn.Module {
  c = new C530();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C530 extends nn.Module {
  c = new C531();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C531 extends nn.Module {
  c = new C532();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C532 extends nn.Module {
  c = new C533();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C533 extends nn.Module {
  c = new C534();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C534 extends nn.Module {
  c = new C535();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C535 extends nn.Module {
  c = new C536();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C536 extends nn.Module {
  c = new C537();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C537 extends nn.Module {
  c = new C538();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C538 extends nn.Module {
  c = new C539();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C539 extends nn.Module {
  c = new C540();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C540 extends nn.Module {
  c = new C541();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C541 extends nn.Module {
  c = new C542();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C542 extends nn.Module {
  c = new C543();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C543 extends nn.Module {
  c = new C544();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C544 extends nn.Module {
  c = new C545();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C545 extends nn.Module {
  c = new C546();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C546 extends nn.Module {
  c = new C547();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C547 extends nn.Module {
  c = new C548();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C548 extends nn.Module {
  c = new C549();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C549 extends nn.Module {
  c = new C550();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C550 extends nn.Module {
  c = new C551();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C551 extends nn.Module {
  c = new C552();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C552 extends nn.Module {
  c = new C553();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C553 extends nn.Module {
  c = new C554();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C554 extends nn.Module {
  c = new C555();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C555 extends nn.Module {
  c = new C556();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C556 extends nn.Module {
  c = new C557();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C557 extends nn.Module {
  c = new C558();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C558 extends nn.Module {
  c = new C559();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C559 extends nn.Module {
  c = new C560();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C560 extends nn.Module {
  c = new C561();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C561 extends nn.Module {
  c = new C562();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C562 extends nn.Module {
  c = new C563();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C563 extends nn.Module {
  c = new C564();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C564 extends nn.Module {
  c = new C565();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C565 extends nn.Module {
  c = new C566();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C566 extends nn.Module {
  c = new C567();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C567 extends nn.Module {
  c = new C568();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C568 extends nn.Module {
  c = new C569();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C569 extends nn.Module {
  c = new C570();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C570 extends nn.Module {
  c = new C571();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C571 extends nn.Module {
  c = new C572();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C572 extends nn.Module {
  c = new C573();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C573 extends nn.Module {
  c = new C574();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C574 extends nn.Module {
  c = new C575();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C575 extends nn.Module {
  c = new C576();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C576 extends nn.Module {
  c = new C577();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C577 extends nn.Module {
  c = new C578();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C578 extends nn.Module {
  c = new C579();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C579 extends nn.Module {
  c = new C580();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C580 extends nn.Module {
  c = new C581();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C581 extends nn.Module {
  c = new C582();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C582 extends nn.Module {
  c = new C583();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C583 extends nn.Module {
  c = new C584();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C584 extends nn.Module {
  c = new C585();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C585 extends nn.Module {
  c = new C586();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C586 extends nn.Module {
  c = new C587();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C587 extends nn.Module {
  c = new C588();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C588 extends nn.Module {
  c = new C589();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C589 extends nn.Module {
  c = new C590();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C590 extends nn.Module {
  c = new C591();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C591 extends nn.Module {
  c = new C592();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C592 extends nn.Module {
  c = new C593();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C593 extends nn.Module {
  c = new C594();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C594 extends nn.Module {
  c = new C595();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C595 extends nn.Module {
  c = new C596();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C596 extends nn.Module {
  c = new C597();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C597 extends nn.Module {
  c = new C598();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C598 extends nn.Module {
  c = new C599();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C599 extends nn.Module {
  c = new C600();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C600 extends nn.Module {
  c = new C601();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C601 extends nn.Module {
  c = new C602();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C602 extends nn.Module {
  c = new C603();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C603 extends nn.Module {
  c = new C604();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C604 extends nn.Module {
  c = new C605();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C605 extends nn.Module {
  c = new C606();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C606 extends nn.Module {
  c = new C607();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C607 extends nn.Module {
  c = new C608();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C608 extends nn.Module {
  c = new C609();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C609 extends nn.Module {
  c = new C610();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C610 extends nn.Module {
  c = new C611();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C611 extends nn.Module {
  c = new C612();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C612 extends nn.Module {
  c = new C613();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C613 extends nn.Module {
  c = new C614();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C614 extends nn.Module {
  c = new C615();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C615 extends nn.Module {
  c = new C616();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C616 extends nn.Module {
  c = new C617();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C617 extends nn.Module {
  c = new C618();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C618 extends nn.Module {
  c = new C619();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C619 extends nn.Module {
  c = new C620();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C620 extends nn.Module {
  c = new C621();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C621 extends nn.Module {
  c = new C622();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C622 extends nn.Module {
  c = new C623();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C623 extends nn.Module {
  c = new C624();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C624 extends nn.Module {
  c = new C625();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C625 extends nn.Module {
  c = new C626();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C626 extends nn.Module {
  c = new C627();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C627 extends nn.Module {
  c = new C628();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C628 extends nn.Module {
  c = new C629();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C629 extends nn.Module {
  c = new C630();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C630 extends nn.Module {
  c = new C631();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C631 extends nn.Module {
  c = new C632();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C632 extends nn.Module {
  c = new C633();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C633 extends nn.Module {
  c = new C634();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C634 extends nn.Module {
  c = new C635();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C635 extends nn.Module {
  c = new C636();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C636 extends nn.Module {
  c = new C637();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C637 extends nn.Module {
  c = new C638();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C638 extends nn.Module {
  c = new C639();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C639 extends nn.Module {
  c = new C640();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C640 extends nn.Module {
  c = new C641();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C641 extends nn.Module {
  c = new C642();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C642 extends nn.Module {
  c = new C643();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C643 extends nn.Module {
  c = new C644();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C644 extends nn.Module {
  c = new C645();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C645 extends nn.Module {
  c = new C646();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C646 extends nn.Module {
  c = new C647();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C647 extends nn.Module {
  c = new C648();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C648 extends nn.Module {
  c = new C649();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C649 extends nn.Module {
  c = new C650();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C650 extends nn.Module {
  c = new C651();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C651 extends nn.Module {
  c = new C652();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C652 extends nn.Module {
  c = new C653();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C653 extends nn.Module {
  c = new C654();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C654 extends nn.Module {
  c = new C655();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C655 extends nn.Module {
  c = new C656();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C656 extends nn.Module {
  c = new C657();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C657 extends nn.Module {
  c = new C658();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C658 extends nn.Module {
  c = new C659();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C659 extends nn.Module {
  c = new C660();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C660 extends nn.Module {
  c = new C661();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C661 extends nn.Module {
  c = new C662();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C662 extends nn.Module {
  c = new C663();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C663 extends nn.Module {
  c = new C664();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C664 extends nn.Module {
  c = new C665();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C665 extends nn.Module {
  c = new C666();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C666 extends nn.Module {
  c = new C667();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C667 extends nn.Module {
  c = new C668();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C668 extends nn.Module {
  c = new C669();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C669 extends nn.Module {
  c = new C670();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C670 extends nn.Module {
  c = new C671();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C671 extends nn.Module {
  c = new C672();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C672 extends nn.Module {
  c = new C673();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C673 extends nn.Module {
  c = new C674();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C674 extends nn.Module {
  c = new C675();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C675 extends nn.Module {
  c = new C676();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C676 extends nn.Module {
  c = new C677();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C677 extends nn.Module {
  c = new C678();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C678 extends nn.Module {
  c = new C679();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C679 extends nn.Module {
  c = new C680();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C680 extends nn.Module {
  c = new C681();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C681 extends nn.Module {
  c = new C682();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C682 extends nn.Module {
  c = new C683();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C683 extends nn.Module {
  c = new C684();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C684 extends nn.Module {
  c = new C685();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C685 extends nn.Module {
  c = new C686();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C686 extends nn.Module {
  c = new C687();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C687 extends nn.Module {
  c = new C688();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C688 extends nn.Module {
  c = new C689();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C689 extends nn.Module {
  c = new C690();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C690 extends nn.Module {
  c = new C691();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C691 extends nn.Module {
  c = new C692();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C692 extends nn.Module {
  c = new C693();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C693 extends nn.Module {
  c = new C694();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C694 extends nn.Module {
  c = new C695();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C695 extends nn.Module {
  c = new C696();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C696 extends nn.Module {
  c = new C697();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C697 extends nn.Module {
  c = new C698();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C698 extends nn.Module {
  c = new C699();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C699 extends nn.Module {
  c = new C700();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C700 extends nn.Module {
  c = new C701();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C701 extends nn.Module {
  c = new C702();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C702 extends nn.Module {
  c = new C703();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C703 extends nn.Module {
  c = new C704();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C704 extends nn.Module {
  c = new C705();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C705 extends nn.Module {
  c = new C706();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C706 extends nn.Module {
  c = new C707();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C707 extends nn.Module {
  c = new C708();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C708 extends nn.Module {
  c = new C709();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C709 extends nn.Module {
  c = new C710();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C710 extends nn.Module {
  c = new C711();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C711 extends nn.Module {
  c = new C712();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C712 extends nn.Module {
  c = new C713();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C713 extends nn.Module {
  c = new C714();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C714 extends nn.Module {
  c = new C715();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C715 extends nn.Module {
  c = new C716();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C716 extends nn.Module {
  c = new C717();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C717 extends nn.Module {
  c = new C718();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C718 extends nn.Module {
  c = new C719();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C719 extends nn.Module {
  c = new C720();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C720 extends nn.Module {
  c = new C721();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C721 extends nn.Module {
  c = new C722();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C722 extends nn.Module {
  c = new C723();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C723 extends nn.Module {
  c = new C724();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C724 extends nn.Module {
  c = new C725();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C725 extends nn.Module {
  c = new C726();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C726 extends nn.Module {
  c = new C727();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C727 extends nn.Module {
  c = new C728();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C728 extends nn.Module {
  c = new C729();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C729 extends nn.Module {
  c = new C730();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C730 extends nn.Module {
  c = new C731();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C731 extends nn.Module {
  c = new C732();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C732 extends nn.Module {
  c = new C733();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C733 extends nn.Module {
  c = new C734();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C734 extends nn.Module {
  c = new C735();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C735 extends nn.Module {
  c = new C736();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C736 extends nn.Module {
  c = new C737();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C737 extends nn.Module {
  c = new C738();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C738 extends nn.Module {
  c = new C739();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C739 extends nn.Module {
  c = new C740();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C740 extends nn.Module {
  c = new C741();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C741 extends nn.Module {
  c = new C742();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C742 extends nn.Module {
  c = new C743();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C743 extends nn.Module {
  c = new C744();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C744 extends nn.Module {
  c = new C745();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C745 extends nn.Module {
  c = new C746();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C746 extends nn.Module {
  c = new C747();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C747 extends nn.Module {
  c = new C748();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C748 extends nn.Module {
  c = new C749();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C749 extends nn.Module {
  c = new C750();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C750 extends nn.Module {
  c = new C751();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C751 extends nn.Module {
  c = new C752();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C752 extends nn.Module {
  c = new C753();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C753 extends nn.Module {
  c = new C754();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C754 extends nn.Module {
  c = new C755();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C755 extends nn.Module {
  c = new C756();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C756 extends nn.Module {
  c = new C757();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C757 extends nn.Module {
  c = new C758();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C758 extends nn.Module {
  c = new C759();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C759 extends nn.Module {
  c = new C760();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C760 extends nn.Module {
  c = new C761();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C761 extends nn.Module {
  c = new C762();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C762 extends nn.Module {
  c = new C763();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C763 extends nn.Module {
  c = new C764();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C764 extends nn.Module {
  c = new C765();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C765 extends nn.Module {
  c = new C766();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C766 extends nn.Module {
  c = new C767();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C767 extends nn.Module {
  c = new C768();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C768 extends nn.Module {
  c = new C769();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C769 extends nn.Module {
  c = new C770();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C770 extends nn.Module {
  c = new C771();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C771 extends nn.Module {
  c = new C772();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C772 extends nn.Module {
  c = new C773();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C773 extends nn.Module {
  c = new C774();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C774 extends nn.Module {
  c = new C775();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C775 extends nn.Module {
  c = new C776();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C776 extends nn.Module {
  c = new C777();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C777 extends nn.Module {
  c = new C778();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C778 extends nn.Module {
  c = new C779();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C779 extends nn.Module {
  c = new C780();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C780 extends nn.Module {
  c = new C781();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C781 extends nn.Module {
  c = new C782();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C782 extends nn.Module {
  c = new C783();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C783 extends nn.Module {
  c = new C784();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C784 extends nn.Module {
  c = new C785();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C785 extends nn.Module {
  c = new C786();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C786 extends nn.Module {
  c = new C787();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C787 extends nn.Module {
  c = new C788();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C788 extends nn.Module {
  c = new C789();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C789 extends nn.Module {
  c = new C790();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C790 extends nn.Module {
  c = new C791();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C791 extends nn.Module {
  c = new C792();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C792 extends nn.Module {
  c = new C793();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C793 extends nn.Module {
  c = new C794();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C794 extends nn.Module {
  c = new C795();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C795 extends nn.Module {
  c = new C796();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C796 extends nn.Module {
  c = new C797();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C797 extends nn.Module {
  c = new C798();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C798 extends nn.Module {
  c = new C799();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C799 extends nn.Module {
  c = new C800();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C800 extends nn.Module {
  c = new C801();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C801 extends nn.Module {
  c = new C802();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C802 extends nn.Module {
  c = new C803();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C803 extends nn.Module {
  c = new C804();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C804 extends nn.Module {
  c = new C805();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C805 extends nn.Module {
  c = new C806();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C806 extends nn.Module {
  c = new C807();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C807 extends nn.Module {
  c = new C808();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C808 extends nn.Module {
  c = new C809();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C809 extends nn.Module {
  c = new C810();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C810 extends nn.Module {
  c = new C811();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C811 extends nn.Module {
  c = new C812();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C812 extends nn.Module {
  c = new C813();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C813 extends nn.Module {
  c = new C814();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C814 extends nn.Module {
  c = new C815();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C815 extends nn.Module {
  c = new C816();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C816 extends nn.Module {
  c = new C817();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C817 extends nn.Module {
  c = new C818();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C818 extends nn.Module {
  c = new C819();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C819 extends nn.Module {
  c = new C820();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C820 extends nn.Module {
  c = new C821();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C821 extends nn.Module {
  c = new C822();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C822 extends nn.Module {
  c = new C823();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C823 extends nn.Module {
  c = new C824();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C824 extends nn.Module {
  c = new C825();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C825 extends nn.Module {
  c = new C826();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C826 extends nn.Module {
  c = new C827();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C827 extends nn.Module {
  c = new C828();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C828 extends nn.Module {
  c = new C829();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C829 extends nn.Module {
  c = new C830();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C830 extends nn.Module {
  c = new C831();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C831 extends nn.Module {
  c = new C832();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C832 extends nn.Module {
  c = new C833();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C833 extends nn.Module {
  c = new C834();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C834 extends nn.Module {
  c = new C835();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C835 extends nn.Module {
  c = new C836();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C836 extends nn.Module {
  c = new C837();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C837 extends nn.Module {
  c = new C838();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C838 extends nn.Module {
  c = new C839();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C839 extends nn.Module {
  c = new C840();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C840 extends nn.Module {
  c = new C841();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C841 extends nn.Module {
  c = new C842();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C842 extends nn.Module {
  c = new C843();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C843 extends nn.Module {
  c = new C844();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C844 extends nn.Module {
  c = new C845();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C845 extends nn.Module {
  c = new C846();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C846 extends nn.Module {
  c = new C847();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C847 extends nn.Module {
  c = new C848();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C848 extends nn.Module {
  c = new C849();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C849 extends nn.Module {
  c = new C850();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C850 extends nn.Module {
  c = new C851();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C851 extends nn.Module {
  c = new C852();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C852 extends nn.Module {
  c = new C853();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C853 extends nn.Module {
  c = new C854();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C854 extends nn.Module {
  c = new C855();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C855 extends nn.Module {
  c = new C856();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C856 extends nn.Module {
  c = new C857();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C857 extends nn.Module {
  c = new C858();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C858 extends nn.Module {
  c = new C859();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C859 extends nn.Module {
  c = new C860();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C860 extends nn.Module {
  c = new C861();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C861 extends nn.Module {
  c = new C862();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C862 extends nn.Module {
  c = new C863();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C863 extends nn.Module {
  c = new C864();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C864 extends nn.Module {
  c = new C865();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C865 extends nn.Module {
  c = new C866();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C866 extends nn.Module {
  c = new C867();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C867 extends nn.Module {
  c = new C868();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C868 extends nn.Module {
  c = new C869();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C869 extends nn.Module {
  c = new C870();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C870 extends nn.Module {
  c = new C871();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C871 extends nn.Module {
  c = new C872();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C872 extends nn.Module {
  c = new C873();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C873 extends nn.Module {
  c = new C874();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C874 extends nn.Module {
  c = new C875();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C875 extends nn.Module {
  c = new C876();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C876 extends nn.Module {
  c = new C877();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C877 extends nn.Module {
  c = new C878();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C878 extends nn.Module {
  c = new C879();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C879 extends nn.Module {
  c = new C880();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C880 extends nn.Module {
  c = new C881();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C881 extends nn.Module {
  c = new C882();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C882 extends nn.Module {
  c = new C883();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C883 extends nn.Module {
  c = new C884();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C884 extends nn.Module {
  c = new C885();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C885 extends nn.Module {
  c = new C886();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C886 extends nn.Module {
  c = new C887();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C887 extends nn.Module {
  c = new C888();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C888 extends nn.Module {
  c = new C889();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C889 extends nn.Module {
  c = new C890();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C890 extends nn.Module {
  c = new C891();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C891 extends nn.Module {
  c = new C892();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C892 extends nn.Module {
  c = new C893();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C893 extends nn.Module {
  c = new C894();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C894 extends nn.Module {
  c = new C895();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C895 extends nn.Module {
  c = new C896();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C896 extends nn.Module {
  c = new C897();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C897 extends nn.Module {
  c = new C898();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C898 extends nn.Module {
  c = new C899();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C899 extends nn.Module {
  c = new C900();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C900 extends nn.Module {
  c = new C901();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C901 extends nn.Module {
  c = new C902();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C902 extends nn.Module {
  c = new C903();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C903 extends nn.Module {
  c = new C904();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C904 extends nn.Module {
  c = new C905();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C905 extends nn.Module {
  c = new C906();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C906 extends nn.Module {
  c = new C907();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C907 extends nn.Module {
  c = new C908();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C908 extends nn.Module {
  c = new C909();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C909 extends nn.Module {
  c = new C910();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C910 extends nn.Module {
  c = new C911();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C911 extends nn.Module {
  c = new C912();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C912 extends nn.Module {
  c = new C913();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C913 extends nn.Module {
  c = new C914();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C914 extends nn.Module {
  c = new C915();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C915 extends nn.Module {
  c = new C916();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C916 extends nn.Module {
  c = new C917();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C917 extends nn.Module {
  c = new C918();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C918 extends nn.Module {
  c = new C919();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C919 extends nn.Module {
  c = new C920();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C920 extends nn.Module {
  c = new C921();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C921 extends nn.Module {
  c = new C922();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C922 extends nn.Module {
  c = new C923();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C923 extends nn.Module {
  c = new C924();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C924 extends nn.Module {
  c = new C925();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C925 extends nn.Module {
  c = new C926();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C926 extends nn.Module {
  c = new C927();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C927 extends nn.Module {
  c = new C928();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C928 extends nn.Module {
  c = new C929();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C929 extends nn.Module {
  c = new C930();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C930 extends nn.Module {
  c = new C931();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C931 extends nn.Module {
  c = new C932();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C932 extends nn.Module {
  c = new C933();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C933 extends nn.Module {
  c = new C934();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C934 extends nn.Module {
  c = new C935();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C935 extends nn.Module {
  c = new C936();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C936 extends nn.Module {
  c = new C937();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C937 extends nn.Module {
  c = new C938();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C938 extends nn.Module {
  c = new C939();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C939 extends nn.Module {
  c = new C940();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C940 extends nn.Module {
  c = new C941();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C941 extends nn.Module {
  c = new C942();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C942 extends nn.Module {
  c = new C943();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C943 extends nn.Module {
  c = new C944();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C944 extends nn.Module {
  c = new C945();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C945 extends nn.Module {
  c = new C946();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C946 extends nn.Module {
  c = new C947();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C947 extends nn.Module {
  c = new C948();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C948 extends nn.Module {
  c = new C949();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C949 extends nn.Module {
  c = new C950();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C950 extends nn.Module {
  c = new C951();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C951 extends nn.Module {
  c = new C952();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C952 extends nn.Module {
  c = new C953();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C953 extends nn.Module {
  c = new C954();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C954 extends nn.Module {
  c = new C955();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C955 extends nn.Module {
  c = new C956();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C956 extends nn.Module {
  c = new C957();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C957 extends nn.Module {
  c = new C958();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C958 extends nn.Module {
  c = new C959();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C959 extends nn.Module {
  c = new C960();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C960 extends nn.Module {
  c = new C961();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C961 extends nn.Module {
  c = new C962();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C962 extends nn.Module {
  c = new C963();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C963 extends nn.Module {
  c = new C964();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C964 extends nn.Module {
  c = new C965();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C965 extends nn.Module {
  c = new C966();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C966 extends nn.Module {
  c = new C967();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C967 extends nn.Module {
  c = new C968();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C968 extends nn.Module {
  c = new C969();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C969 extends nn.Module {
  c = new C970();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C970 extends nn.Module {
  c = new C971();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C971 extends nn.Module {
  c = new C972();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C972 extends nn.Module {
  c = new C973();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C973 extends nn.Module {
  c = new C974();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C974 extends nn.Module {
  c = new C975();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C975 extends nn.Module {
  c = new C976();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C976 extends nn.Module {
  c = new C977();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C977 extends nn.Module {
  c = new C978();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C978 extends nn.Module {
  c = new C979();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C979 extends nn.Module {
  c = new C980();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C980 extends nn.Module {
  c = new C981();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C981 extends nn.Module {
  c = new C982();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C982 extends nn.Module {
  c = new C983();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C983 extends nn.Module {
  c = new C984();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C984 extends nn.Module {
  c = new C985();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C985 extends nn.Module {
  c = new C986();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C986 extends nn.Module {
  c = new C987();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C987 extends nn.Module {
  c = new C988();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C988 extends nn.Module {
  c = new C989();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C989 extends nn.Module {
  c = new C990();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C990 extends nn.Module {
  c = new C991();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C991 extends nn.Module {
  c = new C992();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C992 extends nn.Module {
  c = new C993();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C993 extends nn.Module {
  c = new C994();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C994 extends nn.Module {
  c = new C995();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C995 extends nn.Module {
  c = new C996();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C996 extends nn.Module {
  c = new C997();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C997 extends nn.Module {
  c = new C998();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C998 extends nn.Module {
  c = new C999();
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
class C999 extends nn.Module {
  c = new nn.Linear(4, 4);
  forward(x: Tensor<[Batch, 4]>): Tensor<[Batch, 4]> { return this.c(x); }
}
export class M extends nn.Module {
  fc = new C0();
  constructor() {
    super();
  }
  forward(x: Tensor<[Batch, 4]>) {
    x = this.fc(x);
    return x;
  }
}
