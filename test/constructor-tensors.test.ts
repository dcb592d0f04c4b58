// Tensors computed in constructors (compiler/1-frontend/constructor-tensors.ts): what PyTorch's
// __init__ computes — a sinusoidal table or a causal mask as a buffer, a LayerScale's
// init_values * ones(dim), CLIP's scale * randn(width), a plain constant field — against the same
// values written out here in float64. Computed state is float32: the tests allow one float32
// rounding (2^-24 relative) and nothing else.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { generate } from "../compiler/pipeline.ts";
import { printGraph } from "../compiler/ir/print.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { lowerModel } from "../compiler/1-frontend/lower.ts";
import { ConstructorTensors } from "../compiler/1-frontend/constructor-tensors.ts";
import type { Graph } from "../compiler/ir/node.ts";
import { diagnosticsOf, header, lowerSource, writeFiles } from "./helpers.ts";

const FIXTURE = "test/fixtures/constructor-tensors/model.ts";

/** A model with `fields`, a constructor body and a forward over x: [Batch, 4]. */
const model = (fields: string, ctor: string, body: string) =>
  `${header}export class M extends nn.Module {\n  ${fields}\n  constructor() {\n    super();\n    ${ctor}\n  }\n  forward(x: Tensor<[Batch, 4]>) {\n    ${body}\n  }\n}\n`;

/** A graph with its parameters' and buffers' initializers by name. */
const initsOf = (graph: Graph) => ({ graph, init: new Map([...graph.params, ...graph.buffers].map((n) => [n.attrs.name as string, n.attrs.init])) });
const stateOf = (source: string) => initsOf(lowerSource(source).graph);

const values = (init: any): number[] => {
  expect(init.kind).toBe("values");
  return Array.from(init.values as Float32Array);
};

/** |got − want| ≤ 2^-24·|want| + tiny: one rounding to float32. */
function expectFloat32Of(got: readonly number[], want: readonly number[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i]), `element ${i}: ${g} vs ${want[i]}`).toBeLessThanOrEqual(2 ** -24 * Math.abs(want[i]) + 1e-30));
}

describe("tensors computed in a constructor", () => {
  it("the nn.Transformer tutorial's positional table and nanoGPT's causal mask are buffers holding the values", () => {
    const { graph } = lowerModel(FIXTURE);
    const init = new Map(graph.buffers.map((b) => [b.attrs.name as string, b.attrs.init]));
    // pe[p, 0, 2i] = sin(p·e^{−2i·ln(10⁴)/d}), pe[p, 0, 2i+1] = cos(…), d = 8, 16 positions
    const pe: number[] = [];
    for (let p = 0; p < 16; p++)
      for (let i = 0; i < 4; i++) {
        const angle = p * Math.exp(2 * i * (-Math.log(10000) / 8));
        pe.push(Math.sin(angle), Math.cos(angle));
      }
    expectFloat32Of(values(init.get("pos.pe")), pe);
    expect(graph.buffers.find((b) => b.attrs.name === "pos.pe")!.shape).toEqual([16, 1, 8]);
    // tril(ones(6, 6)).view(1, 1, 6, 6)
    expect(values(init.get("attn.bias"))).toEqual(Array.from({ length: 36 }, (_, k) => (k % 6 <= Math.floor(k / 6) ? 1 : 0)));
    // the reference interpreter's initial state is the same table (the runtime's, on the target: model-ops-target.test.ts)
    expect(Array.from(initState(graph, 3).buffers.get("pos.pe")!.data)).toEqual(values(init.get("pos.pe")));
  });

  it("a parameter from math on factories trains; a uniform result is a constant initializer; a random draw stays a draw", () => {
    const { graph, init } = initsOf(lowerModel(FIXTURE).graph);
    // F.ones(8).mul(1e-1): every element equal, so a constant, written as one number, not a table
    expect(init.get("gamma")).toEqual({ kind: "constant", value: Math.fround(0.1) });
    // F.randn(8).mul(8 ** -0.5): N(0, 1/8), drawn by the runtime from its seed
    expect(init.get("classEmbedding")).toEqual({ kind: "normal", std: 8 ** -0.5 });
    // F.eye(4).mul(0.5).add(F.linspace(0, 0.3, 4)): row r is 0.5·[r = c] + 0.1·c
    expectFloat32Of(values(init.get("mix")), Array.from({ length: 16 }, (_, k) => (k % 4 === Math.floor(k / 4) ? 0.5 : 0) + (0.3 * (k % 4)) / 3));
    expect([...differentiate(graph).gradients.keys()]).toContain("mix");
  });

  it("a plain field forward reads is computed in forward, copied once however often it is read", () => {
    const { graph } = lowerSource(model("declare m: Tensor;", "this.m = F.tril(F.ones(4, 4)).mul(2);", "return [x.matmul(this.m), x.matmul(this.m.t())];"));
    expect(graph.buffers).toEqual([]);
    expect(graph.nodes.filter((n) => n.op === "triangle")).toHaveLength(1);
    const x = nd([1, 4], [1, 2, 3, 4]);
    const [a, b] = runReference(graph, { x }, initState(graph)).outputs.map((o) => Array.from(o.data));
    // x·(2·tril) and x·(2·tril)ᵀ
    expect(a).toEqual([20, 18, 14, 8]);
    expect(b).toEqual([2, 6, 12, 20]);
  });

  it("a buffer with persistent false (BERT's position_ids) is not state: a constant forward computes, int32 too", () => {
    const { graph } = lowerSource(model("declare ids: Tensor;", 'this.registerBuffer("ids", F.arange(8, { dtype: "int32" }).expand(1, -1), false);', "return x.add(this.ids.narrow(1, 0, 4).float());"));
    expect(graph.buffers).toEqual([]);
    const out = runReference(graph, { x: nd([1, 4], [0.5, 0.5, 0.5, 0.5]) }, initState(graph)).outputs[0];
    expect(Array.from(out.data)).toEqual([0.5, 1.5, 2.5, 3.5]);
  });

  it("a computed buffer reads back in the constructor as its tensor (Hugging Face's rotary embedding: inv_freq, then its cos/sin tables)", () => {
    const rotary = model(
      "declare invFreq: Tensor; declare cosCached: Tensor; declare sinCached: Tensor;",
      [
        "const dim = 8, base = 10000, maxLen = 6;",
        // inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
        'this.registerBuffer("invFreq", F.arange(0, dim, 2).div(dim).mul(Math.log(base)).exp().pow(-1));',
        // t = torch.arange(max_len); freqs = torch.einsum("i,j->ij", t, self.inv_freq); emb = torch.cat((freqs, freqs), dim=-1)
        'const emb = F.cat([F.einsum("i,j->ij", F.arange(maxLen).float(), this.invFreq), F.einsum("i,j->ij", F.arange(maxLen).float(), this.invFreq)], -1);',
        'this.registerBuffer("cosCached", emb.cos().unsqueeze(0), false);',
        'this.registerBuffer("sinCached", emb.sin().unsqueeze(0), false);',
      ].join("\n    "),
      "return x.mul(this.cosCached.narrow(1, 0, 4)).add(x.mul(this.sinCached.narrow(1, 0, 4)));",
    ).replace("forward(x: Tensor<[Batch, 4]>)", "forward(x: Tensor<[Batch, 4, 8]>)");
    const { graph, init } = stateOf(rotary);
    // only inv_freq is state; the tables are constants forward computes
    expect(graph.buffers.map((b) => b.attrs.name)).toEqual(["invFreq"]);
    const invFreq = [0, 1, 2, 3].map((i) => 1 / 10000 ** ((2 * i) / 8));
    expectFloat32Of(values(init.get("invFreq")), invFreq);
    const xs = Array.from({ length: 32 }, (_, k) => Math.sin(k + 1));
    const out = Array.from(runReference(graph, { x: nd([1, 4, 8], xs) }, initState(graph)).outputs[0].data);
    const want = xs.map((v, k) => {
      const angle = Math.floor(k / 8) * invFreq[k % 4];
      return v * (Math.cos(angle) + Math.sin(angle));
    });
    out.forEach((o, k) => expect(Math.abs(o - want[k])).toBeLessThan(1e-6));
  });

  it("assigning to a registered buffer's name keeps it a buffer with the new value, as PyTorch's Module.__setattr__ (MoCo's self.queue = normalize(self.queue, dim=0))", () => {
    // before: the assignment replaced the buffer by a plain constant, so the state_dict lost "queue"
    const { graph, init } = stateOf(model("declare queue: Tensor;", 'this.registerBuffer("queue", F.arange(1, 5).float().view(4, 1).expand(4, 4).contiguous());\n    this.queue = F.normalize(this.queue, { dim: 0 });', "return x.matmul(this.queue);"));
    expect(graph.buffers.map((b) => b.attrs.name)).toEqual(["queue"]);
    // column j of queue is (1, 2, 3, 4)/√30 for every j
    expectFloat32Of(values(init.get("queue")), Array.from({ length: 16 }, (_, k) => (Math.floor(k / 4) + 1) / Math.sqrt(30)));
    // a factory assigned over a registered buffer (PyTorch's self.buf = torch.zeros(...)) is the buffer too
    expect(lowerSource(model("declare q: Tensor;", 'this.registerBuffer("q", F.ones(4, 4));\n    this.q = F.zeros(4, 4);', "return x.matmul(this.q);")).graph.buffers.map((b) => b.attrs.name)).toEqual(["q"]);
    // MoCo's own queue is torch.randn(dim, K) normalized: a draw, which a constructor only scales and shifts — the message says it is a buffer holding one
    expect(diagnosticsOf(model("declare queue: Tensor;", 'this.registerBuffer("queue", F.randn(4, 4));\n    this.queue = F.normalize(this.queue, { dim: 0 });', "return x.matmul(this.queue);")).map((d) => d.message)).toEqual([
      "F.normalize: x must be a tensor, got a buffer [4, 4] holding a random draw, whose values exist only when the model is created (a constructor scales and shifts one, nothing more)",
    ]);
    // PyTorch's TypeError "cannot assign 'int' as buffer 'q' (torch.Tensor or None expected)"
    expect(diagnosticsOf(model("q: any;", 'this.registerBuffer("q", F.ones(4, 4));\n    this.q = 3;', "return x;")).map((d) => d.message)).toEqual(["cannot assign the number 3 as buffer 'q' (a tensor or null expected, as PyTorch's)"]);
  });

  it("a buffer registered with persistent false stays one, not persistent, when assigned again; a parameter's name takes only a parameter, as PyTorch's Module.__setattr__", () => {
    // before: `this.seen = …` after registerBuffer("seen", …, { persistent: false }) made seen a plain
    // field (forward's seen.add_(1) refused as changing a constant), and a buffer forward changes came
    // back persistent (in the state_dict); PyTorch keeps the name in _buffers and in _non_persistent_buffers_set
    const seen = (persistent: string) =>
      model("declare seen: Tensor;", `this.registerBuffer("seen", F.zeros([4])${persistent});\n    this.seen = F.ones([4]);`, "this.seen.add_(1);\n    return x.add(this.seen);");
    for (const [persistent, attrs] of [[", { persistent: false }", { persistent: false }], ["", {}]] as const) {
      const { graph, init } = stateOf(seen(persistent));
      expect(graph.buffers.map((b) => [b.attrs.name, b.attrs.persistent]), persistent).toEqual([["seen", (attrs as { persistent?: boolean }).persistent]]);
      expect(init.has("seen")).toBe(true);
      expect(Array.from(initState(graph).buffers.get("seen")!.data)).toEqual([1, 1, 1, 1]);
      // forward adds 1 to the buffer, then to x: x + 2 on the first call
      expect(Array.from(runReference(graph, { x: nd([1, 4], [0, 1, 2, 3]) }, initState(graph)).outputs[0].data)).toEqual([2, 3, 4, 5]);
    }
    // PyTorch's TypeError "cannot assign 'torch.FloatTensor' as parameter 'p' (torch.nn.Parameter or None expected)"
    expect(diagnosticsOf(model("declare p: Tensor;", "this.p = new nn.Parameter(F.zeros([4]));\n    this.p = F.ones([4]);", "return x.add(this.p);")).map((d) => d.message)).toEqual([
      "cannot assign a tensor as parameter 'p' (an nn.Parameter or null expected, as PyTorch's TypeError says): to change its values, write this.p.data.copy_(…) or register another name",
    ]);
    // a parameter assigned over a buffer's name replaces the buffer, as register_parameter after remove_from(_buffers)
    const replaced = lowerSource(model("declare q: Tensor;", 'this.registerBuffer("q", F.ones([4]));\n    this.q = new nn.Parameter(F.zeros([4]));', "return x.add(this.q);")).graph;
    expect([replaced.params.map((p) => p.attrs.name), replaced.buffers.map((b) => b.attrs.name)]).toEqual([["q"], []]);
  });

  it("a parameter copied from another in the constructor starts with its numbers (MoCo's and BYOL's key encoder: param_k.data.copy_(param_q.data), then frozen), whichever registers first", () => {
    // before: refused, "copy_ takes a tensor made in the constructor …, got the parameter nn.Linear.weight"
    const src = (before: string, after: string, extra = "") => `${header}export class M extends nn.Module {
  ${before} = new nn.Linear(3, 4);
  ${after} = new nn.Linear(3, 4);
  w = new nn.Parameter(F.randn(4));
  v = new nn.Parameter(F.zeros(4));
  constructor() {
    super();
    const pq = [...this.q.parameters()];
    const pk = [...this.k.parameters()];
    for (let i = 0; i < pq.length; i++) {
      pk[i].data.copy_(pq[i].data);
      pk[i].requiresGrad = false;
    }
    this.v.data.copy_(this.w.data);
    ${extra}
  }
  forward(x: Tensor<[Batch, 3]>) { return this.q(x).sub(this.k(x)).add(this.w.sub(this.v)); }
}
`;
    for (const [a, b] of [["q", "k"], ["k", "q"]]) {
      const { graph } = lowerSource(src(a, b));
      expect(graph.buffers.map((n) => n.attrs.name).sort()).toEqual(["k.bias", "k.weight"]);
      const state = initState(graph, 5);
      const all = new Map([...state.params, ...state.buffers]);
      for (const [p, q] of [["q.weight", "k.weight"], ["q.bias", "k.bias"], ["w", "v"]]) {
        expect(Array.from(all.get(q)!.data), `${q} after ${a} first`).toEqual(Array.from(all.get(p)!.data));
        expect(new Set(all.get(p)!.data).size).toBe(all.get(p)!.data.length); // a draw, not a constant
      }
    }
    // q drawn anew after the copy: k keeps the law it copied (U(±1/√3), a Linear's default) on a stream of its own, as PyTorch's k keeps the old draw
    const { graph } = lowerSource(src("q", "k", "nn.init.normal_(this.q.weight, 0, 0.02);"));
    const state = initState(graph, 5);
    const k = Array.from(state.buffers.get("k.weight")!.data);
    expect(k).not.toEqual(Array.from(state.params.get("q.weight")!.data));
    expect(Math.max(...k.map(Math.abs))).toBeGreaterThan(0.1);
    expect(Math.max(...k.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(3));
  });

  it("target.loadStateDict(policy.stateDict()) in a constructor (DQN's target network) starts the target with the policy's numbers; PyTorch's strict key check", () => {
    // before: refused, "this.policy.stateDict is undefined, not a function"
    const src = (load: string, target = "new Net()") => `${header}class Net extends nn.Module {
  fc1 = new nn.Linear(3, 4);
  head = new nn.Linear(4, 2);
  forward(x: Tensor) { return this.head(F.relu(this.fc1(x))); }
}
export class M extends nn.Module {
  policy = new Net();
  target = ${target};
  constructor() {
    super();
    ${load}
    for (const p of this.target.parameters()) p.requiresGrad = false;
  }
  forward(x: Tensor<[Batch, 3]>) { return this.policy(x).sub(this.target(x)); }
}
`;
    const { graph } = lowerSource(src("this.target.loadStateDict(this.policy.stateDict());"));
    const state = initState(graph, 3);
    for (const name of ["fc1.weight", "fc1.bias", "head.weight", "head.bias"]) {
      const [p, t] = [state.params.get(`policy.${name}`)!.data, state.buffers.get(`target.${name}`)!.data];
      expect(Array.from(t), name).toEqual(Array.from(p));
      expect(new Set(p).size).toBe(p.length); // a draw, not a constant
    }
    // same parameters, so the two start equal: the output is 0
    expect(Array.from(runReference(graph, { x: nd([1, 3], [0.5, -1, 2]) }, state).outputs[0].data)).toEqual([0, 0]);
    // PyTorch's RuntimeError "Error(s) in loading state_dict for Net: Missing key(s) … Unexpected key(s) …"; strict false loads what matches
    const other = "new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2))";
    expect(diagnosticsOf(src("this.target.loadStateDict(this.policy.stateDict());", other)).map((d) => d.message)[0]).toBe(
      "nn.Sequential.loadStateDict: Error(s) in loading state_dict for nn.Sequential: Missing key(s): 0.weight, 0.bias, 2.weight, 2.bias. Unexpected key(s): fc1.weight, fc1.bias, head.weight, head.bias.",
    );
    expect(() => lowerSource(src("this.target.loadStateDict(this.policy.stateDict(), { strict: false });", other))).not.toThrow();
    // target_net.eval(): one mode for the whole model, said where it is written (before: "'eval' is not defined on this.target")
    expect(diagnosticsOf(src("this.target.loadStateDict(this.policy.stateDict());\n    this.target.eval();")).map((d) => d.message)[0]).toMatch(/^Net\.eval\(\): the compiled model has one mode, the whole model's, set at run time/);
    // train() / train(true) in a constructor (ikostrikov's MLPBase: self.train()) is where every module already is; train(false) is eval()
    expect(() => lowerSource(src("this.target.loadStateDict(this.policy.stateDict());\n    this.train();\n    this.target.train(true);"))).not.toThrow();
    expect(diagnosticsOf(src("this.target.loadStateDict(this.policy.stateDict());\n    this.target.train(false);")).map((d) => d.message)[0]).toMatch(/^Net\.train\(\): the compiled model has one mode/);
    // buffers are not copied as parameters are: refused rather than half copied
    expect(diagnosticsOf(src("this.target.loadStateDict(this.policy.stateDict());", "new nn.BatchNorm1d(3)")).map((d) => d.message)[0]).toMatch(/^nn\.BatchNorm1d\.loadStateDict in a constructor copies parameters; nn\.BatchNorm1d has buffers \(running_mean, running_var, num_batches_tracked\)/);
  });

  it("a module-level const is a constructor tensor too, usable as a buffer and in forward", () => {
    const source = `${header}const table = F.linspace(0, 1, 4);\n${model("", 'this.registerBuffer("t", table.mul(2));', "return x.add(table).add(this.t);")}`;
    const { graph, init } = stateOf(source);
    expectFloat32Of(values(init.get("t")), [0, 2 / 3, 4 / 3, 2]);
    const out = runReference(graph, { x: nd([1, 4], [0, 0, 0, 0]) }, initState(graph)).outputs[0];
    expectFloat32Of(Array.from(out.data), [0, 1, 2, 3]);
  });

  it("random draws scale and shift as N(s·mean + c, (|s|·std)²); other math on a draw, and random ops, are refused with the reason", () => {
    const { init } = stateOf(model("p = new nn.Parameter(F.randn(4).mul(-2).add(1)); q = new nn.Parameter(F.randn(4).div(4).sub(0.5).neg());", "", "return x.add(this.p).add(this.q);"));
    expect(init.get("p")).toEqual({ kind: "normal", std: 2, mean: 1 });
    expect(init.get("q")).toEqual({ kind: "normal", std: 0.25, mean: 0.5 });
    const first = (fields: string, ctor = "") => diagnosticsOf(model(fields, ctor, "return x;")).map((d) => `${d.code} ${d.message} line ${d.loc?.line}`)[0];
    expect(first("p = new nn.Parameter(F.randn(4).exp());")).toMatch(/^TSDP2001 a random draw \(F\.randn, nn\.init\) in a constructor can be scaled and shifted by numbers .*reshaped .*not \.exp.* line 3$/);
    // what to write instead: a value computed from the draw's numbers is drawn in forward (NoisyLinear's noise)
    expect(first("p = new nn.Parameter(F.randn(4).sign());")).toMatch(/not \.sign: .*can be drawn in forward instead, where F\.randn draws anew on each call line 3$/);
    expect(first("p = new nn.Parameter(F.randn(4).mul(F.ones(4)));")).toMatch(/^TSDP3003 .*finite numbers only.* line 3$/);
    expect(first("m = F.dropout(F.ones(4), 0.5);")).toMatch(/^TSDP2003 F\.dropout draws random numbers on every call; outside forward a tensor is a constant.* line 3$/);
    // a layer's parameters are nodes of forward's graph: calling it in a constructor is refused
    expect(first("fc = new nn.Linear(4, 4);", "const y = this.fc(F.ones(1, 4));")).toMatch(/^TSDP2003 nn\.Linear can only be called inside forward: .*dummy input .*⌊\(n \+ 2·padding − dilation·\(kernelSize − 1\) − 1\) \/ stride⌋ \+ 1.* line 6$/);
    // AST's get_shape: a probe conv on randn, its output's size then sizing a new Parameter assigned over
    // an existing one: the call is the one error (the assignment of the failed value says nothing more)
    const all = (fields: string, ctor = "") => diagnosticsOf(model(fields, ctor, "return x;")).map((d) => `${d.code} ${d.message}`);
    const ast = all("p = new nn.Parameter(F.zeros(1, 3, 4));", "const probe = new nn.Conv2d(1, 4, { kernelSize: [2, 2], stride: [1, 2] });\n    const n = probe(F.randn(1, 1, 4, 8)).shape[3];\n    this.p = new nn.Parameter(F.zeros(1, n + 2, 4));");
    expect(ast).toHaveLength(1);
    expect(ast[0]).toMatch(/^TSDP2003 nn\.Conv2d can only be called inside forward/);
  });

  it("a BatchNorm's running statistics read in a constructor (RepVGG's switch_to_deploy) are refused as layer state, naming the state-dict fold", () => {
    const first = (fields: string, ctor = "") => diagnosticsOf(model(fields, ctor, "return x;")).map((d) => `${d.code} ${d.message} line ${d.loc?.line}`)[0];
    // was "… is a tensor, which exists only inside forward": it exists, but has no values until the model is created
    expect(first("bn = new nn.BatchNorm1d(4); s = 0;", "const v = this.bn.running_var;")).toMatch(
      /^TSDP2003 nn\.BatchNorm1d\.running_var is the layer's state: a constructor has no values of it to compute with .*RepVGG's switch_to_deploy .*stateDict\(\) and loadStateDict\(\)s them into a build of the fused model line 6$/,
    );
  });

  it("a draw scaled in place (StyleGAN2's EqualLinear: torch.randn(out, in).div_(lr_mul)) takes the map itself, as PyTorch's x.div_(v); a clone made before keeps its law", () => {
    const { graph, init } = stateOf(model(
      "w: nn.Parameter; v: nn.Parameter; c: nn.Parameter; n: nn.Parameter;",
      "this.w = new nn.Parameter(F.randn(4).div_(0.01)); const d = F.rand(4); const before = d.clone(); d.mul_(2).sub_(1); this.v = new nn.Parameter(d); this.c = new nn.Parameter(before); this.n = new nn.Parameter(F.randn(4).add_(3).neg_());",
      "return x.add(this.w).add(this.v).add(this.c).add(this.n);",
    ));
    expect(init.get("w")).toEqual({ kind: "normal", std: 100 });
    // U[0, 1) · 2 − 1 = U[−1, 1); the clone taken before the in-place ops is still U[0, 1)
    expect(init.get("v")).toEqual({ kind: "uniform", bound: 1, center: 0 });
    expect(init.get("c")).toEqual({ kind: "uniform", bound: 0.5, center: 0.5, stream: "v" });
    expect(init.get("n")).toEqual({ kind: "normal", std: 1, mean: -3 });
    // v and c are one draw in two laws: c's numbers are v's mapped back, (v + 1) / 2
    const st = initState(graph, 3);
    const v = Array.from(st.params.get("v")!.data), c = Array.from(st.params.get("c")!.data);
    v.forEach((vk, k) => expect((vk + 1) / 2).toBeCloseTo(c[k], 6));
  });

  it("an in-place map of a draw that shares its values (a parameter or buffer made from it, a view, .detach()) is refused: PyTorch's would change them all", () => {
    const first = (ctor: string) => diagnosticsOf(model("p: nn.Parameter;", ctor, "return x.add(this.p);")).map((d) => `${d.code} ${d.message} line ${d.loc?.line}`)[0];
    const refused = /^TSDP2001 mul_: this draw shares its values with a view, a \.detach\(\) or a parameter or buffer made from it, which PyTorch's in-place mul_ changes too; apply \.mul_ before sharing it .* line 6$/;
    // each was compiled with the parameter's law unscaled (std 1), PyTorch's being std 2
    expect(first("const d = F.randn(4); this.p = new nn.Parameter(d); d.mul_(2);")).toMatch(refused);
    expect(first("const d = F.randn(4); this.registerBuffer('q', d); this.p = new nn.Parameter(F.zeros(4)); d.mul_(2);")).toMatch(refused);
    expect(first("const d = F.randn(4); const v = d.view(2, 2).view(4); d.mul_(2); this.p = new nn.Parameter(v);")).toMatch(refused);
    expect(first("const d = F.randn(4); d.view(2, 2).mul_(2); this.p = new nn.Parameter(d);")).toMatch(refused);
    expect(first("const d = F.randn(4); const e = d.detach(); d.mul_(2); this.p = new nn.Parameter(e);")).toMatch(refused);
    // a clone is a copy, and an in-place map before the parameter is made is the draw's own
    const { init } = stateOf(model("p: nn.Parameter;", "const d = F.randn(4); const c = d.clone(); d.mul_(2); this.p = new nn.Parameter(c.data.mul_(3));", "return x.add(this.p);"));
    expect(init.get("p")).toEqual({ kind: "normal", std: 3 });
  });

  it("a draw read in another shape keeps its law and its numbers (F.randn(16).view(4, 4), Glow's orthogonal q.unsqueeze(2).unsqueeze(3)); a change of an orthogonal draw's rows is refused", () => {
    const { graph, init } = stateOf(model("a = new nn.Parameter(F.randn(16).view(4, -1).mul(2)); b = new nn.Parameter(F.randn(16)); q = new nn.Parameter(nn.init.orthogonal_(F.empty(4, 4)).unsqueeze(2).unsqueeze(3)); r = new nn.Parameter(nn.init.orthogonal_(F.empty(4, 4)));", "", "return x.add(this.a.sum()).add(this.b.sum()).add(this.q.sum()).add(this.r.sum());"));
    expect(graph.params.map((p) => [p.attrs.name, p.shape])).toEqual([["a", [4, 4]], ["b", [16]], ["q", [4, 4, 1, 1]], ["r", [4, 4]]]);
    expect(init.get("a")).toEqual({ kind: "normal", std: 2 });
    expect(init.get("q")).toEqual({ kind: "orthogonal", gain: 1 });
    // q's matrix is what an orthogonal [4, 4] draws: rows orthonormal
    const st = initState(graph, 3);
    const q = Array.from(st.params.get("q")!.data);
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) expect(q.slice(i * 4, i * 4 + 4).reduce((acc, v, k) => acc + v * q[j * 4 + k], 0)).toBeCloseTo(i === j ? 1 : 0, 5);
    const first = (fields: string) => diagnosticsOf(model(fields, "", "return x;")).map((d) => `${d.code} ${d.message}`)[0];
    expect(first("q = new nn.Parameter(nn.init.orthogonal_(F.empty(4, 4)).view(2, 8));")).toMatch(/view: an orthogonal draw of shape \[4, 4\] cannot be read as \[2, 8\]: its law is laid out along the first dim/);
    expect(first("q = new nn.Parameter(F.randn(4, 4).view(3, -1));")).toMatch(/view\(3, -1\) cannot reshape a draw of shape \[4, 4\]/);
  });

  it("state computed past its bound (the values go into model.cu) is refused with what to do instead", () => {
    const d = diagnosticsOf(model("", 'this.registerBuffer("big", F.arange(4194305).float());', "return x;"));
    expect(`${d[0].code} ${d[0].message}`).toMatch(/^TSDP4007 .*4194305 elements, more than 4194304 .*compute this tensor in forward instead/);
  });

  it("the IR lists computed state by count; model.cu holds each table, named by its line, reading back bit for bit", () => {
    const { graph } = lowerModel(FIXTURE);
    expect(printGraph(graph)).toMatch(/pos\.pe: f32\[16, 1, 8\] \{init=\{kind: "values", values: <128 computed values>\}\}/);
    const cu = generate(FIXTURE, { target: "cpu" }).generated.cu;
    const table = (name: string) => {
      const m = cu.match(new RegExp(`// ${name.replace(".", "\\.")} \\[[^\\]]*\\], computed at ([\\w.-]+):(\\d+)\\nconst float (k_init_\\d+)\\[\\] = \\{\\n([^}]*)\\};`));
      expect(m, `a table for ${name}`).not.toBeNull();
      expect(cu).toContain(`.data = ${m![3]}, .of_init`);
      return { at: `${m![1]}:${m![2]}`, values: m![4].split(/,\s*/).filter(Boolean).map((v) => Number(v.trim().replace(/f$/, ""))) };
    };
    const pe = table("pos.pe");
    // the line that computed it: the positional encoding's registerBuffer, in the port the fixture imports
    const port = "test/fixtures/ports/transformer-lm.ts";
    expect(pe.at).toBe(`transformer-lm.ts:${readFileSync(port, "utf8").split("\n").findIndex((l) => l.includes('registerBuffer("pe"')) + 1}`);
    expect(Float32Array.from(pe.values)).toEqual(graph.buffers.find((b) => b.attrs.name === "pos.pe")!.attrs.init.values);
    expect(table("mix").values).toHaveLength(16);
    // a constant is one number in the state table, not an array
    expect(cu).not.toMatch(/\/\/ gamma \[8\], computed/);
  });

  it("−∞ and other values without a C literal are written with math.h's names", () => {
    const dir = writeFiles({ "model.ts": model("", 'this.registerBuffer("mask", F.triu(F.full([3, 3], -Infinity), 1));', "return x.add(this.mask.sum());") });
    const cu = generate(join(dir, "model.ts"), { target: "cpu" }).generated.cu;
    expect(cu).toMatch(/const float k_init_0\[\] = \{\n {4}0\.0f, -INFINITY, -INFINITY, 0\.0f, 0\.0f, -INFINITY, 0\.0f, 0\.0f,\n {4}0\.0f,\n\};/);
  });
});

describe("a long chain of constructor writes", () => {
  it("evaluates without recursion: 20,000 ops in a row (a table written element by element in a loop) gave 'Maximum call stack size exceeded'", () => {
    const constants = new ConstructorTensors(100_000);
    const loc = { file: "m.ts", line: 1, col: 1, length: 1 };
    let n = constants.add("const", [], { value: 0 }, loc, "", "const");
    const one = constants.add("const", [], { value: 1 }, loc, "", "const");
    for (let i = 0; i < 20_000; i++) n = constants.add("add", [n, one], {}, loc, "", "add");
    expect(Array.from(constants.evaluate(n).data)).toEqual([20_000]);
  });
});
