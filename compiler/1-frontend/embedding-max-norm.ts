import { fail } from "../diagnostics/diagnostic.ts";
import { ops } from "./composite-ops.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { underNoGrad } from "./no-grad.ts";
import { isState } from "./state-updates.ts";
import type { CallSite, TensorValue } from "./values.ts";
import { renormScale, vectorNorm } from "./vector-norm.ts";
import { writeThrough } from "./views.ts";

// nn.Embedding(…, max_norm=m, norm_type=p) and F.embedding(…, max_norm=m): before the lookup,
// PyTorch renormalizes in place, outside autograd, each row of the weight that the indices look up
// and whose p-norm exceeds m — times m / (‖row‖ₚ + 1e-7), its embedding_renorm_ — and leaves the
// other rows as they are. So the weight is state forward changes (state-updates.ts): the lookup
// reads the renormed rows, the gradient is the weight's, and the optimizer updates the renormed
// values. Which rows change depends on the batch, so on several devices each replica renorms the
// rows its share looks up and the replicas keep replica 0's weight (the harness copies it), as
// DataParallel keeps device 0's module.

/** Renormalizes, in `weight` itself, the rows `indices` look up whose `normType`-norm exceeds `maxNorm`. */
export function renormLookedUpRows(weight: TensorValue, indices: TensorValue, maxNorm: number, normType: number, em: GraphEmitter, who: string, site: CallSite): void {
  if (!isState(weight))
    fail("unsupportedSyntax", `${who}: maxNorm renormalizes rows of the weight in place, which must then be a module's parameter or buffer (this.emb.weight); a weight forward computed would be changed and dropped`, site.loc);
  if (!(normType > 0)) fail("invalidArgument", `${who}: normType must be > 0, got ${normType}`, site.loc);
  const [num] = weight.node.shape as number[];
  const c = ops(em, who, site);
  underNoGrad(em, site, () => {
    const rows = c.op("detach", [weight]);
    // how often each row is looked up: the lookup's own scatter, of ones
    const ones = c.op("expand", [1], { shape: [...indices.node.shape, 1] });
    const looked = c.op("gt", [c.op("embedding_grad", [ones, indices], { numEmbeddings: num, paddingIdx: null }), 0]);
    const norm = vectorNorm(rows, normType, [1], true, site, em, who);
    writeThrough(weight, c.op("mul", [rows, c.op("where", [looked, renormScale(norm, maxNorm, site, em, who), 1])]).node, who, site, em);
    return null;
  });
}
