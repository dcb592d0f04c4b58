// nn.Parameter and nn.init in the frontend: names and order as PyTorch's state_dict, the
// initializers they record, and the diagnostics of misuse. Values on the CPU target are checked
// in language-ops.test.ts.
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { erf, erfinv } from "../compiler/reference/ndarray.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const model = (fields: string, forward: string, ctor = "") =>
  `${header}class Block extends nn.Module {\n  gamma = new nn.Parameter(F.ones([4]));\n  fc = new nn.Linear(4, 4);\n  forward(x: Tensor) { return this.fc(x).mul(this.gamma); }\n}\n` +
  `export class M extends nn.Module {\n  ${fields}\n  constructor() { super(); ${ctor} }\n  forward(x: Tensor<[Batch, 3, 4]>) {\n    ${forward}\n  }\n}\n`;

describe("nn.Parameter", () => {
  it("registers under the field name: a module's own parameters first, in assignment order, then its children (PyTorch's state_dict)", () => {
    const { graph } = lowerSource(
      model("block = new nn.Block();".replace("nn.Block", "Block") + " pos = new nn.Parameter(F.zeros([1, 3, 4])); cls = new nn.Parameter(F.randn(1, 1, 4));", "return this.block(x.add(this.pos)).add(this.cls);"),
    );
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["pos", "cls", "block.gamma", "block.fc.weight", "block.fc.bias"]);
    expect(graph.params[0].shape).toEqual([1, 3, 4]);
    expect(graph.params.map((p) => p.attrs.init.kind)).toEqual(["constant", "normal", "constant", "uniform", "uniform"]);
  });
  it("a child first assigned after null (`self.residual = None` early, a module later) registers where the module is assigned, as PyTorch's __setattr__", () => {
    // ContextNet's ConvBlock: layers, se_layer, then residual = None and, if residual, residual = ConvModule(...)
    const src = `${header}class B extends nn.Module {\n  residual: nn.Linear | null = null;\n  a = new nn.Linear(2, 2);\n  se: nn.Linear;\n  constructor(r: boolean) { super(); this.se = new nn.Linear(2, 2); if (r) this.residual = new nn.Linear(2, 2); this.a = new nn.Linear(2, 2); }\n  forward(x: Tensor) { return this.residual ? this.residual(this.se(this.a(x))) : this.se(this.a(x)); }\n}\nexport class M extends nn.Module {\n  b = new B(true);\n  forward(x: Tensor<[Batch, 2]>) { return this.b(x); }\n}\n`;
    // a module reassigned keeps its place (a)
    expect(lowerSource(src).graph.params.map((p) => p.attrs.name)).toEqual(["b.a.weight", "b.a.bias", "b.se.weight", "b.se.bias", "b.residual.weight", "b.residual.bias"]);
  });
  it("takes its initializer from the factory, then from nn.init (in place, as PyTorch)", () => {
    const { graph } = lowerSource(
      model(
        "a = new nn.Parameter(F.full([4], 0.25)); b = new nn.Parameter(F.zeros(4)); c = new nn.Parameter(F.zeros([4])); d = new nn.Parameter(F.zeros([4])); e = new nn.Parameter(F.zeros([4]));",
        "return x.mul(this.a).add(this.b).add(this.c).add(this.d).add(this.e);",
        "nn.init.normal_(this.b, { std: 0.02 }); nn.init.trunc_normal_(this.c, 0, 0.02); nn.init.uniform_(this.d, -0.1, 0.1); nn.init.constant_(this.e, 3);",
      ),
    );
    expect(graph.params.map((p) => p.attrs.init)).toEqual([
      { kind: "constant", value: 0.25 },
      { kind: "normal", std: 0.02 },
      { kind: "normal", std: 0.02 },
      { kind: "uniform", bound: 0.1 },
      { kind: "constant", value: 3 },
    ]);
    // the truncated normal is the plain draw: no value of N(0, 0.02²) from the generator passes ±6.67σ
    const c = initState(graph, 0).params.get("c")!;
    expect(Math.max(...Array.from(c.data, Math.abs))).toBeLessThanOrEqual(0.02 * 6.67);
  });
  it("nn.init redraws a built-in layer's parameters too (GPT-style normal_(std 0.02), zeros_ on biases)", () => {
    const { graph } = lowerSource(
      model("fc = new nn.Linear(4, 4); emb = new nn.Embedding(3, 4);", "return this.fc(x);", "nn.init.normal_(this.fc.weight, 0, 0.02); nn.init.zeros_(this.fc.bias); nn.init.trunc_normal_(this.emb.weight, { std: 0.02 });"),
    );
    expect(graph.params.map((p) => [p.attrs.name, p.attrs.init])).toEqual([
      ["fc.weight", { kind: "normal", std: 0.02 }],
      ["fc.bias", { kind: "constant", value: 0 }],
      ["emb.weight", { kind: "normal", std: 0.02 }],
    ]);
    // another Linear keeps PyTorch's default
    const other = lowerSource(model("fc = new nn.Linear(4, 4);", "return this.fc(x);")).graph.params[0].attrs.init;
    expect(other).toEqual({ kind: "uniform", bound: 0.5 });
  });
  it("nn.init.normal_ with a mean and uniform_ over [a, b] keep them (DCGAN's BatchNorm init N(1, 0.02))", () => {
    const { graph } = lowerSource(model("bn = new nn.BatchNorm1d(3); p = new nn.Parameter(F.zeros([2000]));", "return this.bn(x).add(this.p.sum());", "nn.init.normal_(this.bn.weight, 1.0, 0.02); nn.init.uniform_(this.p);"));
    expect(graph.params.map((p) => [p.attrs.name, p.attrs.init])).toEqual([
      ["p", { kind: "uniform", bound: 0.5, center: 0.5 }],
      ["bn.weight", { kind: "normal", std: 0.02, mean: 1 }],
      ["bn.bias", { kind: "constant", value: 0 }],
    ]);
    const state = initState(graph, 3);
    const w = Array.from(state.params.get("bn.weight")!.data);
    expect(w.every((v) => Math.abs(v - 1) < 0.02 * 6.7)).toBe(true);
    const u = Array.from(state.params.get("p")!.data);
    // U(0, 1): every draw inside, and the mean of 2000 within 5 standard errors (0.0065 each) of ½
    expect(u.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(Math.abs(u.reduce((a, b) => a + b, 0) / u.length - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / 2000));
  });
  it("is trainable: the loss's gradient reaches it", async () => {
    const { differentiate } = await import("../compiler/2-autodiff/backward.ts");
    const text = model("pos = new nn.Parameter(F.zeros([3, 4]));", "return x.add(this.pos);") + "export const t = new Training(M, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });\n";
    const { gradients } = differentiate(lowerSource(text, "M").graph);
    expect([...gradients.keys()]).toContain("pos");
  });
  it("nn.Parameter(t, requiresGrad false) in forward is t's values, detached, and registers nothing (cosFormer's get_index)", async () => {
    // cosFormer (OpenNLPLab/cosFormer): index = np.pi / 2 * torch.arange(1, seq_len + 1).reshape(1, -1, 1);
    // return nn.Parameter(index, requires_grad=False) — called in forward. PyTorch makes a new leaf of t's
    // values (nothing registers a local), so no gradient flows through it. Main refused it with TSDP3005.
    const { differentiate } = await import("../compiler/2-autodiff/backward.ts");
    const { runReference } = await import("../compiler/reference/interpret.ts");
    const { nd } = await import("../compiler/reference/ndarray.ts");
    const forward = "const idx = new nn.Parameter(F.arange(1, 5).reshape(1, 1, -1).mul(Math.PI / 2), { requiresGrad: false });\n    const w = new nn.Parameter(this.s.mul(2), { requiresGrad: false });\n    return x.mul(F.sin(idx.div(4))).add(w);";
    const text = model("s = new nn.Parameter(F.ones([4]));", forward) + "export const t = new Training(M, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });\n";
    const { graph } = lowerSource(text, "M");
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["s"]);
    const x = Array.from({ length: 12 }, (_, i) => i - 5);
    const out = Array.from(runReference(graph, { x: nd([1, 3, 4], x) }, initState(graph, 0)).outputs[0].data);
    out.forEach((v, i) => expect(v).toBeCloseTo(x[i] * Math.sin(((i % 4) + 1) * Math.PI / 8) + 2, 12));
    // w = Parameter(s·2) is a new leaf: no gradient reaches s through it
    const { graph: step, gradients } = differentiate(graph);
    const r = runReference(step, { x: nd([1, 3, 4], x), target: nd([1, 3, 4], x.map((v) => v / 3)) }, initState(graph, 0), { training: true });
    const g = gradients.get("s");
    expect(g === undefined ? [0, 0, 0, 0] : Array.from(r.values.get(g)!.data)).toEqual([0, 0, 0, 0]);
  });
  it("trunc_normal_ with bounds that cut the draws: PyTorch's inverse-CDF draw, every value inside, the truncated moments", () => {
    const { graph } = lowerSource(model("p = new nn.Parameter(F.zeros([20000]));", "return x.mul(this.p.sum());", "nn.init.trunc_normal_(this.p, 0.5, 2, -0.5, 1);"));
    expect(graph.params[0].attrs.init).toEqual({ kind: "normal", std: 2, mean: 0.5, truncated: [-0.5, 0.25] });
    const v = Array.from(initState(graph, 4).params.get("p")!.data);
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-0.5);
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
    // N(0.5, 2²) cut to [−0.5, 1]: α = −0.5, β = 0.25 in std units; mean μ + σ(φ(α) − φ(β))/(Φ(β) − Φ(α))
    const phi = (z: number) => Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
    const Phi = (z: number) => 0.5 * (1 + erf(z / Math.SQRT2));
    const want = 0.5 + (2 * (phi(-0.5) - phi(0.25))) / (Phi(0.25) - Phi(-0.5));
    expect(Math.abs(v.reduce((a, b) => a + b, 0) / v.length - want)).toBeLessThan(0.01);
    // the inverse CDF's erf⁻¹, to double precision (Giles's start, Newton's steps)
    for (const y of [-0.999999, -0.9, -0.3, 0, 1e-9, 0.5, 0.99, 0.9999999]) expect(Math.abs(erf(erfinv(y)) - y)).toBeLessThan(1e-15);
    expect([erfinv(1), erfinv(-1), erfinv(2)]).toEqual([Infinity, -Infinity, NaN]);
    // wide bounds (timm's default ±2 around a small std) stay the plain normal draw
    expect(lowerSource(model("p = new nn.Parameter(F.zeros([4]));", "return x.add(this.p);", "nn.init.trunc_normal_(this.p, { std: 0.02 });")).graph.params[0].attrs.init).toEqual({ kind: "normal", std: 0.02 });
    // a negative scale afterwards mirrors the bounds
    expect(lowerSource(model("p = new nn.Parameter(F.zeros([4]));", "return x.add(this.p);", "nn.init.trunc_normal_(this.p, 0, 1, -1, 3); this.p.data.mul_(-2);")).graph.params[0].attrs.init).toEqual({ kind: "normal", std: 2, truncated: [-3, 1] });
  });

  it("nn.init draws into a constructor tensor that becomes a parameter (DCN-V2's nn.Parameter(xavier_normal_(torch.empty(…)))), before or after nn.Parameter", () => {
    const { graph } = lowerSource(
      model(
        "a: any; b: any; c: any; d: any;",
        "return x.add(this.a.sum()).add(this.b.sum()).add(this.c.sum()).add(this.d.sum());",
        // a: the initializer's result; b: the tensor drawn into, then wrapped; c: wrapped, then drawn into (shared storage); d: a scaled draw
        "this.a = new nn.Parameter(nn.init.xavier_normal_(F.empty(6, 2, 3))); const w = F.empty(4, 5); nn.init.kaiming_uniform_(w, { a: Math.sqrt(5) }); this.b = new nn.Parameter(w);" +
          " const v = F.zeros(3, 4); this.c = new nn.Parameter(v); nn.init.orthogonal_(v, 2); this.d = new nn.Parameter(nn.init.normal_(F.empty(2), 0, 2).mul(0.5).add(1));",
      ),
    );
    // xavier: std = √(2/(fan_in + fan_out)), fan_in = 2·3, fan_out = 6·3; kaiming_uniform(a=√5): bound = √(6/(1 + 5))/√fan_in = 1/√5
    expect(graph.params.map((p) => [p.attrs.name, p.attrs.init])).toEqual([
      ["a", { kind: "normal", std: Math.sqrt(2 / 24) }],
      ["b", { kind: "uniform", bound: Math.sqrt(3) * Math.sqrt(2 / 6) / Math.sqrt(5) }],
      ["c", { kind: "orthogonal", gain: 2 }],
      ["d", { kind: "normal", std: 1, mean: 1 }],
    ]);
  });
  it("nn.init draws into a registered buffer (the NTM's register_buffer('mem_bias', torch.Tensor(N, M)); nn.init.uniform_(self.mem_bias, -s, s))", () => {
    // it failed at registration with TSDP2003 "this tensor was filled by nn.init.uniform_ … make a parameter or buffer of it", then TSDP3007 for every later layer
    const src = model("declare memBias: Tensor; fc = new nn.Linear(4, 4);", "return this.fc(x).add(this.memBias.sum());", 'this.registerBuffer("memBias", F.empty(8, 6)); nn.init.uniform_(this.memBias, -0.25, 0.25);');
    const { graph } = lowerSource(src);
    expect(graph.buffers.map((b) => [b.attrs.name, b.shape, b.attrs.init])).toEqual([["memBias", [8, 6], { kind: "uniform", bound: 0.25 }]]);
  });
  it("a parameter's new_zeros / new_ones / new_full in a constructor are factories (loralib's lora_A = nn.Parameter(self.weight.new_zeros((r, in))))", () => {
    const { graph } = lowerSource(
      model("fc = new nn.Linear(4, 4); a: any; b: any;", "return this.fc(x).add(this.a.sum()).add(this.b.sum());", "this.a = new nn.Parameter(this.fc.weight.newZeros([2, 4])); this.b = new nn.Parameter(this.fc.weight.newFull([3], 0.5)); nn.init.kaiming_uniform_(this.a, { a: Math.sqrt(5) });"),
    );
    expect(graph.params.map((p) => [p.attrs.name, p.shape, p.attrs.init.kind])).toEqual([
      ["a", [2, 4], "uniform"],
      ["b", [3], "constant"],
      ["fc.weight", [4, 4], "uniform"],
      ["fc.bias", [4], "uniform"],
    ]);
    // of integer data too: a float parameter's new_full((3,), 2) and new_tensor([1, 2, 3]) are float32 in PyTorch
    // (it was refused with TSDP3003 "this tensor is int32", and the buffer was int32)
    const ints = lowerSource(
      model("fc = new nn.Linear(4, 4); b: any; declare c: Tensor;", "return this.fc(x).add(this.b.sum()).add(this.c.sum());", 'this.b = new nn.Parameter(this.fc.weight.newFull([3], 2)); this.registerBuffer("c", this.fc.weight.newTensor([1, 2, 3]));'),
    ).graph;
    expect([ints.params[0].attrs.init, ints.buffers[0].dtype]).toEqual([{ kind: "constant", value: 2 }, "f32"]);
  });
  it("reports misuse with the place and the reason", () => {
    const drawn = (ctor: string) => diagnosticsOf(model("p: any;", "return x.add(this.p.sum());", ctor)).map((d) => `${d.code} ${d.message}`)[0];
    // the tensor's constructor value is gone once drawn into: math on it is refused, not silently zeros
    expect(drawn("const w = F.empty(4); nn.init.normal_(w); this.p = new nn.Parameter(w.add(1));")).toMatch(/^TSDP2003 this tensor was filled by nn.init.normal_, whose values are drawn when the model is created/);
    expect(drawn("this.p = new nn.Parameter(nn.init.orthogonal_(F.empty(3, 3)).mul(2));")).toMatch(/^TSDP2001 mul: a orthogonal initial value made by nn.init can become a parameter or buffer as it is/);
    expect(drawn("this.p = new nn.Parameter(F.cat([F.randn(2), F.zeros(2)]));")).toMatch(/^TSDP2003 F.cat: element 0 is a random draw F.randn\(\[2\]\) made in a constructor/);
    const codes = (fields: string, forward: string, ctor = "") => diagnosticsOf(model(fields, forward, ctor)).map((d) => `${d.code} ${d.message}`);
    expect(codes("", "return x.add(new nn.Parameter(F.zeros([4])));")[0]).toMatch(/^TSDP3005 nn.Parameter is created inside forward: .*or new nn.Parameter\(t, \{ requiresGrad: false \}\)/);
    expect(codes("fc = new nn.Linear(4, 4);", "return this.fc(x);", "nn.init.normal_(this.fc, 0, 1);")[0]).toMatch(/TSDP3003 nn.init.normal_ initializes an nn.Parameter/);
    expect(codes("p = new nn.Parameter(F.zeros([4]));", "return x.add(this.p);", "nn.init.uniform_(this.p, 1, 0);")[0]).toMatch(/TSDP3004 .*must not exceed b, got \[1, 0\]/);
    expect(codes("p = new nn.Parameter(F.zeros([4]));", "return x.add(this.p);", "nn.init.trunc_normal_(this.p, 0, 1, 2, -2);")[0]).toMatch(/TSDP3004 nn.init.trunc_normal_: the lower bound a must be below b, got \[2, -2\]/);
    expect(codes("p = new nn.Parameter(F.full([4], Infinity));", "return x.add(this.p);")[0]).toMatch(/TSDP3004 .*must be finite/);
  });
});
