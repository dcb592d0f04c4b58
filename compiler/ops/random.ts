import { numel } from "../ir/shape.ts";
import { defineOp, requireFloat, ShapeError, type OpDef } from "./op.ts";

interface DropoutAttrs {
  readonly p: number;
  readonly mode: "train" | "always";
  /** The node whose random stream draws the mask: this node's own id by default; a gradient names its forward node. */
  readonly stream?: number;
}

/**
 * Inverted dropout: in train mode each element is zeroed with probability p and the survivors
 * are scaled by 1/(1−p), so eval mode is the identity. mode "train" follows m.train()/m.eval()
 * (nn.Dropout, F.dropout(x, p, this.training)); "always" is F.dropout's default training=true.
 */
export const dropout: OpDef<DropoutAttrs> = defineOp<DropoutAttrs>({
  name: "dropout",
  traits: { random: true, drawsInEval: (a) => a.mode === "always" },
  family: "random",
  inputs: ["x"],
  infer: ([x], a, who) => {
    requireFloat(x, who);
    if (!(a.p >= 0 && a.p <= 1)) throw new ShapeError(`${who}: p must be between 0 and 1, got ${a.p}`, "invalidArgument");
    return x;
  },
  reference: ([x], a, ctx) => {
    if (!(a.mode === "always" || ctx.training) || a.p === 0) return x;
    if (a.p === 1) return { shape: x.shape, data: new Float64Array(x.data.length) };
    const u = ctx.uniform(x.data.length, a.stream ?? ctx.node.id);
    const scale = 1 / (1 - a.p);
    return { shape: x.shape, data: x.data.map((v, i) => (u[i] < a.p ? 0 : v * scale)) };
  },
  // The same Philox stream as the reference: counter (i, step, draw, 0), key (seed, stream id).
  codegen: {
    kind: "pointwise",
    // element i of a replica's chunk is element i + sample0·(elements per sample) of the whole
    // batch, so N replicas draw the same mask as one device on the whole batch
    expr: ([x], a, ctx) =>
      `tsdp_dropout(${x}, ${ctx.index} + sample0 * ${numel(ctx.node.shape).c}, ${a.p}, ${a.mode === "always" ? 1 : "training"}, seed, step, draw, ${a.stream ?? ctx.node.id}u)`,
  },
  // The same mask, applied to dy: dropout of dy drawing from the forward node's stream.
  grad: ({ node, dy, emit }) => [emit("dropout", [dy], { ...node.attrs, stream: dropout.attrsOf(node).stream ?? node.id })],
});
