// torch.cumsum (x.cumsum(dim), F.cumsum; compiler/ops/scan.ts): the frontend's refusals, RoBERTa's
// position ids (with x.long(), ops/elementwise.ts to_int) on the CPU target, and a model
// whose loss goes through running sums along a middle dim and the last, compiled for the CPU target:
// forward within rtol 1e-4, atol 1e-5 (expectClose) and one step's gradients within rtol 1e-3,
// atol 1e-4·max|g| of the float64 reference (the backward is cumsum from the dim's end).
// Shape rules and reference values: test/ops-shapes.test.ts, test/reference-ops.test.ts.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { normals } from "../compiler/reference/rng.ts";
import { load, tensor } from "../runtime/index.ts";
import { expectClose, makeInputs, referenceState } from "./target-helpers.ts";
import { diagnosticsOf, header, lowerSource, writeFiles } from "./helpers.ts";

const SCAN = `${header}export class Scan extends nn.Module {
  fc = new nn.Linear(4, 4);
  forward(x: Tensor<[Batch, 6, 4]>) {
    const h = this.fc(x);
    return h.cumsum(1).add(F.cumsum(h.mul(h), -1)).flatten(1);
  }
}
export const training = new Training(Scan, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });
`;

// Hugging Face RoBERTa's create_position_ids_from_input_ids (padding_idx 1): mask = ids.ne(1);
// (cumsum(mask, 1) * mask).long() + padding_idx, here with the padding index added before .long()
// (int32 arithmetic after it works too: test/int-arithmetic.test.ts), then the position embedding
const ROBERTA = `${header}export class Positions extends nn.Module {
  wpe = new nn.Embedding(12, 3, { paddingIdx: 1 });
  forward(ids: Tensor<[Batch, 6], "int32">) {
    const mask = ids.ne(1);
    const positions = mask.cumsum(1).mul(mask).add(1).long();
    return [positions, this.wpe(positions).flatten(1)];
  }
}
`;

describe("cumsum", () => {
  it("is refused along the batch dim, where it is written; of int32 tensors it is int32 (int-arithmetic.ts)", () => {
    const model = (body: string, input = "x: Tensor<[Batch, 6]>") => `${header}export class M extends nn.Module {\n  forward(${input}) {\n    ${body}\n  }\n}\n`;
    const first = (src: string) => diagnosticsOf(src).map((d) => `${d.code} ${d.loc?.line}: ${d.message}`)[0];
    expect(first(model("return x.cumsum(0);"))).toMatch(/^TSDP\d+ 4: cumsum: dim 0 of \[Batch, 6\] is the batch/);
    expect(first(model("return F.cumsum(x, 2);"))).toMatch(/^TSDP\d+ 4: F\.cumsum: dim 2 is out of range for \[Batch, 6\]/);
    expect(lowerSource(model("return ids.cumsum(1);", 'ids: Tensor<[Batch, 6], "int32">')).graph.outputs[0].dtype).toBe("i32");
  });

  it("numbers RoBERTa's positions from its input ids (padding keeps index 1) and feeds them to an embedding, on the CPU target", async () => {
    const dir = writeFiles({ "model.ts": ROBERTA });
    const { model, build } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(dir, "build") });
    expect(model.graph.outputs[0].dtype).toBe("i32");
    const m = await load(build.outDir);
    try {
      // two sequences padded with 1 (RoBERTa's <pad>): positions count from 2, padding stays 1
      const ids = Int32Array.from([0, 31, 7, 2, 1, 1, 0, 5, 5, 5, 5, 2]);
      const [positions, embedded] = m.forwardAllSync(tensor(ids, [2, 6]));
      expect(Array.from(positions.data)).toEqual([2, 3, 4, 5, 1, 1, 2, 3, 4, 5, 6, 7]);
      const want = runReference(model.graph, { ids: nd([2, 6], Array.from(ids)) }, referenceState(model.graph, 0)).outputs;
      expect(Array.from(want[0].data)).toEqual(Array.from(positions.data));
      expectClose(embedded.data, want[1].data, "position embeddings");
    } finally {
      m.dispose();
    }
  }, 300_000);

  it("runs forward and backward on the CPU target as the reference does", async () => {
    const dir = writeFiles({ "model.ts": SCAN });
    const { model, build } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(dir, "build") });
    const graph = model.graph;
    const m = await load(build.outDir);
    try {
      const batch = 5;
      const { tensors, reference } = makeInputs(graph, batch, 13);
      m.train(false);
      expectClose(m.forwardAllSync(...tensors)[0].data, runReference(graph, reference, referenceState(graph, 0)).outputs[0].data, "forward");
      m.train(true);
      const target = Float32Array.from(normals(batch * 24, 13, 4));
      m.trainStepSync(tensors[0], tensor(target, [batch, 24]), { lr: 0 });
      const { graph: step, gradients } = differentiate(graph);
      const want = runReference(step, { ...reference, target: nd([batch, 24], target) }, initState(graph, 0), { training: true });
      for (const [name, node] of gradients) {
        const got = m.getParameter(`${name}.grad`).data as Float32Array, w = want.values.get(node)!.data;
        const scale = Math.max(...Array.from(w, Math.abs));
        for (let i = 0; i < w.length; i++)
          if (!(Math.abs(got[i] - w[i]) <= 1e-4 * scale + 1e-3 * Math.abs(w[i]))) expect.fail(`∂L/∂${name}[${i}]: ${got[i]}, expected ${w[i]}`);
      }
    } finally {
      m.dispose();
    }
  }, 300_000);

  it("sums a long line as PyTorch's CPU kernel does, in double with each output rounded to float (accum54: a float running sum drifted by 2 % over 2^22 of offset data); a product leaves float's range and comes back", async () => {
    const N = 1 << 16;
    const dir = writeFiles({
      "model.ts": `${header}export class Long extends nn.Module {
  forward(x: Tensor<[Batch, ${N}]>, p: Tensor<[Batch, 3]>) {
    return [x.cumsum(1), p.cumprod(1)];
  }
}
`,
    });
    const { build } = await compile(join(dir, "model.ts"), { target: "cpu", outDir: join(dir, "build") });
    const m = await load(build.outDir);
    try {
      // 1000 + small noise: a float running sum loses ~N·ulp(sum); the double one, only each output's rounding
      const x = Float32Array.from(normals(N, 5, 1), (v) => 1000 + 0.01 * v);
      const [sums, products] = m.forwardAllSync(tensor(x, [1, N]), tensor(Float32Array.from([1e30, 1e30, 1e-30]), [1, 3]));
      let exact = 0;
      let worst = 0;
      for (let i = 0; i < N; i++) {
        exact += x[i];
        worst = Math.max(worst, Math.abs((sums.data as Float32Array)[i] - exact) / exact);
      }
      // tolerance: one float rounding of each output (2^-24 ≈ 6e-8) with room; the float sum is at ~1e-3
      expect(worst).toBeLessThan(1.2e-7);
      // a double running product (PyTorch's CPU acc_type): past float's range at the second, back at the third
      const f = Math.fround;
      expect(Array.from(products.data as Float32Array)).toEqual([f(1e30), Infinity, f(f(1e30) * f(1e30) * f(1e-30))]);
    } finally {
      m.dispose();
    }
  }, 300_000);
});
