import { nd } from "../reference/ndarray.ts";
import { cFloat } from "./elementwise.ts";
import { defineOp, ShapeError } from "./op.ts";

// F.interpolate's weights along one spatial dim, as a constant matrix W [in, out]: the resampled
// tensor is x·W along that dim (a matmul), so that interpolation is two GEMMs over a 2-D image and
// its gradient is the matmul's (Wᵀ applied to dy). W is a factory: element (j, i) is a function of
// its flat index, computed in a register by whatever kernel reads it, with no buffer of its own.
//
// Each entry is the weight of source position j in destination position i, by PyTorch's rules
// (aten/src/ATen/native/UpSample.h), computed in float32 as PyTorch computes them for float:
//   scale = alignCorners ? (in − 1)/(out − 1) : (scaleFactor given ? 1/scaleFactor : in/out)
//   nearest:  src = min(⌊i·scale⌋, in − 1); weight 1 there
//   nearest-exact: src = min(⌊(i + ½)·scale⌋, in − 1) (PyTorch's, which matches scikit-image and PIL)
//   bilinear: src = alignCorners ? i·scale : max((i + ½)·scale − ½, 0); h = ⌊src⌋, λ = src − h;
//             weight 1 − λ at h and λ at h + 1 (both at h on the last row)
//   area:     adaptive average pooling: 1/(e − s) for s ≤ j < e, s = ⌊i·in/out⌋, e = ⌈(i + 1)·in/out⌉
//   bicubic:  src = alignCorners ? i·scale : (i + ½)·scale − ½ (not clamped); x = ⌊src⌋, t = src − x;
//             Keys' cubic (A = −0.75) weights c₂(t + 1), c₁(t), c₁(1 − t), c₂(2 − t) at x − 1 … x + 2,
//             each index clamped into [0, in − 1] (so border weights add up there), where
//             c₁(d) = ((A + 2)d − (A + 3))d² + 1 and c₂(d) = ((Ad − 5A)d + 8A)d − 4A
//   antialias (bilinear and bicubic; PyTorch's separable filter, which PIL's resize also uses):
//             the filter is the triangle (bilinear) or Keys' cubic with A = −0.5 (bicubic), stretched
//             by the scale when downsampling: support = r·max(scale, 1) with r = 1 or 2, centre
//             c = (i + ½)·scale, taps j from max(trunc(c − support + ½), 0) to
//             min(trunc(c + support + ½), in) − 1, weight filter((j − c + ½)/max(scale, 1)),
//             divided by the taps' sum (so the border weights are renormalized, not clamped)
// The cost is in·out multiply-adds per row instead of 1 or 2: right for the small feature maps of
// a decoder or a U-Net; a gather kernel would be the answer for large images.

export interface ResampleAttrs {
  readonly inSize: number;
  readonly outSize: number;
  readonly mode: "nearest" | "nearest-exact" | "bilinear" | "area" | "bicubic";
  readonly alignCorners: boolean;
  /** The scaleFactor the user gave for this dim (PyTorch uses it, not in/out, when given). */
  readonly scaleFactor: number | null;
  /** PyTorch's antialias: bilinear and bicubic only (the frontend refuses it elsewhere, as PyTorch does). */
  readonly antialias?: boolean;
}

const f32 = Math.fround;

/** PyTorch's scale (area_pixel_compute_scale), as a float. */
export function resampleScale(a: ResampleAttrs): number {
  if ((a.mode === "bilinear" || a.mode === "bicubic") && a.alignCorners) return a.outSize > 1 ? f32((a.inSize - 1) / (a.outSize - 1)) : 0;
  return a.scaleFactor !== null ? f32(1 / a.scaleFactor) : f32(a.inSize / a.outSize);
}

/** Weight of source j in destination i, with float32 rounding at each step as PyTorch's float kernel. */
export function resampleWeight(a: ResampleAttrs, j: number, i: number): number {
  if (a.mode === "area") {
    const start = Math.floor((i * a.inSize) / a.outSize);
    const end = Math.ceil(((i + 1) * a.inSize) / a.outSize);
    return j >= start && j < end ? f32(1 / (end - start)) : 0;
  }
  const scale = resampleScale(a);
  if (a.antialias) return antialiasWeight(a, scale, j, i);
  if (a.mode === "nearest") return Math.min(Math.floor(f32(f32(i) * scale)), a.inSize - 1) === j ? 1 : 0;
  if (a.mode === "nearest-exact") return Math.min(Math.floor(f32(f32(i + 0.5) * scale)), a.inSize - 1) === j ? 1 : 0;
  if (a.mode === "bicubic") {
    const src = a.alignCorners ? f32(scale * i) : f32(f32(scale * f32(i + 0.5)) - 0.5);
    const x = Math.floor(src);
    const t = f32(src - x);
    return cubicWeights(t).reduce((w, c, k) => w + (Math.min(Math.max(x - 1 + k, 0), a.inSize - 1) === j ? c : 0), 0);
  }
  const src = a.alignCorners ? f32(scale * i) : Math.max(f32(f32(scale * f32(i + 0.5)) - 0.5), 0);
  const h = Math.floor(src);
  const lambda = f32(src - h);
  const h1 = h < a.inSize - 1 ? h + 1 : h;
  return (j === h ? f32(1 - lambda) : 0) + (j === h1 ? lambda : 0);
}

/** Keys' cubic convolution weights (A = −0.75, PyTorch's) of the taps x − 1 … x + 2 at fraction t, in float32. */
function cubicWeights(t: number): number[] {
  const A = -0.75;
  const c1 = (d: number) => f32(f32(f32(f32(f32(A + 2) * d) - (A + 3)) * d) * d + 1);
  const c2 = (d: number) => f32(f32(f32(f32(f32(A * d) - 5 * A) * d) + 8 * A) * d - 4 * A);
  return [c2(f32(t + 1)), c1(t), c1(f32(1 - t)), c2(f32(f32(1 - t) + 1))];
}

/** The antialias filter's half-width in source positions, its taps' bound and the 1/stretch, as PyTorch's. */
function antialiasSpan(a: ResampleAttrs, scale: number) {
  const radius = a.mode === "bicubic" ? 2 : 1;
  const support = scale >= 1 ? f32(radius * scale) : radius;
  return { support, maxTaps: Math.ceil(support) * 2 + 1, invScale: scale >= 1 ? f32(1 / scale) : 1 };
}

/** The antialias filter at distance d (in the stretched coordinates): triangle, or Keys' cubic with A = −0.5. */
function antialiasFilter(mode: ResampleAttrs["mode"], d: number): number {
  const x = Math.abs(d);
  if (mode !== "bicubic") return x < 1 ? f32(1 - x) : 0;
  if (x < 1) return f32(f32(f32(1.5 * x) - 2.5) * x * x + 1);
  if (x < 2) return f32(f32(f32(f32(-0.5 * x) + 2.5) * x) - 4) * x + 2;
  return 0;
}

/** Weight of source j in destination i with antialias: the filter's taps around the centre, normalized to sum 1. */
function antialiasWeight(a: ResampleAttrs, scale: number, j: number, i: number): number {
  const { support, maxTaps, invScale } = antialiasSpan(a, scale);
  const center = f32(scale * f32(i + 0.5));
  const first = Math.max(Math.trunc(f32(f32(center - support) + 0.5)), 0);
  const taps = Math.min(Math.max(Math.min(Math.trunc(f32(f32(center + support) + 0.5)), a.inSize) - first, 0), maxTaps);
  let total = 0;
  let mine = 0;
  for (let k = 0; k < taps; k++) {
    const w = antialiasFilter(a.mode, f32((k + first - center + 0.5) * invScale));
    total = f32(total + w);
    if (k + first === j) mine = w;
  }
  return total !== 0 ? f32(mine / total) : mine;
}

/** The antialias weight as a C expression: a loop over the taps (their number depends on the scale). */
function antialiasExpr(a: ResampleAttrs, scale: number, i: string, j: string): string {
  const { support, maxTaps, invScale } = antialiasSpan(a, scale);
  const filter = a.mode === "bicubic"
    ? "x < 1.0f ? (1.5f * x - 2.5f) * x * x + 1.0f : x < 2.0f ? ((-0.5f * x + 2.5f) * x - 4.0f) * x + 2.0f : 0.0f"
    : "x < 1.0f ? 1.0f - x : 0.0f";
  return `([&]() -> float {
    const float center = ${cFloat(scale)} * (${i} + 0.5f);
    const int first = max((int)(center - ${cFloat(support)} + 0.5f), 0);
    const int taps = min(max(min((int)(center + ${cFloat(support)} + 0.5f), ${a.inSize}) - first, 0), ${maxTaps});
    float total = 0.0f, mine = 0.0f;
    for (int k = 0; k < taps; k++) {
      const float x = fabsf(((float)(k + first) - center + 0.5f) * ${cFloat(invScale)});
      const float w = ${filter};
      total += w;
      if (k + first == ${j}) mine = w;
    }
    return total != 0.0f ? mine / total : mine;
  }())`;
}

export const resampleWeights = defineOp<ResampleAttrs>({
  name: "resample_weights",
  family: "elementwise",
  inputs: [],
  infer: (_, a, who) => {
    if (![a.inSize, a.outSize].every((n) => Number.isInteger(n) && n >= 1))
      throw new ShapeError(`${who}: input and output sizes must be positive integers, got ${a.inSize} → ${a.outSize}`, "invalidArgument");
    return { shape: [a.inSize, a.outSize], dtype: "f32" };
  },
  reference: (_, a) => {
    const out = nd([a.inSize, a.outSize]);
    for (let j = 0; j < a.inSize; j++) for (let i = 0; i < a.outSize; i++) out.data[j * a.outSize + i] = resampleWeight(a, j, i);
    return out;
  },
  codegen: {
    kind: "pointwise",
    expr: (_, a, ctx) => {
      const j = `((int)((${ctx.index}) / ${a.outSize}))`;
      if (a.mode === "area") {
        // integer window bounds of output i: [⌊i·in/out⌋, ⌈(i + 1)·in/out⌉)
        const o = `((int)((${ctx.index}) % ${a.outSize}))`;
        const start = `((${o} * ${a.inSize}) / ${a.outSize})`;
        const end = `(((${o} + 1) * ${a.inSize} + ${a.outSize - 1}) / ${a.outSize})`;
        return `((${j} >= ${start} && ${j} < ${end}) ? 1.0f / (float)(${end} - ${start}) : 0.0f)`;
      }
      const i = `((float)((${ctx.index}) % ${a.outSize}))`;
      if (a.antialias) return antialiasExpr(a, resampleScale(a), i, j);
      const scale = cFloat(resampleScale(a));
      if (a.mode === "nearest" || a.mode === "nearest-exact") {
        const src = a.mode === "nearest" ? `(int)floorf(${i} * ${scale})` : `(int)floorf((${i} + 0.5f) * ${scale})`;
        return `((${src} < ${a.inSize - 1} ? ${src} : ${a.inSize - 1}) == ${j} ? 1.0f : 0.0f)`;
      }
      if (a.mode === "bicubic") {
        const src = a.alignCorners ? `(${scale} * ${i})` : `(${scale} * (${i} + 0.5f) - 0.5f)`;
        const x = `((int)floorf(${src}))`;
        const t = `(${src} - floorf(${src}))`;
        const c1 = (d: string) => `((1.25f * ${d} - 2.25f) * ${d} * ${d} + 1.0f)`;
        const c2 = (d: string) => `(((-0.75f * ${d} + 3.75f) * ${d} - 6.0f) * ${d} + 3.0f)`;
        const weights = [c2(`(${t} + 1.0f)`), c1(t), c1(`(1.0f - ${t})`), c2(`((1.0f - ${t}) + 1.0f)`)];
        const at = (k: number) => `min(max(${x} ${k === 0 ? "- 1" : k === 1 ? "" : `+ ${k - 1}`}, 0), ${a.inSize - 1})`;
        return `(${weights.map((w, k) => `(${at(k)} == ${j} ? ${w} : 0.0f)`).join(" + ")})`;
      }
      const src = a.alignCorners ? `(${scale} * ${i})` : `fmaxf(${scale} * (${i} + 0.5f) - 0.5f, 0.0f)`;
      const h = `((int)${src})`;
      const lambda = `(${src} - (float)${h})`;
      return `((${j} == ${h} ? 1.0f - ${lambda} : 0.0f) + (${j} == (${h} < ${a.inSize - 1} ? ${h} + 1 : ${h}) ? ${lambda} : 0.0f))`;
    },
  },
});
