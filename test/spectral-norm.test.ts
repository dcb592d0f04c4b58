// nn.utils.spectralNorm (compiler/1-frontend/spectral-norm.ts): W/σ with the power iteration's
// u and v kept in buffers by forward in train mode. Against the definition written out here in
// float64 (PyTorch's compute_weight): the names, one call's output and new u, v, eval's use of
// the stored vectors, two calls, ConvTranspose's dim 1, and the gradient through σ.
import { describe, expect, it } from "vitest";
import { initState, type ModelState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { gradCheck } from "./gradcheck.ts";
import { header, lowerSource } from "./helpers.ts";

const model = (fields: string, body: string, input = "x: Tensor<[Batch, 4]>") => `${header}export class M extends nn.Module {\n  ${fields}\n  forward(${input}) {\n    ${body}\n  }\n}\n`;

/** PyTorch's power iteration and σ on W [h, w] (row-major) from u, v: the new u, v and σ. */
function powerStep(W: Float64Array | number[], h: number, w: number, u: number[], v: number[], iterations = 1, eps = 1e-12) {
  const norm = (a: number[]) => a.map((x) => x / Math.max(Math.sqrt(a.reduce((s, y) => s + y * y, 0)), eps));
  for (let k = 0; k < iterations; k++) {
    v = norm(Array.from({ length: w }, (_, j) => Array.from({ length: h }, (_, i) => W[i * w + j] * u[i]).reduce((s, y) => s + y, 0)));
    u = norm(Array.from({ length: h }, (_, i) => Array.from({ length: w }, (_, j) => W[i * w + j] * v[j]).reduce((s, y) => s + y, 0)));
  }
  const sigma = u.reduce((s, ui, i) => s + ui * Array.from({ length: w }, (_, j) => W[i * w + j] * v[j]).reduce((a, b) => a + b, 0), 0);
  return { u, v, sigma };
}
const close = (got: ArrayLike<number>, want: ArrayLike<number>, what: string) => {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]), `${what}[${i}]`).toBeLessThan(1e-9 * (1 + Math.abs(want[i])));
};

describe("nn.utils.spectralNorm", () => {
  const x = nd([2, 4], [0.5, -1, 2, 0.25, 1, 1.5, -0.5, 3]);
  const src = model("fc = nn.utils.spectralNorm(new nn.Linear(4, 3));", "return this.fc(x);");

  it("PyTorch's names: bias, weight_orig (trained), and the buffers weight_u [3], weight_v [4]", () => {
    const { graph } = lowerSource(src);
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["fc.bias", "fc.weight_orig"]);
    expect(graph.buffers.map((b) => `${b.attrs.name} [${b.shape.join(", ")}]`)).toEqual(["fc.weight_u [3]", "fc.weight_v [4]"]);
    expect(graph.stateUpdates?.map((u) => u.buffer.attrs.name)).toEqual(["fc.weight_u", "fc.weight_v"]);
  });

  it("nn.utils.parametrizations.spectralNorm: the same computation under PyTorch's parametrization names", () => {
    const { graph } = lowerSource(model("fc = nn.utils.parametrizations.spectral_norm(new nn.Linear(4, 3));", "return this.fc(x);"));
    expect(graph.params.map((p) => p.attrs.name)).toEqual(["fc.bias", "fc.parametrizations.weight.original"]);
    expect(graph.buffers.map((b) => `${b.attrs.name} [${b.shape.join(", ")}]`)).toEqual(["fc.parametrizations.weight.0._u [3]", "fc.parametrizations.weight.0._v [4]"]);
    // the legacy model's state, given to this one by position (the names differ, so would the draws)
    const legacy = lowerSource(src).graph;
    const legacyState = initState(legacy, 0);
    const byPosition = (nodes: readonly { attrs: { name?: unknown } }[], values: Map<string, { shape: readonly number[]; data: Float64Array }>) => new Map(nodes.map((n, i) => [n.attrs.name as string, [...values.values()][i]]));
    const state = { params: byPosition(graph.params, legacyState.params), buffers: byPosition(graph.buffers, legacyState.buffers) } as ModelState;
    const want = runReference(legacy, { x }, legacyState, { training: true }).outputs[0].data;
    close(runReference(graph, { x }, state, { training: true }).outputs[0].data, want, "parametrized vs legacy");
  });

  it("train mode: one power iteration from the stored vectors, then x·(W/σ)ᵀ + b; the new u, v are kept; a second call iterates from them", () => {
    const { graph } = lowerSource(src);
    const state: ModelState = initState(graph, 0);
    const W = state.params.get("fc.weight_orig")!.data;
    const bias = state.params.get("fc.bias")!.data;
    let u = Array.from(state.buffers.get("fc.weight_u")!.data);
    let v = Array.from(state.buffers.get("fc.weight_v")!.data);
    expect(u).toEqual(Array(3).fill(1 / Math.sqrt(3)));
    for (let call = 0; call < 2; call++) {
      const step = powerStep(W, 3, 4, u, v);
      const out = runReference(graph, { x }, state, { training: true }).outputs[0].data;
      const want = [0, 1].flatMap((n) => [0, 1, 2].map((o) => bias[o] + [0, 1, 2, 3].reduce((s, i) => s + (W[o * 4 + i] / step.sigma) * x.data[n * 4 + i], 0)));
      close(out, want, `call ${call}: output`);
      close(state.buffers.get("fc.weight_u")!.data, step.u, `call ${call}: u`);
      close(state.buffers.get("fc.weight_v")!.data, step.v, `call ${call}: v`);
      [u, v] = [step.u, step.v];
    }
    // eval: σ from the stored u and v, which stay
    const evalOut = runReference(graph, { x }, state, { training: false }).outputs[0].data;
    const sigma = powerStep(W, 3, 4, u, v, 0).sigma;
    close(evalOut, [0, 1].flatMap((n) => [0, 1, 2].map((o) => bias[o] + [0, 1, 2, 3].reduce((s, i) => s + (W[o * 4 + i] / sigma) * x.data[n * 4 + i], 0))), "eval output");
    close(state.buffers.get("fc.weight_u")!.data, u, "u after eval");
  });

  it("a transposed convolution's W is viewed with dim 1 first, as PyTorch's default for it; nPowerIterations", () => {
    const conv = model("up = nn.utils.spectralNorm(new nn.ConvTranspose2d(2, 3, 2), { nPowerIterations: 2 });", "return this.up(x.view(-1, 2, 1, 2)).flatten(1);");
    const { graph } = lowerSource(conv);
    expect(graph.buffers.map((b) => `${b.attrs.name} [${b.shape.join(", ")}]`)).toEqual(["up.weight_u [3]", "up.weight_v [8]"]);
    const state = initState(graph, 0);
    const Wt = state.params.get("up.weight_orig")!.data; // [2, 3, 2, 2]
    // dim 1 first: [3, 2·2·2]
    const W = Array.from({ length: 24 }, (_, k) => {
      const [o, r] = [Math.floor(k / 8), k % 8];
      const [i, kk] = [Math.floor(r / 4), r % 4];
      return Wt[(i * 3 + o) * 4 + kk];
    });
    const step = powerStep(W, 3, 8, Array(3).fill(1 / Math.sqrt(3)), Array(8).fill(1 / Math.sqrt(8)), 2);
    runReference(graph, { x }, state, { training: true });
    close(state.buffers.get("up.weight_u")!.data, step.u, "u");
    close(state.buffers.get("up.weight_v")!.data, step.v, "v");
  });

  it("σ's gradient reaches the weight (in eval mode, where u and v are the stored buffers: in train mode they are computed without gradient, as PyTorch's, so a finite difference would see them move)", () => {
    expect(gradCheck(model("fc = nn.utils.spectralNorm(new nn.Linear(4, 3));", "return this.fc(x);"), { training: false }).checked).toBeGreaterThan(0);
  });
});
