// nn.init.orthogonal_ (compiler/reference/orthogonal.ts): gain·Q of normal draws, as PyTorch's QR
// with R's diagonal made positive. Checked in float64 (tolerance 1e-12): QᵀQ = I for a tall matrix
// and QQᵀ = I for a wide one, R = QᵀA upper triangular with a positive diagonal (what makes Q
// PyTorch's), the gain, a conv weight flattened after its first dim, and the refusals. The harness's
// values on the CPU target: test/random-draws-target.test.ts.
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { orthogonalize } from "../compiler/reference/orthogonal.ts";
import { normals } from "../compiler/reference/rng.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

/** (rows × k) · (k × cols) of row-major matrices, b given transposed or not. */
function gram(q: Float64Array, rows: number, cols: number, byColumns: boolean): number[][] {
  const n = byColumns ? cols : rows;
  const at = (i: number, t: number) => (byColumns ? q[t * cols + i] : q[i * cols + t]);
  const len = byColumns ? rows : cols;
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => Array.from({ length: len }, (_, t) => at(i, t) * at(j, t)).reduce((a, b) => a + b, 0)));
}

function expectIdentity(g: number[][], scale = 1): void {
  g.forEach((row, i) => row.forEach((v, j) => expect(v, `(${i}, ${j})`).toBeCloseTo(i === j ? scale : 0, 12)));
}

describe("orthogonalize", () => {
  it("a tall matrix gets orthonormal columns, a wide one orthonormal rows, a square one both", () => {
    const tall = orthogonalize(normals(12 * 5, 3, 7), 12, 5, 1);
    expectIdentity(gram(tall, 12, 5, true));
    const wide = orthogonalize(normals(4 * 9, 3, 8), 4, 9, 1);
    expectIdentity(gram(wide, 4, 9, false));
    const square = orthogonalize(normals(36, 3, 9), 6, 6, 1);
    expectIdentity(gram(square, 6, 6, true));
    expectIdentity(gram(square, 6, 6, false));
  });

  it("is PyTorch's Q: R = QᵀA is upper triangular with a positive diagonal", () => {
    const [rows, cols] = [10, 4];
    const a = normals(rows * cols, 5, 11);
    const q = orthogonalize(a, rows, cols, 1);
    for (let i = 0; i < cols; i++)
      for (let j = 0; j < cols; j++) {
        const r = Array.from({ length: rows }, (_, t) => q[t * cols + i] * a[t * cols + j]).reduce((x, y) => x + y, 0);
        if (i > j) expect(Math.abs(r), `R[${i}, ${j}]`).toBeLessThan(1e-12);
        if (i === j) expect(r, `R[${i}, ${i}]`).toBeGreaterThan(0);
      }
  });

  it("multiplies by the gain", () => {
    const q = orthogonalize(normals(20, 1, 2), 5, 4, 3);
    expectIdentity(gram(q, 5, 4, true), 9);
  });
});

describe("nn.init.orthogonal_", () => {
  const model = (init: string) => `${header}export class M extends nn.Module {
  fc = new nn.Linear(6, 3);
  conv = new nn.Conv2d(2, 4, 3);
  constructor() { super(); ${init} }
  forward(x: Tensor<[Batch, 6]>) { return this.fc(x); }
}
`;
  it("initializes a layer's weight, a conv weight flattened after its first dim, with its gain", () => {
    const { graph } = lowerSource(model("nn.init.orthogonal_(this.fc.weight, Math.sqrt(2)); nn.init.orthogonal_(this.conv.weight);"));
    const state = initState(graph, 4);
    expect(graph.params.find((p) => p.attrs.name === "fc.weight")!.attrs.init).toEqual({ kind: "orthogonal", gain: Math.SQRT2 });
    expectIdentity(gram(state.params.get("fc.weight")!.data as Float64Array, 3, 6, false), 2);
    // [4, 2, 3, 3] as 4 × 18: orthonormal rows
    expectIdentity(gram(state.params.get("conv.weight")!.data as Float64Array, 4, 18, false));
    // a different seed, a different matrix
    expect(Array.from(initState(graph, 5).params.get("fc.weight")!.data)).not.toEqual(Array.from(state.params.get("fc.weight")!.data));
  });

  it("refuses a 1-D tensor, as PyTorch", () => {
    expect(diagnosticsOf(model("nn.init.orthogonal_(this.fc.bias);")).map((d) => `${d.code}: ${d.message}`)[0]).toMatch(/^TSDP3004: nn\.init\.orthogonal_: only tensors with 2 or more dimensions are supported, got \[3\]/);
  });
});
