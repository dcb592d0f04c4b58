import type { InitBox } from "./node.ts";

/** The flat positions of a box's elements (an Init "parts" patch), in the box's own row-major order. */
export function boxPositions(box: InitBox): number[] {
  const out: number[] = [];
  const walk = (dim: number, at: number) => {
    if (dim === box.sizes.length) return void out.push(at);
    for (let i = 0; i < box.sizes[dim]; i++) walk(dim + 1, at + i * box.strides[dim]);
  };
  walk(0, box.offset);
  return out;
}
