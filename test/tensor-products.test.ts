// torch.kron, block_diag, tensordot, trapezoid/trapz and heaviside (compiler/1-frontend/tensor-products.ts)
// against their definitions written out here on the same numbers (float64 reference, 1e-12);
// gradients by finite differences; refusals.
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const xs = Array.from({ length: 2 * 6 }, (_, i) => Math.sin(i * 0.83) * 2);
const run = (body: string) => {
  const src = `${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 6]>) {\n    const A = F.tensor([[1, 2], [3, 4], [5, 6]]), B = F.tensor([[0.5, -1], [2, 0.25]]);\n    ${body}\n  }\n}\n`;
  const { graph } = lowerSource(src);
  return runReference(graph, { x: nd([2, 6], xs) }, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
};
const close = (got: number[], want: number[]) => {
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));
};
const A = [[1, 2], [3, 4], [5, 6]];
const B = [[0.5, -1], [2, 0.25]];

describe("torch's products and integrals", () => {
  it("kron: a[i, j]·b[k, l] at (i·m + k, j·n + l); a 1-D operand as a row", () => {
    const [k, k1] = run("return [F.kron(A, B).flatten().unsqueeze(0).add(x.index(':', ':1').mul(0)), F.kron(F.tensor([1, -1]), B).flatten().unsqueeze(0).add(x.index(':', ':1').mul(0))];");
    const want: number[] = [];
    for (let r = 0; r < 6; r++) for (let col = 0; col < 4; col++) want.push(A[Math.floor(r / 2)][Math.floor(col / 2)] * B[r % 2][col % 2]);
    close(k.slice(0, 24), want);
    const want1: number[] = [];
    for (let r = 0; r < 2; r++) for (let col = 0; col < 4; col++) want1.push([1, -1][Math.floor(col / 2)] * B[r][col % 2]);
    close(k1.slice(0, 8), want1);
  });

  it("blockDiag: the blocks on the diagonal, zeros elsewhere; a 1-D block is a row", () => {
    const [d] = run("return [F.blockDiag(A, B, F.tensor([7, 8, 9])).flatten().unsqueeze(0).add(x.index(':', ':1').mul(0))];");
    const rows = [
      [1, 2, 0, 0, 0, 0, 0], [3, 4, 0, 0, 0, 0, 0], [5, 6, 0, 0, 0, 0, 0],
      [0, 0, 0.5, -1, 0, 0, 0], [0, 0, 2, 0.25, 0, 0, 0],
      [0, 0, 0, 0, 7, 8, 9],
    ];
    close(d.slice(0, 42), rows.flat());
  });

  it("tensordot: n trailing dims with n leading ones, or listed dims; a batch of inputs", () => {
    const [t1, t2] = run("const T = F.tensor([[[1.0, 0], [2, 1], [0, 3]], [[-1, 1], [1, 1], [2, 0]]]);\n    const x3 = x.view(-1, 2, 3);\n    return [F.tensordot(x3, T.permute(2, 1, 0).contiguous().permute(1, 0, 2).contiguous().view(3, 2, 2), { dims: 1 }).flatten(1), F.tensordot(x3, T, [[1, 2], [0, 1]])];");
    const T = [[[1, 0], [2, 1], [0, 3]], [[-1, 1], [1, 1], [2, 0]]];
    // T2[j][a][b] = T.permute(2, 1, 0)[b][j][a]... written as the view of the permuted copy
    const P: number[] = [];
    for (let c0 = 0; c0 < 2; c0++) for (let j = 0; j < 3; j++) for (let i = 0; i < 2; i++) P.push(T[i][j][c0]); // permute(2,1,0): [2,3,2]
    const Q: number[] = [];
    for (let j = 0; j < 3; j++) for (let c0 = 0; c0 < 2; c0++) for (let i = 0; i < 2; i++) Q.push(P[(c0 * 3 + j) * 2 + i]); // permute(1,0,2): [3,2,2]
    const T2 = (j: number, a: number, b: number) => Q[(j * 2 + a) * 2 + b];
    const want1: number[] = [];
    for (let n = 0; n < 2; n++) for (let i = 0; i < 2; i++) for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) want1.push([0, 1, 2].reduce((s, j) => s + xs[n * 6 + i * 3 + j] * T2(j, a, b), 0));
    close(t1, want1);
    const want2: number[] = [];
    for (let n = 0; n < 2; n++) for (let c0 = 0; c0 < 2; c0++) {
      let s = 0;
      for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) s += xs[n * 6 + i * 3 + j] * T[i][j][c0];
      want2.push(s);
    }
    close(t2, want2);
  });

  it("trapezoid / trapz: with sample points x (1-D, shared), with dx, along a dim; heaviside", () => {
    const [withX, withDx, along0, hv] = run("const t = F.tensor([0, 0.5, 1.5, 2, 3, 5]);\n    return [F.trapezoid(x, t).unsqueeze(1), F.trapz(x, { dx: 0.25 }).unsqueeze(1), F.trapezoid(x.view(-1, 3, 2), { dim: 1 }), F.heaviside(x.index(':', ':4').sub(x.index(':', '2:')), F.tensor([0.5]))];");
    const t = [0, 0.5, 1.5, 2, 3, 5];
    const rows = [xs.slice(0, 6), xs.slice(6)];
    close(withX, rows.map((y) => y.slice(1).reduce((s, v, i) => s + ((t[i + 1] - t[i]) * (y[i] + v)) / 2, 0)));
    close(withDx, rows.map((y) => y.slice(1).reduce((s, v, i) => s + (0.25 * (y[i] + v)) / 2, 0)));
    close(along0, rows.flatMap((y) => [0, 1].map((c) => (y[c] + y[2 + c]) / 2 + (y[2 + c] + y[4 + c]) / 2)));
    close(hv, rows.flatMap((y) => [0, 1, 2, 3].map((i) => (y[i] - y[i + 2] > 0 ? 1 : y[i] - y[i + 2] === 0 ? 0.5 : 0))));
  });

  it("gradients through kron, tensordot and trapezoid", () => {
    expect(gradCheck(`export class M extends nn.Module {\n  a = new nn.Parameter(F.randn(2, 2));\n  b = new nn.Parameter(F.randn(3, 2));\n  forward(x: Tensor<[Batch, 4]>) {\n    const k = F.kron(this.a, this.a.t());\n    const y = x.matmul(k);\n    return [y, F.tensordot(x.view(-1, 2, 2), this.a, [[2], [0]]).flatten(1), F.trapezoid(y.mul(this.b.sum()), { dx: 0.5 }).unsqueeze(1)];\n  }\n}\n`).checked).toBeGreaterThan(10);
  });

  it("refuses the batch in kron and a mismatched contraction", () => {
    const first = (body: string) => diagnosticsOf(`${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 6]>) {\n    ${body}\n  }\n}\n`).map((d) => `${d.code}: ${d.message}`)[0];
    expect(first("return F.kron(x, F.ones(2, 2));")).toMatch(/^TSDP4001: F.kron: input \[Batch, 6\] has the batch/);
    expect(first("return F.tensordot(x.view(-1, 2, 3), F.ones(2, 2), { dims: 1 });")).toMatch(/^TSDP4001: F.tensordot: contracted dims must match/);
  });
});
