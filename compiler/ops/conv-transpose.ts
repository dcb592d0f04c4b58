import { dimEq, formatDim, formatShape, isBatch } from "../ir/shape.ts";
import { convAttrs, convGradInputMaps, gradInputMacsPerOutput, type ConvAttrs, type Pair } from "./conv.ts";
import { defineOp, requireFloat, ShapeError, type OpDef } from "./op.ts";

// nn.ConvTranspose2d: the adjoint of conv2d, with PyTorch's layouts — x [N, Cin, H, W],
// weight [Cin, Cout/groups, kh, kw], bias [Cout]. Each input pixel scatters its kernel-weighted
// values to output pixel (iy·stride − padding + ky·dilation, ...). Output size per spatial dim:
//   H_out = (H − 1)·stride − 2·padding + dilation·(k − 1) + output_padding + 1.
// output_padding adds rows and columns at the end (reached by the taps the padding would crop, else
// holding the bias alone).
//
// It is conv2d's input gradient with x as dy, so the GEMM index maps are conv2d_grad_input's, and
// its own gradients are conv2d ops: dx = conv2d(dy, W), dW = conv2d_grad_weight(x, dy).

export interface ConvTransposeAttrs extends ConvAttrs {
  readonly outputPadding: Pair;
}

export function convTransposeOutSize(size: number, k: number, stride: number, pad: number, dilation: number, outputPadding: number): number {
  return (size - 1) * stride - 2 * pad + dilation * (k - 1) + outputPadding + 1;
}

function checkAttrs(a: ConvTransposeAttrs, who: string): void {
  const ints = (p: Pair, min: number) => p.every((v) => Number.isSafeInteger(v) && v >= min);
  const bad = !ints(a.stride, 1) ? "stride" : !ints(a.dilation, 1) ? "dilation" : !ints(a.padding, 0) ? "padding" : !ints(a.outputPadding, 0) ? "output_padding" : undefined;
  if (bad) {
    const v = { stride: a.stride, dilation: a.dilation, padding: a.padding, output_padding: a.outputPadding }[bad];
    throw new ShapeError(`${who}: ${bad} must be ${bad.endsWith("padding") ? "non-negative" : "positive"} integers, got ${v[0]}×${v[1]}`, "invalidArgument");
  }
  for (const d of [0, 1]) {
    const [op, s, dil] = [a.outputPadding[d], a.stride[d], a.dilation[d]];
    // PyTorch's rule: output padding must be smaller than either stride or dilation
    if (op >= s && op >= dil)
      throw new ShapeError(`${who}: output_padding (${op}) must be smaller than either stride (${s}) or dilation (${dil})`, "invalidArgument");
  }
}

export const convTranspose2d: OpDef<ConvTransposeAttrs> = defineOp<ConvTransposeAttrs>({
  name: "conv_transpose2d",
  family: "conv",
  inputs: ["x", "weight", "bias?"],
  traits: { layer: true },
  codegen: {
    kind: "gemm",
    maps: (node, a, o) => convGradInputMaps(node, a, node.shape.slice(1) as number[], node.inputs[2], o),
    // every input value times every weight of its group (conv.ts)
    macsPerOutput: gradInputMacsPerOutput,
    biased: true,
  },
  infer: ([x, wt, b], a, who) => {
    requireFloat(x, who);
    requireFloat(wt, who, "weight");
    if (x.shape.length !== 4) throw new ShapeError(`${who} expects a 4-D input [N, C, H, W], got ${formatShape(x.shape)}`);
    const [, c, h, w] = x.shape;
    if (isBatch(c) || isBatch(h) || isBatch(w)) throw new ShapeError(`${who} expects the batch only in dim 0, got ${formatShape(x.shape)}`);
    if (wt.shape.length !== 4 || wt.shape.some(isBatch)) throw new ShapeError(`${who} expects a weight [Cin, Cout/groups, kh, kw], got ${formatShape(wt.shape)}`);
    const [cin, coutPerGroup, kh, kw] = wt.shape as number[];
    if (!(Number.isSafeInteger(a.groups) && a.groups >= 1 && cin % a.groups === 0))
      throw new ShapeError(`${who}: groups (${a.groups}) must be a positive integer dividing the ${cin} input channels`, "invalidArgument");
    if (c !== cin) throw new ShapeError(`${who} expects ${cin} input channels, got ${formatDim(c)} from ${formatShape(x.shape)}`);
    const cout = coutPerGroup * a.groups;
    if (b && !(b.shape.length === 1 && dimEq(b.shape[0], cout))) throw new ShapeError(`${who}: bias must be [${cout}], got ${formatShape(b.shape)}`);
    checkAttrs(a, who);
    const oh = convTransposeOutSize(h, kh, a.stride[0], a.padding[0], a.dilation[0], a.outputPadding[0]);
    const ow = convTransposeOutSize(w, kw, a.stride[1], a.padding[1], a.dilation[1], a.outputPadding[1]);
    if (oh < 1 || ow < 1)
      throw new ShapeError(`${who}: padding ${a.padding[0]}×${a.padding[1]} leaves no output for the input ${formatShape(x.shape)}: the output would be ${oh}×${ow}`);
    return { shape: [x.shape[0], cout, oh, ow], dtype: "f32" };
  },
  // The scatter form, written independently of the CUDA kernel's gather: every input value adds
  // its kernel-weighted copy to the output pixels it reaches.
  reference: ([x, wt, b], a) => {
    const [n, cin, h, w] = x.shape;
    const [, cg, kh, kw] = wt.shape;
    const cout = cg * a.groups;
    const cinG = cin / a.groups;
    const oh = convTransposeOutSize(h, kh, a.stride[0], a.padding[0], a.dilation[0], a.outputPadding[0]);
    const ow = convTransposeOutSize(w, kw, a.stride[1], a.padding[1], a.dilation[1], a.outputPadding[1]);
    const out = new Float64Array(n * cout * oh * ow);
    if (b) for (let p = 0; p < n * cout; p++) out.fill(b.data[p % cout], p * oh * ow, (p + 1) * oh * ow);
    for (let ni = 0; ni < n; ni++)
      for (let ci = 0; ci < cin; ci++) {
        const g = Math.floor(ci / cinG);
        for (let iy = 0; iy < h; iy++)
          for (let ix = 0; ix < w; ix++) {
            const v = x.data[((ni * cin + ci) * h + iy) * w + ix];
            for (let co = 0; co < cg; co++)
              for (let ky = 0; ky < kh; ky++) {
                const oy = iy * a.stride[0] - a.padding[0] + ky * a.dilation[0];
                if (oy < 0 || oy >= oh) continue;
                for (let kx = 0; kx < kw; kx++) {
                  const ox = ix * a.stride[1] - a.padding[1] + kx * a.dilation[1];
                  if (ox < 0 || ox >= ow) continue;
                  out[((ni * cout + g * cg + co) * oh + oy) * ow + ox] += v * wt.data[((ci * cg + co) * kh + ky) * kw + kx];
                }
              }
          }
      }
    return { shape: [n, cout, oh, ow], data: out };
  },
  // y = convᵀ(x, W) is linear in x with adjoint conv2d(·, W), and its weight gradient is the
  // conv2d weight gradient with the roles of x and dy swapped. conv2d of the H_out-sized dy is
  // H + ⌊output_padding / stride⌋ wide: exactly H when output_padding < stride; where PyTorch's
  // stride ≤ output_padding < dilation makes it longer, the positions past H are no input's, so dx
  // drops them and the weight gradient sees x padded with zeros there.
  grad: ({ node, dy, emit }) => {
    const [x, wt, b] = node.inputs;
    const a = convTranspose2d.attrsOf(node);
    const conv = convAttrs(a);
    let dx = emit("conv2d", [dy, wt], { ...conv });
    let xw = x;
    for (const d of [0, 1]) {
      const extra = Math.floor(a.outputPadding[d] / a.stride[d]);
      if (extra === 0) continue;
      const dim = 2 + d;
      const length = x.shape[dim] as number;
      dx = emit("narrow", [dx], { dim, start: 0, length });
      xw = emit("pad_dim", [xw], { dim, start: 0, length, size: length + extra });
    }
    const dw = emit("conv2d_grad_weight", [xw, dy], { ...conv, weightShape: wt.shape });
    return b ? [dx, dw, emit("sum", [dy], { dims: [0, 2, 3], keepdim: false })] : [dx, dw];
  },
});
