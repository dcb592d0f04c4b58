import { fail } from "../diagnostics/diagnostic.ts";
import { formatShape, type Dim } from "../ir/shape.ts";
import { arg, opt, type Bound } from "./args.ts";
import { clampBetween, ops } from "./composite-ops.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { TensorValue, type CallSite, type Value } from "./values.ts";

// F.affine_grid and F.grid_sample: a spatial transformer network's sampling (PyTorch's STN
// tutorial), as compositions of existing ops: images (4-D) and volumes (5-D, grid (x, y, z), trilinear).
//
//   affineGrid(θ [N, 2, 3], [N, C, H, W]) = base · θᵀ viewed [N, H, W, 2], base's rows (x_j, y_i, 1)
//     with x_j = (2j + 1)/W − 1 (alignCorners false: pixel centres) or −1 + 2j/(W − 1) (true).
//   gridSample(input [N, C, H, W], grid [N, Ho, Wo, 2]): each output samples the input at
//     (x, y) = grid's, in pixels ix = ((x + 1)·W − 1)/2 (alignCorners false) or (x + 1)/2·(W − 1);
//     bilinear: Σ over the four neighbours (⌊ix⌋ + a, ⌊iy⌋ + b) of input · (1 − |ix − x_a|)(1 − |iy − y_b|),
//     a neighbour outside the image reading 0 ("zeros") — or ix, iy clamped into it first
//     ("border"), or mirrored at its edges then clamped ("reflection", PyTorch's reflect_coordinates);
//     nearest: the neighbour at round(ix), round(iy) (half to even, as nearbyint).
// Each neighbour's values are a take of the input's flattened pixels at int32 positions computed
// from the grid, so the input's gradient is take's (summed back, deterministically) and the
// grid's flows through the weights' fractional parts (⌊·⌋, the positions and the in-image masks
// are piecewise constant): the derivative of the formula above, which is PyTorch's.

type Ops = ReturnType<typeof ops>;

/** −1 … 1 across `size` points: pixel centres, or the corner pixels' centres with alignCorners. */
function normalizedCoordinates(c: Ops, size: number, alignCorners: boolean, em: GraphEmitter, who: string, site: CallSite): TensorValue {
  if (size === 1) return c.op("expand", [em.node("full", [], { shape: [], value: 0 }, who, site)], { shape: [1] });
  return alignCorners ? c.op("linspace", [], { start: -1, end: 1, steps: size }) : c.op("arange", [], { start: 1 / size - 1, step: 2 / size, length: size });
}

function affineGrid(theta: TensorValue, size: Value, alignCorners: boolean, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const t = theta.node.shape;
  // the size picks the form, as PyTorch's: [N, C, H, W] takes θ [N, 2, 3], [N, C, D, H, W] θ [N, 3, 4]
  const dims = Array.isArray(size) && size.length === 5 ? 3 : 2;
  if (t.length !== 3 || t[1] !== dims || t[2] !== dims + 1)
    fail("shapeMismatch", `${who} expects theta [N, ${dims}, ${dims + 1}] (a ${dims}-D affine transform per sample, for a ${dims + 2}-D size), got ${formatShape(t)}`, site.loc);
  if (!Array.isArray(size) || size.length !== dims + 2 || !size.slice(2).every((d) => typeof d === "number"))
    return fail("invalidArgument", `${who}: size is the output's [N, C, H, W] or [N, C, D, H, W] (x.size() or a list)`, site.loc);
  const spatial = size.slice(2) as number[]; //                                                   [H, W] or [D, H, W]
  const points = spatial.reduce((a, b) => a * b, 1);
  const c = ops(em, who, site);
  const along = (i: number) => c.op("expand", [c.reshape(normalizedCoordinates(c, spatial[i], alignCorners, em, who, site), [...spatial.map((d, j) => (j === i ? d : 1)), 1])], { shape: [...spatial, 1] });
  const ones = c.op("expand", [em.node("full", [], { shape: [], value: 1 }, who, site)], { shape: [...spatial, 1] });
  // each point's row (x, y[, z], 1): x runs along the last dim (W), y along H, z along D
  const columns = spatial.map((_, k) => along(dims - 1 - k));
  const base = c.reshape(c.op("concat", [...columns, ones], { dim: dims }), [points, dims + 1]); // [points, dims + 1]
  const grid = c.op("matmul", [base, c.permute(theta, [0, 2, 1])]); //                              [N, points, dims]
  return c.reshape(grid, [t[0], ...spatial, dims]);
}

/**
 * PyTorch's reflect_coordinates: x mirrored at lo and hi (given doubled, twiceLo = 2·lo) until it
 * lies between them — |x − lo| folded by the span, every other fold reversed. The gradient is ±1,
 * the mirror's sign, as PyTorch's.
 */
function reflect(c: Ops, x: TensorValue, twiceLo: number, twiceHi: number): TensorValue {
  if (twiceLo === twiceHi) return c.op("mul", [x, 0]);
  const [lo, span] = [twiceLo / 2, (twiceHi - twiceLo) / 2];
  const d = c.op("abs", [c.op("sub", [x, lo])]);
  const extra = c.op("fmod", [d, span]);
  const flips = c.op("floor", [c.op("div", [d, span])]);
  const even = c.op("eq", [c.op("fmod", [flips, 2]), 0]);
  return c.op("where", [even, c.op("add", [extra, lo]), c.op("add", [c.op("sub", [span, extra]), lo])]);
}

function gridSample(input: TensorValue, grid: TensorValue, mode: string, paddingMode: string, alignCorners: boolean, site: CallSite, em: GraphEmitter, who: string): TensorValue {
  const [s, g] = [input.node.shape, grid.node.shape];
  if (s.length !== 4 && s.length !== 5) fail("shapeMismatch", `${who} expects an input [N, C, H, W] or a volume [N, C, D, H, W], got ${formatShape(s)}`, site.loc);
  const dims = s.length - 2;
  const gridForm = dims === 2 ? "[N, Ho, Wo, 2]" : "[N, Do, Ho, Wo, 3]";
  if (g.length !== s.length || g[dims + 1] !== dims || formatShape([g[0]]) !== formatShape([s[0]]))
    fail("shapeMismatch", `${who} expects a grid ${gridForm} with the input's N, got ${formatShape(g)} for an input ${formatShape(s)}`, site.loc);
  const [N, C] = s;
  const spatial = s.slice(2);
  const outSpatial = g.slice(1, dims + 1);
  if (typeof C !== "number" || !spatial.every((d) => typeof d === "number")) return fail("shapeMismatch", `${who}: the input's C, ${dims === 2 ? "H and W" : "D, H and W"} must be fixed, got ${formatShape(s)}`, site.loc);
  if (!outSpatial.every((d) => typeof d === "number")) return fail("shapeMismatch", `${who}: the grid's ${dims === 2 ? "Ho and Wo" : "Do, Ho and Wo"} must be fixed, got ${formatShape(g)}`, site.loc);
  const sizes = spatial as number[];
  const L = (outSpatial as number[]).reduce((a, b) => a * b, 1);
  const c = ops(em, who, site);
  const pixels = c.reshape(input, [N, C, sizes.reduce((a, b) => a * b, 1)]);
  /** The grid's coordinate k (0: x, along W; 1: y, along H; 2: z, along D) in pixels, flattened to [N, L]. */
  const pixel = (k: number) => {
    const size = sizes[dims - 1 - k];
    const v = c.reshape(c.op("narrow", [grid], { dim: dims + 1, start: k, length: 1 }), [N, L]);
    const ix = alignCorners ? c.op("mul", [c.op("add", [v, 1]), (size - 1) / 2]) : c.op("div", [c.op("sub", [c.op("mul", [c.op("add", [v, 1]), size]), 1]), 2]);
    if (paddingMode === "reflection") return clampBetween(c, reflect(c, ix, alignCorners ? 0 : -1, alignCorners ? 2 * (size - 1) : 2 * size - 1), 0, size - 1);
    return paddingMode === "border" ? clampBetween(c, ix, 0, size - 1) : ix;
  };
  const coordinates = sizes.map((_, k) => pixel(k));
  /** input at the pixel whose coordinate k is at[k], [N, C, L], times weight [N, L]; 0 where it is outside the input. */
  const corner = (at: readonly TensorValue[], weight: TensorValue | null) => {
    const insides = at.map((p, k) => c.op("mul", [c.op("ge", [p, 0]), c.op("le", [p, sizes[dims - 1 - k] - 1])]));
    const inside = insides.slice(1).reduce((a, b) => c.op("mul", [a, b]), insides[0]);
    // Horner from the highest coordinate: ((z·H) + y)·W + x
    const clamped = at.map((p, k) => clampBetween(c, p, 0, sizes[dims - 1 - k] - 1));
    const flat = clamped.slice(0, -1).reduceRight((sum, p, k) => c.op("add", [c.op("mul", [sum, sizes[dims - 1 - k]]), p]), clamped[dims - 1]);
    // a position that is NaN (a NaN grid) reads pixel 0 and is masked by `inside`, as PyTorch's reads nothing
    const position = c.op("to_int", [c.op("where", [c.op("ne", [flat, flat]), 0, flat])]);
    const taken = c.op("take", [pixels, c.op("expand", [c.reshape(position, [N, 1, L])], { shape: [N, C, L] })], { dim: 2, mode: "elementwise" });
    const w = weight ? c.op("mul", [weight, inside]) : inside;
    return c.op("mul", [taken, c.reshape(w, [N, 1, L])]);
  };
  let out: TensorValue;
  if (mode === "nearest") out = corner(coordinates.map((p) => c.op("round", [p])), null);
  else {
    // (tri)linear: 2^dims neighbours, the weights through ix − ⌊ix⌋, so the grid's gradient is the formula's
    const low = coordinates.map((p) => c.op("floor", [p]));
    const high = low.map((p) => c.op("add", [p, 1]));
    const [wHigh, wLow] = [coordinates.map((p, k) => c.op("sub", [p, low[k]])), coordinates.map((p, k) => c.op("sub", [high[k], p]))];
    const corners: TensorValue[] = [];
    // in (z,) y, x order, x fastest: bit k of the corner's number picks coordinate k's high side
    for (let n = 0; n < 1 << dims; n++) {
      const side = (k: number) => ((n >> k) & 1) === 1;
      const at = coordinates.map((_, k) => (side(k) ? high[k] : low[k]));
      const weights = coordinates.map((_, k) => (side(k) ? wHigh[k] : wLow[k])).reverse(); //  (wz,) wy, wx
      corners.push(corner(at, weights.slice(1).reduce((a, b) => c.op("mul", [a, b]), weights[0])));
    }
    const pairwise = (list: TensorValue[]): TensorValue => (list.length === 1 ? list[0] : c.op("add", [pairwise(list.slice(0, list.length / 2)), pairwise(list.slice(list.length / 2))]));
    out = pairwise(corners);
  }
  return c.reshape(out, [N, C, ...outSpatial]);
}

export const spatialTransformFunctions = {
  // F.affine_grid(theta, size, align_corners=None): None is False, with PyTorch's warning
  affineGrid: {
    args: [arg("theta", "tensor"), arg("size", "any"), opt("alignCorners", "bool", false, { nullable: true })],
    lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => affineGrid(b.theta, b.size, b.alignCorners ?? false, site, em, who),
  },
  // F.grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None)
  gridSample: {
    args: [
      arg("input", "tensor"),
      arg("grid", "tensor"),
      opt("mode", "string", "bilinear", { choices: ["bilinear", "nearest"] }),
      opt("paddingMode", "string", "zeros", { choices: ["zeros", "border", "reflection"] }),
      opt("alignCorners", "bool", false, { nullable: true }),
    ],
    lower: (b: Bound, site: CallSite, em: GraphEmitter, who: string) => {
      if (b.grid.node.dtype !== "f32" || b.input.node.dtype !== "f32") fail("dtypeMismatch", `${who}: input and grid must be float32`, site.loc);
      return gridSample(b.input, b.grid, b.mode, b.paddingMode, b.alignCorners ?? false, site, em, who);
    },
  },
};
