// Frozen parameters (module.requiresGrad_(false), param.requiresGrad_(false), nn.Parameter(x, false)):
// registered as state the step reads and never updates. Frontend: where each name lands. CPU
// target: a training step leaves frozen values bit-identical, and the trained parameters'
// gradients (which pass through the frozen weight) equal the reference's: rtol 1e-3 with an
// absolute floor of 1e-4 × the tensor's largest gradient, as test/model-ops-target.test.ts.
import { describe, expect, it } from "vitest";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { normals } from "../compiler/reference/rng.ts";
import { lowerModel } from "../compiler/1-frontend/lower.ts";
import { load, tensor } from "../runtime/index.ts";
import { compileForTestTarget, makeInputs, expectGradientClose } from "./target-helpers.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const FIXTURE = "test/fixtures/frozen/model.ts";

describe("frozen parameters", () => {
  it("a frozen module's parameters, a frozen bias and a frozen nn.Parameter are state without a gradient", () => {
    const { graph } = lowerModel(FIXTURE);
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["stem.weight", "stem.bias", "head.weight"]);
    expect(graph.buffers.map((b) => b.attrs.name)).toEqual(["offset", "backbone.scale", "backbone.fc.weight", "backbone.fc.bias", "head.bias"]);
    expect([...differentiate(graph).gradients.keys()]).toEqual(["stem.weight", "stem.bias", "head.weight"]);
  });

  it("registerBuffer takes a tensor made in the constructor; an int32 table is a constant; other values, int32 parameters and a draw that is not persistent are refused with the reason", () => {
    const model = (ctor: string) =>
      `${header}export class M extends nn.Module {\n  fc = new nn.Linear(4, 4);\n  constructor() {\n    super();\n    ${ctor}\n  }\n  forward(x: Tensor<[Batch, 4]>) {\n    return this.fc(x);\n  }\n}\n`;
    const { graph } = lowerSource(model('this.registerBuffer("mask", F.ones([4]));'));
    expect(graph.buffers.map((b) => [b.attrs.name, b.attrs.init])).toEqual([["mask", { kind: "constant", value: 1 }]]);
    const message = (ctor: string) => diagnosticsOf(model(ctor)).map((d) => `${d.code} ${d.message} line ${d.loc?.line}`)[0];
    // computed in the constructor: the values themselves (test/constructor-tensors.test.ts)
    const ids = lowerSource(model('this.registerBuffer("ids", F.arange(4).float());')).graph.buffers[0].attrs.init;
    expect([ids.kind, Array.from(ids.values)]).toEqual(["values", [0, 1, 2, 3]]);
    // an int32 tensor computed here is an index table (Swin's relative_position_index): a constant, not state;
    // int32 state that trains or is loaded is refused
    expect(lowerSource(model('this.registerBuffer("ids", F.arange(4, { dtype: "int32" }));')).graph.buffers).toEqual([]);
    expect(message('this.w = new nn.Parameter(F.arange(4, { dtype: "int32" }));')).toMatch(/TSDP3003 .*nn\.Parameter: a parameter or buffer is float32; this tensor is int32 \(convert it with \.float\(\); F\.tensor and F\.full of integers, as PyTorch's int64, are int32: write a float literal.*\) line 6$/);
    expect(message('this.registerBuffer("ids", [1, 2]);')).toMatch(/TSDP3003 .*registerBuffer takes a tensor made in the constructor.* line 6$/);
    // persistent false: a constant forward computes, not state (test/constructor-tensors.test.ts); a draw must be state
    expect(lowerSource(model('this.registerBuffer("mask", F.ones([4]), false);')).graph.buffers).toEqual([]);
    expect(message('this.registerBuffer("noise", F.randn([4]), false);')).toMatch(/TSDP3004 .*persistent false is a constant.*not a random draw F\.randn\(\[4\]\).* line 6$/);
  });
  it("nn.Parameter(x, false) freezes; requiresGrad_() (true) thaws; misuse names the place", () => {
    const model = (fields: string, ctor: string) =>
      `${header}export class M extends nn.Module {\n  ${fields}\n  constructor() { super(); ${ctor} }\n  forward(x: Tensor<[Batch, 4]>) {\n    return this.fc(x).add(this.p);\n  }\n}\n`;
    const frozen = lowerSource(model("fc = new nn.Linear(4, 4); p = new nn.Parameter(F.zeros([4]), false);", "")).graph;
    expect(frozen.buffers.map((b) => b.attrs.name)).toEqual(["p"]);
    const thawed = lowerSource(model("fc = new nn.Linear(4, 4); p = new nn.Parameter(F.zeros([4]), false);", "this.requiresGrad_(false); this.fc.requiresGrad_(); this.p.requiresGrad_(true);")).graph;
    expect(thawed.params.map((p) => p.attrs.name)).toEqual(["p", "fc.weight", "fc.bias"]);
    const inForward = `${header}export class M extends nn.Module {\n  fc = new nn.Linear(4, 4);\n  forward(x: Tensor<[Batch, 4]>) {\n    this.fc.requiresGrad_(false);\n    return this.fc(x);\n  }\n}\n`;
    const [d] = diagnosticsOf(inForward);
    expect(`${d.code} ${d.message} line ${d.loc?.line}`).toMatch(/^TSDP\d{4} .*requiresGrad_.* line 5$/);
  });

  it("on the CPU target a step leaves frozen values unchanged and trains the rest with the reference's gradients", async () => {
    const { model, build } = await compileForTestTarget(FIXTURE, "build/test-cpu/frozen");
    const graph = model.graph;
    const m = await load(build.outDir);
    try {
      const frozenBefore = new Map(graph.buffers.map((b) => [b.attrs.name as string, Float32Array.from(m.getParameter(b.attrs.name as string).data as Float32Array)]));
      const batch = 5;
      const { tensors, reference } = makeInputs(graph, batch, 4);
      const target = Float32Array.from(normals(batch * 3, 4, 9));
      m.train(true);
      const stemBefore = Float32Array.from(m.getParameter("stem.weight").data as Float32Array);
      m.trainStepSync(tensors[0], tensor(target, [batch, 3]));
      m.trainStepSync(tensors[0], tensor(target, [batch, 3]));
      for (const [name, before] of frozenBefore) expect(Array.from(m.getParameter(name).data as Float32Array), name).toEqual(Array.from(before));
      expect(Array.from(m.getParameter("stem.weight").data as Float32Array)).not.toEqual(Array.from(stemBefore));
      expect(() => m.getParameter("head.bias.grad")).toThrow(/head\.bias\.grad/);
      expect(Object.keys(m.stateDict())).toEqual(expect.arrayContaining(["backbone.fc.weight", "backbone.scale", "head.bias", "stem.weight"]));
      // the gradients of the first step, from the initial state
      const fresh = await load(build.outDir);
      try {
        fresh.train(true);
        fresh.trainStepSync(tensors[0], tensor(target, [batch, 3]), { lr: 0 });
        const { graph: step, gradients } = differentiate(graph);
        const want = runReference(step, { ...reference, target: nd([batch, 3], target) }, initState(graph, 0), { training: true, seed: 0, step: 0 });
        for (const [name, node] of gradients) expectGradientClose(fresh.getParameter(`${name}.grad`).data as Float32Array, want.values.get(node)!.data, `∂L/∂${name}`);
      } finally {
        fresh.dispose();
      }
    } finally {
      m.dispose();
    }
  }, 600_000);
});
