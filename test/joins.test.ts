// torch.cat / stack / split / chunk / narrow in the frontend: the pieces and shapes PyTorch's
// documentation gives (pytorch.org/docs: torch.chunk's examples `torch.arange(13).chunk(6)` is five
// pieces of 3, 3, 3, 3, 1; torch.split with a size leaves the remainder last; with a list the sizes
// must add up), and the diagnostics of misuse. Values are checked in reference-ops.test.ts and on
// the CPU target in language-ops.test.ts.
import { describe, expect, it } from "vitest";
import { formatShape } from "../compiler/ir/shape.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const model = (forward: string, input = "x: Tensor<[Batch, 13]>") => `${header}export class M extends nn.Module {\n  forward(${input}) {\n    ${forward}\n  }\n}\n`;
const shapes = (forward: string, input?: string) => lowerSource(model(forward, input)).graph.outputs.map((o) => formatShape(o.shape));

describe("joins and slices in the frontend", () => {
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
    expect(first("return x.chunk(2, 0);")).toMatch(/^TSDP4001 4: chunk: cannot split along the batch dim 0/);
    expect(first("return F.stack([x, x.narrow(1, 0, 3)], 1);")).toMatch(/^TSDP4001 4: F.stack: stack expects each tensor to be equal size/);
    expect(first("return F.cat([x, 2], 1);")).toMatch(/^TSDP3003 4: F.cat: tensors must be a non-empty array of tensors/);
    expect(first("return x.narrow(1, 10, 4);")).toMatch(/^TSDP3004 4: narrow: \[10, 14\) is not inside dim 1 of size 13/);
  });
});
