import { dimEq, formatDim, formatShape, imagesOf, isBatch, type Dim } from "../ir/shape.ts";
import type { Node } from "../ir/node.ts";
import { convGradInputCol2imMaps } from "./conv-col2im.ts";
import { defineOp, requireFloat, selectLoad, ShapeError, type GemmIndexMaps, type GemmMapOptions, type TensorType } from "./op.ts";

// Convolution and pooling over NCHW tensors, PyTorch's layouts: weight [out, in/groups, kh, kw].
// Output size per spatial dim: floor((in + 2·pad − dilation·(k − 1) − 1) / stride) + 1.

export type Pair = readonly [number, number];

export function convOutSize(size: number, k: number, stride: number, pad: number, dilation = 1): number {
  return Math.floor((size + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;
}

export function spatial(x: TensorType, who: string): [Dim, number, number] {
  if (x.shape.length !== 4)
    throw new ShapeError(`${who} expects a 4-D input [N, C, H, W], got ${formatShape(x.shape)}`);
  const [, c, h, w] = x.shape;
  if (isBatch(c) || isBatch(h) || isBatch(w))
    throw new ShapeError(`${who} expects the batch only in dim 0, got ${formatShape(x.shape)}`);
  return [c, h, w];
}

export function outSpatial(
  who: string,
  x: TensorType,
  h: number,
  w: number,
  k: Pair,
  stride: Pair,
  pad: Pair,
  dilation: Pair = [1, 1],
): [number, number] {
  // The frontend checks these where the user writes them; checking again here keeps any other
  // caller from turning a stride of 0 into an Infinity-sized output.
  const positive = (p: Pair) => p.every((v) => Number.isSafeInteger(v) && v >= 1);
  const bad = !positive(k) ? "kernel" : !positive(stride) ? "stride" : !positive(dilation) ? "dilation" : !pad.every((v) => Number.isSafeInteger(v) && v >= 0) ? "padding" : undefined;
  if (bad) {
    const value = { kernel: k, stride, dilation, padding: pad }[bad];
    throw new ShapeError(`${who}: ${bad} must be ${bad === "padding" ? "non-negative" : "positive"} integers, got ${value[0]}×${value[1]}`, "invalidArgument");
  }
  const oh = convOutSize(h, k[0], stride[0], pad[0], dilation[0]);
  const ow = convOutSize(w, k[1], stride[1], pad[1], dilation[1]);
  if (oh < 1 || ow < 1)
    throw new ShapeError(
      `${who}: the input ${formatShape(x.shape)} is too small for a ${k[0]}×${k[1]} kernel ` +
        `(padding ${pad[0]}×${pad[1]}, stride ${stride[0]}×${stride[1]}): the output would be ${oh}×${ow}`,
    );
  return [oh, ow];
}

export interface ConvAttrs {
  readonly stride: Pair;
  readonly padding: Pair;
  readonly dilation: Pair;
  readonly groups: number;
}

export const conv2d = defineOp<ConvAttrs>({
  name: "conv2d",
  // C[pixel, out channel] = Σ over (ci, kh, kw) of im2col(x)·weight, per group z
  codegen: { kind: "gemm", maps: convMaps, macsPerOutput: (n) => (n.inputs[1].shape.slice(1) as number[]).reduce((p, q) => p * q, 1), biased: true, foldsPool: true },
  traits: { layer: true },
  family: "conv",
  inputs: ["x", "weight", "bias?"],
  infer: ([x, wt, b], a, who) => {
    requireFloat(x, who);
    const [c, h, w] = spatial(x, who);
    const [out, cPerGroup, kh, kw] = wt.shape as number[];
    if (!(Number.isSafeInteger(a.groups) && a.groups >= 1 && out % a.groups === 0))
      throw new ShapeError(`${who}: groups (${a.groups}) must be a positive integer dividing the ${out} output channels`, "invalidArgument");
    if (c !== cPerGroup * a.groups)
      throw new ShapeError(
        `${who} expects ${cPerGroup * a.groups} input channels, got ${formatDim(c)} from ${formatShape(x.shape)}`,
      );
    if (b && !(b.shape.length === 1 && dimEq(b.shape[0], out)))
      throw new ShapeError(`${who}: bias must be [${out}], got ${formatShape(b.shape)}`);
    const [oh, ow] = outSpatial(who, x, h, w, [kh, kw], a.stride, a.padding, a.dilation);
    return { shape: [x.shape[0], out, oh, ow], dtype: "f32" };
  },
  reference: ([x, wt, b], a) => {
    const [n, c, h, w] = x.shape;
    const [o, cg, kh, kw] = wt.shape;
    const oh = convOutSize(h, kh, a.stride[0], a.padding[0], a.dilation[0]);
    const ow = convOutSize(w, kw, a.stride[1], a.padding[1], a.dilation[1]);
    const og = o / a.groups;
    const out = new Float64Array(n * o * oh * ow);
    const [sy, sx] = a.stride;
    const [py, px] = a.padding;
    const [dy, dx] = a.dilation;
    // Loop order: one weight at a time, accumulating its contribution to a whole output plane,
    // so the innermost loop walks a row of the input and of the output.
    for (let ni = 0; ni < n; ni++)
      for (let oc = 0; oc < o; oc++) {
        const g = Math.floor(oc / og);
        const plane = ((ni * o + oc) * oh) * ow;
        if (b) out.fill(b.data[oc], plane, plane + oh * ow);
        for (let ci = 0; ci < cg; ci++) {
          const inBase = (ni * c + g * cg + ci) * h * w;
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++) {
              const wv = wt.data[((oc * cg + ci) * kh + ky) * kw + kx];
              // the output columns whose input column ix = xw·sx − px + kx·dx lies inside the image
              const off = kx * dx - px;
              const x0 = Math.max(0, Math.ceil(-off / sx));
              const x1 = Math.min(ow, Math.floor((w - 1 - off) / sx) + 1);
              for (let y = 0; y < oh; y++) {
                const iy = y * sy - py + ky * dy;
                if (iy < 0 || iy >= h) continue;
                const row = inBase + iy * w + off;
                const orow = plane + y * ow;
                for (let xw = x0; xw < x1; xw++) out[orow + xw] += wv * x.data[row + xw * sx];
              }
            }
        }
      }
    return { shape: [n, o, oh, ow], data: out };
  },
  grad: ({ node, dy, emit }) => {
    const [x, wt, b] = node.inputs;
    const conv = convAttrs(conv2d.attrsOf(node));
    const dx = emit("conv2d_grad_input", [dy, wt], { ...conv, inputShape: x.shape.slice(1) });
    const dw = emit("conv2d_grad_weight", [dy, x], { ...conv, weightShape: wt.shape });
    return b ? [dx, dw, emit("sum", [dy], { dims: [0, 2, 3], keepdim: false })] : [dx, dw];
  },
});

/**
 * Calls `tap` for every (output position, kernel tap) pair of a convolution whose input
 * position is in bounds, with the flat indices into x [N, C, H, W], weight [O, C/g, kh, kw] and
 * y [N, O, oh, ow]: y[yi] = Σ x[xi]·w[wi] over the taps. Both gradients are this sum read backwards.
 */
function convTaps(
  xShape: readonly number[],
  wShape: readonly number[],
  a: ConvAttrs,
  tap: (xi: number, wi: number, yi: number) => void,
): void {
  const [n, c, h, w] = xShape;
  const [o, cg, kh, kw] = wShape;
  const oh = convOutSize(h, kh, a.stride[0], a.padding[0], a.dilation[0]);
  const ow = convOutSize(w, kw, a.stride[1], a.padding[1], a.dilation[1]);
  const og = o / a.groups;
  for (let ni = 0; ni < n; ni++)
    for (let oc = 0; oc < o; oc++) {
      const g = Math.floor(oc / og);
      for (let y = 0; y < oh; y++)
        for (let xw = 0; xw < ow; xw++)
          for (let ci = 0; ci < cg; ci++)
            for (let ky = 0; ky < kh; ky++) {
              const iy = y * a.stride[0] - a.padding[0] + ky * a.dilation[0];
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = xw * a.stride[1] - a.padding[1] + kx * a.dilation[1];
                if (ix < 0 || ix >= w) continue;
                tap(((ni * c + g * cg + ci) * h + iy) * w + ix, ((oc * cg + ci) * kh + ky) * kw + kx, ((ni * o + oc) * oh + y) * ow + xw);
              }
            }
    }
}

/** Checks that dy [N, O, oh, ow] is what conv2d makes of x [N, C, H, W] and weight [O, C/g, kh, kw]. */
function checkConvGrad(dy: TensorType, n: Dim, c: number, h: number, w: number, weight: readonly number[], a: ConvAttrs, who: string): void {
  requireFloat(dy, who, "gradient");
  if (dy.shape.length !== 4) throw new ShapeError(`${who} expects a 4-D gradient [N, O, oh, ow], got ${formatShape(dy.shape)}`);
  const [o, cg, kh, kw] = weight;
  if (c !== cg * a.groups)
    throw new ShapeError(`${who}: ${c} input channels do not match the weight [${weight.join(", ")}] with ${a.groups} groups`);
  const oh = convOutSize(h, kh, a.stride[0], a.padding[0], a.dilation[0]);
  const ow = convOutSize(w, kw, a.stride[1], a.padding[1], a.dilation[1]);
  const want: Dim[] = [n, o, oh, ow];
  if (!want.every((d, i) => dimEq(d, dy.shape[i])))
    throw new ShapeError(`${who}: the gradient ${formatShape(dy.shape)} should be ${formatShape(want)}`);
}

/** ∂L/∂x of conv2d: dy [N, O, oh, ow] and weight [O, C/g, kh, kw] → [N, C, H, W] (H, W from inputShape). */
export const conv2dGradInput = defineOp<ConvAttrs & { readonly inputShape: readonly [number, number, number] }>({
  name: "conv2d_grad_input",
  codegen: {
    kind: "gemm",
    maps: (node, a, o) => convGradInputMaps(node, a, a.inputShape, undefined, o),
    macsPerOutput: gradInputMacsPerOutput,
  },
  family: "conv",
  inputs: ["dy", "weight"],
  infer: ([dy, wt], a, who) => {
    requireFloat(wt, who, "weight");
    if (wt.shape.length !== 4 || wt.shape.some(isBatch))
      throw new ShapeError(`${who} expects a weight [O, C/g, kh, kw], got ${formatShape(wt.shape)}`);
    const [c, h, w] = a.inputShape;
    checkConvGrad(dy, dy.shape[0], c, h, w, wt.shape as number[], a, who);
    return { shape: [dy.shape[0], c, h, w], dtype: "f32" };
  },
  // dx[xi] = Σ dy[yi]·w[wi] over the taps that read x[xi]
  reference: ([dy, wt], a) => {
    const [c, h, w] = a.inputShape;
    const shape = [dy.shape[0], c, h, w];
    const dx = new Float64Array(shape[0] * c * h * w);
    convTaps(shape, wt.shape, a, (xi, wi, yi) => (dx[xi] += dy.data[yi] * wt.data[wi]));
    return { shape, data: dx };
  },
  // Bilinear in dy and w: ⟨g, dx⟩ = Σ g[xi]·dy[yi]·w[wi] over the taps, so ∂/∂dy is the convolution of g
  // and ∂/∂w the weight gradient of g — the second derivatives a gradient penalty on a convolutional
  // critic needs (an input gradient taken in forward with createGraph, compiler/1-frontend/autograd-grad.ts)
  grad: ({ node, dy: g, emit }) => {
    const [dy, wt] = node.inputs;
    const conv: Record<string, unknown> = { ...convAttrs(node.attrs as unknown as ConvAttrs) };
    return [emit("conv2d", [g, wt], conv), emit("conv2d_grad_weight", [dy, g], { ...conv, weightShape: wt.shape })];
  },
});

/** ∂L/∂weight of conv2d: dy [N, O, oh, ow] and x [N, C, H, W] → weightShape [O, C/g, kh, kw]. */
export const conv2dGradWeight = defineOp<ConvAttrs & { readonly weightShape: readonly [number, number, number, number] }>({
  name: "conv2d_grad_weight",
  // per sample, each weight gathers one product per output pixel
  codegen: {
    kind: "gemm",
    maps: convGradWeightMaps,
    macsPerOutput: (node) => (node.inputs[0].shape.slice(2) as number[]).reduce((p, q) => p * q, 1),
    // A[m, k] = dy[img, z·Og + m, oh, ow] over k = (img, oh, ow): its row sums are the bias gradient Σ dy over dims 0, 2, 3
    rowSums: (node, a) => ({ sums: [{ source: node.inputs[0], dims: [0, 2, 3] }], index: `z * ${a.weightShape[0] / a.groups} + m` }),
  },
  family: "conv",
  inputs: ["dy", "x"],
  infer: ([dy, x], a, who) => {
    requireFloat(x, who);
    const [c, h, w] = spatial(x, who);
    checkConvGrad(dy, x.shape[0], c as number, h, w, a.weightShape, a, who);
    return { shape: [...a.weightShape], dtype: "f32" };
  },
  // dw[wi] = Σ dy[yi]·x[xi] over every output position and sample that used w[wi]
  reference: ([dy, x], a) => {
    const dw = new Float64Array(a.weightShape.reduce((p, q) => p * q, 1));
    convTaps(x.shape, a.weightShape, a, (xi, wi, yi) => (dw[wi] += dy.data[yi] * x.data[xi]));
    return { shape: [...a.weightShape], data: dw };
  },
  // Bilinear in dy and x: ⟨G, dw⟩ = Σ G[wi]·dy[yi]·x[xi], so ∂/∂dy is the convolution of x by G and
  // ∂/∂x the input gradient of dy through G (MAML's inner step over a convolution)
  grad: ({ node, dy: g, emit }) => {
    const [dy, x] = node.inputs;
    const conv: Record<string, unknown> = { ...convAttrs(node.attrs as unknown as ConvAttrs) };
    return [emit("conv2d", [x, g], conv), emit("conv2d_grad_input", [dy, g], { ...conv, inputShape: x.shape.slice(1) })];
  },
});

/** conv2d's attributes alone, as a plain object for `emit` (a gradient op adds its own). */
export function convAttrs(a: ConvAttrs): ConvAttrs {
  return { stride: a.stride, padding: a.padding, dilation: a.dilation, groups: a.groups };
}

// ---------------------------------------------------------------------------------------------
// The CUDA GEMM's index maps: C[M, N] = A[M, K]·B[K, N] per z (the group), with conv2d as an
// implicit GEMM (im2col without the copy).

/** x's geometry and the convolution's, as both patch stagings of x (ConvPatch) take them. */
function patchGeometry(a: ConvAttrs, C: number, H: number, W: number, Cg: number, KH: number, KW: number) {
  return {
    C,
    H,
    W,
    Cg,
    KH,
    KW,
    stride: [a.stride[0], a.stride[1]] as const,
    padding: [a.padding[0], a.padding[1]] as const,
    dilation: [a.dilation[0], a.dilation[1]] as const,
  };
}

function convMaps(node: Node, a: ConvAttrs, { pooled }: GemmMapOptions): GemmIndexMaps {
  const [x, w, bias] = node.inputs;
  const images = imagesOf(x.shape[0]);
  const [, C, H, W] = x.shape as [unknown, number, number, number];
  const [O, Cg, KH, KW] = w.shape as number[];
  const [, , OH, OW] = node.shape as [unknown, number, number, number];
  const G = a.groups;
  const Og = O / G;
  const K = Cg * KH * KW;
  const PH = Math.floor(OH / 2);
  const PW = Math.floor(OW / 2);
  // Row m names one conv output pixel; with a fused pool, rows come in fours, one pooling window each.
  const pixel = pooled
    ? [
        `const int win = m & 3, p = m >> 2;`,
        `const int pw = p % ${PW}, ph = (p / ${PW}) % ${PH}, img = p / ${PW * PH};`,
        `const int oh = 2 * ph + (win >> 1), ow = 2 * pw + (win & 1);`,
      ]
    : [`const int ow = m % ${OW}, oh = (m / ${OW}) % ${OH}, img = m / ${OW * OH};`];
  const loadA = [
    ...pixel,
    `const int kw = k % ${KW}, kh = (k / ${KW}) % ${KH}, ci = z * ${Cg} + k / ${KW * KH};`,
    `const int ih = oh * ${a.stride[0]} - ${a.padding[0]} + kh * ${a.dilation[0]};`,
    `const int iw = ow * ${a.stride[1]} - ${a.padding[1]} + kw * ${a.dilation[1]};`,
    `const bool inside = ih >= 0 && ih < ${H} && iw >= 0 && iw < ${W};`,
    ...selectLoad("a", `(((size_t)img * ${C} + ci) * ${H} + ih) * ${W} + iw`),
  ].join("\n    ");
  const gatherA = {
    rowFields: "int ih0, iw0; size_t base;",
    rowInit: [...pixel, `r.ih0 = oh * ${a.stride[0]} - ${a.padding[0]}; r.iw0 = ow * ${a.stride[1]} - ${a.padding[1]};`, `r.base = (size_t)img * ${C * H * W};`].join("\n    "),
    colFields: "int dh, dw; size_t off;",
    colInit: [
      `const int kw = k % ${KW}, kh = (k / ${KW}) % ${KH}, ci = z * ${Cg} + k / ${KW * KH};`,
      `c.dh = kh * ${a.dilation[0]}; c.dw = kw * ${a.dilation[1]}; c.off = (size_t)ci * ${H * W};`,
    ].join("\n    "),
    value: [
      `const int ih = r.ih0 + c.dh, iw = r.iw0 + c.dw;`,
      `const bool inside = ih >= 0 && ih < ${H} && iw >= 0 && iw < ${W};`,
      ...selectLoad("a", `r.base + c.off + ih * ${W} + iw`),
    ].join("\n    "),
  };
  const storeIndex = pooled
    ? `((size_t)(m / ${PW * PH}) * ${O} + z * ${Og} + n) * ${PH * PW} + m % ${PH * PW}`
    : `((size_t)(m / ${OH * OW}) * ${O} + z * ${Og} + n) * ${OH * OW} + m % ${OH * OW}`;
  return {
    loadA,
    loadB: `return b[((size_t)(z * ${Og} + n)) * ${K} + k];`,
    storeIndex,
    // row m = 4·window + 2·(oh mod 2) + (ow mod 2), as `pixel` above
    ...(pooled
      ? {
          unpooledStoreIndex:
            `(((size_t)((m >> 2) / ${PW * PH}) * ${O} + z * ${Og} + n) * ${OH} + 2 * (((m >> 2) / ${PW}) % ${PH}) + ((m & 3) >> 1)) * ${OW}` +
            ` + 2 * ((m >> 2) % ${PW}) + (m & 1)`,
          // (m & 1) is the pixel's ow − 2·pw: a window row's two pixels are adjacent, and the first,
          // at an even ow of a row of OW, is at an even index when OW is even
          unpooledPairs: OW % 2 === 0,
        }
      : {}),
    M: pooled ? `4 * ${images.c} * ${PH * PW}` : `${images.c} * ${OH * OW}`,
    mAt: (b) => (pooled ? 4 * images.at(b) * PH * PW : images.at(b) * OH * OW),
    N: Og,
    K,
    Z: String(G),
    mDesc: pooled ? `4 conv pixels per pooled pixel × ${images.c} × ${PH}×${PW}` : `${images.c} × ${OH}×${OW} output pixels`,
    gatherA,
    patchA: {
      ...patchGeometry(a, C, H, W, Cg, KH, KW),
      pooled,
      rowsPerImage: pooled ? 4 * PH * PW : OH * OW,
      images: images.c,
      pixel: pixel.join("\n    "),
      ohOf: (m) => (pooled ? `(2 * (((${m} >> 2) / ${PW}) % ${PH}) + ((${m} & 3) >> 1))` : `((${m} / ${OW}) % ${OH})`),
      pixelOf: (m) => {
        if (!pooled) return { img: Math.floor(m / (OH * OW)), oh: Math.floor(m / OW) % OH, ow: m % OW };
        const p = m >> 2;
        return { img: Math.floor(p / (PH * PW)), oh: 2 * (Math.floor(p / PW) % PH) + ((m & 3) >> 1), ow: 2 * (p % PW) + (m & 1) };
      },
    },
    // with stride 1, adjacent output pixels (m) read adjacent input pixels: a warp's staging along m
    // reads a few runs of contiguous x (pooled: the two rows of 8 windows, 16 pixels each), where
    // along k it reads KW-long runs of a kernel row, one or two sectors each
    ...(a.stride[1] === 1 ? { contiguousA: "m" as const } : {}),
    // one bias per output channel z·N + n
    ...(bias ? { bias: { node: bias, index: `z * ${Og} + n` } } : {}),
    // 4 adjacent pixels of one image (m) are adjacent in the output when an image's pixels come in fours
    ...(!pooled && (OH * OW) % 4 === 0 ? { storeRun: "m" as const } : {}),
  };
}

/**
 * The multiply-adds per element of conv2d's input gradient (or conv_transpose2d's output), on
 * average: every value of dy times every weight of its group, O·OH·OW·(C/g)·KH·KW per image, over
 * the C·H·W outputs. (As an implicit GEMM over input pixels it issues Og·KH·KW per output, the
 * zero border and stride holes included: LeNet's conv2 2.25× this; conv-col2im.ts issues only these.)
 */
export function gradInputMacsPerOutput(node: Node, a: ConvAttrs): number {
  const [O, , KH, KW] = node.inputs[1].shape as number[];
  const [, , OH, OW] = node.inputs[0].shape as number[];
  const [, , H, W] = node.shape as number[];
  return ((O / a.groups) * KH * KW * OH * OW) / (H * W);
}

/**
 * ∂L/∂x of conv2d as an implicit GEMM: rows are input pixels (img, ih, iw), columns the input
 * channels of a group, and the reduction runs over (o, kh, kw); dy is gathered where
 * ih + pad − kh·dil lands on a multiple of the stride. The same map computes conv_transpose2d,
 * which is this op with x as dy; `bias` (per output channel) is its bias.
 *
 * With `skipZeroSteps` (the GPU's shape) rows are ordered (ih, img, iw) and the reduction (kh, o, kw):
 * a block's rows then span one or two input rows ih, and a k-step one or two kernel rows kh, so a
 * block skips the steps whose kernel rows miss dy for all its input rows (GemmKSkip) — LeNet's conv2
 * runs 2/3 of its k-steps. Adjacent rows are still adjacent iw (coalesced dy, runs of 4 in dx where
 * W is a multiple of 4).
 */
export function convGradInputMaps(node: Node, a: ConvAttrs, [C, H, W]: readonly number[], bias: Node | undefined, o: Pick<GemmMapOptions, "skipZeroSteps" | "col2im">): GemmIndexMaps {
  const tapwise = o.col2im ? convGradInputCol2imMaps(node, a, [C, H, W], bias) : undefined;
  if (tapwise) return tapwise;
  const skipZeroSteps = o.skipZeroSteps ?? false;
  const [dy, w] = node.inputs;
  const images = imagesOf(dy.shape[0]);
  const [O, Cg, KH, KW] = w.shape as number[];
  const [, , OH, OW] = dy.shape as [unknown, number, number, number];
  const Og = O / a.groups;
  const K = Og * KH * KW;
  const [sh, sw] = a.stride;
  const [ph, pw] = a.padding;
  const [dh, dw] = a.dilation;
  // row m and reduction index k as (img, ih, iw) and (o, kh, kw): plain, or by input row and kernel row
  const row = skipZeroSteps
    ? { iw: `m % ${W}`, img: `(m / ${W}) % ${images.c}`, ih: `m / (${W} * ${images.c})` }
    : { iw: `m % ${W}`, img: `m / ${W * H}`, ih: `(m / ${W}) % ${H}` };
  const col = skipZeroSteps
    ? { kw: `k % ${KW}`, o: `(k / ${KW}) % ${Og}`, kh: `k / ${KW * Og}` }
    : { kw: `k % ${KW}`, o: `k / ${KW * KH}`, kh: `(k / ${KW}) % ${KH}` };
  const loadA = [
    `const int iw = ${row.iw}, ih = ${row.ih}, img = ${row.img};`,
    `const int kw = ${col.kw}, kh = ${col.kh}, o = z * ${Og} + ${col.o};`,
    `const int ty = ih + ${ph} - kh * ${dh}, tx = iw + ${pw} - kw * ${dw};`,
    `const int oh = ty / ${sh}, ow = tx / ${sw};`,
    `const bool inside = ty >= 0 && tx >= 0 && ty % ${sh} == 0 && tx % ${sw} == 0 && oh < ${OH} && ow < ${OW};`,
    ...selectLoad("a", `(((size_t)img * ${O} + o) * ${OH} + oh) * ${OW} + ow`),
  ].join("\n    ");
  const gatherA = {
    rowFields: "int ih, iw; size_t base;",
    rowInit: `const int iw = ${row.iw}, ih = ${row.ih}, img = ${row.img};\n    r.ih = ih; r.iw = iw; r.base = (size_t)img * ${O * OH * OW};`,
    colFields: "int th, tw; size_t off;",
    colInit: [
      `const int kw = ${col.kw}, kh = ${col.kh}, o = z * ${Og} + ${col.o};`,
      `c.th = ${ph} - kh * ${dh}; c.tw = ${pw} - kw * ${dw}; c.off = (size_t)o * ${OH * OW};`,
    ].join("\n    "),
    value: [
      `const int ty = r.ih + c.th, tx = r.iw + c.tw;`,
      `const int oh = ty / ${sh}, ow = tx / ${sw};`,
      `const bool inside = ty >= 0 && tx >= 0 && ty % ${sh} == 0 && tx % ${sw} == 0 && oh < ${OH} && ow < ${OW};`,
      ...selectLoad("a", `r.base + c.off + oh * ${OW} + ow`),
    ].join("\n    "),
  };
  // kernel row kh reaches dy from input row ih when 0 ≤ ih + pad − kh·dil ≤ (OH − 1)·stride (the
  // stride's divisibility aside: a superset, so no step that reads dy is skipped)
  const reaches = (ih: number, kh: number) => kh * dh <= ih + ph && kh * dh >= ih + ph - (OH - 1) * sh;
  const kSkip = skipZeroSteps
    ? {
        // the block's input rows [ihFirst, ihLast] and the step's kernel rows [khFirst, khLast]: both
        // intervals, and kh reaches a contiguous range of ih, so no overlap is one of two comparisons
        skip: (BM: number, BK: number) => {
          const ihFirst = `m0 / (${W} * ${images.c})`;
          const ihLast = `((m0 + ${BM} < M ? m0 + ${BM} : M) - 1) / (${W} * ${images.c})`;
          const khFirst = `k0 / ${KW * Og}`;
          const khLast = `((k0 + ${BK} < ${K} ? k0 + ${BK} : ${K}) - 1) / ${KW * Og}`;
          // kh reaches the block when kh·dil ≤ ihLast + pad and kh·dil ≥ ihFirst + pad − (OH − 1)·stride
          const low = ph - (OH - 1) * sh;
          return `${khFirst} * ${dh} > ${ihLast} + ${ph} || ${khLast} * ${dh} < ${ihFirst} ${low < 0 ? "-" : "+"} ${Math.abs(low)}`;
        },
        groupRows: `${W} * ${images.c}`,
        stepsPerGroup: (BK: number) =>
          Array.from({ length: H }, (_, ih) => {
            let steps = 0;
            for (let k0 = 0; k0 < K; k0 += BK) {
              const first = Math.floor(k0 / (KW * Og)), last = Math.floor((Math.min(k0 + BK, K) - 1) / (KW * Og));
              let any = false;
              for (let kh = first; kh <= last; kh++) any ||= reaches(ih, kh);
              if (any) steps++;
            }
            return steps;
          }),
      }
    : undefined;
  return {
    gatherA,
    loadA,
    loadB: `return b[(((size_t)(z * ${Og} + ${col.o}) * ${Cg} + n) * ${KH} + ${col.kh}) * ${KW} + ${col.kw}];`,
    storeIndex: skipZeroSteps
      ? `((size_t)((m / ${W}) % ${images.c}) * ${C} + z * ${Cg} + n) * ${H * W} + (m / (${W} * ${images.c})) * ${W} + m % ${W}`
      : `((size_t)(m / ${H * W}) * ${C} + z * ${Cg} + n) * ${H * W} + m % ${H * W}`,
    M: `${images.c} * ${H * W}`,
    mAt: (b) => images.at(b) * H * W,
    N: Cg,
    K,
    Z: String(a.groups),
    mDesc: skipZeroSteps ? `${H} input rows × ${images.c} × ${W} input pixels` : `${images.c} × ${H}×${W} input pixels`,
    // with stride 1, adjacent input pixels (m) read adjacent dy pixels; adjacent k jump between taps
    ...(sw === 1 ? { contiguousA: "m" as const } : {}),
    ...(bias ? { bias: { node: bias, index: `z * ${Cg} + n` } } : {}),
    // 4 adjacent rows are 4 adjacent outputs where runs of 4 stay within an image's pixels (plain
    // order) or within one input row (by input row)
    ...((skipZeroSteps ? W % 4 === 0 : (H * W) % 4 === 0) ? { storeRun: "m" as const } : {}),
    ...(kSkip ? { kSkip } : {}),
  };
}

/** ∂L/∂weight of conv2d as a GEMM whose reduction runs over every sample and output pixel. */
function convGradWeightMaps(node: Node, a: ConvAttrs & { readonly weightShape: readonly number[] }): GemmIndexMaps {
  const [dy, x] = node.inputs;
  const [, C, H, W] = x.shape as [unknown, number, number, number];
  const [O, Cg, KH, KW] = a.weightShape;
  const [, , OH, OW] = dy.shape as [unknown, number, number, number];
  const Og = O / a.groups;
  const loadB = [
    `const int kw = n % ${KW}, kh = (n / ${KW}) % ${KH}, c = z * ${Cg} + n / ${KW * KH};`,
    `const int ow = k % ${OW}, oh = (k / ${OW}) % ${OH}, img = k / ${OW * OH};`,
    `const int ih = oh * ${a.stride[0]} - ${a.padding[0]} + kh * ${a.dilation[0]}, iw = ow * ${a.stride[1]} - ${a.padding[1]} + kw * ${a.dilation[1]};`,
    `const bool inside = ih >= 0 && ih < ${H} && iw >= 0 && iw < ${W};`,
    ...selectLoad("b", `(((size_t)img * ${C} + c) * ${H} + ih) * ${W} + iw`),
  ].join("\n    ");
  // One offset per row where it fits 32 bits (an image's dy, or its x): a thread may then stage 32
  // rows of it, and the GPU's 8×8 tiles take it (gemm-shape.ts gatherRowLimit).
  const small = (n: number) => n < 2 ** 31;
  const gatherA = {
    rowFields: small(O * OH * OW) ? "int off;" : "size_t off;",
    rowInit: small(O * OH * OW) ? `r.off = (z * ${Og} + m) * ${OH * OW};` : `r.off = (size_t)(z * ${Og} + m) * ${OH * OW};`,
    colFields: "size_t off;",
    colInit: `c.off = (size_t)(k / ${OH * OW}) * ${O * OH * OW} + k % ${OH * OW};`,
    value: "return a[c.off + r.off];",
    rowRegisters: small(O * OH * OW) ? 1 : 2,
  };
  // Without padding every tap of every output pixel is inside x ((OH − 1)·stride + (KH − 1)·dil ≤
  // H − 1), so the element is x[pixel's base + tap's offset]: one int per row (LeNet's conv2: 8×8
  // tiles), no bounds test.
  const unpadded = a.padding[0] === 0 && a.padding[1] === 0 && small(C * H * W);
  // row n's tap (ci, kh, kw) and its offset in an image of x; column k's output pixel
  const tapOf = `const int kw = n % ${KW}, kh = (n / ${KW}) % ${KH}, ci = z * ${Cg} + n / ${KW * KH};`;
  const tapOffset = `r.tap = ci * ${H * W} + kh * ${a.dilation[0] * W} + kw * ${a.dilation[1]};`;
  const pixelOf = `const int ow = k % ${OW}, oh = (k / ${OW}) % ${OH}, img = k / ${OW * OH};`;
  const tapOnly = {
    rowFields: "int tap;",
    rowInit: [tapOf, tapOffset].join("\n    "),
    colFields: "size_t base;",
    colInit: [pixelOf, `c.base = (size_t)img * ${C * H * W} + oh * ${a.stride[0] * W} + ow * ${a.stride[1]};`].join("\n    "),
    value: "return b[c.base + r.tap];",
    rowRegisters: 1,
  };
  // With padding, the tap's offset and its kernel row and column steps (kh·dil, kw·dil: two 16-bit
  // halves of one int) for the bounds test: two registers a row, so 32 rows still fit (8×8 tiles
  // for padded convolutions' weight gradients, ResNet's 3×3)
  const steps = (KH - 1) * a.dilation[0] < 2 ** 15 && (KW - 1) * a.dilation[1] < 2 ** 15;
  const tapAndSteps = {
    rowFields: "int tap, steps;",
    rowInit: [tapOf, tapOffset, `r.steps = kh * ${a.dilation[0]} * 65536 + kw * ${a.dilation[1]};`].join("\n    "),
    colFields: "int ih0, iw0; size_t base;",
    colInit: [
      pixelOf,
      `c.ih0 = oh * ${a.stride[0]} - ${a.padding[0]}; c.iw0 = ow * ${a.stride[1]} - ${a.padding[1]};`,
      // (wraps below 0 at the border; the sum with a tap inside the image does not)
      `c.base = (size_t)img * ${C * H * W} + (size_t)((long long)c.ih0 * ${W} + c.iw0);`,
    ].join("\n    "),
    value: [
      `const int ih = c.ih0 + (r.steps >> 16), iw = c.iw0 + (r.steps & 65535);`,
      `const bool inside = ih >= 0 && ih < ${H} && iw >= 0 && iw < ${W};`,
      ...selectLoad("b", `c.base + r.tap`),
    ].join("\n    "),
    rowRegisters: 2,
  };
  const gatherB = unpadded ? tapOnly : small(C * H * W) && steps ? tapAndSteps : {
    rowFields: "int dh, dw; size_t off;",
    rowInit: [
      `const int kw = n % ${KW}, kh = (n / ${KW}) % ${KH}, ci = z * ${Cg} + n / ${KW * KH};`,
      `r.dh = kh * ${a.dilation[0]} - ${a.padding[0]}; r.dw = kw * ${a.dilation[1]} - ${a.padding[1]}; r.off = (size_t)ci * ${H * W};`,
    ].join("\n    "),
    colFields: "int ih0, iw0; size_t off;",
    colInit: [
      `const int ow = k % ${OW}, oh = (k / ${OW}) % ${OH}, img = k / ${OW * OH};`,
      `c.ih0 = oh * ${a.stride[0]}; c.iw0 = ow * ${a.stride[1]}; c.off = (size_t)img * ${C * H * W};`,
    ].join("\n    "),
    value: [
      `const int ih = c.ih0 + r.dh, iw = c.iw0 + r.dw;`,
      `const bool inside = ih >= 0 && ih < ${H} && iw >= 0 && iw < ${W};`,
      ...selectLoad("b", `c.off + r.off + ih * ${W} + iw`),
    ].join("\n    "),
  };
  return {
    gatherA,
    gatherB,
    loadA: `return a[(((size_t)(k / ${OH * OW}) * ${O} + z * ${Og} + m) * ${OH * OW}) + k % ${OH * OW}];`,
    loadB,
    storeIndex: `((size_t)(z * ${Og} + m)) * ${Cg * KH * KW} + n`,
    M: String(Og),
    mAt: () => Og,
    N: Cg * KH * KW,
    K: `(${imagesOf(node.inputs[0].shape[0]).c} * ${OH * OW})`,
    Z: String(a.groups),
    mDesc: `${Og} output channels (reduction over ${imagesOf(node.inputs[0].shape[0]).c} × ${OH}×${OW})`,
    ...((Cg * KH * KW) % 4 === 0 ? { storeRun: "n" as const } : {}),
    patchB: {
      ...patchGeometry(a, C, H, W, Cg, KH, KW),
      pooled: false,
      rowsPerImage: OH * OW,
      images: imagesOf(node.inputs[0].shape[0]).c,
      pixel: `const int ow = m % ${OW}, oh = (m / ${OW}) % ${OH}, img = m / ${OW * OH};`,
      ohOf: (m) => `((${m} / ${OW}) % ${OH})`,
      pixelOf: (m) => ({ img: Math.floor(m / (OH * OW)), oh: Math.floor(m / OW) % OH, ow: m % OW }),
    },
  };
}
