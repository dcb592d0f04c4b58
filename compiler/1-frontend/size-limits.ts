import { fail, type SourceLoc } from "../diagnostics/diagnostic.ts";
import type { DType } from "../ir/node.ts";
import { formatShape, isBatch, type Shape } from "../ir/shape.ts";
import { MAX_SIZE } from "./args.ts";

// What the runtime would refuse, refused at compile time instead. The generated kernels index
// a sample's elements (and each dim) with 32-bit ints, and the runtime's manifest check refuses
// any dim past 2^31 − 1 and any model input or output whose dim 0 is not the batch. A model that
// compiled and then failed in `load` would waste a build and say less about where it went wrong.

/**
 * Every dim a positive integer, none past MAX_SIZE, and the elements of one sample (or of a
 * tensor without a batch dim) at most MAX_SIZE. `what` names the tensor in messages.
 */
export function checkTensorSize(shape: Shape, what: string, loc: SourceLoc): void {
  let perSample = 1;
  shape.forEach((d, i) => {
    const size = isBatch(d) ? d.batch : d;
    // a shape rule that lets 0, NaN or Infinity through would otherwise reach g++ as a kernel bound
    if (!Number.isInteger(size) || size < 1)
      fail("shapeMismatch", `${what} would have size ${size} in dim ${i} (${formatShape(shape)}); every size must be a positive integer`, loc);
    if (size > MAX_SIZE)
      fail("tensorTooLarge", `${what} would have size ${size} in dim ${i} (${formatShape(shape)}), past the largest size tsdp indexes (${MAX_SIZE})`, loc);
    perSample *= size;
  });
  if (perSample > MAX_SIZE) {
    const per = shape.some(isBatch) ? " per sample" : "";
    fail("tensorTooLarge", `${what} ${formatShape(shape)} would hold ${perSample} elements${per}, past the ${MAX_SIZE} that tsdp indexes`, loc);
  }
}

/** Where a batch-dependent output has its batch, and how to move it first ([layers, N, H] states). */
function batchAt(shape: Shape): string {
  const at = shape.findIndex((d) => isBatch(d) && d.batch === 1);
  if (at > 0) return ` (its batch is dim ${at}: .transpose(0, ${at}) puts it first)`;
  // [k*Batch, …]: the batch folded with other dims (Hugging Face's router_logits of hidden_states.view(-1, hidden),
  // a cat along dim 0); the runtime splits outputs by sample, so the sample's own dims must come after it
  const folded = shape.findIndex((d) => isBatch(d) && d.batch !== 1);
  if (folded < 0) return "";
  const k = (shape[folded] as { batch: number }).batch;
  const where = folded === 0 ? "dim 0" : `dim ${folded}`;
  // the two foldings order rows differently: a view(-1, …) keeps each sample's k rows together, a cat
  // of k [Batch, …] parts (DINO's multi-crop, SimCLR's two views) puts the parts one after the other
  return ` (its ${where} is the batch times ${k}, folded with other dims: return it unfolded, [Batch, ${k}, …], with the batch first — x.view(-1, ${k}, …) where each sample's ${k} rows are together (a view(-1, …) of [Batch, ${k}, …]), x.view(${k}, -1, …).transpose(0, 1) where ${k} parts of [Batch, …] were joined along the batch (F.cat of crops or views))`;
}

/**
 * A model output must be [Batch, ...], float32 or int32: the runtime splits and gathers outputs
 * along dim 0, and its manifest check refuses other dtypes (int64 is only for buffers). One
 * without a batch dim that the batch does not reach (`batchDependent` false: open_clip's
 * `logit_scale.exp()`, a function of parameters and constants) is the same on every replica, and
 * the runtime returns replica 0's, as the one device computes it (DDP returns each rank's own,
 * equal ones; DataParallel stacks one per replica).
 */
export function checkOutput(shape: Shape, dtype: DType, loc: SourceLoc, batchDependent: boolean | "loss" = true): void {
  if (dtype !== "f32" && dtype !== "i32") fail("badOutput", `forward must return float32 or int32 tensors, got ${dtype} ${formatShape(shape)}`, loc);
  if (!batchDependent && !shape.some(isBatch)) return;
  const first = shape[0];
  if (first === undefined || !isBatch(first) || first.batch !== 1)
    fail(
      "badOutput",
      `forward must return tensors whose first dim is Batch, got a tensor of shape ${formatShape(shape)}` +
        (shape.some(isBatch)
          ? batchAt(shape)
          : batchDependent === "loss"
            ? " (it does not depend on the batch), and the Training declaration's loss module compares it with each sample's target: return the per-sample output first, or write the loss as a function of the outputs"
            : " (a reduction over the batch). Each device computes forward on its share of the batch, so a value of the whole batch (a loss, a KL term) is not an output: return it per sample (kld.sum(1) rather than kld.sum(), [Batch]) and reduce it after forward (or in the Training declaration's loss function); an output the batch does not reach (a function of parameters, logit_scale.exp()) may have any shape"),
      loc,
    );
  const extra = shape.findIndex((d, i) => i > 0 && isBatch(d));
  if (extra > 0) fail("badOutput", `forward must return tensors with the batch in dim 0 only, got ${formatShape(shape)}`, loc);
}
