// nn.utils.rnn.packPaddedSequence / padPackedSequence (compiler/1-frontend/packed-sequence.ts):
// a recurrent layer given a packed batch steps each sample over its own length. Checked against
// the definition — each sample run alone, on its own length, by the same layer — through the
// float64 reference (exactly: the masked steps compute nothing into the kept states), and
// test/fixtures/port-idioms runs a packed LSTM on the CPU target.
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd, type NDArray } from "../compiler/reference/ndarray.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const x = nd([3, 5, 3], Array.from({ length: 45 }, (_, i) => Math.sin(i * 0.7)));
const lens = nd([3], [5, 2, 3]);

function run(src: string, inputs: Record<string, NDArray>): number[][] {
  const { graph } = lowerSource(src);
  return runReference(graph, inputs, initState(graph, 0), { training: false }).outputs.map((o) => Array.from(o.data));
}
const packedModel = (fields: string, body: string) => `${header}export class M extends nn.Module {\n  ${fields}\n  forward(x: Tensor<[Batch, 5, 3]>, lens: Tensor<[Batch], "int32">) {\n    ${body}\n  }\n}\n`;
/** The layer on sample s alone, over its own length: [output, final states] flattened. */
function alone(fields: string, body: string, s: number): number[][] {
  const L = lens.data[s];
  const src = `${header}export class M extends nn.Module {\n  ${fields}\n  forward(x: Tensor<[Batch, ${L}, 3]>) {\n    ${body}\n  }\n}\n`;
  return run(src, { x: nd([1, L, 3], Array.from(x.data.slice(s * 15, s * 15 + L * 3))) });
}

describe("packed sequences: each sample over its own length", () => {
  it("a 2-layer bidirectional GRU: outputs within each length, zeros past it, h_n after each sample's last step (both directions)", () => {
    const fields = "rnn = new nn.GRU(3, 4, { batchFirst: true, bidirectional: true, numLayers: 2 });";
    const [out, h] = run(
      packedModel(fields, "const p = nn.utils.rnn.packPaddedSequence(x, lens, { batchFirst: true, enforceSorted: false });\n    const [o, hn] = this.rnn(p);\n    const [padded] = nn.utils.rnn.padPackedSequence(o, { batchFirst: true });\n    return [padded.flatten(1), hn.transpose(0, 1).flatten(1)];"),
      { x, lens },
    );
    for (let s = 0; s < 3; s++) {
      const L = lens.data[s];
      const [o1, h1] = alone(fields, "const [o, hn] = this.rnn(x);\n    return [o.flatten(1), hn.transpose(0, 1).flatten(1)];", s);
      expect(out.slice(s * 40, s * 40 + L * 8)).toEqual(o1);
      expect(out.slice(s * 40 + L * 8, s * 40 + 40).every((v) => v === 0)).toBe(true);
      expect(h.slice(s * 16, s * 16 + 16)).toEqual(h1);
    }
  });

  it("an LSTM in PyTorch's [L, N, ·] layout with given h0 and c0: h_n and c_n after each sample's last step", () => {
    const fields = "rnn = new nn.LSTM(3, 2);";
    const body = (packed: boolean) =>
      `const h0 = F.ones(1, x.size(0), 2).mul(0.5); const c0 = F.ones(1, x.size(0), 2).mul(-0.25);\n    ` +
      (packed
        ? "const p = nn.utils.rnn.packPaddedSequence(x.transpose(0, 1), lens);\n    const [o, [hn, cn]] = this.rnn(p, [h0, c0]);\n    const [padded, l] = nn.utils.rnn.padPackedSequence(o, { paddingValue: -9 });\n    return [padded.transpose(0, 1).flatten(1), hn.transpose(0, 1).flatten(1), cn.transpose(0, 1).flatten(1), l.float().unsqueeze(1)];"
        : "const [o, [hn, cn]] = this.rnn(x.transpose(0, 1), [h0, c0]);\n    return [o.transpose(0, 1).flatten(1), hn.transpose(0, 1).flatten(1), cn.transpose(0, 1).flatten(1)];");
    const [out, h, c, l] = run(packedModel(fields, body(true)), { x, lens });
    expect(l).toEqual([5, 2, 3]);
    for (let s = 0; s < 3; s++) {
      const L = lens.data[s];
      const [o1, h1, c1] = alone(fields, body(false), s);
      expect(out.slice(s * 10, s * 10 + L * 2)).toEqual(o1);
      // paddingValue fills the steps past the length
      expect(out.slice(s * 10 + L * 2, s * 10 + 10).every((v) => v === -9)).toBe(true);
      expect(h.slice(s * 2, s * 2 + 2)).toEqual(h1);
      expect(c.slice(s * 2, s * 2 + 2)).toEqual(c1);
    }
  });

  it("lengths.cpu() (PyTorch requires CPU lengths since 1.7), .to('cpu') and .cpu().long() as the lengths argument: the same as the lengths themselves", () => {
    const fields = "rnn = new nn.GRU(3, 4, { batchFirst: true });";
    const body = (lengths: string) => `const p = nn.utils.rnn.pack_padded_sequence(x, ${lengths});\n    const [o, hn] = this.rnn(p);\n    return [nn.utils.rnn.pad_packed_sequence(o, { batchFirst: true })[0].flatten(1), hn[0]];`;
    const want = run(packedModel(fields, body("lens, { batchFirst: true, enforceSorted: false }")), { x, lens });
    for (const form of ["lens.cpu(), { batchFirst: true, enforceSorted: false }", "lens.cpu().long(), true, false", "{ lengths: lens.to('cpu'), batchFirst: true, enforceSorted: false }"])
      expect(run(packedModel(fields, body(form)), { x, lens }), form).toEqual(want);
    // elsewhere in forward .cpu() is still refused (the values never become host numbers)
    expect(diagnosticsOf(packedModel(fields, "const l = lens.cpu();\n    return x;")).map((d) => d.code)).toEqual(["TSDP3004"]);
  });

  it("padPackedSequence of a packed input: the padding replaced; totalLength widens or cuts the steps", () => {
    const [wide, cut] = run(
      packedModel("", "const p = nn.utils.rnn.packPaddedSequence(x, lens, { batchFirst: true });\n    return [nn.utils.rnn.padPackedSequence(p, { batchFirst: true, totalLength: 6 })[0].flatten(1), nn.utils.rnn.padPackedSequence(p, { batchFirst: true, totalLength: 4, paddingValue: 7 })[0].flatten(1)];"),
      { x, lens },
    );
    for (let s = 0; s < 3; s++)
      for (let t = 0; t < 6; t++)
        for (let f = 0; f < 3; f++) {
          const v = t < lens.data[s] ? x.data[s * 15 + t * 3 + f] : 0;
          expect(wide[s * 18 + t * 3 + f]).toBe(v);
          if (t < 4) expect(cut[s * 12 + t * 3 + f]).toBe(t < lens.data[s] ? v : 7);
        }
  });

  it("gradients flow through the masked steps as through the layer run per sample", () => {
    const { checked } = gradCheck(`
export class M extends nn.Module {
  rnn = new nn.LSTM(2, 3, { batchFirst: true, bidirectional: true });
  forward(x: Tensor<[Batch, 4, 2]>) {
    // each sample's length 2 or 4, from the sign of its first element
    const lengths = x.select(2, 0).select(1, 0).gt(0).int().mul(2).add(2);
    const [o, [hn]] = this.rnn(nn.utils.rnn.packPaddedSequence(x, lengths, { batchFirst: true }));
    return nn.utils.rnn.padPackedSequence(o, { batchFirst: true })[0].flatten(1).add(hn.transpose(0, 1).flatten(1).sum(1, true));
  }
}`);
    expect(checked).toBeGreaterThan(0);
  });

  it("refused with where and why: lengths of another shape, a PackedSequence's data", () => {
    const first = (body: string) => diagnosticsOf(packedModel("rnn = new nn.GRU(3, 4, { batchFirst: true });", body)).map((d) => `${d.code} ${d.message}`)[0];
    expect(first("return nn.utils.rnn.packPaddedSequence(x, F.tensor([5, 2], { dtype: 'int32' }), { batchFirst: true });")).toMatch(/^TSDP4001 nn\.utils\.rnn\.packPaddedSequence: lengths must be \[Batch\], one per sample of the input \[Batch, 5, 3\]/);
    expect(first("const p = nn.utils.rnn.packPaddedSequence(x, lens, { batchFirst: true }); return p.data;")).toMatch(/PackedSequence's data holds the valid steps of every sample/);
    // the list forms (a collate function's): what to pass instead
    for (const call of ["nn.utils.rnn.pad_sequence([x[0], x[1]], true)", "nn.utils.rnn.packSequence([x.select(1, 0)])"])
      expect(first(`return ${call};`), call).toMatch(/^TSDP2011 nn\.utils\.rnn\.(pad_sequence|packSequence) is not supported: a list of sequences of their own lengths is the data pipeline's .* nn\.utils\.rnn\.packPaddedSequence\(x, lengths, \{ batchFirst: true, enforceSorted: false \}\)/);
    // ESIM's sort_by_seq_lens before packing: the message says that unsorted lengths do it
    expect(first("const [sorted, order] = lens.sort(0, true); return x.indexSelect(0, order);")).toMatch(/^TSDP\d+ sort: cannot sort along the batch dim of \[Batch\]; to sort the samples by length .* enforceSorted: false/);
  });
});
