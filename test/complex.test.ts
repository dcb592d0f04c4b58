// Complex tensors (compiler/1-frontend/complex.ts): LLaMA's rotary embedding written as Meta's
// model.py writes it (torch.polar, view_as_complex, a complex product, view_as_real) against the
// rotation of each feature pair written out; the complex arithmetic against JavaScript's on the
// parts (to 1e-12, float64 reference); gradients through the parts by finite differences; refusals.
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const run = (src: string, inputs: Record<string, { shape: number[]; data: number[] }>) => {
  const { graph } = lowerSource(header + src);
  const ins = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, nd(v.shape, v.data)]));
  return runReference(graph, ins, initState(graph, 0)).outputs.map((o) => Array.from(o.data));
};
const first = (src: string) => diagnosticsOf(header + src).map((d) => `${d.code} ${d.loc?.line}: ${d.message}`)[0];

/** The real part of sample n's 2-D DFT at (u, v), written out, for a [N, 3, 4] grid. */
function dft2Real(grid: readonly number[], n: number, u: number, v: number): number {
  let sum = 0;
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) sum += grid[n * 12 + r * 4 + c] * Math.cos(-2 * Math.PI * (u * r / 3 + v * c / 4));
  return sum;
}

describe("complex tensors", () => {
  const [T, H, D] = [3, 2, 4];
  const xs = Array.from({ length: 2 * T * H * D }, (_, i) => Math.sin(i * 0.37) * 2);

  it("LLaMA's rotary embedding (polar, view_as_complex, ·, view_as_real) rotates each feature pair by t·θ_j", () => {
    const src = `function precompute(dim: number, end: number) {
  const freqs = F.arange(0, dim, 2).float().div(dim).mul(Math.log(10000)).neg().exp();
  const f = F.outer(F.arange(end).float(), freqs);
  return F.polar(F.onesLike(f), f);
}
export class M extends nn.Module {
  freqsCis = precompute(${D}, 8);
  forward(x: Tensor<[Batch, ${T}, ${H}, ${D}]>) {
    const xc = F.viewAsComplex(x.float().reshape(...x.shape.slice(0, -1), -1, 2));
    const fc = this.freqsCis.index(\`0:\${x.shape[1]}\`).view(1, ${T}, 1, ${D / 2});
    return F.viewAsReal(xc.mul(fc)).flatten(3).typeAs(x);
  }
}`;
    const [out] = run(src, { x: { shape: [2, T, H, D], data: xs } });
    const want: number[] = [];
    for (let n = 0; n < 2; n++)
      for (let t = 0; t < T; t++)
        for (let h = 0; h < H; h++)
          for (let j = 0; j < D / 2; j++) {
            const at = ((n * T + t) * H + h) * D + 2 * j;
            const angle = t * Math.exp((-2 * j / D) * Math.log(10000));
            const [a, b] = [xs[at], xs[at + 1]];
            want.push(a * Math.cos(angle) - b * Math.sin(angle), a * Math.sin(angle) + b * Math.cos(angle));
          }
    expect(out.length).toBe(want.length);
    out.forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));
  });

  it("arithmetic on the parts: ·, /, +, − (complex, real, number), conj, abs, angle, exp, real and imag", () => {
    const src = `export class M extends nn.Module {
  forward(a: Tensor<[Batch, 2]>, b: Tensor<[Batch, 2]>, r: Tensor<[Batch, 1]>) {
    const z = F.complex(a.index(":", 0), a.index(":", 1));
    const w = F.viewAsComplex(b.view(-1, 2));
    const parts = (v: any) => F.viewAsReal(v);
    return F.cat([parts(z.mul(w)), parts(z.div(w)), parts(z.add(w)), parts(z.sub(2)), parts(z.mul(r.squeeze(1))), parts(F.conj(z)), parts(z.exp()),
      z.abs().unsqueeze(1), F.angle(z).unsqueeze(1), F.real(z.mul(w)).unsqueeze(1), z.mul(w).imag.unsqueeze(1)], 1);
  }
}`;
    const a = [1.5, -0.5, -2, 3];
    const b = [0.25, 2, -1, -0.75];
    const r = [3, -0.5];
    const [out] = run(src, { a: { shape: [2, 2], data: a }, b: { shape: [2, 2], data: b }, r: { shape: [2, 1], data: r } });
    const want: number[] = [];
    for (let n = 0; n < 2; n++) {
      const [x, y, u, v] = [a[2 * n], a[2 * n + 1], b[2 * n], b[2 * n + 1]];
      const d = u * u + v * v;
      const e = Math.exp(x);
      const prod = [x * u - y * v, x * v + y * u];
      want.push(...prod, (x * u + y * v) / d, (y * u - x * v) / d, x + u, y + v, x - 2, y, x * r[n], y * r[n], x, -y, e * Math.cos(y), e * Math.sin(y), Math.hypot(x, y), Math.atan2(y, x), prod[0], prod[1]);
    }
    expect(out.length).toBe(want.length);
    out.forEach((v, i) => expect(v, `element ${i}`).toBeCloseTo(want[i], 12));
  });

  it("F's functions of a complex tensor are its methods (F.exp, F.sum); sum, mean and cumsum on both parts; einsum of complex operands (S4D's kernel)", () => {
    const src = `export class M extends nn.Module {
  forward(a: Tensor<[Batch, 2, 2]>, b: Tensor<[Batch, 2, 2]>) {
    const z = F.viewAsComplex(a);
    const w = F.viewAsComplex(b);
    const parts = (v: any) => F.viewAsReal(v).flatten(1);
    return F.cat([parts(F.exp(z)), parts(F.sum(z, 1, true)), parts(z.mean(1, true)), parts(z.cumsum(1)), parts(F.einsum("bn,bn->b", z, w).unsqueeze(1)), parts(F.einsum("bn,bn->b", z, b.index(":", ":", 0)).unsqueeze(1))], 1);
  }
}`;
    const a = [0.5, -1, 2, 0.25];
    const b = [1.5, 0.5, -0.75, 2];
    const [out] = run(src, { a: { shape: [1, 2, 2], data: a }, b: { shape: [1, 2, 2], data: b } });
    const z = [[a[0], a[1]], [a[2], a[3]]];
    const w = [[b[0], b[1]], [b[2], b[3]]];
    const mul = (p: number[], q: number[]) => [p[0] * q[0] - p[1] * q[1], p[0] * q[1] + p[1] * q[0]];
    const want = [
      ...z.flatMap(([x, y]) => [Math.exp(x) * Math.cos(y), Math.exp(x) * Math.sin(y)]),
      z[0][0] + z[1][0], z[0][1] + z[1][1],
      (z[0][0] + z[1][0]) / 2, (z[0][1] + z[1][1]) / 2,
      z[0][0], z[0][1], z[0][0] + z[1][0], z[0][1] + z[1][1],
      mul(z[0], w[0])[0] + mul(z[1], w[1])[0], mul(z[0], w[0])[1] + mul(z[1], w[1])[1],
      z[0][0] * b[0] + z[1][0] * b[2], z[0][1] * b[0] + z[1][1] * b[2],
    ];
    expect(out.length).toBe(want.length);
    out.forEach((v, i) => expect(v, `element ${i}`).toBeCloseTo(want[i], 12));
  });

  it("a real tensor's add, sub, mul, div and rsub of a complex operand are complex, x as x + 0i (S4D's -exp(log_A_real) + 1j·A_imag)", () => {
    // PyTorch promotes float32 ⊕ complex64 to complex64 (c10/core/ScalarType.h promoteTypes); main refused
    // x.add(z) with TSDP3003 "add expects a tensor or a number, got a complex tensor"
    const src = `export class M extends nn.Module {
  forward(a: Tensor<[Batch, 2]>, r: Tensor<[Batch, 1]>) {
    const z = F.complex(a.index(":", 0), a.index(":", 1));
    const x = r.squeeze(1);
    const parts = (v: any) => F.viewAsReal(v);
    return F.cat([parts(x.add(z)), parts(x.sub(z)), parts(x.mul(z)), parts(x.div(z)), parts(x.rsub(z)), parts(F.add(x, z)), parts(F.mul(x, z))], 1);
  }
}`;
    const a = [1.5, -0.5, -2, 3];
    const r = [3, -0.5];
    const [out] = run(src, { a: { shape: [2, 2], data: a }, r: { shape: [2, 1], data: r } });
    const want: number[] = [];
    for (let n = 0; n < 2; n++) {
      const [u, v, x] = [a[2 * n], a[2 * n + 1], r[n]];
      const d = u * u + v * v;
      // x/(u + vi) = x(u − vi)/(u² + v²)
      want.push(x + u, v, x - u, -v, x * u, x * v, (x * u) / d, (-x * v) / d, u - x, v, x + u, v, x * u, x * v);
    }
    expect(out.length).toBe(want.length);
    out.forEach((v, i) => expect(v, `element ${i}`).toBeCloseTo(want[i], 12));
    expect(
      gradCheck(`export class M extends nn.Module {
  w = new nn.Parameter(F.randn([3]));
  forward(x: Tensor<[Batch, 3, 2]>) {
    const z = F.viewAsComplex(x);
    return F.viewAsReal(F.exp(this.w).neg().add(z).div(this.w.add(3)).mul(z)).flatten(1);
  }
}
`).checked,
    ).toBeGreaterThan(5);
  });

  it("a complex value chosen by the mode joins each part", () => {
    const src = `export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 2]>) {\n    const z = F.viewAsComplex(x);\n    return F.viewAsReal(this.training ? z : z.conj());\n  }\n}\n`;
    const { graph } = lowerSource(header + src);
    const at = (training: boolean) => Array.from(runReference(graph, { x: nd([1, 2], [3, 4]) }, initState(graph, 0), { training }).outputs[0].data);
    expect([at(true), at(false)]).toEqual([[3, 4], [3, -4]]);
  });

  it("gradients reach the real tensors through the parts", () => {
    expect(
      gradCheck(`export class M extends nn.Module {
  w = new nn.Parameter(F.randn([3, 2]));
  forward(x: Tensor<[Batch, 3, 2]>) {
    const z = F.viewAsComplex(x).mul(F.viewAsComplex(this.w)).div(F.polar(F.onesLike(this.w.index(":", 0)).mul(2), this.w.index(":", 1)));
    return F.cat([F.viewAsReal(z.conj()).flatten(1), z.abs()], 1);
  }
}
`).checked,
    ).toBeGreaterThan(10);
  });

  it("FNO's and FEDformer's out_ft: torch.zeros(…, dtype=cfloat), slices written by copy_/fill_/zero_, is_complex", () => {
    // out_ft = zeros(cfloat); out_ft[:, :, :3] = x_ft[:, :, :3]; irfft(out_ft, n=8): x low-passed to
    // its first 3 frequencies, y_t = (X_0 + 2·Σ_{k=1,2} Re(X_k e^{2πikt/8})) / 8, written out below
    const src = `export class M extends nn.Module {
  forward(x: Tensor<[Batch, 2, 8]>) {
    const xFt = F.fft.rfft(x);
    const outFt = F.zeros(x.size(0), 2, 5, { dtype: F.cfloat });
    outFt.index(":", ":", ":3").copy_(xFt.index(":", ":", ":3"));
    const low = F.fft.irfft(outFt, { n: 8 });
    // a real source has imaginary part 0; fill_ and zero_ write both parts
    const z = F.ones(2, 3, { dtype: F.cfloat }).mul(F.complex(F.full([2, 3], 5), F.full([2, 3], 7)));
    z.index(0, "1:").copy_(F.tensor([2, 3]));
    z.index(1, 0).fill_(4);
    z.index(1, "1:").zero_();
    const flags = F.tensor([F.isComplex(xFt) ? 1 : 0, F.isComplex(x) ? 1 : 0, xFt.isComplex() ? 1 : 0, x.isComplex() ? 1 : 0]);
    return [low, F.viewAsReal(z).flatten().unsqueeze(0).expand(x.size(0), 12), flags.unsqueeze(0).expand(x.size(0), 4)];
  }
}`;
    const x = Array.from({ length: 2 * 2 * 8 }, (_, i) => Math.cos(i * 0.71) + 0.1 * i);
    const [low, z, flags] = run(src, { x: { shape: [2, 2, 8], data: x } });
    for (let row = 0; row < 4; row++)
      for (let t = 0; t < 8; t++) {
        let y = 0;
        for (let k = 0; k < 3; k++) {
          // X_k e^{2πikt/8} = Σ_j x_j e^{2πik(t−j)/8}: its real part
          let re = 0;
          for (let j = 0; j < 8; j++) re += x[row * 8 + j] * Math.cos((2 * Math.PI * k * (t - j)) / 8);
          y += (k === 0 ? 1 : 2) * re;
        }
        expect(low[row * 8 + t]).toBeCloseTo(y / 8, 10);
      }
    expect(z.slice(0, 12)).toEqual([5, 7, 2, 0, 3, 0, 4, 0, 0, 0, 0, 0]);
    expect(flags.slice(0, 4)).toEqual([1, 0, 1, 0]);
  });

  it("refuses a complex result, an in-place change, a random complex factory, complex128 and a view_as_complex of a last dim other than 2", () => {
    const model = (body: string) => `export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 3, 2]>) {\n    ${body}\n  }\n}\n`;
    expect(first(model("return F.viewAsComplex(x);"))).toMatch(/^TSDP4005 \d+: forward returns a complex tensor/);
    expect(first(model("const z = F.viewAsComplex(x);\n    z.mul_(2);\n    return x;"))).toMatch(/^TSDP2001 \d+: mul_: complex tensors are changed out of place/);
    // torch.randn(..., dtype=torch.cfloat): each part N(0, 1/2) ("For complex dtypes, the tensor is i.i.d. sampled
    // from a complex normal distribution with zero mean and unit variance", torch.randn's docs); the message says so
    expect(first(`export class M extends nn.Module {\n  c = new nn.Parameter(F.viewAsReal(F.randn(3, 2, { dtype: (F as any).cfloat })));\n  forward(x: Tensor<[Batch, 3, 2]>) {\n    return x.mul(this.c);\n  }\n}\n`)).toMatch(
      /^TSDP3004 \d+: F.randn: dtype must be "float32", got complex64 \(F.cfloat\): .*each N\(0, ½\).*new nn.Parameter\(F.randn\(H, N, 2\).mul\(Math.SQRT1_2\)\)/,
    );
    expect(first(model("return F.viewAsReal(F.zeros(3, 2, { dtype: (F as any).cdouble }));"))).toMatch(/^TSDP3001 \d+: F.cdouble is not supported: .*write F.cfloat/);
    expect(first(model("return F.viewAsReal(F.viewAsComplex(x.view(-1, 2, 3)));"))).toMatch(/^TSDP4001 \d+: F.viewAsComplex takes a tensor whose last dim is 2 .* got \[Batch, 2, 3\]/);
  });
});

describe("F.fft: torch.fft's transforms", () => {
  /** The DFT written out: X_k = Σ_j x_j e^{∓2πi·jk/n}, scaled. */
  function dft(re: number[], im: number[], inverse: boolean, scale: number, m = re.length): [number[], number[]] {
    const n = re.length;
    const [outRe, outIm] = [new Array(m).fill(0), new Array(m).fill(0)];
    for (let k = 0; k < m; k++)
      for (let j = 0; j < n; j++) {
        const t = ((inverse ? 2 : -2) * Math.PI * j * k) / n;
        outRe[k] += (re[j] * Math.cos(t) - im[j] * Math.sin(t)) * scale;
        outIm[k] += (re[j] * Math.sin(t) + im[j] * Math.cos(t)) * scale;
      }
    return [outRe, outIm];
  }
  const N = 6;
  const signal = Array.from({ length: 2 * N }, (_, i) => Math.cos(i * 1.7) + i * 0.1);
  const model = (body: string, width = N) => `export class M extends nn.Module {\n  forward(x: Tensor<[Batch, ${width}]>) {\n    ${body}\n  }\n}\n`;
  const rows = (data: number[], width = N) => [data.slice(0, width), data.slice(width, 2 * width)];

  it("fft, ifft and rfft are the DFT (every norm); irfft inverts rfft; n pads or cuts", () => {
    for (const [norm, fwd, inv] of [["backward", 1, 1 / N], ["ortho", 1 / Math.sqrt(N), 1 / Math.sqrt(N)], ["forward", 1 / N, 1]] as const) {
      const [out] = run(model(`const z = F.complex(x, x.mul(0.5));\n    return F.cat([F.viewAsReal(F.fft.fft(z, { norm: "${norm}" })).flatten(1), F.viewAsReal(F.fft.ifft(z, { norm: "${norm}" })).flatten(1), F.viewAsReal(F.fft.rfft(x, { norm: "${norm}" })).flatten(1)], 1);`), { x: { shape: [2, N], data: signal } });
      rows(signal).forEach((row, n) => {
        const half = row.map((v) => v * 0.5);
        const [fr, fi] = dft(row, half, false, fwd);
        const [ir, ii] = dft(row, half, true, inv);
        const [rr, ri] = dft(row, row.map(() => 0), false, fwd, N / 2 + 1);
        const want = [...fr.flatMap((v, k) => [v, fi[k]]), ...ir.flatMap((v, k) => [v, ii[k]]), ...rr.flatMap((v, k) => [v, ri[k]])];
        const got = out.slice(n * want.length, (n + 1) * want.length);
        got.forEach((v, i) => expect(v, `${norm} element ${i}`).toBeCloseTo(want[i], 10));
      });
    }
    const [round] = run(model("return F.fft.irfft(F.fft.rfft(x, { norm: 'ortho' }), { n: 6, norm: 'ortho' });"), { x: { shape: [2, N], data: signal } });
    round.forEach((v, i) => expect(v).toBeCloseTo(signal[i], 10));
    // n: zero-padded to 8, or cut to 4
    const [padded] = run(model("return F.viewAsReal(F.fft.fft(x, { n: 8 })).flatten(1);"), { x: { shape: [2, N], data: signal } });
    const [pr, pi] = dft([...signal.slice(0, N), 0, 0], new Array(8).fill(0), false, 1);
    pr.forEach((v, k) => expect(padded[2 * k]).toBeCloseTo(v, 10));
    pi.forEach((v, k) => expect(padded[2 * k + 1]).toBeCloseTo(v, 10));
    const [cut] = run(model("return F.fft.fft(x, { n: 4 }).real;"), { x: { shape: [2, N], data: signal } });
    dft(signal.slice(0, 4), [0, 0, 0, 0], false, 1)[0].forEach((v, k) => expect(cut[k]).toBeCloseTo(v, 10));
  });

  it("FNet's fft(fft(x, -1), -2).real is fft2's real part; rfft2 then irfft2 gives x back", () => {
    const grid = Array.from({ length: 2 * 12 }, (_, i) => Math.sin(i * 0.9));
    const src = `export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 3, 4]>) {\n    const a = F.fft.fft(F.fft.fft(x, { dim: -1 }), { dim: -2 }).real;\n    return F.cat([a.flatten(1), F.fft.fft2(x).real.flatten(1), F.fft.irfft2(F.fft.rfft2(x), { s: [3, 4] }).flatten(1)], 1);\n  }\n}\n`;
    const [out] = run(src, { x: { shape: [2, 3, 4], data: grid } });
    for (let n = 0; n < 2; n++) {
      const o = out.slice(n * 36, (n + 1) * 36);
      for (let u = 0; u < 3; u++)
        for (let v = 0; v < 4; v++) {
          const sum = dft2Real(grid, n, u, v);
          expect(o[u * 4 + v]).toBeCloseTo(sum, 10);
          expect(o[12 + u * 4 + v]).toBeCloseTo(sum, 10);
        }
      o.slice(24).forEach((v, i) => expect(v).toBeCloseTo(grid[n * 12 + i], 10));
    }
  });

  it("the N-D forms: HF FNet's fftn(x, dim=(1, 2)).real is the 2-D DFT's real part, rfftn then irfftn gives x back; without dim on a batched tensor, refused asking for the dims", () => {
    const grid = Array.from({ length: 2 * 12 }, (_, i) => Math.cos(i * 0.7) + 0.1 * i);
    const src = `export class M extends nn.Module {\n  forward(x: Tensor<[Batch, 3, 4]>) {\n    return F.cat([F.fft.fftn(x, { dim: [1, 2] }).real.flatten(1), F.fft.ifftn(F.fft.fftn(x, { dim: [1, 2] }), { dim: [1, 2] }).real.flatten(1), F.fft.irfftn(F.fft.rfftn(x, { dim: [1, 2] }), { s: [3, 4], dim: [1, 2] }).flatten(1)], 1);\n  }\n}\n`;
    const [out] = run(src, { x: { shape: [2, 3, 4], data: grid } });
    for (let n = 0; n < 2; n++) {
      const o = out.slice(n * 36, (n + 1) * 36);
      for (let u = 0; u < 3; u++)
        for (let v = 0; v < 4; v++) {
          expect(o[u * 4 + v]).toBeCloseTo(dft2Real(grid, n, u, v), 10);
        }
      o.slice(12, 24).forEach((v, i) => expect(v).toBeCloseTo(grid[n * 12 + i], 10));
      o.slice(24).forEach((v, i) => expect(v).toBeCloseTo(grid[n * 12 + i], 10));
    }
    expect(first(model("return F.fft.fftn(x).real;"))).toMatch(/^TSDP4001 \d+: F\.fft\.fftn without dim transforms every dim of \[Batch, 6\], the batch too, .*give the dims to transform/);
  });

  it("gradients through the transforms; refusals: the batch dim, a complex input to rfft, a real one to irfft", () => {
    expect(gradCheck(`export class M extends nn.Module {\n  w = new nn.Parameter(F.randn([5]));\n  forward(x: Tensor<[Batch, 5]>) {\n    const s = F.fft.rfft(x.mul(this.w));\n    return F.fft.irfft(s.mul(F.fft.rfft(this.w)), { n: 5 });\n  }\n}\n`).checked).toBeGreaterThan(10);
    expect(first(model("return F.fft.fft(x, { dim: 0 }).real;"))).toMatch(/^TSDP4001 \d+: F.fft.fft: dim 0 of \[Batch, 6\] is the batch/);
    expect(first(model("return F.fft.rfft(F.fft.fft(x)).real;"))).toMatch(/^TSDP3003 \d+: F.fft.rfft takes a real tensor, got a complex one/);
    expect(first(model("return F.fft.irfft(x);"))).toMatch(/^TSDP3003 \d+: F.fft.irfft takes the complex half-spectrum/);
  });
});
