import { fail } from "../diagnostics/diagnostic.ts";
import { arg, bindArgs } from "./args.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { rankedMatmul } from "./composite-ops.ts";
import { BuiltinFunction, NamespaceValue, type Value } from "./values.ts";
import { SPARSE_HINT } from "./refused-names.ts";

// torch.sparse.mm and torch.spmm, which GCN-family ports multiply their normalized adjacency with
// (pygcn's torch.spmm(adj, support), LightGCN's torch.sparse.mm(self.Graph, all_emb)). tsdp's
// tensors are dense: the port builds the adjacency as a dense buffer, and the product is mm of the
// same values, as PyTorch's torch.sparse.mm is for a strided first operand. A sparse layout's own
// constructors (sparse_coo_tensor, x.to_sparse(): refused-names.ts) are not taken: tensor methods that only change the
// layout (x.to_dense(), x.coalesce()) are the tensor itself (tensor-spellings.ts).

export function sparseFunctions(em: GraphEmitter): [string, Value][] {
  const mm = (who: string) =>
    new BuiltinFunction(who, (args, site) => {
      const b = bindArgs(who, [arg("mat1", "tensor"), arg("mat2", "tensor")], args, site);
      return rankedMatmul(who, 2, b.mat1, b.mat2, site, em);
    });
  const refused = (who: string) => new BuiltinFunction(who, (_args, site) => fail("unknownLayer", `${who} is not supported: ${SPARSE_HINT}`, site.loc));
  return [
    ["spmm", mm("F.spmm")],
    ["sparse", new NamespaceValue("F.sparse", new Map<string, Value>([["mm", mm("F.sparse.mm")], ["FloatTensor", refused("F.sparse.FloatTensor")]]))],
    ["sparseCooTensor", refused("F.sparseCooTensor")],
  ];
}
