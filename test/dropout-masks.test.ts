// Dropout draws a fresh mask on every call, as PyTorch does (issue 15, item 3). The mask of element
// i is Philox at counter (i, step, draw, 0): `step` counts optimizer steps, `draw` the runs since
// the last one that drew (train-mode runs for nn.Dropout; every run for F.dropout's default
// training=true). So masks are reproducible from the seed, a step's masks do not depend on how
// many forwards came before it in another step, and N devices draw the masks of one.
// Tolerance: rtol 1e-4, atol 1e-5 (fp32 kernels against the float64 reference interpreter).
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import type { Graph } from "../compiler/ir/node.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { load, tensor, type CompiledModel } from "../runtime/index.ts";
import { header, writeFiles } from "./helpers.ts";
import { expectClose, makeInputs, referenceState, runReference } from "./target-helpers.ts";

const source = (body: string) =>
  header +
  `export class Drop extends nn.Module {
  fc = new nn.Linear(8, 16);
  drop = new nn.Dropout(0.5);
  forward(x: Tensor<[Batch, 8]>) {
    ${body}
  }
}
export const training = new Training(Drop, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.5 }) });
`;

async function build(body: string, name: string): Promise<{ graph: Graph; dir: string }> {
  const dir = writeFiles({ "model.ts": source(body) });
  const { model, build } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join("build", "test-dropout", name) });
  return { graph: model.graph, dir: build.outDir };
}

const BATCH = 6;

describe("nn.Dropout: a fresh mask per train-mode call", () => {
  let graph: Graph;
  let dir = "";
  let m: CompiledModel;
  beforeAll(async () => {
    ({ graph, dir } = await build("return this.drop(this.fc(x));", "train-mode"));
    m = await load(dir);
  }, 600_000);
  afterAll(() => m?.dispose());

  it("two train-mode calls on the same input draw different masks, each the reference's (step 0, draw 0 then 1)", () => {
    const { tensors, reference } = makeInputs(graph, BATCH, 3);
    const state = referenceState(graph, 0);
    m.train(true);
    const first = m.forwardAllSync(...tensors)[0].data as Float32Array;
    const second = m.forwardAllSync(...tensors)[0].data as Float32Array;
    expect(Array.from(first)).not.toEqual(Array.from(second));
    expectClose(first, runReference(graph, reference, state, { training: true, draw: 0 }).outputs[0].data, "first call");
    expectClose(second, runReference(graph, reference, state, { training: true, draw: 1 }).outputs[0].data, "second call");
    // eval mode draws nothing, so the next train-mode call is draw 2
    m.train(false);
    expectClose(m.forwardAllSync(...tensors)[0].data as Float32Array, runReference(graph, reference, state, { training: false }).outputs[0].data, "eval call");
    m.train(true);
    expectClose(m.forwardAllSync(...tensors)[0].data as Float32Array, runReference(graph, reference, state, { training: true, draw: 2 }).outputs[0].data, "third train call");
  });

  it("a training step after three calls uses draw 3, and the next step starts again at draw 0", () => {
    const { tensors, reference } = makeInputs(graph, BATCH, 4);
    const target = Int32Array.from({ length: BATCH }, (_, i) => (i * 7) % 16);
    const state = referenceState(graph, 0);
    const { graph: step, gradients } = differentiate(graph);
    const want = runReference(step, { ...reference, target: nd([BATCH], target) }, state, { training: true, step: 0, draw: 3 });
    m.train(true);
    m.trainStepSync(tensors[0], tensor(target, [BATCH]), { lr: 0 });
    for (const [name, node] of gradients)
      expectClose(m.getParameter(`${name}.grad`).data as Float32Array, want.values.get(node)!.data, `∂L/∂${name} with the step's mask (step 0, draw 3)`);
    // after the step (lr 0: parameters unchanged) a call draws (step 1, draw 0)
    expectClose(m.forwardAllSync(...tensors)[0].data as Float32Array, runReference(graph, reference, state, { training: true, step: 1, draw: 0 }).outputs[0].data, "first call after the step");
  });

  it("the sequence of masks is reproducible from the seed, and two devices draw the masks of one", async () => {
    const { tensors } = makeInputs(graph, BATCH, 5);
    const run = async (devices: number) => {
      const fresh = await load(dir, { devices, seed: 9 });
      try {
        fresh.train(true);
        return [0, 1, 2].map(() => Array.from(fresh.forwardAllSync(...tensors)[0].data as Float32Array));
      } finally {
        fresh.dispose();
      }
    };
    const one = await run(1);
    expect(one[1]).not.toEqual(one[0]);
    expect(await run(1)).toEqual(one);
    const two = await run(2);
    two.forEach((call, i) => expectClose(call, one[i], `two devices, call ${i}`));
  });
});

describe("F.dropout(x, p) (training=true by default) draws a fresh mask on every call, in eval mode too", () => {
  it("two eval-mode calls differ and equal the reference's draws 0 and 1", async () => {
    const { graph, dir } = await build("return F.dropout(this.fc(x), 0.5);", "always");
    const m = await load(dir);
    try {
      const { tensors, reference } = makeInputs(graph, BATCH, 6);
      const state = referenceState(graph, 0);
      m.train(false);
      const first = m.forwardAllSync(...tensors)[0].data as Float32Array;
      const second = m.forwardAllSync(...tensors)[0].data as Float32Array;
      expect(Array.from(first)).not.toEqual(Array.from(second));
      expectClose(first, runReference(graph, reference, state, { training: false, draw: 0 }).outputs[0].data, "first call");
      expectClose(second, runReference(graph, reference, state, { training: false, draw: 1 }).outputs[0].data, "second call");
    } finally {
      m.dispose();
    }
  }, 600_000);
});

// Each element draws at its place in the whole batch, counted batch-major, wherever the batch dim
// is: a sequence-first [T, B, H] dropout (nn.Transformer's default layout) and a dropout of a
// weight (no batch dim) draw on N devices what one device draws — before, each replica offset its
// flat index by sample0·(elements per sample), which is that place only when the batch is first.
describe("dropout wherever the batch dim is: N devices draw one device's masks", () => {
  it("a sequence-first tensor and a weight: 1, 2 and 3 devices equal, and equal the reference", async () => {
    const dir = writeFiles({
      "model.ts": `${header}
export class SeqFirst extends nn.Module {
  fc = new nn.Linear(4, 4);
  w = new nn.Parameter(F.ones([4]));
  forward(x: Tensor<[Batch, 3, 4]>) {
    const t = F.dropout(x.transpose(0, 1), 0.5, this.training); // [3, Batch, 4]
    return this.fc(t.transpose(0, 1)).mul(F.dropout(this.w, 0.5, this.training)).flatten(1);
  }
}
`,
    });
    const { model, build: b } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join("build", "test-dropout", "seq-first") });
    const graph = model.graph;
    const batch = 5;
    const { tensors, reference } = makeInputs(graph, batch, 8);
    const state = referenceState(graph, 0);
    const outputs: number[][] = [];
    for (const devices of [1, 2, 3]) {
      const m = await load(b.outDir, { devices });
      try {
        m.train(true);
        outputs.push(Array.from(m.forwardAllSync(...tensors)[0].data as Float32Array));
      } finally {
        m.dispose();
      }
    }
    expect(outputs[1]).toEqual(outputs[0]);
    expect(outputs[2]).toEqual(outputs[0]);
    expectClose(Float32Array.from(outputs[0]), runReference(graph, reference, state, { training: true, draw: 0 }).outputs[0].data, "one device against the reference");
    // some elements dropped in the sequence-first tensor: the mask is not all ones
    expect(outputs[0].some((v) => v === 0)).toBe(true);
  }, 600_000);
});
