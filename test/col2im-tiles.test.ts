// The col2im maps (compiler/ops/conv-col2im.ts) take images of up to 256 padded dy pixels and tap sets
// of up to 64 padded taps; every such pair must have a GPU tile that holds one image's rows and one
// channel's columns whole, with C's tile in shared memory (gemm-shape.ts col2imFits), and whose
// threads stage both operands along m and n (a thread per row: THREADS a multiple of BM and BN).
import { describe, expect, it } from "vitest";
import { chooseGpuTile, col2imFits } from "../compiler/5-codegen/kernels/gemm-shape.ts";
import { COL2IM_MAX_COLS, COL2IM_MAX_ROWS, COL2IM_MAX_TILE } from "../compiler/ops/conv-col2im.ts";

describe("col2im tiles on the GPU shape", () => {
  it("exist for every image and tap set the maps take, for few and many channels", () => {
    let pairs = 0;
    for (let R = 1; R <= COL2IM_MAX_ROWS; R *= 2)
      for (let T = 1; T <= COL2IM_MAX_COLS; T *= 2) {
        if (R * T > COL2IM_MAX_TILE) continue;
        pairs++;
        const c = { rowsPerImage: R, colsPerChannel: T, channels: 1, images: "batch", H: 1, W: 1, sum: "" };
        for (const channels of [1, 3, 20, 64]) {
          const tile = chooseGpuTile((batch) => batch * R, channels * T, 1, true, { col2im: c });
          expect(col2imFits(tile, c), `R ${R}, T ${T}, ${channels} channels: ${tile.BM}×${tile.BN}`).toBe(true);
          expect(tile.THREADS % tile.BM, `R ${R}, T ${T}: ${tile.BM}×${tile.BN}, ${tile.THREADS} threads`).toBe(0);
          expect(tile.THREADS % tile.BN, `R ${R}, T ${T}: ${tile.BM}×${tile.BN}, ${tile.THREADS} threads`).toBe(0);
        }
      }
    // 9 row counts × 7 column counts, less those past the shared tile (256 × 64)
    expect(pairs).toBe(62);
  });
});
