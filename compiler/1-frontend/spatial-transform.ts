import { fail } from "../diagnostics/diagnostic.ts";
import { formatShape, type Dim } from "../ir/shape.ts";
import { arg, opt, type Bound } from "./args.ts";
import { clampBetween, ops } from "./composite-ops.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { TensorValue, type CallSite, type Value } from "./values.ts";

// F.affine_grid and F.grid_sample: a spatial transformer network's sampling (PyTorch's STN
// tutorial), as compositions of existing ops, 4-D (images) only.
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
  if (t.length !== 3 || t[1] !== 2 || t[2] !== 3)
    fail("shapeMismatch", `${who} expects theta [N, 2, 3] (a 2-D affine transform per sample; the 3-D form [N, 3, 4] is not supported), got ${formatShape(t)}`, site.loc);
  if (!Array.isArray(size) || size.length !== 4 || typeof size[2] !== "number" || typeof size[3] !== "number")
    return fail("invalidArgument", `${who}: size is the output's [N, C, H, W] (x.size() or a list; 5-D sizes are not supported)`, site.loc);
  const [H, W] = [size[2] as number, size[3] as number];
  const c = ops(em, who, site);
  const column = (v: TensorValue, shape: Dim[]) => c.op("expand", [c.reshape(v, shape)], { shape: [H, W, 1] });
  const xs = column(normalizedCoordinates(c, W, alignCorners, em, who, site), [1, W, 1]);
  const ys = column(normalizedCoordinates(c, H, alignCorners, em, who, site), [H, 1, 1]);
  const ones = c.op("expand", [em.node("full", [], { shape: [], value: 1 }, who, site)], { shape: [H, W, 1] });
  const base = c.reshape(c.op("concat", [xs, ys, ones], { dim: 2 }), [H * W, 3]); //            [H·W, 3]
  const grid = c.op("matmul", [base, c.permute(theta, [0, 2, 1])]); //                         [N, H·W, 2]
  return c.reshape(grid, [t[0], H, W, 2]);
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
  if (s.length !== 4) fail("shapeMismatch", `${who} expects an input [N, C, H, W] (5-D volumes are not supported), got ${formatShape(s)}`, site.loc);
  if (g.length !== 4 || g[3] !== 2 || formatShape([g[0]]) !== formatShape([s[0]]))
    fail("shapeMismatch", `${who} expects a grid [N, Ho, Wo, 2] with the input's N, got ${formatShape(g)} for an input ${formatShape(s)}`, site.loc);
  const [N, C, H, W] = s;
  if (typeof C !== "number" || typeof H !== "number" || typeof W !== "number") return fail("shapeMismatch", `${who}: the input's C, H and W must be fixed, got ${formatShape(s)}`, site.loc);
  if (typeof g[1] !== "number" || typeof g[2] !== "number") return fail("shapeMismatch", `${who}: the grid's Ho and Wo must be fixed, got ${formatShape(g)}`, site.loc);
  const L = g[1] * g[2];
  const c = ops(em, who, site);
  const pixels = c.reshape(input, [N, C, H * W]);
  /** The grid's coordinate k (0: x, 1: y) in pixels, flattened to [N, Ho·Wo]. */
  const pixel = (k: number, size: number) => {
    const v = c.reshape(c.op("narrow", [grid], { dim: 3, start: k, length: 1 }), [N, L]);
    const ix = alignCorners ? c.op("mul", [c.op("add", [v, 1]), (size - 1) / 2]) : c.op("div", [c.op("sub", [c.op("mul", [c.op("add", [v, 1]), size]), 1]), 2]);
    if (paddingMode === "reflection") return clampBetween(c, reflect(c, ix, alignCorners ? 0 : -1, alignCorners ? 2 * (size - 1) : 2 * size - 1), 0, size - 1);
    return paddingMode === "border" ? clampBetween(c, ix, 0, size - 1) : ix;
  };
  const [ix, iy] = [pixel(0, W), pixel(1, H)];
  /** input at pixel (ya, xa), [N, C, Ho·Wo], times weight [N, Ho·Wo]; 0 where (ya, xa) is outside the image. */
  const corner = (ya: TensorValue, xa: TensorValue, weight: TensorValue | null) => {
    const inside = c.op("mul", [c.op("mul", [c.op("ge", [xa, 0]), c.op("le", [xa, W - 1])]), c.op("mul", [c.op("ge", [ya, 0]), c.op("le", [ya, H - 1])])]);
    // a position that is NaN (a NaN grid) reads pixel 0 and is masked by `inside`, as PyTorch's reads nothing
    const flat = c.op("add", [c.op("mul", [clampBetween(c, ya, 0, H - 1), W]), clampBetween(c, xa, 0, W - 1)]);
    const position = c.op("to_int", [c.op("where", [c.op("ne", [flat, flat]), 0, flat])]);
    const taken = c.op("take", [pixels, c.op("expand", [c.reshape(position, [N, 1, L])], { shape: [N, C, L] })], { dim: 2, mode: "elementwise" });
    const w = weight ? c.op("mul", [weight, inside]) : inside;
    return c.op("mul", [taken, c.reshape(w, [N, 1, L])]);
  };
  let out: TensorValue;
  if (mode === "nearest") out = corner(c.op("round", [iy]), c.op("round", [ix]), null);
  else {
    const [x0, y0] = [c.op("floor", [ix]), c.op("floor", [iy])];
    const [x1, y1] = [c.op("add", [x0, 1]), c.op("add", [y0, 1])];
    // the weights through ix − ⌊ix⌋, so the grid's gradient is the formula's
    const [wx1, wy1] = [c.op("sub", [ix, x0]), c.op("sub", [iy, y0])];
    const [wx0, wy0] = [c.op("sub", [x1, ix]), c.op("sub", [y1, iy])];
    out = c.op("add", [
      c.op("add", [corner(y0, x0, c.op("mul", [wy0, wx0])), corner(y0, x1, c.op("mul", [wy0, wx1]))]),
      c.op("add", [corner(y1, x0, c.op("mul", [wy1, wx0])), corner(y1, x1, c.op("mul", [wy1, wx1]))]),
    ]);
  }
  return c.reshape(out, [N, C, g[1], g[2]]);
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
