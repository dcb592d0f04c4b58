// nn.RNN, nn.GRU and nn.LSTM (compiler/1-frontend/recurrent.ts) against the cells written out here
// from PyTorch's documentation, in float64, with the same parameters: the reference interpreter's
// outputs agree to 1e-12 (both float64; only the order of sums differs). Also PyTorch's parameter
// names, shapes and counts, both directions and stacked layers, initial states (hx), the final
// states of every layer and direction (h_n, c_n: [layers·directions, N, H]), the sequence-first
// layout (batchFirst: false), and the refusals.
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
 * the last cell state, as PyTorch's documentation writes each cell, from the states h0 and c0.
 */
function layer(cell: Cell, x: number[][], p: (name: string) => NDArray | undefined, name: string, h0: number[], c0: number[], reverse: boolean, relu = false): { hs: number[][]; c: number[] } {
  // the cell's width (an LSTM's h0 is projSize wide when it projects)
  const H = c0.length;
  let h = h0;
  let c = c0;
  const hs: number[][] = new Array(x.length);
  for (let s = 0; s < x.length; s++) {
    const t = reverse ? x.length - 1 - s : s;
    const gi = affine(p(`weight_ih_${name}`)!, x[t], p(`bias_ih_${name}`));
    const gh = affine(p(`weight_hh_${name}`)!, h, p(`bias_hh_${name}`));
    const at = (g: number[], k: number, j: number) => g[k * H + j];
    if (cell === "RNN") h = h.map((_, j) => (relu ? Math.max(0, gi[j] + gh[j]) : Math.tanh(gi[j] + gh[j])));
    else if (cell === "LSTM") {
      const next = c.map((_, j) => {
        const i = sigmoid(at(gi, 0, j) + at(gh, 0, j));
        const f = sigmoid(at(gi, 1, j) + at(gh, 1, j));
        const g = Math.tanh(at(gi, 2, j) + at(gh, 2, j));
        const o = sigmoid(at(gi, 3, j) + at(gh, 3, j));
        const cj = f * c[j] + i * g;
        return [o * Math.tanh(cj), cj];
      });
      // projSize: h = W_hr·(o·tanh(c))
      const whr = p(`weight_hr_${name}`);
      h = whr ? affine(whr, next.map((v) => v[0])) : next.map((v) => v[0]);
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

interface Options {
  readonly H: number;
  readonly layers: number;
  readonly bidirectional: boolean;
  readonly relu?: boolean;
  /** Initial states [layers·directions, 1, H] (the same for every sample), else zeros. */
  readonly h0?: NDArray;
  readonly c0?: NDArray;
  /** An LSTM's projSize: h (and h_n) P wide. */
  readonly P?: number;
}

/** The whole module on x [N, L, F]: output [N, L, D·H], and h_n, c_n [layers·D, N, H], flat. */
function written(cell: Cell, x: NDArray, state: Map<string, NDArray>, prefix: string, o: Options) {
  const [N, L, F] = x.shape as number[];
  const D = o.bidirectional ? 2 : 1;
  const p = (name: string) => state.get(`${prefix}.${name}`);
  const P = o.P ?? o.H;
  const initial = (t: NDArray | undefined, k: number, width: number) => (t ? Array.from(t.data.subarray(k * width, (k + 1) * width)) : new Array(width).fill(0));
  const out: number[] = [];
  const hn = new Array<number>(o.layers * D * N * P);
  const cn = new Array<number>(o.layers * D * N * o.H);
  for (let n = 0; n < N; n++) {
    let seq = Array.from({ length: L }, (_, t) => Array.from(x.data.subarray((n * L + t) * F, (n * L + t + 1) * F)));
    for (let l = 0; l < o.layers; l++) {
      const runs = Array.from({ length: D }, (_, d) => layer(cell, seq, p, `l${l}${d ? "_reverse" : ""}`, initial(o.h0, l * D + d, P), initial(o.c0, l * D + d, o.H), d === 1, o.relu));
      seq = seq.map((_, t) => runs.flatMap((r) => r.hs[t]));
      runs.forEach((r, d) => {
        // the backward direction's final state is the one at the first step
        const k = (l * D + d) * N + n;
        (d ? r.hs[0] : r.hs[L - 1]).forEach((v, j) => (hn[k * P + j] = v));
        r.c.forEach((v, j) => (cn[k * o.H + j] = v));
      });
    }
    out.push(...seq.flat());
  }
  return { out, hn, cn };
}

const model = (layerDecl: string, body: string, L = 5, F = 3) =>
  `${header}export class M extends nn.Module {\n  rnn = ${layerDecl};\n  forward(x: Tensor<[Batch, ${L}, ${F}]>) {\n    ${body}\n  }\n}\n`;
const input = (N: number, L: number, F: number) => nd([N, L, F], Float64Array.from({ length: N * L * F }, (_, i) => Math.sin(i * 0.9) * 1.5));
/** A flat [A, N, H] array as [N, A, H]: how a model returns h_n (the batch first). */
const batchFirst = (flat: readonly number[], [A, N, H]: readonly number[]) =>
  Array.from({ length: A * N * H }, (_, i) => {
    const [n, a, j] = [Math.floor(i / (A * H)), Math.floor(i / H) % A, i % H];
    return flat[(a * N + n) * H + j];
  });
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

  it("GRU: two layers, both directions: the output and h_n [4, N, H] equal the cells written out; h_n[-1] is the last layer's backward state", () => {
    const { graph } = lowerSource(model("new nn.GRU(3, 2, { numLayers: 2, batchFirst: true, bidirectional: true })", "const [out, hn] = this.rnn(x);\n    return [out.flatten(1), hn.transpose(0, 1), hn[-1]];"));
    expect(graph.params.length).toBe(16);
    expect(graph.params.slice(4, 6).map((p) => p.attrs.name)).toEqual(["rnn.weight_ih_l0_reverse", "rnn.weight_hh_l0_reverse"]);
    // layer 1 reads both directions of layer 0: [3·H, 2·H]
    expect(graph.params.find((p) => p.attrs.name === "rnn.weight_ih_l1")!.shape).toEqual([6, 4]);
    const state = initState(graph, 9);
    const x = input(3, 5, 3);
    const [out, hn, last] = runReference(graph, { x }, state).outputs;
    expect(hn.shape).toEqual([3, 4, 2]);
    const want = written("GRU", x, state.params, "rnn", { H: 2, layers: 2, bidirectional: true });
    close(out.data, want.out);
    close(hn.data, batchFirst(want.hn, [4, 3, 2]));
    close(last.data, want.hn.slice(3 * 3 * 2));
  });

  it("LSTM from given states [h0, c0], sequence first (batchFirst: false), two layers, both directions: output, h_n and c_n", () => {
    // h0, c0 [4, 1, 2] parameters stretched over the batch, as a learned initial state is written
    const decl = "new nn.LSTM(3, 2, { numLayers: 2, bidirectional: true })";
    const body = [
      "const n = x.size(0);",
      "const [out, [hn, cn]] = this.rnn(x.transpose(0, 1), [this.h0.expand(4, n, 2), this.c0.expand(4, n, 2)]);",
      "return [out.transpose(0, 1).flatten(1), hn.transpose(0, 1), cn.transpose(0, 1)];",
    ].join("\n    ");
    const source = model(decl, body).replace("  forward(", "  h0 = new nn.Parameter(F.randn([4, 1, 2]));\n  c0 = new nn.Parameter(F.randn([4, 1, 2]));\n  forward(");
    const { graph } = lowerSource(source);
    const state = initState(graph, 5);
    const x = input(3, 5, 3);
    const [out, hn, cn] = runReference(graph, { x }, state).outputs;
    expect([hn.shape, cn.shape]).toEqual([[3, 4, 2], [3, 4, 2]]);
    const want = written("LSTM", x, state.params, "rnn", { H: 2, layers: 2, bidirectional: true, h0: state.params.get("h0"), c0: state.params.get("c0") });
    close(out.data, want.out);
    close(hn.data, batchFirst(want.hn, [4, 3, 2]));
    close(cn.data, batchFirst(want.cn, [4, 3, 2]));
    // the given states matter: from zeros the output differs
    const zero = written("LSTM", x, state.params, "rnn", { H: 2, layers: 2, bidirectional: true });
    expect(Math.max(...zero.out.map((v, i) => Math.abs(v - out.data[i])))).toBeGreaterThan(1e-3);
  });

  it("LSTM with projSize: h = W_hr·(o·tanh(c)), P wide in the output, h_n and the next layer's input, c_n H wide; PyTorch's weight_hr after the biases", () => {
    const decl = "new nn.LSTM(3, 5, { numLayers: 2, bidirectional: true, batchFirst: true, projSize: 2 })";
    const { graph } = lowerSource(model(decl, "const [out, [hn, cn]] = this.rnn(x, [this.h0.expand(4, x.size(0), 2), this.c0.expand(4, x.size(0), 5)]);\n    return [out.flatten(1), hn.transpose(0, 1), cn.transpose(0, 1)];").replace("  forward(", "  h0 = new nn.Parameter(F.randn([4, 1, 2]));\n  c0 = new nn.Parameter(F.randn([4, 1, 5]));\n  forward("));
    expect(graph.params.slice(2, 7).map((p) => `${p.attrs.name} [${p.shape.join(", ")}]`)).toEqual(["rnn.weight_ih_l0 [20, 3]", "rnn.weight_hh_l0 [20, 2]", "rnn.bias_ih_l0 [20]", "rnn.bias_hh_l0 [20]", "rnn.weight_hr_l0 [2, 5]"]);
    // layer 1 reads both directions' projections: 2·P
    expect(graph.params.find((p) => p.attrs.name === "rnn.weight_ih_l1_reverse")!.shape).toEqual([20, 4]);
    const state = initState(graph, 6);
    const x = input(3, 5, 3);
    const [out, hn, cn] = runReference(graph, { x }, state).outputs;
    expect([out.shape, hn.shape, cn.shape]).toEqual([[3, 20], [3, 4, 2], [3, 4, 5]]);
    const want = written("LSTM", x, state.params, "rnn", { H: 5, P: 2, layers: 2, bidirectional: true, h0: state.params.get("h0"), c0: state.params.get("c0") });
    close(out.data, want.out);
    close(hn.data, batchFirst(want.hn, [4, 3, 2]));
    close(cn.data, batchFirst(want.cn, [4, 3, 5]));
  });

  it("RNN and GRU from h0 = F.zeros(layers, x.size(0), H): the same as without it", () => {
    for (const decl of ["new nn.RNN(3, 4, { numLayers: 2, batchFirst: true })", "new nn.GRU(3, 4, { batchFirst: true })"]) {
      const layers = decl.includes("numLayers") ? 2 : 1;
      const { graph } = lowerSource(model(decl, `const [a, ha] = this.rnn(x, F.zeros(${layers}, x.size(0), 4));\n    const [b, hb] = this.rnn(x);\n    return [a.sub(b), ha.sub(hb).transpose(0, 1), a];`));
      const state = initState(graph, 3);
      const x = input(2, 5, 3);
      const [da, dh, a] = runReference(graph, { x }, state).outputs;
      expect(Math.max(...da.data.map(Math.abs), ...dh.data.map(Math.abs))).toBe(0);
      close(a.data, written(decl.includes("GRU") ? "GRU" : "RNN", x, state.params, "rnn", { H: 4, layers, bidirectional: false }).out);
    }
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

  it("RNNCell, GRUCell, LSTMCell stepped in a loop, as PyTorch users write them: the cells written out, from zeros or given states", () => {
    for (const [decl, kind, relu] of [["new nn.LSTMCell(3, 4)", "LSTM", false], ["new nn.GRUCell(3, 4)", "GRU", false], ['new nn.RNNCell(3, 4, true, "relu")', "RNN", true]] as const) {
      const step = kind === "LSTM" ? "[h, c] = this.cell(x.select(1, t), [h, c]);" : "h = this.cell(x.select(1, t), h);";
      const body = [
        "let h = F.zeros(x.size(0), 4);",
        "let c = F.zeros(x.size(0), 4);",
        "const hs: Tensor[] = [];",
        `for (let t = 0; t < 5; t++) {\n      ${step}\n      hs.push(h);\n    }`,
        `return [F.stack(hs, 1).flatten(1), this.cell(x.select(1, 0))${kind === "LSTM" ? "[1]" : ""}];`,
      ].join("\n    ");
      const { graph } = lowerSource(model(decl, body).replace("  rnn = ", "  cell = "));
      expect(graph.params.map((p) => p.attrs.name)).toEqual(["cell.weight_ih", "cell.weight_hh", "cell.bias_ih", "cell.bias_hh"]);
      const state = initState(graph, 7);
      const x = input(2, 5, 3);
      const [out, first] = runReference(graph, { x }, state).outputs.map((o) => Array.from(o.data));
      const p = (name: string) => state.params.get(`cell.${name.replace(/_l0$/, "")}`);
      const want: number[] = [];
      const firstWant: number[] = [];
      for (let n = 0; n < 2; n++) {
        const seq = Array.from({ length: 5 }, (_, t) => Array.from(x.data.subarray((n * 5 + t) * 3, (n * 5 + t + 1) * 3)));
        const run = layer(kind, seq, p, "l0", [0, 0, 0, 0], [0, 0, 0, 0], false, relu);
        want.push(...run.hs.flat());
        const one = layer(kind, seq.slice(0, 1), p, "l0", [0, 0, 0, 0], [0, 0, 0, 0], false, relu);
        firstWant.push(...(kind === "LSTM" ? one.c : one.hs[0]));
      }
      close(out, want);
      close(first, firstWant);
    }
  });

  it("unbatched inputs, as PyTorch's: a sequence [L, features] (states [layers·directions, H]) gives [L, D·H] and h_n [layers·D, H]; a cell's [features] gives [H]", () => {
    // the unbatched sequence is a parameter [5, 3] (no batch dim); its results are broadcast onto the model's batch
    const text = `${header}export class M extends nn.Module {
  seq = new nn.Parameter(F.randn(5, 3));
  h0 = new nn.Parameter(F.randn(2, 4));
  c0 = new nn.Parameter(F.randn(2, 4));
  rnn = new nn.LSTM(3, 4, { bidirectional: true, batchFirst: true });
  cell = new nn.GRUCell(3, 4);
  forward(x: Tensor<[Batch, 5, 3]>) {
    const [out, [hN, cN]] = this.rnn(this.seq, [this.h0, this.c0]);
    const h = this.cell(this.seq[1], this.cell(this.seq[0]));
    return x.mul(0).sum([1, 2]).unsqueeze(1).add(F.cat([out.flatten(), hN.flatten(), cN.flatten(), h]));
  }
}
`;
    const { graph } = lowerSource(text);
    const state = initState(graph, 2);
    const outs = runReference(graph, { x: input(1, 5, 3) }, state, { training: false }).outputs;
    expect([...outs[0].shape]).toEqual([1, 5 * 8 + 2 * 4 + 2 * 4 + 4]);
    const p = (prefix: string) => (name: string) => state.params.get(`${prefix}.${name}`);
    const rows = (t: NDArray, n: number, w: number) => Array.from({ length: n }, (_, i) => Array.from(t.data.subarray(i * w, (i + 1) * w)));
    const seq = rows(state.params.get("seq")!, 5, 3);
    const [h0, c0] = [rows(state.params.get("h0")!, 2, 4), rows(state.params.get("c0")!, 2, 4)];
    const runs = [0, 1].map((d) => layer("LSTM", seq, p("rnn"), `l0${d ? "_reverse" : ""}`, h0[d], c0[d], d === 1));
    const cellStep = (x: number[], h: number[]) => layer("GRU", [x], (name) => p("cell")(name.replace(/_l0$/, "")), "l0", h, [0, 0, 0, 0], false).hs[0];
    const h = cellStep(seq[1], cellStep(seq[0], [0, 0, 0, 0]));
    close(Array.from(outs[0].data), [...seq.flatMap((_, t) => [...runs[0].hs[t], ...runs[1].hs[t]]), ...runs[0].hs[4], ...runs[1].hs[0], ...runs[0].c, ...runs[1].c, ...h]);
  });

  it("refuses, at the place: initial states of another shape or kind, projections, another input width, a batch-sized sequence", () => {
    const first = (source: string) => diagnosticsOf(source).map((d) => `${d.code} ${d.message} line ${d.loc?.line}`)[0];
    expect(first(model("new nn.GRU(3, 4, { batchFirst: true })", "return this.rnn(x, x)[0];"))).toMatch(/nn\.GRU: h0 must be \[1, Batch, 4\] \(layers·directions, the input's batch, hidden\), got f32 \[Batch, 5, 3\] line 5$/);
    expect(first(model("new nn.GRU(3, 4, { batchFirst: true, bidirectional: true })", "return this.rnn(x, F.zeros(1, x.size(0), 4))[0];"))).toMatch(/nn\.GRU: h0 must be \[2, Batch, 4\].*got f32 \[1, Batch, 4\] line 5$/);
    expect(first(model("new nn.LSTM(3, 4, { batchFirst: true })", "return this.rnn(x, F.zeros(1, x.size(0), 4))[0];"))).toMatch(/nn\.LSTM: hx is \[h0, c0\], two tensors .* got a tensor line 5$/);
    expect(first(model("new nn.LSTM(3, 4, { batchFirst: true })", "const h = F.zeros(1, x.size(0), 4);\n    return this.rnn(x, [h, 2])[0];"))).toMatch(/nn\.LSTM: c0 must be a tensor, got the number 2 line 6$/);
    expect(first(model("new nn.LSTM(3, 4, { batchFirst: true, projSize: 4 })", "return this.rnn(x)[0];"))).toMatch(/nn\.LSTM: projSize \(4\) must be smaller than hiddenSize \(4\), as PyTorch requires line 3$/);
    expect(first(model("new nn.LSTM(3, 4, { batchFirst: true, projSize: 2 })", "return this.rnn(x, [F.zeros(1, x.size(0), 4), F.zeros(1, x.size(0), 4)])[0];"))).toMatch(/nn\.LSTM: h0 must be \[1, Batch, 2\] \(layers·directions, the input's batch, projSize\), got f32 \[1, Batch, 4\] line 5$/);
    expect(first(model("new nn.RNN(5, 4, { batchFirst: true })", "return this.rnn(x)[0];"))).toMatch(/nn\.RNN expects \[N, L, 5\] \(batchFirst: true\), got \[Batch, 5, 3\] line 5$/);
    // a 2-D input whose first dim is the batch: PyTorch's unbatched form would step across the samples
    expect(first(model("new nn.GRU(3, 4)", "return this.rnn(x.select(1, 0))[0];"))).toMatch(/nn\.GRU expects \[L, N, 3\] \(batchFirst: false\), got \[Batch, 3\]; a 2-D input is PyTorch's unbatched sequence \[L, 3\], and here L would be the batch: give the sequence its own dim, x\.unsqueeze\(0\) for one step per sample line 5$/);
    // unbatched inputs take states without the batch dim, as PyTorch requires
    expect(first(model("new nn.GRU(3, 4)", "return x.add(this.rnn(F.ones([5, 3]), F.zeros(1, 1, 4))[0].sum());"))).toMatch(/nn\.GRU: for an unbatched input \[L, 3\] the states are 2-D \[layers·directions, hidden\], as PyTorch requires, got \[1, 1, 4\] line 5$/);
    expect(first(model("new nn.LSTMCell(3, 4)", "return x.add(this.rnn(F.ones([3]), [F.zeros(1, 4), F.zeros(1, 4)])[0].sum());"))).toMatch(/nn\.LSTMCell: for an unbatched input \[3\] the state is 1-D \[hidden\], as PyTorch requires, got \[1, 4\] line 5$/);
    // sequence first, the model's [Batch, 5, 3] given as is: the sequence would be the batch
    expect(first(model("new nn.RNN(3, 4)", "return this.rnn(x)[0];"))).toMatch(/nn\.RNN \(batchFirst: false, PyTorch's default\) reads \[L, N, 3\], got \[Batch, 5, 3\] with the batch first: construct it with \{ batchFirst: true \}, or give x\.transpose\(0, 1\) line 5$/);
  });
});
