// nn.RNN, nn.GRU and nn.LSTM (compiler/1-frontend/recurrent.ts) against the cells written out here
// from PyTorch's documentation, in float64, with the same parameters: the reference interpreter's
// outputs agree to 1e-12 (both float64; only the order of sums differs). Also PyTorch's parameter
// names, shapes and counts, both directions and stacked layers, and the refusals.
import { describe, expect, it } from "vitest";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd, type NDArray } from "../compiler/reference/ndarray.ts";

type Cell = "RNN" | "GRU" | "LSTM";
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** W·v + b for W [rows, cols] (row-major), v of length cols. */
function affine(w: NDArray, v: ArrayLike<number>, b?: NDArray): number[] {
  const [rows, cols] = w.shape as number[];
  return Array.from({ length: rows }, (_, r) => {
    let s = b ? b.data[r] : 0;
    for (let k = 0; k < cols; k++) s += w.data[r * cols + k] * v[k];
    return s;
  });
}

/**
 * One layer in one direction over x [L][features] of one sample: the hidden state at each step and
 * the last cell state, as PyTorch's documentation writes each cell (states start at zero).
 */
function layer(cell: Cell, x: number[][], p: (name: string) => NDArray | undefined, name: string, H: number, reverse: boolean, relu = false): { hs: number[][]; c: number[] } {
  let h = new Array(H).fill(0);
  let c = new Array(H).fill(0);
  const hs: number[][] = new Array(x.length);
  for (let s = 0; s < x.length; s++) {
    const t = reverse ? x.length - 1 - s : s;
    const gi = affine(p(`weight_ih_${name}`)!, x[t], p(`bias_ih_${name}`));
    const gh = affine(p(`weight_hh_${name}`)!, h, p(`bias_hh_${name}`));
    const at = (g: number[], k: number, j: number) => g[k * H + j];
    if (cell === "RNN") h = h.map((_, j) => (relu ? Math.max(0, gi[j] + gh[j]) : Math.tanh(gi[j] + gh[j])));
    else if (cell === "LSTM") {
      const next = h.map((_, j) => {
        const i = sigmoid(at(gi, 0, j) + at(gh, 0, j));
        const f = sigmoid(at(gi, 1, j) + at(gh, 1, j));
        const g = Math.tanh(at(gi, 2, j) + at(gh, 2, j));
        const o = sigmoid(at(gi, 3, j) + at(gh, 3, j));
        const cj = f * c[j] + i * g;
        return [o * Math.tanh(cj), cj];
      });
      h = next.map((v) => v[0]);
      c = next.map((v) => v[1]);
    } else
      h = h.map((hj, j) => {
        const r = sigmoid(at(gi, 0, j) + at(gh, 0, j));
        const z = sigmoid(at(gi, 1, j) + at(gh, 1, j));
        const n = Math.tanh(at(gi, 2, j) + r * at(gh, 2, j));
        return (1 - z) * n + z * hj;
      });
    hs[t] = h;
  }
  return { hs, c };
}

/** The whole module on x [N, L, F]: output [N, L, D·H], h_n and c_n of the last layer's directions. */
function written(cell: Cell, x: NDArray, state: Map<string, NDArray>, prefix: string, o: { H: number; layers: number; bidirectional: boolean; relu?: boolean }) {
  const [N, L, F] = x.shape as number[];
  const p = (name: string) => state.get(`${prefix}.${name}`);
  const out: number[] = [];
  const hn: number[][] = [];
  const cn: number[][] = [];
  for (let n = 0; n < N; n++) {
    let seq = Array.from({ length: L }, (_, t) => Array.from(x.data.subarray((n * L + t) * F, (n * L + t + 1) * F)));
    for (let l = 0; l < o.layers; l++) {
      const fwd = layer(cell, seq, p, `l${l}`, o.H, false, o.relu);
      const bwd = o.bidirectional ? layer(cell, seq, p, `l${l}_reverse`, o.H, true, o.relu) : undefined;
      seq = fwd.hs.map((h, t) => (bwd ? [...h, ...bwd.hs[t]] : h));
      hn.push(fwd.hs[L - 1]);
      cn.push(fwd.c);
    }
    out.push(...seq.flat());
  }
  return { out, hn: hn.flat(), cn: cn.flat() };
}

const model = (layerDecl: string, body: string, L = 5, F = 3) =>
  `${header}export class M extends nn.Module {\n  rnn = ${layerDecl};\n  forward(x: Tensor<[Batch, ${L}, ${F}]>) {\n    ${body}\n  }\n}\n`;
const input = (N: number, L: number, F: number) => nd([N, L, F], Float64Array.from({ length: N * L * F }, (_, i) => Math.sin(i * 0.9) * 1.5));
const close = (got: ArrayLike<number>, want: readonly number[]) => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]), `element ${i}: ${got[i]} against ${want[i]}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[i])));
};

describe("nn.RNN, nn.GRU, nn.LSTM", () => {
  it("LSTM: output, h_n and c_n equal the cell written out (one layer: h_n [1, N, H])", () => {
    const { graph } = lowerSource(model("new nn.LSTM(3, 4, { batchFirst: true })", "const [out, [hn, cn]] = this.rnn(x);\n    return [out.flatten(1), hn.squeeze(0), cn.select(0, -1)];"));
    expect(graph.params.map((p) => `${p.attrs.name} [${p.shape.join(", ")}]`)).toEqual(["rnn.weight_ih_l0 [16, 3]", "rnn.weight_hh_l0 [16, 4]", "rnn.bias_ih_l0 [16]", "rnn.bias_hh_l0 [16]"]);
    // PyTorch's initialization: every tensor U(−1/√H, 1/√H)
    for (const p of graph.params) expect(p.attrs.init).toEqual({ kind: "uniform", bound: 0.5 });
    const state = initState(graph, 4);
    const x = input(2, 5, 3);
    const [out, hn, cn] = runReference(graph, { x }, state).outputs.map((o) => o.data);
    const want = written("LSTM", x, state.params, "rnn", { H: 4, layers: 1, bidirectional: false });
    close(out, want.out);
    close(hn, want.hn);
    close(cn, want.cn);
  });

  it("GRU: two layers, both directions: the output equals the cells written out; h_n is null past one layer and direction", () => {
    const { graph } = lowerSource(model("new nn.GRU(3, 2, { numLayers: 2, batchFirst: true, bidirectional: true })", "const [out, hn] = this.rnn(x);\n    return hn === null ? out.flatten(1) : out.flatten(1).mul(0);"));
    expect(graph.params.length).toBe(16);
    expect(graph.params.slice(4, 6).map((p) => p.attrs.name)).toEqual(["rnn.weight_ih_l0_reverse", "rnn.weight_hh_l0_reverse"]);
    // layer 1 reads both directions of layer 0: [3·H, 2·H]
    expect(graph.params.find((p) => p.attrs.name === "rnn.weight_ih_l1")!.shape).toEqual([6, 4]);
    const state = initState(graph, 9);
    const x = input(3, 5, 3);
    close(runReference(graph, { x }, state).outputs[0].data, written("GRU", x, state.params, "rnn", { H: 2, layers: 2, bidirectional: true }).out);
  });

  it("RNN: tanh and relu, with and without biases", () => {
    for (const [decl, relu] of [["new nn.RNN(3, 4, { batchFirst: true })", false], ['new nn.RNN(3, 4, { batchFirst: true, nonlinearity: "relu", bias: false })', true]] as const) {
      const { graph } = lowerSource(model(decl, "const [out, hn] = this.rnn(x);\n    return [out.flatten(1), hn.squeeze(0)];"));
      expect(graph.params.length).toBe(relu ? 2 : 4);
      const state = initState(graph, 2);
      const x = input(2, 5, 3);
      const [out, hn] = runReference(graph, { x }, state).outputs.map((o) => o.data);
      const want = written("RNN", x, state.params, "rnn", { H: 4, layers: 1, bidirectional: false, relu });
      close(out, want.out);
      close(hn, want.hn);
    }
  });

  it("refuses, at the place: the batch not first, initial states, projections, another input width", () => {
    const first = (source: string) => diagnosticsOf(source).map((d) => `${d.code} ${d.message} line ${d.loc?.line}`)[0];
    expect(first(model("new nn.LSTM(3, 4)", "return this.rnn(x)[0];"))).toMatch(/nn\.LSTM: tsdp keeps the batch in dim 0 .* \{ batchFirst: true \} .* line 5$/);
    expect(first(model("new nn.GRU(3, 4, { batchFirst: true })", "return this.rnn(x, x)[0];"))).toMatch(/nn\.GRU: initial states are not supported .* line 5$/);
    expect(first(model("new nn.LSTM(3, 4, { batchFirst: true, projSize: 2 })", "return this.rnn(x)[0];"))).toMatch(/nn\.LSTM: projSize is not supported .* line 3$/);
    expect(first(model("new nn.RNN(5, 4, { batchFirst: true })", "return this.rnn(x)[0];"))).toMatch(/nn\.RNN expects \[N, L, 5\] \(batchFirst\), got \[Batch, 5, 3\] line 5$/);
  });
});
