// torch.linalg's square-matrix functions (ops/linalg.ts, 1-frontend/matrix-functions.ts) in the
// float64 reference: inv, slogdet, det, logdet, solve and qr, each against its definition (A·A⁻¹ = I,
// a determinant by cofactors, Q·R = A with LAPACK's signs), singular matrices as PyTorch gives
// them, and the refusals. Tolerance 1e-12 (float64). The kernel: test/matrix-target.test.ts;
// gradients: test/gradients.test.ts.
import { describe, expect, it } from "vitest";
import { generate } from "../compiler/pipeline.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { CompileError } from "../compiler/diagnostics/diagnostic.ts";
import { diagnosticsOf, header, lowerSource, writeFiles } from "./helpers.ts";
import { join } from "node:path";

/** The forward's outputs for x [1, 9] = xs, as plain arrays. */
function outputs(body: string, xs: number[], fields = ""): number[][] {
  const { graph } = lowerSource(`${header}export class M extends nn.Module {\n  ${fields}\n  forward(x: Tensor<[Batch, 9]>) {\n    ${body}\n  }\n}\n`);
  return runReference(graph, { x: nd([1, 9], xs) }, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
}
const diagnostics = (body: string, fields = "") => diagnosticsOf(`${header}export class M extends nn.Module {\n  ${fields}\n  forward(x: Tensor<[Batch, 9]>) {\n    ${body}\n  }\n}\n`);
const close = (got: number[], want: number[], digits = 12) => {
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => expect(v).toBeCloseTo(want[i], digits));
};

/** det of a 3×3 row-major matrix by cofactors. */
const det3 = (a: number[]) => a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) + a[2] * (a[3] * a[7] - a[4] * a[6]);
const matmul3 = (a: number[], b: number[]) => Array.from({ length: 9 }, (_, e) => [0, 1, 2].reduce((s, k) => s + a[Math.floor(e / 3) * 3 + k] * b[k * 3 + (e % 3)], 0));
const IDENTITY = [1, 0, 0, 0, 1, 0, 0, 0, 1];

// a sample's 3×3 matrix whose first column's largest entry is last (a row swap) and whose determinant is negative
const A = [0.5, -3, 2, 1, 2, -1, 4, 1, 0.25];

describe("inverse, slogdet, det and logdet of a sample's matrix", () => {
  it("inverse: A·A⁻¹ = A⁻¹·A = I; the method, F.inverse and F.linalg.inv alike", () => {
    const [inv, f, linalg] = outputs("const a = x.view(-1, 3, 3);\n    return [a.inverse().flatten(1), F.inverse(a).flatten(1), F.linalg.inv(a).flatten(1)];", A);
    close(matmul3(A, inv), IDENTITY);
    close(matmul3(inv, A), IDENTITY);
    expect(f).toEqual(inv);
    expect(linalg).toEqual(inv);
  });

  it("slogdet: (sign, log|det|) by name and by position; det = sign·|det|; logdet NaN for det < 0", () => {
    const d = det3(A);
    expect(d).toBeLessThan(0);
    const [sign, logabs, sign0, logabs1, det, linalgDet, method, logdet, logdetPositive] = outputs(
      "const a = x.view(-1, 3, 3); const s = F.linalg.slogdet(a); const [s0, l1] = a.slogdet();\n    " +
        "return [s.sign, s.logabsdet, s0, l1, F.det(a), F.linalg.det(a), a.det(), a.logdet(), a.neg().logdet()];",
      A,
    );
    expect(sign).toEqual([-1]);
    close(logabs, [Math.log(Math.abs(d))]);
    expect(sign0).toEqual(sign);
    expect(logabs1).toEqual(logabs);
    close(det, [d]);
    expect(linalgDet).toEqual(det);
    expect(method).toEqual(det);
    expect(logdet[0]).toBeNaN();
    close(logdetPositive, [Math.log(-d)]);
  });

  it("a permutation matrix: sign −1, log|det| 0, its transpose as inverse", () => {
    const P = [0, 1, 0, 1, 0, 0, 0, 0, 1];
    const [sign, logabs, inv] = outputs("const s = F.linalg.slogdet(x.view(-1, 3, 3));\n    return [s.sign, s.logabsdet, x.view(-1, 3, 3).inverse().flatten(1)];", P);
    expect(sign).toEqual([-1]);
    expect(logabs).toEqual([0]);
    expect(inv.map((v) => v + 0)).toEqual([0, 1, 0, 1, 0, 0, 0, 0, 1]); // (+ 0: a −0 is 0)
  });

  it("a singular matrix: sign 0, log|det| −∞, det 0, logdet −∞ (PyTorch's); its inverse NaN (PyTorch raises)", () => {
    const S = [1, 2, 3, 2, 4, 6, 0, 1, 1];
    const [sign, logabs, det, logdet, inv] = outputs("const a = x.view(-1, 3, 3); const s = F.linalg.slogdet(a);\n    return [s.sign, s.logabsdet, a.det(), a.logdet(), a.inverse().flatten(1)];", S);
    expect(sign).toEqual([0]);
    expect(logabs).toEqual([-Infinity]);
    expect(det).toEqual([0]);
    expect(logdet).toEqual([-Infinity]);
    expect(inv.every(Number.isNaN)).toBe(true);
  });

  it("a stack of matrices [..., n, n]: each its own, the batch before them", () => {
    const [dets] = outputs("return [F.linalg.det(F.stack([x.view(-1, 3, 3), x.view(-1, 3, 3).mul(2)], 1))];", A);
    close(dets, [det3(A), 8 * det3(A)]);
  });
});

describe("solve and qr", () => {
  it("solve(A, B): A·X = B for a vector, a matrix, and X·A = B with left=false", () => {
    const b = [1, -2, 0.5];
    const [vector, matrix, right] = outputs(
      "const a = x.view(-1, 3, 3);\n    return [F.linalg.solve(a, F.tensor([1, -2, 0.5]).expand(1, 3).mul(x.sum(1, true).mul(0).add(1))), F.linalg.solve(a, a).flatten(1), F.linalg.solve(a, a.transpose(1, 2), { left: false }).flatten(1)];",
      A,
    );
    close(vector.length === 3 ? [0, 1, 2].map((i) => A[i * 3] * vector[0] + A[i * 3 + 1] * vector[1] + A[i * 3 + 2] * vector[2]) : [], b);
    close(matrix, IDENTITY);
    // X·A = Aᵀ
    close(matmul3(right, A), [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => A[j * 3 + i])));
  });

  it("qr of a constant (reduced): Q·R = A, QᵀQ = I, R upper triangular with LAPACK's signs (R's diagonal −sign(a₀₀)·‖a₀‖ first)", () => {
    // a 4×3 constant from the constructor, its factors as a parameter and a buffer: state, rounded
    // once to float32, so to 6 digits
    const fields = "q: nn.Parameter; r: Tensor;\n  constructor() {\n    super();\n    const [q, r] = F.linalg.qr(F.tensor([[2.0, 1, 0], [1, 3, 1], [0, 1, 4], [1, 1, 1]]));\n    this.q = new nn.Parameter(q);\n    this.registerBuffer(\"r\", r);\n  }";
    const [q, r] = outputs("return [this.q.flatten().unsqueeze(0).add(x.sum(1, true).mul(0)), this.r.flatten().unsqueeze(0).add(x.sum(1, true).mul(0))];", A, fields);
    const a = [[2, 1, 0], [1, 3, 1], [0, 1, 4], [1, 1, 1]];
    for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) expect([0, 1, 2].reduce((s, k) => s + q[i * 3 + k] * r[k * 3 + j], 0)).toBeCloseTo(a[i][j], 6);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect([0, 1, 2, 3].reduce((s, k) => s + q[k * 3 + i] * q[k * 3 + j], 0)).toBeCloseTo(i === j ? 1 : 0, 6);
    expect([r[3], r[6], r[7]]).toEqual([0, 0, 0]);
    expect(r[0]).toBeCloseTo(-Math.sqrt(4 + 1 + 0 + 1), 6);
  });

  it("qr of a random draw in a constructor (Glow's `q, _ = torch.qr(torch.randn(C, C))`) is an orthogonal initial value", () => {
    const { graph } = lowerSource(`${header}export class M extends nn.Module {\n  w: nn.Parameter;\n  constructor() {\n    super();\n    const [q] = F.qr(F.randn(4, 4));\n    this.w = new nn.Parameter(q.unsqueeze(2).unsqueeze(3));\n  }\n  forward(x: Tensor<[Batch, 4, 2, 2]>) {\n    return F.conv2d(x, this.w);\n  }\n}\n`);
    const w = graph.params.find((p) => p.attrs.name === "w")!;
    expect(w.shape).toEqual([4, 4, 1, 1]);
    expect(w.attrs.init).toMatchObject({ kind: "orthogonal", gain: 1 });
    // WaveGlow's `if torch.det(W) < 0: W[:, 0] = -1 * W[:, 0]` on it: refused, naming Q rather than the draw it came from
    expect(diagnostics("return x;", "constructor() { super(); const W = F.linalg.qr(F.randn(4, 4))[0]; const d = F.det(W); }")[0].message).toMatch(/^F\.det: x must be a tensor, got an orthogonal initial value \[4, 4\] \(QR's Q of a random draw\)/);
  });
});

describe("what is refused, and why", () => {
  it("a matrix that is not square, the batch inside a matrix, a uniform draw's QR, a tall complete QR", () => {
    expect(diagnostics("return x.view(-1, 3, 3).narrow(2, 0, 2).inverse().flatten(1);")[0].message).toMatch(/expects square matrices, got \[Batch, 3, 2\] \(3×2\)/);
    expect(diagnostics("return x.view(-1, 3, 3).permute(1, 2, 0).det();")[0].message).toMatch(/the matrices' own dims \[3, Batch\] hold the batch/);
    expect(diagnostics("return x;", "w = new nn.Parameter(F.qr(F.rand(3, 3))[0]);")[0].message).toMatch(/zero-mean normal draws/);
    expect(diagnostics("return x;", 'r = F.linalg.qr(F.ones(4, 3), { mode: "complete" });')[0].message).toMatch(/complete factorization of \[4, 3\]/);
  });

  it("matrices past the kernel's 96×96 are refused at code generation (TSDP6001), where the line is known", () => {
    const dir = writeFiles({ "model.ts": `${header}export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 97, 97]>) {\n    return x.inverse();\n  }\n}\n` });
    let error: unknown;
    try {
      generate(join(dir, "model.ts"), { target: "cpu" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CompileError);
    const d = (error as CompileError).diagnostics[0];
    expect(d.code).toBe("TSDP6001");
    expect(d.message).toMatch(/97×97 matrices has no kernel yet.*up to 96×96/);
    expect(d.loc?.line).toBe(4);
  });
});
