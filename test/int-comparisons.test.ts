// Comparisons of int32 tensors (x.lt/le/gt/ge/eq/ne): the masks PyTorch code builds from token ids
// and lengths — `ids != pad`, `arange(L)[None, :] < lengths[:, None]` — with int32 on either side
// and the mask float32 (compiler/ops/select.ts). Values: the reference against masks worked out by
// hand, then the CPU target against the reference (masks exactly; the pooled embedding within
// rtol 1e-4, atol 1e-5, expectClose).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { formatShape } from "../compiler/ir/shape.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { load, tensor } from "../runtime/index.ts";
import { expectClose, referenceState } from "./target-helpers.ts";
import { header, lowerSource, writeFiles } from "./helpers.ts";

const MASKS = `${header}export class Masks extends nn.Module {
  emb = new nn.Embedding(20, 3);
  forward(ids: Tensor<[Batch, 6], "int32">, lengths: Tensor<[Batch], "int32">) {
    const valid = F.arange(6, { dtype: "int32" }).unsqueeze(0).lt(lengths.unsqueeze(1));
    const pooled = this.emb(ids).maskedFill(ids.eq(0).unsqueeze(-1), 0).sum(1);
    return [valid, ids.ne(0), ids.ge(lengths.unsqueeze(1)), ids.le(2.5), pooled];
  }
}
`;
// two sequences: 3 tokens then padding, and 6 tokens
const ids = [3, 0, 5, 0, 0, 0, 1, 2, 3, 4, 5, 6];
const lengths = [3, 6];
const masks = [
  [1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1], // position < length
  [1, 0, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1], // id ≠ 0
  [1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1], // id ≥ length
  [0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0], // id ≤ 2.5 (an int32 against a float)
];

describe("comparisons of int32 tensors", () => {
  it("give float32 masks of the broadcast shape, with PyTorch's values", () => {
    const { graph } = lowerSource(MASKS);
    expect(graph.outputs.map((o) => `${o.dtype}${formatShape(o.shape)}`)).toEqual(["f32[Batch, 6]", "f32[Batch, 6]", "f32[Batch, 6]", "f32[Batch, 6]", "f32[Batch, 3]"]);
    const out = runReference(graph, { ids: nd([2, 6], ids), lengths: nd([2], lengths) }, referenceState(graph, 0)).outputs;
    expect(out.slice(0, 4).map((o) => Array.from(o.data))).toEqual(masks);
    // the padding rows add nothing: row 0's sum is the embeddings of ids 3 and 5
    const weight = referenceState(graph, 0).params.get("emb.weight")!.data;
    expect(Array.from(out[4].data.slice(0, 3))).toEqual([0, 1, 2].map((j) => weight[3 * 3 + j] + weight[5 * 3 + j]));
  });

  it("build a causal mask in a constructor from two aranges (arange(T)[:, None] >= arange(T)[None, :]), computed at compile time", () => {
    const { graph } = lowerSource(`${header}export class Causal extends nn.Module {
  constructor() {
    super();
    this.registerBuffer("mask", F.arange(4, { dtype: "int32" }).unsqueeze(1).ge(F.arange(4, { dtype: "int32" }).unsqueeze(0)));
  }
  forward(x: Tensor<[Batch, 4, 4]>) {
    return x.maskedFill(this.mask.eq(0), -1e9);
  }
}
`);
    expect(Array.from(referenceState(graph, 0).buffers.get("mask")!.data)).toEqual([1, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1]);
  });

  it("compute the same masks on the CPU target, reading int32 operands in a float kernel", async () => {
    const dir = writeFiles({ "model.ts": MASKS });
    const { model, build } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(dir, "build") });
    const m = await load(build.outDir);
    try {
      const got = m.forwardAllSync(tensor(Int32Array.from(ids), [2, 6]), tensor(Int32Array.from(lengths), [2]));
      expect(got.slice(0, 4).map((o) => Array.from(o.data))).toEqual(masks);
      const want = runReference(model.graph, { ids: nd([2, 6], ids), lengths: nd([2], lengths) }, referenceState(model.graph, 0)).outputs;
      expectClose(got[4].data, want[4].data, "pooled embeddings");
    } finally {
      m.dispose();
    }
  }, 300_000);
});
