// F.affineGrid and F.gridSample (a spatial transformer network, PyTorch's STN tutorial) through
// the frontend and the float64 reference: against a direct loop written from PyTorch's
// grid_sampler_2d (unnormalize, the four neighbours' weights, zeros, border or reflection padding, nearest
// rounding half to even), the identity transform reproducing the image, a one-pixel shift, and
// autodiff's gradients (of the input and of θ through the grid) against finite differences.
import { describe, expect, it } from "vitest";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { gradCheck } from "./gradcheck.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const [N, C, H, W] = [2, 2, 3, 4];
const image = Array.from({ length: N * C * H * W }, (_, i) => Math.sin(i * 0.9) + 0.1 * i);
const model = (body: string, inputs = `x: Tensor<[Batch, ${C}, ${H}, ${W}]>, theta: Tensor<[Batch, 2, 3]>`) =>
  `${header}\nexport class M extends nn.Module {\n  forward(${inputs}) {\n    ${body}\n  }\n}\n`;

function run(body: string, theta: number[], inputs?: string): number[] {
  const { graph } = lowerSource(model(body, inputs));
  return Array.from(runReference(graph, { x: nd([N, C, H, W], image), theta: nd([N, 2, 3], theta) }, initState(graph, 0)).outputs[0].data);
}

/** PyTorch's grid_sampler_2d, written out: the grid affine_grid makes from θ, then each output's sample. */
/** PyTorch's reflect_coordinates: v mirrored between twiceLo/2 and twiceHi/2. */
function reflectCoordinate(v: number, twiceLo: number, twiceHi: number): number {
  if (twiceLo === twiceHi) return 0;
  const [lo, span] = [twiceLo / 2, (twiceHi - twiceLo) / 2];
  const d = Math.abs(v - lo);
  const extra = d % span;
  const flips = Math.floor(d / span);
  return flips % 2 === 0 ? extra + lo : span - extra + lo;
}

function direct(theta: number[], outH: number, outW: number, mode: "bilinear" | "nearest", padding: "zeros" | "border" | "reflection", align: boolean): number[] {
  const coord = (j: number, size: number) => (size === 1 ? 0 : align ? -1 + (2 * j) / (size - 1) : (2 * j + 1) / size - 1);
  const unnormalize = (v: number, size: number) => (align ? ((v + 1) / 2) * (size - 1) : ((v + 1) * size - 1) / 2);
  const out: number[] = [];
  for (let n = 0; n < N; n++) {
    const t = theta.slice(n * 6, n * 6 + 6);
    for (let c = 0; c < C; c++)
      for (let h = 0; h < outH; h++)
        for (let w = 0; w < outW; w++) {
          const [gx, gy] = [coord(w, outW), coord(h, outH)];
          let ix = unnormalize(t[0] * gx + t[1] * gy + t[2], W);
          let iy = unnormalize(t[3] * gx + t[4] * gy + t[5], H);
          if (padding === "reflection")
            [ix, iy] = align ? [reflectCoordinate(ix, 0, 2 * (W - 1)), reflectCoordinate(iy, 0, 2 * (H - 1))] : [reflectCoordinate(ix, -1, 2 * W - 1), reflectCoordinate(iy, -1, 2 * H - 1)];
          if (padding === "border" || padding === "reflection") [ix, iy] = [Math.min(Math.max(ix, 0), W - 1), Math.min(Math.max(iy, 0), H - 1)];
          const at = (y: number, x: number) => (x >= 0 && x < W && y >= 0 && y < H ? image[((n * C + c) * H + y) * W + x] : 0);
          if (mode === "nearest") {
            const even = (v: number) => (Math.abs(v % 1) === 0.5 ? 2 * Math.round(v / 2) : Math.round(v));
            out.push(at(even(iy), even(ix)));
            continue;
          }
          const [x0, y0] = [Math.floor(ix), Math.floor(iy)];
          const [x1, y1] = [x0 + 1, y0 + 1];
          out.push(at(y0, x0) * (x1 - ix) * (y1 - iy) + at(y0, x1) * (ix - x0) * (y1 - iy) + at(y1, x0) * (x1 - ix) * (iy - y0) + at(y1, x1) * (ix - x0) * (iy - y0));
        }
  }
  return out;
}

// a rotation with a scale and a shift that samples partly outside the image, and a shear
const THETA = [0.8, -0.35, 0.1, 0.3, 0.9, -0.25, 1.1, 0.2, -0.4, -0.15, 0.7, 0.3];

describe("F.affineGrid + F.gridSample", () => {
  it("equal PyTorch's sampler written out, for each mode, padding and alignCorners", () => {
    for (const mode of ["bilinear", "nearest"] as const)
      for (const padding of ["zeros", "border", "reflection"] as const)
        for (const align of [false, true]) {
          const o = `{ alignCorners: ${align} }`;
          const got = run(`const grid = F.affineGrid(theta, [x.size(0), ${C}, 5, 3], ${o}); return F.gridSample(x, grid, { mode: "${mode}", paddingMode: "${padding}", alignCorners: ${align} });`, THETA);
          const want = direct(THETA, 5, 3, mode, padding, align);
          expect(got.length).toBe(want.length);
          got.forEach((v, i) => expect(v, `${mode} ${padding} align ${align} [${i}]`).toBeCloseTo(want[i], 12));
        }
  });

  it("the identity transform gives the image back; a shift of 2/W moves it one pixel, zeros coming in", () => {
    const identity = [1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0];
    const sample = "return F.gridSample(x, F.affineGrid(theta, x.size()));";
    run(sample, identity).forEach((v, i) => expect(v).toBeCloseTo(image[i], 12));
    const shifted = run(sample, [1, 0, 2 / W, 0, 1, 0, 1, 0, 2 / W, 0, 1, 0]);
    for (let i = 0; i < image.length; i++) expect(shifted[i]).toBeCloseTo(i % W === W - 1 ? 0 : image[i + 1], 12);
  });

  it("gradients of the input and of θ (through the grid) are the formula's", () => {
    // a localization net's θ from a linear layer, as the STN tutorial's fc_loc
    const { checked } = gradCheck(`
export class M extends nn.Module {
  loc = new nn.Linear(12, 6);
  forward(x: Tensor<[Batch, 1, 3, 4]>) {
    const theta = this.loc(x.flatten(1)).mul(0.3).add(F.tensor([1, 0, 0, 0, 1, 0])).view(-1, 2, 3);
    const grid = F.affineGrid(theta, x.size(), { alignCorners: false });
    return F.gridSample(x.mul(2), grid, { alignCorners: false }).flatten(1);
  }
}`);
    expect(checked).toBeGreaterThan(0);
  });

  it("reflection padding's gradient of θ is the mirrored coordinate's (±1 through each fold)", () => {
    const { checked } = gradCheck(`
export class M extends nn.Module {
  t = new nn.Parameter(F.tensor([1.3, 0.2, 0.35, -0.1, 1.2, -0.3]));
  forward(x: Tensor<[Batch, 1, 3, 4]>) {
    const theta = this.t.view(1, 2, 3).expand(x.size(0), 2, 3);
    return F.gridSample(x, F.affineGrid(theta, x.size(), { alignCorners: false }), { paddingMode: "reflection", alignCorners: false }).flatten(1);
  }
}`);
    expect(checked).toBeGreaterThan(0);
  });

  it("refuses what it does not compute, with where and why", () => {
    const first = (body: string) => diagnosticsOf(model(body)).map((d) => `${d.code}: ${d.message}`)[0];
    expect(first("return F.gridSample(x, F.affineGrid(theta, x.size()), { paddingMode: 'mirror' });")).toMatch(/^TSDP3004: F.gridSample: paddingMode must be one of/);
    expect(first("return F.affineGrid(theta.view(-1, 3, 2), x.size());")).toMatch(/^TSDP4001: F.affineGrid expects theta \[N, 2, 3\]/);
    expect(first("return F.gridSample(x, x);")).toMatch(/^TSDP4001: F.gridSample expects a grid \[N, Ho, Wo, 2\]/);
  });
});

describe("5-D: F.affineGrid(θ [N, 3, 4], [N, C, D, H, W]) + F.gridSample of a volume (trilinear)", () => {
  const [D3, H3, W3] = [3, 2, 4];
  const volume = Array.from({ length: N * C * D3 * H3 * W3 }, (_, i) => Math.cos(i * 0.7) + 0.05 * i);
  // a rotation about an oblique axis with a scale and a shift, partly outside the volume, per sample
  const THETA3 = [0.9, -0.3, 0.1, 0.05, 0.25, 0.8, -0.2, -0.1, -0.15, 0.2, 1.1, 0.3, 1.2, 0.1, 0, -0.3, 0, 0.7, 0.4, 0.2, 0.3, -0.2, 0.9, -0.45];
  /** PyTorch's grid_sampler_3d, written out: affine_grid's (x, y, z) from θ, then trilinear or nearest. */
  function direct3(outD: number, outH: number, outW: number, mode: "bilinear" | "nearest", padding: "zeros" | "border" | "reflection", align: boolean): number[] {
    const coord = (j: number, size: number) => (size === 1 ? 0 : align ? -1 + (2 * j) / (size - 1) : (2 * j + 1) / size - 1);
    const unnormalize = (v: number, size: number) => (align ? ((v + 1) / 2) * (size - 1) : ((v + 1) * size - 1) / 2);
    const pad = (v: number, size: number) => {
      if (padding === "reflection") v = align ? reflectCoordinate(v, 0, 2 * (size - 1)) : reflectCoordinate(v, -1, 2 * size - 1);
      return padding === "zeros" ? v : Math.min(Math.max(v, 0), size - 1);
    };
    const out: number[] = [];
    for (let n = 0; n < N; n++) {
      const t = THETA3.slice(n * 12, n * 12 + 12);
      for (let c = 0; c < C; c++)
        for (let d = 0; d < outD; d++)
          for (let h = 0; h < outH; h++)
            for (let w = 0; w < outW; w++) {
              const [gx, gy, gz] = [coord(w, outW), coord(h, outH), coord(d, outD)];
              const ix = pad(unnormalize(t[0] * gx + t[1] * gy + t[2] * gz + t[3], W3), W3);
              const iy = pad(unnormalize(t[4] * gx + t[5] * gy + t[6] * gz + t[7], H3), H3);
              const iz = pad(unnormalize(t[8] * gx + t[9] * gy + t[10] * gz + t[11], D3), D3);
              const at = (z: number, y: number, x: number) => (x >= 0 && x < W3 && y >= 0 && y < H3 && z >= 0 && z < D3 ? volume[(((n * C + c) * D3 + z) * H3 + y) * W3 + x] : 0);
              if (mode === "nearest") {
                const even = (v: number) => (Math.abs(v % 1) === 0.5 ? 2 * Math.round(v / 2) : Math.round(v));
                out.push(at(even(iz), even(iy), even(ix)));
                continue;
              }
              const [x0, y0, z0] = [Math.floor(ix), Math.floor(iy), Math.floor(iz)];
              let sum = 0;
              for (const [z, wz] of [[z0, z0 + 1 - iz], [z0 + 1, iz - z0]])
                for (const [y, wy] of [[y0, y0 + 1 - iy], [y0 + 1, iy - y0]])
                  for (const [x, wx] of [[x0, x0 + 1 - ix], [x0 + 1, ix - x0]]) sum += at(z, y, x) * wz * wy * wx;
              out.push(sum);
            }
    }
    return out;
  }
  const inputs = `x: Tensor<[Batch, ${C}, ${D3}, ${H3}, ${W3}]>, theta: Tensor<[Batch, 3, 4]>`;
  const run3 = (body: string) => {
    const { graph } = lowerSource(model(body, inputs));
    return { graph, out: Array.from(runReference(graph, { x: nd([N, C, D3, H3, W3], volume), theta: nd([N, 3, 4], THETA3) }, initState(graph, 0)).outputs[0].data) };
  };

  it("equal PyTorch's 3-D sampler written out, for each mode, padding and alignCorners; the grid is [N, Do, Ho, Wo, 3]", () => {
    for (const mode of ["bilinear", "nearest"] as const)
      for (const padding of ["zeros", "border", "reflection"] as const)
        for (const align of [false, true]) {
          const { graph, out } = run3(`const grid = F.affineGrid(theta, [x.size(0), ${C}, 2, 3, 5], { alignCorners: ${align} }); return F.gridSample(x, grid, { mode: "${mode}", paddingMode: "${padding}", alignCorners: ${align} });`);
          expect(graph.outputs[0].shape.slice(1)).toEqual([C, 2, 3, 5]);
          const want = direct3(2, 3, 5, mode, padding, align);
          expect(out.length).toBe(want.length);
          out.forEach((v, i) => expect(v, `${mode} ${padding} align ${align} [${i}]`).toBeCloseTo(want[i], 12));
        }
    const { graph } = run3("return F.affineGrid(theta, x.size());");
    expect(graph.outputs[0].shape.slice(1)).toEqual([D3, H3, W3, 3]);
  });

  it("gradients of the volume and of θ (through the grid) are the formula's", () => {
    const { checked } = gradCheck(`
export class M extends nn.Module {
  loc = new nn.Linear(12, 12);
  forward(x: Tensor<[Batch, 1, 2, 2, 3]>) {
    const theta = this.loc(x.flatten(1)).mul(0.3).add(F.tensor([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0])).view(-1, 3, 4);
    return F.gridSample(x.mul(2), F.affineGrid(theta, x.size()), { paddingMode: "border" }).flatten(1);
  }
}`);
    expect(checked).toBeGreaterThan(0);
  });

  it("refuses a θ or grid of the other form, with where and why", () => {
    const first = (body: string) => diagnosticsOf(model(body, inputs)).map((d) => `${d.code}: ${d.message}`)[0];
    expect(first("return F.affineGrid(theta.view(-1, 2, 6).narrow(2, 0, 3), x.size());")).toMatch(/^TSDP4001: F.affineGrid expects theta \[N, 3, 4\] \(a 3-D affine transform per sample, for a 5-D size\)/);
    expect(first("return F.gridSample(x, theta.view(-1, 1, 1, 4, 3).narrow(4, 0, 2));")).toMatch(/^TSDP4001: F.gridSample expects a grid \[N, Do, Ho, Wo, 3\]/);
  });
});
