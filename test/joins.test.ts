// torch.cat / stack / split / chunk / narrow in the frontend: the pieces and shapes PyTorch's
// documentation gives (pytorch.org/docs: torch.chunk's examples `torch.arange(13).chunk(6)` is five
// pieces of 3, 3, 3, 3, 1; torch.split with a size leaves the remainder last; with a list the sizes
// must add up), and the diagnostics of misuse. Values are checked in reference-ops.test.ts and on
// the CPU target in language-ops.test.ts.
import { describe, expect, it } from "vitest";
import { formatShape } from "../compiler/ir/shape.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const model = (forward: string, input = "x: Tensor<[Batch, 13]>") => `${header}export class M extends nn.Module {\n  forward(${input}) {\n    ${forward}\n  }\n}\n`;
const shapes = (forward: string, input?: string) => lowerSource(model(forward, input)).graph.outputs.map((o) => formatShape(o.shape));

describe("joins and slices in the frontend", () => {
  it("cat, stack and narrow of int32 tensors (token ids) stay int32 copies; with float32, float32", async () => {
    const { runReference } = await import("../compiler/reference/interpret.ts");
    const { nd } = await import("../compiler/reference/ndarray.ts");
    const ids = 'ids: Tensor<[Batch, 4], "int32">';
    const { graph } = lowerSource(model("return [F.cat([ids.narrow(1, 2, 2), ids.narrow(1, 0, 2)], 1), F.stack([ids, ids], 1)];", ids));
    expect(graph.outputs.map((o) => `${o.dtype}${formatShape(o.shape)}`)).toEqual(["i32[Batch, 4]", "i32[Batch, 2, 4]"]);
    const out = runReference(graph, { ids: nd([1, 4], [5, 6, 7, 8]) }, { params: new Map(), buffers: new Map() }).outputs.map((o) => Array.from(o.data));
    expect(out).toEqual([[7, 8, 5, 6], [5, 6, 7, 8, 5, 6, 7, 8]]);
    // float32 with int32 is float32, as torch.cat promotes
    const mixed = lowerSource(model("return F.cat([ids.float().mul(0.5), ids], 1);", ids)).graph;
    expect(mixed.outputs[0].dtype).toBe("f32");
    expect(Array.from(runReference(mixed, { ids: nd([1, 4], [5, 6, 7, 8]) }, { params: new Map(), buffers: new Map() }).outputs[0].data)).toEqual([2.5, 3, 3.5, 4, 5, 6, 7, 8]);
    // an int32 matmul is refused, as PyTorch's CUDA refuses it ("addmm_cuda" not implemented for 'Long'); of .float() copies, float32
    expect(diagnosticsOf(model("return ids.view(-1, 4, 1).matmul(ids.view(-1, 1, 4)).flatten(1);", ids))[0].message).toMatch(/^matmul of an int32 tensor/);
    expect(lowerSource(model("return ids.float().view(-1, 4, 1).matmul(ids.float().view(-1, 1, 4)).flatten(1);", ids)).graph.outputs[0].dtype).toBe("f32");
  });
  it("chunk gives ⌈size/chunks⌉ pieces, the last smaller, maybe fewer than asked (PyTorch's examples)", () => {
    expect(shapes("return x.chunk(6, 1);")).toEqual(["[Batch, 3]", "[Batch, 3]", "[Batch, 3]", "[Batch, 3]", "[Batch, 1]"]);
    expect(shapes("return F.chunk(x.narrow(1, 0, 11), 6, -1);")).toEqual([...new Array(5).fill("[Batch, 2]"), "[Batch, 1]"]);
  });
  it("split by a size leaves the remainder last; by a list, the listed sizes", () => {
    expect(shapes("return x.split(5, 1);")).toEqual(["[Batch, 5]", "[Batch, 5]", "[Batch, 3]"]);
    expect(shapes("return F.split(x, [2, 11], 1);")).toEqual(["[Batch, 2]", "[Batch, 11]"]);
  });
  it("select removes the dim (x[:, i], negative from the end); unbind gives every slice", () => {
    expect(shapes("return [x.view(-1, 13, 1).select(1, -1), x.view(-1, 1, 13).select(1, 0)];")).toEqual(["[Batch, 1]", "[Batch, 13]"]);
    expect(shapes("return x.narrow(1, 0, 12).view(-1, 3, 4).unbind(1);")).toEqual(["[Batch, 4]", "[Batch, 4]", "[Batch, 4]"]);
    const d = diagnosticsOf(model("return x.select(1, 13);"))[0];
    expect(`${d.code} ${d.message}`).toMatch(/^TSDP3004 select: index 13 is out of range for dim 1 of size 13/);
  });
  it("x[i] is x.select(0, i) (PyTorch's x[i]), along a dim before the batch; the batch itself, a string or a fraction are refused", async () => {
    const { runReference } = await import("../compiler/reference/interpret.ts");
    const { nd } = await import("../compiler/reference/ndarray.ts");
    // [Batch, 13] as [13, Batch]: t[0] is column 0 of x, t[-1] column 12
    const { graph } = lowerSource(model("const t = x.transpose(0, 1);\n    return [t[0].view(-1, 1), t[-1].view(-1, 1), t[t.size(0) - 2].view(-1, 1)];"));
    const x = nd([2, 13], Float64Array.from({ length: 26 }, (_, i) => i));
    const out = runReference(graph, { x }, { params: new Map(), buffers: new Map() }).outputs.map((o) => Array.from(o.data));
    expect(out).toEqual([[0, 13], [12, 25], [11, 24]]);
    const first = (forward: string) => diagnosticsOf(model(forward)).map((d) => `${d.code} ${d.message}`)[0];
    expect(first("return x[0].view(1, 13);")).toMatch(/^TSDP4001 x\[0\]: dim 0 of \[Batch, 13\] is the batch/);
    expect(first("return x.transpose(0, 1)[13].view(-1, 1);")).toMatch(/^TSDP3004 x\[13\]: index 13 is out of range for dim 0 of size 13/);
    expect(first('return x.transpose(0, 1)["a"];')).toMatch(/^TSDP2001 a tensor is indexed by one integer \(x\[i\] is x\.select\(0, i\)\) or an int32 tensor \(its rows\), got the string "a"/);
    expect(first("return x.transpose(0, 1)[0.5].view(-1, 1);")).toMatch(/^TSDP\d+ x\[0\.5\]: index must be an integer/);
  });
  it("cat adds the sizes along dim; stack adds a dim", () => {
    expect(shapes("return F.cat([x, x.narrow(1, 0, 3)], -1);")).toEqual(["[Batch, 16]"]);
    expect(shapes("return [F.stack([x, x], 1), F.stack([x, x, x], 2)];")).toEqual(["[Batch, 2, 13]", "[Batch, 13, 3]"]);
  });
  it("reports misuse where it is written", () => {
    const first = (forward: string) => {
      const d = diagnosticsOf(model(forward))[0];
      return `${d.code} ${d.loc?.line}: ${d.message}`;
    };
    expect(first("return x.split([2, 3], 1);")).toMatch(/^TSDP3004 4: split: split sizes \[2, 3\] add up to 5, but dim 1 has size 13/);
    expect(first("return x.chunk(2, 0);")).toMatch(/^TSDP4001 4: chunk: dim 0 of \[Batch, \d+\] is the batch, which is split across devices: 2 chunks of it have sizes that depend on the batch size/);
    // joined along the batch (2 × each device's share), but not a forward's output: that is per sample
    expect(first("return F.cat([x, x], 0);")).toMatch(/^TSDP4005 4: forward must return tensors whose first dim is Batch, got a tensor of shape \[2\*Batch, 13\] \(its dim 0 is the batch times 2, folded .*return it unfolded, \[Batch, 2, …\].*x\.view\(2, -1, …\)\.transpose\(0, 1\) where 2 parts of \[Batch, …\] were joined along the batch/);
    // Mixtral's router logits of hidden_states.view(-1, hidden), stacked over layers: the folded batch in dim 1
    expect(first("return F.stack([x.view(-1, 1), x.view(-1, 1)]);")).toMatch(/got a tensor of shape \[2, 13\*Batch, 1\] \(its dim 1 is the batch times 13/);
    expect(first("return F.stack([x, x.narrow(1, 0, 3)], 1);")).toMatch(/^TSDP4001 4: F.stack: stack expects each tensor to be equal size/);
    expect(first("return F.cat([x, 2], 1);")).toMatch(/^TSDP3003 4: F.cat: tensors must be a non-empty array of tensors/);
    expect(first("return x.narrow(1, 10, 4);")).toMatch(/^TSDP3004 4: narrow: \[10, 14\) is not inside dim 1 of size 13/);
  });
});

describe("joins and slices along the batch in whole multiples of it (the Set Transformer's heads: torch.cat(Q.split(d, 2), 0), split back by Q.size(0))", () => {
  // they were refused (TSDP4001 "cannot join or slice along dim 0 … it is the batch"); each replica joins its own share, as DataParallel's do
  it("cat stacks the parts' batches one after another; split, a list of sizes and chunk take them apart again", () => {
    const src = model(
      "const h = F.cat(x.split(2, 2), 0);\n    const B = x.size(0);\n    const [a, b] = h.split(B, 0);\n    const [c, d] = h.chunk(2, 0);\n    const [e, f] = F.split(h, [B, B], 0);\n    return [h.reshape(B, -1), F.cat([a, b], 2).flatten(1), F.cat([d, c], 0).reshape(B, -1), e.sub(c).add(f).sub(d).flatten(1)];",
      "x: Tensor<[Batch, 2, 4]>",
    );
    const { graph } = lowerSource(src);
    expect(graph.outputs.map((o) => formatShape(o.shape))).toEqual(["[Batch, 8]", "[Batch, 8]", "[Batch, 8]", "[Batch, 4]"]);
    const xs = Array.from({ length: 16 }, (_, i) => i);
    const [h, back, swapped, zero] = runReference(graph, { x: nd([2, 2, 4], xs) }, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
    // PyTorch: rows 0–1 are x[..., :2] of samples 0 and 1, rows 2–3 x[..., 2:] of them
    const left = [0, 1, 4, 5, 8, 9, 12, 13];
    const right = [2, 3, 6, 7, 10, 11, 14, 15];
    expect(h).toEqual([...left, ...right]);
    expect(back).toEqual(xs);
    expect(swapped).toEqual([...right, ...left]);
    expect(zero).toEqual(new Array(8).fill(0));
    // B = 2: e (= c) is rows 0–1 of h, f (= d) rows 2–3
  });
  it("refuses pieces whose sizes would depend on the batch size", () => {
    const first = (forward: string) => diagnosticsOf(model(forward)).map((d) => `${d.code} ${d.loc?.line}: ${d.message}`)[0];
    expect(first("return x.split(2, 0);")).toMatch(/^TSDP4001 4: split: dim 0 of \[Batch, 13\] is the batch, which is split across devices: split it into pieces of x.size\(0\) or a multiple of it, got the number 2/);
    expect(first("return F.cat([x, x], 0).chunk(3, 0);")).toMatch(/^TSDP4001 4: chunk: dim 0 of \[2\*Batch, 13\] is the batch, which is split across devices: 3 chunks of it/);
    expect(first("return F.cat([x, x.narrow(0, 0, 1)], 0);")).toMatch(/^TSDP4001 4: /);
  });
  it("slice by multiples of the batch size takes whole shares (FixMatch's logits[:batch_size], logits[batch_size:].chunk(2)); a string holding it says which call does", () => {
    // before: "slice: end cannot depend on the batch size" (TSDP2003)
    const src = model(
      "const b = x.shape[0];\n    const h = F.cat([x, x.mul(10), x.mul(100)]);\n    const [u, v] = h.slice(0, b).chunk(2);\n    return [h.slice(0, 0, b), u, v, h.slice(0, b, 2 * b).sub(u), h.slice(0, 2 * b, null), h.slice(0, 0, 5 * b).reshape(b, -1)];",
      "x: Tensor<[Batch, 2]>",
    );
    const { graph } = lowerSource(src);
    expect(graph.outputs.map((o) => formatShape(o.shape))).toEqual(["[Batch, 2]", "[Batch, 2]", "[Batch, 2]", "[Batch, 2]", "[Batch, 2]", "[Batch, 6]"]);
    const xs = [1, 2, 3, 4];
    const [labeled, weak, strong, zero, last, whole] = runReference(graph, { x: nd([2, 2], xs) }, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
    expect([labeled, weak, strong, zero, last]).toEqual([xs, xs.map((v) => v * 10), xs.map((v) => v * 100), [0, 0, 0, 0], xs.map((v) => v * 100)]);
    // an end past the rows is clamped, as Python's slices: all of h
    expect(whole).toEqual([1, 2, 3, 4, 10, 20, 30, 40, 100, 200, 300, 400]);
    const first = (forward: string) => diagnosticsOf(model(forward)).map((d) => `${d.code} ${d.loc?.line}: ${d.message}`)[0];
    expect(first("const b = x.size(0);\n    return F.cat([x, x]).slice(0, 1, b);")).toMatch(/^TSDP4001 5: slice: dim 0 of \[2\*Batch, 13\] holds the batch, .*its start must be a multiple of x.size\(0\) \(or 0\), got the number 1/);
    expect(first("const b = x.size(0);\n    return x.slice(1, 0, b);")).toMatch(/^TSDP2003 5: slice: dim 1 of \[Batch, 13\] has a fixed size, so its bounds cannot depend on the batch size/);
    expect(first("const b = x.size(0);\n    return F.cat([x, x]).index(`:${b}`);")).toMatch(/^TSDP2003 5: cannot put the batch size in a string: .*logits\[:b\] is logits.slice\(0, 0, b\)/);
  });
});

describe("an empty tensor as a join's start (a greedy decoder's F.zeros([B, 0]))", () => {
  it("F.cat drops it: the tokens gathered step by step are the steps side by side; its shape reads, conversions keep it empty", () => {
    const src = model(
      "let tokens = F.zeros([x.size(0), 0], { dtype: F.long });\n    let scores = F.empty(x.size(0), 0).float();\n    for (let i = 0; i < 3; i++) { const step = x.narrow(1, i, 1); tokens = F.cat([tokens, step.gt(0).long()], 1); scores = F.cat([scores, step], 1); }\n    return [tokens.float(), scores, x.narrow(1, 0, 1).mul(0).add(F.zeros([2, 0]).shape[1] + F.zeros(0).numel())];",
    );
    const { graph } = lowerSource(src);
    const xs = Array.from({ length: 26 }, (_, i) => Math.sin(i));
    const [tokens, scores, zero] = runReference(graph, { x: nd([2, 13], xs) }, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
    const first3 = [0, 1].flatMap((b) => xs.slice(b * 13, b * 13 + 3));
    expect(scores).toEqual(first3);
    expect(tokens).toEqual(first3.map((v) => (v > 0 ? 1 : 0)));
    expect(zero).toEqual([0, 0]);
  });
  it("refuses computing on one, joining only empty ones, and one whose other sizes differ", () => {
    const first = (forward: string) => diagnosticsOf(model(forward)).map((d) => `${d.code} ${d.loc?.line}: ${d.message}`)[0];
    expect(first("return F.zeros([x.size(0), 0]).add(1);")).toMatch(/^TSDP2001 4: an empty tensor \[Batch, 0\] has no elements to compute 'add' on/);
    expect(first("return F.cat([F.zeros([2, 0]), F.zeros([2, 0])], 1);")).toMatch(/^TSDP3004 4: F.cat: every tensor joined is empty/);
    expect(first("return F.cat([F.zeros([x.size(0), 3, 0]), x], 1);")).toMatch(/^TSDP4001 4: F.cat: an empty tensor \[Batch, 3, 0\] does not match \[Batch, 13\] but along dim 1/);
    expect(first("return x.add(F.zeros([2, 0]).size(2));")).toMatch(/^TSDP3004 4: size: dim 2 is out of range for an empty tensor \[2, 0\]/);
    // the device idiom's parameter of no elements (time_sequence_prediction's dummy_param): what to write instead
    const dummy = diagnosticsOf(`${header}export class M extends nn.Module {\n  dummy_param = new nn.Parameter(F.empty(0));\n  forward(x: Tensor<[Batch, 13]>) {\n    return x;\n  }\n}\n`);
    expect(dummy.map((d) => `${d.code} ${d.loc?.line}: ${d.message}`)[0]).toMatch(/^TSDP2001 3: nn.Parameter of an empty tensor \[0\] holds no elements, which tsdp's state cannot \(the device idiom .*this\.parameters\(\)\[0\]\.device/);
  });
});
