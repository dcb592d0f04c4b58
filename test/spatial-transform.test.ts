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
