import { Node as TsNode } from "ts-morph";
import { fail } from "../diagnostics/diagnostic.ts";
import { formatShape, shapeEq } from "../ir/shape.ts";
import { arg, bindArgs, locOfArg, opt } from "./args.ts";
import { ops } from "./composite-ops.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { BuiltinFunction, describe, NamespaceValue, PackedSequenceValue, TensorValue, type CallSite, type Value } from "./values.ts";

// torch.nn.utils.rnn.pack_padded_sequence / pad_packed_sequence: the idiom of every text
// classifier whose batches hold sentences of different lengths. PyTorch packs the valid steps;
// tsdp keeps the padded tensor and the lengths, and a recurrent layer (recurrent.ts) steps every
// sample over the whole length with a mask: at a step past a sample's length its state is kept
// (h_t = where(t < len, cell(x_t, h_{t−1}), h_{t−1})) and its output is zero. So each sample's
// final state is the one after its last step, the backward direction of a bidirectional layer
// starts at each sample's last step (its state stays the initial one over the padding), and the
// padded output is PyTorch's — what pack, RNN, pad compute, without a data-dependent shape.
// One difference: pad_packed_sequence's output has max(lengths) steps in PyTorch, here the input's
// L (PyTorch's total_length = L); the steps past every length are padding either way.

/**
 * Whether `call` — x.cpu() or x.to("cpu") in forward — is packPaddedSequence's lengths argument,
 * directly or through an integer conversion after it (lengths.cpu().long()). PyTorch requires the
 * lengths on the CPU (since 1.7), so ports write `pack_padded_sequence(emb, lengths.cpu(), …)`;
 * here they stay a tensor of the graph, where the step masks read them, so the move is nothing.
 */
export function isPackedLengthsArgument(call: TsNode): boolean {
  let node: TsNode = call;
  for (;;) {
    const access = node.getParent();
    const outer = access?.getParent();
    if (!TsNode.isPropertyAccessExpression(access) || !TsNode.isCallExpression(outer) || outer.getExpression() !== access || !/^(int|long)$/.test(access.getName())) break;
    node = outer;
  }
  const parent = node.getParent();
  const asProperty = TsNode.isPropertyAssignment(parent) && parent.getName() === "lengths" ? parent.getParent()?.getParent() : undefined;
  const packCall = asProperty ?? parent;
  if (!TsNode.isCallExpression(packCall)) return false;
  if (!asProperty && packCall.getArguments()[1] !== node) return false;
  return /\b(packPaddedSequence|pack_padded_sequence)$/.test(packCall.getExpression().getText());
}

/** The per-sample lengths as a [N] tensor matching the batch dim of `input`, else a located error. */
function lengthsOf(v: Value, input: TensorValue, batchDim: number, who: string, at: CallSite["loc"]): TensorValue {
  if (!(v instanceof TensorValue)) return fail("wrongArgumentType", `${who}: lengths must be a 1-D tensor of each sample's length (int32 or float32), got ${describe(v)}`, at);
  const n = input.node.shape[batchDim];
  if (v.node.shape.length !== 1 || !shapeEq(v.node.shape, [n]))
    fail("shapeMismatch", `${who}: lengths must be [${formatShape([n]).slice(1, -1)}], one per sample of the input ${formatShape(input.node.shape)}, got ${formatShape(v.node.shape)}`, at);
  return v;
}

/** [N, 1] masks, one per step t: 1 where t < the sample's length. */
export function stepMasks(lengths: TensorValue, steps: number, em: GraphEmitter, who: string, site: CallSite): TensorValue[] {
  const c = ops(em, who, site);
  const n = lengths.node.shape[0];
  return Array.from({ length: steps }, (_, t) => c.reshape(c.op("gt", [lengths, t]), [n, 1]));
}

export function rnnUtilsNamespace(em: GraphEmitter): NamespaceValue {
  const pack = new BuiltinFunction("nn.utils.rnn.packPaddedSequence", (args, site) => {
    const who = "nn.utils.rnn.packPaddedSequence";
    const b = bindArgs(who, [arg("input", "tensor"), arg("lengths", "any"), opt("batchFirst", "bool", false), opt("enforceSorted", "bool", true)], args, site);
    const input: TensorValue = b.input;
    if (input.node.shape.length < 2) fail("shapeMismatch", `${who}: the input is [L, N, …] (batchFirst: [N, L, …]), got ${formatShape(input.node.shape)}`, locOfArg(b, "input", site));
    // (enforceSorted: PyTorch checks the order; with masks any order computes the same)
    return new PackedSequenceValue(input, lengthsOf(b.lengths, input, b.batchFirst ? 0 : 1, who, locOfArg(b, "lengths", site)), b.batchFirst, false);
  });
  const pad = new BuiltinFunction("nn.utils.rnn.padPackedSequence", (args, site) => {
    const who = "nn.utils.rnn.padPackedSequence";
    const b = bindArgs(who, [arg("sequence", "any"), opt("batchFirst", "bool", false), opt("paddingValue", "number", 0), opt("totalLength", "posInt", null, { nullable: true })], args, site);
    const seq = b.sequence;
    if (!(seq instanceof PackedSequenceValue)) return fail("wrongArgumentType", `${who} takes a PackedSequence (a recurrent layer's output for packPaddedSequence's input), got ${describe(seq)}`, locOfArg(b, "sequence", site));
    const c = ops(em, who, site);
    let data = seq.padded;
    const seqDim = seq.batchFirst ? 1 : 0;
    const steps = data.node.shape[seqDim] as number;
    if (!seq.zeroPadded || b.paddingValue !== 0) {
      // the steps past each length hold paddingValue: masks [N, 1] along the batch and sequence dims
      const n = seq.lengths.node.shape[0];
      const t = c.reshape(em.tensor("arange_int", [], { start: 0, step: 1, length: steps }, who, site), seq.batchFirst ? [1, steps] : [steps, 1]);
      const lengths = c.reshape(seq.lengths, seq.batchFirst ? [n, 1] : [1, n]);
      const inside = c.reshape(c.op("lt", [t, lengths]), [...(seq.batchFirst ? [n, steps] : [steps, n]), ...data.node.shape.slice(2).map(() => 1)]);
      data = c.op("where", [inside, data, b.paddingValue]);
    }
    if (b.totalLength !== null && b.totalLength !== steps) {
      // PyTorch's total_length pads the output to that many steps (fewer: the steps past every length go)
      if (b.totalLength < steps) data = c.narrow(data, seqDim, 0, b.totalLength);
      else {
        const placed = (t: TensorValue) => c.op("pad_dim", [t], { dim: seqDim, start: 0, length: steps, size: b.totalLength });
        const widened = placed(data);
        data = b.paddingValue === 0 ? widened : c.op("where", [placed(c.op("expand", [em.tensor("full", [], { shape: [], value: 1 }, who, site)], { shape: [...data.node.shape] })), widened, b.paddingValue]);
      }
    }
    if (b.batchFirst !== seq.batchFirst) data = c.op("permute", [data], { perm: [1, 0, ...data.node.shape.slice(2).map((_, i) => i + 2)] });
    return [data, seq.lengths];
  });
  return new NamespaceValue(
    "nn.utils.rnn",
    new Map<string, Value>([
      ["packPaddedSequence", pack],
      ["pack_padded_sequence", pack],
      ["padPackedSequence", pad],
      ["pad_packed_sequence", pad],
    ]),
  );
}
