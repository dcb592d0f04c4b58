// int32 values a model reads as indices (compiler/5-codegen/index-limits.ts): the manifest says
// what an input's or target's values index — an embedding's rows, a gather's dim, a loss's classes —
// and the runtime refuses a value outside [0, n) before the call, as PyTorch raises IndexError
// (the kernels would read a zero row or take a loss of 0). A target that indexes a table, not the
// output's dim 1, is not held to dim 1.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile, generate } from "../compiler/pipeline.ts";
import { indexRangeOf } from "../compiler/5-codegen/index-limits.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { load, tensor } from "../runtime/index.ts";
import { diagnosticsOf, header, lowerSource, writeFiles } from "./helpers.ts";

const MODEL = `${header}export class Tagger extends nn.Module {
  emb = new nn.Embedding(10, 8);
  head = new nn.Linear(8, 5);
  forward(ids: Tensor<[Batch, 16], "int32">) {
    return this.head(this.emb(ids));
  }
}
export const training = new Training(Tagger, {
  loss: (logits: Tensor, targets: Tensor<[Batch, 16], "int32">) => F.logSoftmax(logits, -1).gather(2, targets.unsqueeze(2)).mean().neg(),
  optimizer: new optim.SGD({ lr: 0.1 }),
});
`;

describe("int32 indices from the caller", () => {
  it("an embedding's ids and a gathered target are refused outside their range, with where; the model keeps working", async () => {
    const dir = writeFiles({ "model.ts": MODEL });
    const { build } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(dir, "build") });
    const m = await load(build.outDir);
    try {
      expect(m.manifest.inputs[0].indexes).toEqual({ limit: 10 });
      expect(m.manifest.training!.target!.indexes).toEqual({ limit: 5 });
      const ids = (bad?: number) => tensor(Int32Array.from({ length: 32 }, (_, i) => (i === 17 && bad !== undefined ? bad : i % 10)), [2, 16]);
      const targets = (bad?: number) => tensor(Int32Array.from({ length: 32 }, (_, i) => (i === 3 && bad !== undefined ? bad : i % 5)), [2, 16]);
      const before = Array.from(m.forwardAllSync(ids())[0].data as Float32Array);
      for (const bad of [10, -1, 2 ** 31 - 1]) {
        expect(() => m.forwardSync(ids(bad))).toThrow(new RegExp(`input 1 \\(ids: int32 \\[Batch, 16\\]\\): value ${bad} at position 17 is out of range: it indexes 10 entries \\(0 to 9\\)`));
        await expect(m.forward(ids(bad))).rejects.toThrow(/is out of range: it indexes 10 entries/);
      }
      // the target indexes the 5 classes of the gather's dim, not the 16 of the output's dim 1
      expect(() => m.trainStepSync(ids(), targets(5), { lr: 0 })).toThrow(/target \(int32 \[Batch, 16\]\): value 5 at position 3 is out of range: it indexes 5 entries/);
      expect(() => m.evaluateSync(ids(), targets(-2))).toThrow(/value -2 at position 3 is out of range/);
      // PyTorch's ignore_index default, which a loss function's own loss does not have: said so
      expect(() => m.evaluateSync(ids(), targets(-100))).toThrow(/value -100 at position 3 is out of range: .*; PyTorch's cross-entropy and NLL ignore -100 by default: pass ignoreIndex: -100 to the loss/);
      expect(() => m.forwardSync(ids(-100))).not.toThrow(/ignore -100 by default/);
      expect(Number.isFinite(m.trainStepSync(ids(), targets(4), { lr: 0 }))).toBe(true);
      expect(Array.from(m.forwardAllSync(ids())[0].data as Float32Array)).toEqual(before);
    } finally {
      m.dispose();
    }
  }, 300_000);
});

// An index computed in forward cannot be checked before the call: every kernel that reads through
// one checks it as it reads (compiler/5-codegen/index-faults.ts). It used to read 0 (or add nothing,
// or take a NaN loss) where PyTorch raises; now the call fails naming the op and its line, and a
// training step takes no update on any replica: the model is as before it, and the next step is the
// one a model that never saw the bad batch takes.
const COMPUTED = `${header}export class Reads extends nn.Module {
  emb = new nn.Embedding(5, 3);
  table = new nn.Parameter(F.randn(5, 3));
  grid = new nn.Parameter(F.randn(3, 4));
  forward(x: Tensor<[Batch, 10]>) {
    const col = (j: number) => x.select(1, j).long();
    const data = x.narrow(1, 6, 4);
    const rows = this.emb(col(0));
    const gathered = data.gather(1, col(1).view(-1, 1));
    const selected = this.table.indexSelect(0, col(2));
    const scattered = data.mul(0).scatter(1, col(3).view(-1, 1), data.narrow(1, 0, 1));
    const hot = F.oneHot(col(4), 3).float();
    const cell = this.grid.index([col(1).remainder(3), col(5)]).view(-1, 1);
    return rows.add(gathered).add(selected).add(scattered.narrow(1, 0, 3)).add(hot).add(cell);
  }
}
export const training = new Training(Reads, {
  loss: (out: Tensor, y: Tensor<[Batch, 2]>) => F.crossEntropy(out, y.select(1, 0).long()),
  optimizer: new optim.Adam({ lr: 0.01 }),
});
`;

describe("int32 indices computed in forward", () => {
  it("one out of range fails the call naming the op and its line (embedding, gather, index_select, scatter, one_hot, x[i, j], a loss's class); a step is not taken, on one replica or two", async () => {
    const dir = writeFiles({ "model.ts": COMPUTED });
    const { build } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(dir, "build") });
    // sample 2 of 4 holds the bad index (columns 0–5 are indices): with two replicas it is replica 1's, and replica 0's update must stop too
    const batch = (bad?: { col: number; value: number }) =>
      tensor(Float32Array.from([[1, 2, 3, 0, 0, 1], [4, 0, 1, 3, 2, -4], [2, 3, 4, 1, 1, 2], [0, 1, 0, 2, 0, 3]].flatMap((ids, i) => [...ids.map((v, j) => (i === 2 && bad?.col === j ? bad.value : v)), 0.1, 0.2, 0.3, 0.4])), [4, 10]);
    const target = (cls = 2) => tensor(Float32Array.from([0, 1, cls, 1, 0, 0, 2, 0]), [4, 2]);
    const fresh = await load(build.outDir, { seed: 1 });
    const losses = [fresh.trainStepSync(batch(), target()), fresh.trainStepSync(batch(), target())];
    fresh.dispose();
    for (const options of [{ devices: 1 }, { devices: 2, cudaGraphs: true }]) {
      const m = await load(build.outDir, { seed: 1, ...options });
      try {
        expect(m.trainStepSync(batch(), target())).toBeCloseTo(losses[0], 5);
        const state = () => m.parameters().map((p) => Array.from(m.getParameter(p.name).data as Float32Array));
        const before = state();
        const reads: [number, number, RegExp][] = [
          [0, 5, /index 5 is out of range for a dim of size 5: embedding at model\.ts:9:18/],
          [1, -1, /index -1 is out of range for a dim of size 4: gather at model\.ts:10:22/],
          [2, 9, /index 9 is out of range for a dim of size 5: index_select at model\.ts:11:22/],
          [3, 4, /index 4 is out of range for a dim of size 4: scatter at model\.ts:12:23/],
          // compared, not loaded: a row of zeros; and x[i, j] with j past its dim, whose row-major position
          // i·4 + j named another element of the grid
          [4, 3, /index 3 is out of range for a dim of size 3: one_hot at model\.ts:13:17/],
          [5, 5, /index 5 is out of range for a dim of size 4: index at model\.ts:14:18/],
        ];
        for (const [col, value, message] of reads) {
          expect(() => m.forwardSync(batch({ col, value }))).toThrow(message);
          expect(() => m.trainStepSync(batch({ col, value }), target())).toThrow(message);
          await expect(m.trainStep(batch({ col, value }), target(), { waitForLoss: false }).then(() => m.forwardSync(batch()))).rejects.toThrow(message);
        }
        expect(() => m.evaluateSync(batch({ col: 0, value: 7 }), target())).toThrow(/index 7 is out of range for a dim of size 5: embedding/);
        expect(() => m.trainStepSync(batch(), target(3))).toThrow(/index 3 is out of range for a dim of size 3: cross_entropy's target \(a class\) at model\.ts:19:49.*the step was not taken/);
        // a -100 (PyTorch's default ignore_index, a Hugging Face collator's padding) says how to ignore it here
        expect(() => m.trainStepSync(batch(), target(-100))).toThrow(/index -100 is out of range for a dim of size 3: cross_entropy's target \(a class\) at model\.ts:19:49; PyTorch's cross-entropy and NLL ignore -100 by default: pass ignoreIndex: -100/);
        expect(() => m.trainStepSync(batch(), target(3))).toThrow(/index 3 is out of range [^;]*at model\.ts:19:49 \(PyTorch raises/);
        expect(state()).toEqual(before);
        // Adam's step count and moments as before the failed steps: the second step of a fresh model
        expect(m.trainStepSync(batch(), target())).toBeCloseTo(losses[1], 5);
      } finally {
        m.dispose();
      }
    }
  }, 300_000);
});

describe("int32 indices the runtime checks before the call", () => {
  // index-faults.ts checkedBeforeTheCall: a kernel reading an input's or the target's indices, which
  // the runtime refuses out of range before the call, has no check of its own — no fault record to
  // clear and copy back per run, no flag summed across the replicas per step — and one reading a
  // computed index keeps its check
  const sites = (file: string) => Number(/\.index_site_count = (\d+),/.exec(generate(file, { target: "cuda" }).generated.cu)?.[1]);
  it("LeNet's loss target, a tagger's token ids and gathered targets: no index site; computed indices keep theirs", () => {
    expect(sites("examples/lenet/model.ts")).toBe(0);
    expect(sites("examples/gpt/model.ts")).toBe(0);
    const dir = writeFiles({ "tagger.ts": MODEL, "computed.ts": COMPUTED });
    expect(sites(join(dir, "tagger.ts"))).toBe(0);
    // each computed in forward: embedding, gather, index_select, scatter, one_hot, the loss's class, and
    // x[i, j]'s two indices (the row-major index_select they make reports nothing: a bad index is
    // reported by its own check first); in the step, the backward's index_add of index_select's; and
    // the loss's class twice: a -100 has a description of its own, naming PyTorch's default ignore_index
    expect(sites(join(dir, "computed.ts"))).toBe(10);
  });
  it("F.oneHot, x[i] and x[i, j] of a checked input have no site either: the one_hot's compare, each index's count from the end, and the take of their row-major position in forward and the step's index_add", () => {
    const dir = writeFiles({
      "read.ts": `${header}export class M extends nn.Module {
  emb = new nn.Embedding(10, 4);
  table = new nn.Parameter(F.randn(10, 4));
  grid = new nn.Parameter(F.randn(10, 10));
  forward(ids: Tensor<[Batch], "int32">) {
    return this.emb(ids).add(F.oneHot(ids, 10).narrow(1, 0, 4)).add(this.table.index(ids)).add(this.grid.index(ids, ids).unsqueeze(1));
  }
}
export const training = new Training(M, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });
`,
      "readOne.ts": `${header}export class M extends nn.Module {
  emb = new nn.Embedding(10, 4);
  table = new nn.Parameter(F.randn(10, 4));
  forward(ids: Tensor<[Batch], "int32">) {
    return this.emb(ids).add(F.oneHot(ids, 10).narrow(1, 0, 4)).add(this.table.index(ids));
  }
}
export const training = new Training(M, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });
`,
      // x[i] alone: the input's values may be negative (counted from the end), so the runtime holds them to nothing and the kernels check
      "negative.ts": `${header}export class M extends nn.Module {
  table = new nn.Parameter(F.randn(10, 4));
  forward(ids: Tensor<[Batch], "int32">) {
    return this.table.index(ids);
  }
}
`,
    });
    expect(sites(join(dir, "readOne.ts"))).toBe(0);
    expect(sites(join(dir, "read.ts"))).toBe(0);
    // x[i] of an input the runtime holds to no range (a negative index counts from the end): its
    // count from the end checks; the take and the step's index_add of the position it makes do not
    expect(sites(join(dir, "negative.ts"))).toBe(1);
  });
});

describe("labels a loss in forward reads", () => {
  it("a -100 label of a loss declared without ignoreIndex names PyTorch's default there too (it said 'an embedding's rows')", async () => {
    const source = `${header}export class Scored extends nn.Module {
  fc = new nn.Linear(4, 3);
  forward(x: Tensor<[Batch, 4]>, y: Tensor<[Batch], "int32">) {
    return F.crossEntropy(this.fc(x), y, { reduction: "none" }).unsqueeze(1);
  }
}
`;
    const { graph } = lowerSource(source);
    expect(indexRangeOf(graph, graph.inputs[1])).toEqual({ limit: 3, torchIgnores: -100 });
    const dir = writeFiles({ "model.ts": source });
    const { build } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(dir, "build") });
    const m = await load(build.outDir);
    try {
      const x = tensor(new Float32Array(8).fill(0.5), [2, 4]);
      expect(() => m.forwardSync(x, tensor(Int32Array.of(1, -100), [2]))).toThrow(/input 2 \(y: int32 \[Batch\]\): value -100 at position 1 is out of range: it indexes 3 entries \(0 to 2\), a loss.s classes; PyTorch's cross-entropy and NLL ignore -100 by default: pass ignoreIndex: -100 to the loss/);
      expect(() => m.forwardSync(x, tensor(Int32Array.of(1, 3), [2]))).not.toThrow(/ignore -100 by default/);
    } finally {
      m.dispose();
    }
  }, 300_000);
});

describe("int32 values the model computes with", () => {
  it("an input or target past ±2^24, which the kernels' float32 would round, is refused at the call", async () => {
    const source = `${header}export class Counter extends nn.Module {
  fc = new nn.Linear(2, 2);
  forward(x: Tensor<[Batch, 2]>, n: Tensor<[Batch, 2], "int32">) {
    return this.fc(x).add(n.remainder(7).float());
  }
}
export const training = new Training(Counter, {
  loss: (out: Tensor, t: Tensor<[Batch, 2], "int32">) => out.sub(t.remainder(3).float()).pow(2).mean(),
  optimizer: new optim.SGD({ lr: 0.1 }),
});
`;
    const dir = writeFiles({ "model.ts": source });
    const { build } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(dir, "build") });
    const m = await load(build.outDir);
    try {
      expect(m.manifest.training!.classes).toBeUndefined();
      const x = tensor(Float32Array.of(1, 2, 3, 4), [2, 2]);
      const ints = (v: number) => tensor(Int32Array.of(1, v, 3, 4), [2, 2]);
      expect(() => m.forwardSync(x, ints(2 ** 24 + 1))).toThrow(/input 2 \(n: int32 \[Batch, 2\]\): value 16777217 at position 1 is past ±2\^24/);
      expect(() => m.evaluateSync([x, ints(0)], ints(-(2 ** 24) - 3))).toThrow(/target \(int32 \[Batch, 2\]\): value -16777219 at position 1 is past ±2\^24/);
      expect(Number.isFinite(m.trainStepSync([x, ints(2 ** 24)], ints(2 ** 24), { lr: 0 }))).toBe(true);
    } finally {
      m.dispose();
    }
  }, 300_000);
});

describe("int32 indices the compiler knows", () => {
  const model = (body: string, input = "x: Tensor<[Batch, 4]>") =>
    `${header}export class M extends nn.Module {\n  forward(${input}) {\n    const i = (a: number[]) => F.tensor(a, { dtype: "int32" });\n    return ${body};\n  }\n}\n`;
  const first = (body: string) => diagnosticsOf(model(body)).map((d) => `${d.code} ${d.loc?.line}:${d.loc?.col}: ${d.message}`)[0];

  it("one outside its dim is refused at the line that uses it, as PyTorch raises (the kernels would read 0 or write nothing)", () => {
    const refused: [string, string][] = [
      ["x.indexSelect(1, i([0, 4]))", "indexSelect: index 4 is out of range for a dim of size 4 (PyTorch raises; the valid indices are 0 to 3)"],
      // expanded over the batch: the values are the literal's
      ["x.gather(1, i([-1, 0]).view(1, 2).expand(x.size(0), 2))", "gather: index -1 is out of range for a dim of size 4"],
      ["x.scatter(1, i([9]).view(1, 1).expand(x.size(0), 1), 2)", "scatter: index 9 is out of range for a dim of size 4"],
      ["x.indexCopy(1, i([-1]), x.index(':', '0:1'))", "indexCopy: index -1 is out of range for a dim of size 4"],
      ["x.indexAdd(1, i([3, 4]), x.index(':', '0:2'))", "indexAdd: index 4 is out of range for a dim of size 4"],
      // counted from the end where PyTorch counts so; past the start still refused, as written
      ["x.index(':', i([1, 9]))", "index: index 9 is out of range for a dim of size 4 (PyTorch raises; the valid indices are -4 to 3)"],
      ["x.index(':', i([-5]))", "index: index -5 is out of range for a dim of size 4 (PyTorch raises; the valid indices are -4 to 3)"],
      ["x.indexFill(1, i([-5]), 2)", "indexFill: index -5 is out of range for a dim of size 4"],
      // computed from constants: known too
      ["x.indexSelect(1, i([1, 2]).add(2))", "indexSelect: index 4 is out of range for a dim of size 4"],
      ["F.embedding(i([0, 4]), F.ones(4, 2)).sum().add(x)", "embedding: index 4 is out of range for a dim of size 4"],
      // a table computed in forward, larger than the constants folded for other uses
      ["x.indexSelect(1, F.arange(0, 2 ** 17).remainder(5).int()).sum(1, true)", "indexSelect: index 4 is out of range for a dim of size 4"],
      ["F.oneHot(i([0, 9]), 4).float().sum(0).add(x)", "F.oneHot: index 9 is out of range for a dim of size 4"],
      // PyTorch's loss would ignore −100 by default: said so
      ["F.crossEntropy(F.ones(1, 4), i([-100])).add(x)", "F.crossEntropy: index -100 is out of range for a dim of size 4 (PyTorch raises; the valid indices are 0 to 3); PyTorch's loss ignores -100 by default (its ignore_index): pass ignoreIndex: -100 to the loss"],
    ];
    for (const [body, message] of refused) expect(first(body), body).toMatch(new RegExp(`^TSDP3004 5:\\d+: .*${message.replace(/[()[\]]/g, "\\$&")}`));
    // in range, and negatives where PyTorch counts them from the end: compiled
    for (const body of ["x.indexSelect(1, i([0, 3]))", "x.index(':', i([-4, 3]))", "x.indexFill(1, i([-4]), 2)", "x.gather(1, i([3, 0]).view(1, 2).expand(x.size(0), 2))"])
      expect(() => lowerSource(model(body)), body).not.toThrow();
  });

  it("a fill over the batch (seq2seq's start tokens, F.empty([B, 1]).fill_(SOS)) is checked by its one value; it crashed the compiler", () => {
    // the check listed a fill's values by its size, NaN with the batch in it: "internal error: Invalid array length"
    const emb = (tokens: string) => `F.embedding(${tokens}, F.ones(5, 4)).squeeze(1).add(x)`;
    expect(first(emb('F.empty([x.size(0), 1], { dtype: "int32" }).fill_(7)'))).toMatch(/^TSDP3004 5:\d+: F\.embedding: index 7 is out of range for a dim of size 5/);
    expect(first(emb('F.full([x.size(0), 1], -1, { dtype: "int32" })'))).toMatch(/^TSDP3004 5:\d+: F\.embedding: index -1 is out of range for a dim of size 5/);
    expect(first(emb('F.full([1, 1], 6, { dtype: "int32" }).expand(x.size(0), 1)'))).toMatch(/index 6 is out of range for a dim of size 5/);
    for (const tokens of ['F.empty([x.size(0), 1], { dtype: "int32" }).fill_(0)', 'F.zeros([x.size(0), 1], { dtype: "int32" })', 'F.full([x.size(0), 1], 4, { dtype: "int32" })'])
      expect(() => lowerSource(model(emb(tokens))), tokens).not.toThrow();
    // a float fill over the batch as an index is not a list of known values either: refused as any float index
    // (written 1.0: F.full(s, 1) is an integer fill now, as torch.full's, and a valid index)
    expect(first("x.index(F.arange(x.size(0)), F.full([x.size(0)], 1.0))")).toMatch(/^TSDP3003 5:\d+: index: a tensor index must be an int32 tensor \(PyTorch's advanced indexing\), got float32 \[Batch\]/);
  });

  it("index_fill and x[idx] = v (index_put_) count a negative index from the end, as PyTorch", () => {
    const src = model(
      "[x.indexFill(1, i([-1]), 5), (() => { const g = F.zeros(3, 4); g[i([-1]) as any] = F.ones(1, 4).mul(7); const k = F.zeros(3, 4); k[i([-3]) as any] = 5 as any; return x.mul(0).add(g.sum(0)).add(k.sum(0)); })()]",
    );
    const { graph } = lowerSource(src);
    const [filled, put] = runReference(graph, { x: nd([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]) }, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
    expect(filled).toEqual([1, 2, 3, 5, 5, 6, 7, 5]);
    expect(put).toEqual(new Array(8).fill(12));
  });

  it("scatter's index from the caller is held to the written dim, as gather's; slices of one input indexing dims of different sizes are not held to the smallest", () => {
    const { graph } = lowerSource(model("x.scatterAdd(1, j, x.narrow(1, 0, 2))", 'x: Tensor<[Batch, 4]>, j: Tensor<[Batch, 2], "int32">'));
    expect(indexRangeOf(graph, graph.inputs[1])).toEqual({ limit: 4 });
    // ids[:, 0:2] into a dim of 3, ids[:, 2:4] into one of 8: a 5 is valid where it lands
    const two = lowerSource(model("F.cat([F.zeros(x.size(0), 3).scatter(1, ids.narrow(1, 0, 2), x.narrow(1, 0, 2)), F.zeros(x.size(0), 8).scatter(1, ids.narrow(1, 2, 2), x.narrow(1, 2, 2))], 1)", 'x: Tensor<[Batch, 4]>, ids: Tensor<[Batch, 4], "int32">'));
    expect(indexRangeOf(two.graph, two.graph.inputs[1])).toBeUndefined();
    // ids[:, 0] an index, ids[:, 1] a number: the second column may hold anything
    const mixed = lowerSource(model("F.embedding(ids.narrow(1, 0, 1), F.ones(3, 2)).sum(-1).add(ids.narrow(1, 1, 1).float()).add(x.narrow(1, 0, 1))", 'x: Tensor<[Batch, 4]>, ids: Tensor<[Batch, 2], "int32">'));
    expect(indexRangeOf(mixed.graph, mixed.graph.inputs[1])).toBeUndefined();
    // ids[:, :-1] and ids[:, 1:] into one table (a language model's inputs and next tokens): every value an index of 5
    const shifted = lowerSource(model("F.embedding(ids.narrow(1, 0, 3), F.ones(5, 2)).add(F.embedding(ids.narrow(1, 1, 3), F.ones(5, 2))).sum([1, 2]).unsqueeze(1).add(x)", 'x: Tensor<[Batch, 4]>, ids: Tensor<[Batch, 4], "int32">'));
    expect(indexRangeOf(shifted.graph, shifted.graph.inputs[1])).toEqual({ limit: 5 });
    // the same values indexing two tables: the smaller holds, as PyTorch raises there
    const both = lowerSource(model("F.embedding(ids, F.ones(3, 2)).sum(-1).add(F.embedding(ids, F.ones(8, 2)).sum(-1)).add(x)", 'x: Tensor<[Batch, 4]>, ids: Tensor<[Batch, 4], "int32">'));
    expect(indexRangeOf(both.graph, both.graph.inputs[1])).toEqual({ limit: 3 });
  });
});
