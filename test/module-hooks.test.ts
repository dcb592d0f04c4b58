// PyTorch's forward hooks (compiler/1-frontend/module-hooks.ts): a feature extractor stashing a
// backbone layer's output from a hook, a hook replacing a layer's output, a pre-hook replacing its
// arguments, prepend and remove(); values against the same model written without hooks (float64
// reference, exact: the same ops in the same order) and gradients by finite differences; the refusals.
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const x = nd([2, 3], [0.5, -1, 2, 1.5, 0.25, -0.75]);

/** The outputs of a model, run on x with its initial state in eval mode. */
function run(src: string): number[][] {
  const { graph } = lowerSource(`${header}${src}`);
  return runReference(graph, { x }, initState(graph, 0), { training: false }).outputs.map((o) => Array.from(o.data));
}

const model = (ctor: string, forward: string, fields = "") => `export class M extends nn.Module {
  a = new nn.Linear(3, 3);
  b = new nn.Linear(3, 2);
  acts: Record<string, Tensor> = {};${fields}
  constructor() {
    super();
    ${ctor}
  }
  forward(x: Tensor<[Batch, 3]>) {
    ${forward}
  }
}
`;

describe("forward hooks", () => {
  it("a hook stashes a layer's output (feature extraction), read later in the same forward", () => {
    const hooked = run(model(`this.a.registerForwardHook((m: nn.Module, input: Tensor[], output: Tensor) => { this.acts["a"] = output; });`, `const y = this.b(this.a(x).relu());\n    return [y, this.acts["a"].abs().sum(1, true)];`));
    const plain = run(model("", `const h = this.a(x);\n    return [this.b(h.relu()), h.abs().sum(1, true)];`));
    expect(hooked).toEqual(plain);
  });

  it("a hook's result replaces the output; a pre-hook's the arguments; prepend runs first; remove() takes one out", () => {
    const ctor = [
      `this.a.register_forward_hook((m: nn.Module, input: Tensor[], output: Tensor) => output.mul(2));`,
      `this.a.registerForwardHook((m: nn.Module, input: Tensor[], output: Tensor) => output.add(1), { prepend: true });`,
      `const gone = this.a.registerForwardHook((m: nn.Module, input: Tensor[], output: Tensor) => output.mul(100));`,
      `gone.remove();`,
      `this.b.registerForwardPreHook((m: nn.Module, args: Tensor[]) => args[0].tanh());`,
      `this.b.registerForwardHook((m: nn.Module, args: Tensor[], output: Tensor) => { this.acts["in"] = args[0]; });`,
    ].join("\n    ");
    const hooked = run(model(ctor, `return [this.b(this.a(x)), this.acts["in"]];`));
    // prepend: (a(x) + 1)·2; the pre-hook's tanh is what b and the later hook see
    const plain = run(model("", `const t = this.a(x).add(1).mul(2).tanh();\n    return [this.b(t), t];`));
    expect(hooked).toEqual(plain);
  });

  it("gradients flow through what the hooks compute, against central differences", () => {
    const src = model(`this.a.registerForwardHook((m: nn.Module, input: Tensor[], output: Tensor) => output.sigmoid());\n    this.b.registerForwardPreHook((m: nn.Module, args: Tensor[]) => [args[0].mul(args[0])]);`, "return this.b(this.a(x)).tanh();");
    expect(gradCheck(src).checked).toBeGreaterThan(10);
  });

  it("refuses a hook registered in forward, withKwargs, and a hook that is not a function", () => {
    const first = (src: string) => diagnosticsOf(`${header}${src}`).map((d) => `${d.code}: ${d.message}`)[0];
    expect(first(model("", `this.a.registerForwardHook((m: nn.Module, i: Tensor[], o: Tensor) => o);\n    return this.b(this.a(x));`))).toMatch(/^TSDP\d+: nn\.Linear\.registerForwardHook is called inside forward/);
    expect(first(model(`this.a.registerForwardHook((m: nn.Module, i: Tensor[], o: Tensor) => o, { withKwargs: true } as any);`, "return this.b(this.a(x));"))).toMatch(/withKwargs: forward takes positional arguments only/);
    expect(first(model(`this.a.registerForwardHook(3 as any);`, "return this.b(this.a(x));"))).toMatch(/registerForwardHook takes a function \(module, args, output\) => …, got the number 3/);
  });
});
