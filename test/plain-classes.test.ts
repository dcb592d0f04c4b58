// Classes that extend no nn.Module (compiler/1-frontend/interp/classes.ts, ModuleValue.plain): LLaMA's
// ModelArgs dataclass with defaults and overrides, torchvision's BoxCoder with parameter properties
// and methods — fields and methods as a module's, but no part of the model (no state_dict names,
// not walked); a module or parameter inside one is refused, as PyTorch would not register it.
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const classes = `class ModelArgs {
  dim = 4;
  nLayers = 2;
  eps = 1e-5;
  constructor(init: { dim?: number; nLayers?: number } = {}) {
    if (init.dim !== undefined) this.dim = init.dim;
    this.nLayers = init.nLayers ?? this.nLayers;
  }
  get hidden() { return this.dim * 2; }
}
class Scaler {
  constructor(public weights: readonly [number, number], public clip = Math.log(1000 / 16)) {}
  scale(t: Tensor) { return t.mul(this.weights[0]).clamp({ max: this.clip }).add(this.weights[1]); }
}
`;

describe("plain classes", () => {
  it("a plain class made in forward holds forward's tensors (Hugging Face's ModelOutput dataclasses); a module made inside it there is refused", () => {
    const src = `${header}class ClassifierOutput {
  loss: Tensor | null = null;
  constructor(public logits: Tensor, public hiddenStates: Tensor | null = null) {}
  get scaled() { return this.logits.mul(2); }
}
export class M extends nn.Module {
  fc = new nn.Linear(3, 2);
  forward(x: Tensor<[Batch, 3]>) {
    const out = new ClassifierOutput(this.fc(x), x);
    return out.loss === null ? out.scaled.add(out.hiddenStates!.sum(1, true)) : x;
  }
}
`;
    const { graph } = lowerSource(src);
    const state = initState(graph, 2);
    const xs = [0.5, -1, 2];
    const [got] = runReference(graph, { x: nd([1, 3], xs) }, state).outputs.map((o) => Array.from(o.data));
    const w = Array.from(state.params.get("fc.weight")!.data), b = Array.from(state.params.get("fc.bias")!.data);
    [0, 1].forEach((o) => expect(got[o]).toBeCloseTo(2 * (b[o] + xs.reduce((acc, v, i) => acc + w[o * 3 + i] * v, 0)) + 1.5, 12));
    const maker = `${header}class Maker {\n  fc = new nn.Linear(3, 2);\n}\nexport class M extends nn.Module {\n  forward(x: Tensor<[Batch, 3]>) { return new Maker().fc(x); }\n}\n`;
    expect(diagnosticsOf(maker).map((d) => `${d.code} ${d.message}`)[0]).toMatch(/^TSDP3005 nn\.Linear is created inside forward/);
  });
  it("{ ...instance } copies its fields, as JavaScript's own properties (torchvision's copy.copy(cnf) of a block config), not its getters; a module is not spread", () => {
    const src = `${header}${classes}export class M extends nn.Module {
  args = new ModelArgs({ dim: 3 });
  forward(x: Tensor<[Batch, 3]>) {
    const args = this.args;
    const copy: Record<string, number> = { ...args, extra: 7 };
    copy.dim = 9;
    // the copy is its own: args.dim stays 3; hidden is a getter on the class, not copied
    return x.mul(0).add(args.dim * 1000 + copy.dim * 100 + copy.nLayers * 10 + Object.keys(copy).length + ("hidden" in copy ? 50 : 0));
  }
}
`;
    const { graph } = lowerSource(src);
    const [out] = runReference(graph, { x: nd([1, 3], [0, 0, 0]) }, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
    // dim, nLayers, eps and extra
    expect(out).toEqual([3924, 3924, 3924]);
    const spreadModule = `${header}export class M extends nn.Module {\n  fc = new nn.Linear(3, 3);\n  forward(x: Tensor<[Batch, 3]>) { const o = { ...this.fc }; return x; }\n}\n`;
    expect(diagnosticsOf(spreadModule).map((d) => `${d.code} ${d.message}`)[0]).toMatch(/^TSDP3003 cannot spread a module nn.Linear into an object/);
  });
  it("a config dataclass with defaults and overrides, and a helper with parameter properties and methods, are not part of the model", () => {
    const src = `${header}${classes}export class M extends nn.Module {
  layers: nn.ModuleList;
  coder = new Scaler([2, 0.5]);
  constructor(public args: ModelArgs = new ModelArgs({ dim: 3 })) {
    super();
    this.layers = new nn.ModuleList(Array.from({ length: args.nLayers }, () => new nn.Linear(args.dim, args.dim)));
  }
  forward(x: Tensor<[Batch, 3]>) {
    let h = x;
    for (const layer of this.layers) h = (layer as nn.Linear)(h);
    const flags = (this.args instanceof ModelArgs ? 1 : 0) + (this.args instanceof nn.Module ? 10 : 0) + this.args.hidden * 100;
    return [this.coder.scale(h), x.index(":", ":1").mul(0).add(flags), x.index(":", ":1").mul(0).add(this.modules().length)];
  }
}
`;
    const { graph } = lowerSource(src);
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]);
    const state = initState(graph, 1);
    const xs = [0.5, -1, 2];
    const [scaled, flags, modules] = runReference(graph, { x: nd([1, 3], xs) }, state).outputs.map((o) => Array.from(o.data));
    // dim 3 from the override, nLayers 2 from the default; hidden = 6; instanceof ModelArgs, not nn.Module
    expect(flags).toEqual([601]);
    // the root, the ModuleList and its two Linears: the plain objects are not modules
    expect(modules).toEqual([4]);
    const lin = (name: string, v: number[]) => {
      const w = Array.from(state.params.get(`${name}.weight`)!.data), b = Array.from(state.params.get(`${name}.bias`)!.data);
      return [0, 1, 2].map((o) => b[o] + [0, 1, 2].reduce((acc, i) => acc + w[o * 3 + i] * v[i], 0));
    };
    const h = lin("layers.1", lin("layers.0", xs));
    scaled.forEach((v, i) => expect(v).toBeCloseTo(Math.min(2 * h[i], Math.log(1000 / 16)) + 0.5, 12));
  });

  it("refuses a module or parameter held by a plain object, and calling one", () => {
    const first = (body: string) => diagnosticsOf(`${header}${body}`).map((d) => `${d.code} ${d.message}`)[0];
    expect(first(`class Holder {\n  fc = new nn.Linear(2, 2);\n}\nexport class M extends nn.Module {\n  h = new Holder();\n  forward(x: Tensor<[Batch, 2]>) { return this.h.fc(x); }\n}\n`)).toMatch(/^TSDP3007 Holder\.fc holds a module nn\.Linear, but Holder does not extend nn\.Module and no module of the model holds it: its modules and parameters would not be part of the model/);
    expect(first(`class Holder {\n  constructor(public p: nn.Parameter) {}\n}\nexport class M extends nn.Module {\n  h = new Holder(new nn.Parameter(F.ones(2)));\n  forward(x: Tensor<[Batch, 2]>) { return x; }\n}\n`)).toMatch(/^TSDP3007 Holder\.p holds an nn\.Parameter \[2\]/);
    // a module the model registers as well is a reference (GGNN's AttrProxy(self, "in_"), a helper holding a child): one module, trained once
    const proxy = `class AttrProxy {\n  constructor(public module: nn.Module, public prefix: string) {}\n  get(i: number): nn.Linear { return (this.module as any)[this.prefix + String(i)]; }\n}\nclass Holder {\n  constructor(public m: nn.Linear, public p: nn.Parameter) {}\n}\nexport class M extends nn.Module {\n  fc = new nn.Linear(2, 2);\n  scale = new nn.Parameter(F.ones(2));\n  fcs: AttrProxy;\n  h: Holder;\n  constructor() {\n    super();\n    this.addModule("in_0", new nn.Linear(2, 2));\n    this.fcs = new AttrProxy(this, "in_");\n    this.h = new Holder(this.fc, this.scale);\n  }\n  forward(x: Tensor<[Batch, 2]>) { return this.h.m(this.fcs.get(0)(x)).mul(this.h.p); }\n}\n`;
    expect(lowerSource(`${header}${proxy}`).graph.params.map((p) => p.attrs.name)).toEqual(["scale", "fc.weight", "fc.bias", "in_0.weight", "in_0.bias"]);
    // one the model does not hold is still refused, wherever the plain object is made
    expect(first(`class Holder {\n  constructor(public m: nn.Module) {}\n}\nexport class M extends nn.Module {\n  fc = new nn.Linear(2, 2);\n  h = new Holder(new nn.Linear(2, 2));\n  forward(x: Tensor<[Batch, 2]>) { return this.fc(x); }\n}\n`)).toMatch(/^TSDP3007 Holder\.m holds a module nn\.Linear, but Holder does not extend nn\.Module and no module of the model holds it/);
    expect(first(`class Helper {\n  k = 2;\n}\nexport class M extends nn.Module {\n  h = new Helper();\n  forward(x: Tensor<[Batch, 2]>) { return (this.h as any)(x); }\n}\n`)).toMatch(/^TSDP\d{4} .*Helper/);
  });
});
