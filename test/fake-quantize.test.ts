// torch.fake_quantize_per_tensor_affine / per_channel_affine (compiler/1-frontend/fake-quantize.ts):
// values against the definition written out here (float64 reference, 1e-12 relative), the
// straight-through gradient (the output's gradient where the value was not clamped, 0 where it
// was), and the refusals PyTorch's checks make.
import { describe, expect, it } from "vitest";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

// x in [−2.5, 2.5] by 0.25: ties of x/0.5 land on .5 and round half to even, as std::nearbyint
const xs = Array.from({ length: 2 * 21 }, (_, i) => -2.5 + 0.25 * (i % 21) + (i >= 21 ? 0.1 : 0));
const roundHalfEven = (v: number) => {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};
const fq = (v: number, s: number, z: number, lo: number, hi: number) => (Math.min(Math.max(roundHalfEven(v * (1 / s)) + z, lo), hi) - z) * s;
const inside = (v: number, s: number, z: number, lo: number, hi: number) => {
  const r = roundHalfEven(v * (1 / s)) + z;
  return r >= lo && r <= hi ? 1 : 0;
};

/** Forward outputs and the gradient of the parameter p (= x's values) under a sum loss. */
function run(forward: string, shape = "[2, 21]") {
  const src =
    `${header}export class M extends nn.Module {\n  p = new nn.Parameter(F.tensor(${JSON.stringify([xs.slice(0, 21), xs.slice(21)])}).view(${shape.slice(1, -1)}));\n  forward(x: Tensor<[Batch, 1]>) {\n    const p = this.p;\n    return ${forward}.flatten().unsqueeze(0).mul(x);\n  }\n}\n` +
    `export const training = new Training(M, { loss: (y: Tensor) => y.sum(), optimizer: new optim.SGD({ lr: 0.1 }) });\n`;
  const { graph } = lowerSource(src);
  const { graph: step, gradients } = differentiate(graph);
  const values = runReference(step, { x: nd([1, 1], [1]) }, initState(graph, 0), { training: true }).values;
  return { output: Array.from(values.get(step.outputs[0])!.data), grad: Array.from(values.get(gradients.get("p")!)!.data) };
}
const close = (got: number[], want: number[]) => {
  expect(got).toHaveLength(want.length);
  got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[i]))));
};

describe("fake quantization", () => {
  it("per tensor: (clamp(round(x/s) + z, lo, hi) − z)·s, gradient 1 inside the range and 0 where clamped", () => {
    for (const call of ["F.fakeQuantizePerTensorAffine(p, 0.5, 2, 0, 7)", "F.fakeQuantizePerTensorAffine(p, F.tensor([0.5]), F.tensor([2], { dtype: 'int32' }), 0, 7)"]) {
      const { output, grad } = run(call);
      close(output, xs.map((v) => fq(v, 0.5, 2, 0, 7)));
      close(grad, xs.map((v) => inside(v, 0.5, 2, 0, 7)));
      expect(grad.some((g) => g === 0) && grad.some((g) => g === 1)).toBe(true);
    }
  });
  it("per channel: each index of the axis with its own scale and zero point", () => {
    const { output, grad } = run("F.fakeQuantizePerChannelAffine(p, F.tensor([0.5, 0.25]), F.tensor([0, -3], { dtype: 'int32' }), 0, -4, 3)");
    const s = [0.5, 0.25], z = [0, -3];
    close(output, xs.map((v, i) => fq(v, s[i >= 21 ? 1 : 0], z[i >= 21 ? 1 : 0], -4, 3)));
    close(grad, xs.map((v, i) => inside(v, s[i >= 21 ? 1 : 0], z[i >= 21 ? 1 : 0], -4, 3)));
    // axis 1 of [21, 2] (the same numbers transposed): channel i % 2
    const t = run("F.fakeQuantizePerChannelAffine(p, F.tensor([0.5, 0.25]), F.tensor([1, 0]), -1, -8, 7)", "[21, 2]");
    close(t.output, xs.map((v, i) => fq(v, [0.5, 0.25][i % 2], [1, 0][i % 2], -8, 7)));
  });
  it("refuses what PyTorch refuses: quant_min above quant_max, a zero point outside the range, per-channel sizes that differ", () => {
    const first = (body: string) => diagnosticsOf(`${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 6]>) {\n    ${body}\n  }\n}\n`).map((d) => `${d.code}: ${d.message}`)[0];
    expect(first("return F.fakeQuantizePerTensorAffine(x, 0.1, 0, 5, 2);")).toMatch(/quant_min \(5\) must not exceed quant_max \(2\)/);
    expect(first("return F.fakeQuantizePerTensorAffine(x, 0.1, 300, 0, 255);")).toMatch(/zero_point must be an integer between quant_min and quant_max/);
    expect(first("return F.fakeQuantizePerChannelAffine(x, F.ones(4), F.zeros(6), 1, 0, 255);")).toMatch(/scale must be 1-D with one value per channel \(6 along axis 1\)/);
    expect(first("return F.fakeQuantizePerChannelAffine(x, F.ones(6), F.zeros(6), 0, 0, 255);")).toMatch(/is the batch/);
  });
});
