import type { Node } from "../ir/node.ts";
import { imagesOf } from "../ir/shape.ts";
import type { ConvAttrs } from "./conv.ts";
import type { GemmIndexMaps } from "./op.ts";

// The GPU's convolution input gradient (and conv_transpose2d, the same op with x as dy) without
// multiplying zeros. As an implicit GEMM over input pixels, dx = Σ dy·w runs over every tap of every
// output channel, and most of it reads the "full" correlation's zero border or the stride's holes:
// LeNet's conv2 (8×8 dy, 5×5 taps, 12×12 dx) reads dy at 1,600 of 3,600 (pixel, tap) pairs, 44 %.
// Turned around, every product is useful:
//   C[(img, oh, ow), (ci, kh, kw)] = Σₒ dy[img, o, oh, ow] · w[o, ci, kh, kw]   (K = output channels)
//   dx[img, ci, ih, iw] = Σ over the taps with ih = oh·stride − pad + kh·dil (and iw alike) of C
// C has K = the group's output channels (both operands contiguous: coalesced, no gather), and the
// second line is a sum over at most KH·KW values. A block whose tile holds whole images (rows) and
// whole channels (columns) of C does that sum from shared memory after its k loop, so C never
// reaches global memory, no atomics are needed and the order of the sum is fixed. The price: C's
// rows and columns per image and channel are padded to powers of two (so that tiles hold whole
// ones), and the image (OH·OW ≤ 256 pixels of dy) and tap set (≤ 64) must fit a tile. It is taken
// where it issues fewer products than the implicit GEMM: large kernels on small maps (LeNet's 5×5
// on 8×8) and strides (ResNet's stride-2 3×3: 3/4 of the implicit GEMM's taps are holes), not a
// padded stride-1 3×3, whose border wastes less than the taps' padding 9 → 16. Elsewhere the plain maps.

/** Rows (dy pixels per image, padded) and columns (taps per channel, padded) a block tile can hold whole. */
export const COL2IM_MAX_ROWS = 256;
export const COL2IM_MAX_COLS = 64;
/** C's tile is staged in shared memory (over the operand tiles): at most 8192 floats, 32 KiB with its padding. */
export const COL2IM_MAX_TILE = 8192;

const pow2 = (n: number) => 2 ** Math.ceil(Math.log2(n));

/**
 * The tap-by-tap maps of conv2d_grad_input (dy [N, O, OH, OW], w [O, C/g, KH, KW] → dx [N, C, H, W]),
 * or undefined where they do not apply: an image or a tap set too large for a tile, or where they
 * would issue no fewer products than the implicit GEMM over input pixels (a 1×1 kernel of stride 1
 * reads no zeros; a padded stride-1 3×3 few).
 */
export function convGradInputCol2imMaps(node: Node, a: ConvAttrs, [C, H, W]: readonly number[], bias?: Node): GemmIndexMaps | undefined {
  const [dy, w] = node.inputs;
  const images = imagesOf(dy.shape[0]);
  const [O, Cg, KH, KW] = w.shape as number[];
  const [, , OH, OW] = dy.shape as [unknown, number, number, number];
  const [sh, sw] = a.stride;
  const [ph, pw] = a.padding;
  const [dh, dw] = a.dilation;
  const Og = O / a.groups;
  const pixels = OH * OW;
  const taps = KH * KW;
  const R = pow2(pixels);
  const T = pow2(taps);
  // one image's rows by one channel's columns must fit a tile (gemm-shape.ts col2imFits): 256 × 32
  // or 128 × 64 at the most
  if (R > COL2IM_MAX_ROWS || T > COL2IM_MAX_COLS || R * T > COL2IM_MAX_TILE) return undefined;
  // per output channel, the implicit GEMM issues H·W·KH·KW products (the zero border and stride
  // holes included) and this R·T (padded pixels × padded taps): a stride-1 3×3 conv with padding 1
  // wastes little of the first and 16/9 of the second, so it keeps the implicit GEMM
  if (R * T >= H * W * taps) return undefined;
  // row m = (img, dy pixel p), column n = (ci, tap t); padded rows and columns read zeros
  const loadA = [
    `const int img = m / ${R}, p = m % ${R};`,
    ...(R > pixels ? [`if (p >= ${pixels}) return 0.0f;`] : []),
    `return a[((size_t)img * ${O} + z * ${Og} + k) * ${pixels} + p];`,
  ].join("\n    ");
  const loadB = [
    `const int ci = n / ${T}, t = n % ${T};`,
    ...(T > taps ? [`if (t >= ${taps}) return 0.0f;`] : []),
    `return b[((size_t)(z * ${Og} + k) * ${Cg} + ci) * ${taps} + t];`,
  ].join("\n    ");
  // Input row ih gets dy row (ih + pad − kh·dil) / stride through kernel row kh where that divides
  // and lands in dy (oy: the row before the stride's division; ox alike for columns). Every lane
  // reads every tap — a missing one at the nearest pixel, then discarded by a mask — so that a
  // warp's read of a tap is one instruction over nearby words of one column (no branch, no conflict).
  // The conditions are joined by &, not &&, and the value masked, not selected: with && and a select
  // GCC branched on the conditions and read c under the branch, so that the CPU target's counters
  // paired one lane's read of a tap with another lane's of the next (1,248 false conflicts in a
  // stride-2 input gradient of 1,272 requests, where the replay of the reads has none).
  const offset = (i: string, pad: number, dil: number, tap: string) => `${i}${pad ? ` + ${pad}` : ""} - ${dil > 1 ? `${tap} * ${dil}` : tap}`;
  const lands = (t: string, stride: number, size: number) => `(${t} >= 0)${stride > 1 ? ` & (${t} % ${stride} == 0)` : ""} & (${t}${stride > 1 ? ` / ${stride}` : ""} < ${size})`;
  const nearest = (t: string, stride: number, size: number) =>
    `(${t} <= 0 ? 0 : ${t} >= ${(size - 1) * stride} ? ${size - 1} : ${t}${stride > 1 ? ` / ${stride}` : ""})`;
  const sum = [
    `float v = 0.0f;`,
    `#pragma unroll`,
    `for (int kh = 0; kh < ${KH}; ++kh) {`,
    `    const int oy = ${offset("ih", ph, dh, "kh")};`,
    `    const bool inY = ${lands("oy", sh, OH)};`,
    `    const int y = ${nearest("oy", sh, OH)};`,
    `    #pragma unroll`,
    `    for (int kw = 0; kw < ${KW}; ++kw) {`,
    `        const int ox = ${offset("iw", pw, dw, "kw")};`,
    `        const bool inX = ${lands("ox", sw, OW)};`,
    `        const float c = Cs[colBase + kh * ${KW} + kw][rowBase + y * ${OW} + ${nearest("ox", sw, OW)}];`,
    `        v += __int_as_float(__float_as_int(c) & -(int)(inY & inX));`,
    `    }`,
    `}`,
  ];
  return {
    loadA,
    loadB,
    // dx's element, over the epilogue's (img, ci, ih, iw) rather than C's (m, n): GemmCol2im
    storeIndex: `((size_t)img * ${C} + z * ${Cg} + ci) * ${H * W} + ih * ${W} + iw`,
    M: `${images.c} * ${R}`,
    mAt: (b) => images.at(b) * R,
    N: Cg * T,
    K: Og,
    Z: String(a.groups),
    mDesc: `${images.c} × ${R} rows per image (its ${OH}×${OW} dy pixels${R > pixels ? ", padded" : ""})`,
    contiguousA: "m",
    contiguousB: "n",
    ...(bias ? { bias: { node: bias, index: `z * ${Cg} + ci` } } : {}),
    col2im: { rowsPerImage: R, colsPerChannel: T, channels: Cg, images: images.c, H, W, sum: sum.join("\n") },
  };
}
