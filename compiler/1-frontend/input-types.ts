import { own } from "./names.ts";
import { Node as TsNode, type ParameterDeclaration, type TypeNode } from "ts-morph";
import { fail } from "../diagnostics/diagnostic.ts";
import type { DType } from "../ir/node.ts";
import { Batch, type Dim } from "../ir/shape.ts";
import { MAX_SIZE } from "./args.ts";
import { checkTensorSize } from "./size-limits.ts";
import { locOf } from "./source.ts";

// Model inputs get their shapes from forward's type annotations:
//   forward(x: Tensor<[Batch, 1, 28, 28]>)            float32, batch first
//   forward(tokens: Tensor<[Batch, 16], "int32">)     class indices for nn.Embedding
// Type aliases in the same file are followed (type Image = Tensor<[Batch, 3, 32, 32]>).

export interface InputType {
  readonly name: string;
  readonly shape: Dim[];
  readonly dtype: DType;
}

const dtypes: Record<string, DType> = { float32: "f32", int32: "i32" };

/**
 * A forward parameter that is a setting, not an input: a default and no tensor in its type
 * (`hasMask = true`, `mode: "norm" | "denorm" = "norm"`), or optional and typed without a tensor
 * (`numSlots?: number`, undefined). The compiled model takes only tensors,
 * so forward runs with the default, a compile-time constant. An untyped `= null` or `= undefined`
 * stays an optional input (PyTorch's mask=None), refused by inputType.
 */
export function isConstantParameter(p: ParameterDeclaration): boolean {
  const init = p.getInitializer();
  const typeNode = p.getTypeNode();
  // forward(x, numSlots?: number): a setting whose default is undefined (Slot Attention's num_slots=None)
  if (!init && p.hasQuestionToken() && typeNode && !p.isRestParameter()) return !mentionsTensor(typeNode, 0);
  if (!init || p.isRestParameter()) return false;
  if (!typeNode) return !(TsNode.isNullLiteral(init) || (TsNode.isIdentifier(init) && init.getText() === "undefined"));
  return !mentionsTensor(typeNode, 0);
}

/** Whether a type names Tensor anywhere (Tensor | null, Tensor[], a type alias of one). */
function mentionsTensor(t: TypeNode, depth: number): boolean {
  for (const ref of [t, ...t.getDescendants()]) {
    if (!TsNode.isTypeReference(ref)) continue;
    const name = ref.getTypeName().getText();
    if (name === "Tensor") return true;
    const alias = ref.getSourceFile().getTypeAlias(name);
    if (alias && depth < 10 && mentionsTensor(alias.getTypeNodeOrThrow(), depth + 1)) return true;
  }
  return false;
}

export function inputType(p: ParameterDeclaration, role = "forward parameter"): InputType {
  const name = p.getName();
  const typeNode = p.getTypeNode();
  // Python's forward(self, x): a TypeScript method has `this` without a parameter
  if (!typeNode && name === "self") fail("missingInputShape", `${role} 'self' is Python's: a TypeScript method has \`this\` without a parameter; drop self (forward(x: Tensor<[Batch, …]>)) and write this.fc for self.fc`, locOf(p));
  if (!typeNode) fail("missingInputShape", `${role} '${name}' has no type; tsdp needs its shape`, locOf(p));
  // forward(x, mask = null): the compiled model has one signature, every input given on every call
  if (p.hasInitializer() || p.hasQuestionToken() || (TsNode.isUnionTypeNode(typeNode) && typeNode.getTypeNodes().some((t) => /^(null|undefined)$/.test(t.getText()))))
    fail("missingInputShape", `${role} '${name}' is optional; the compiled model takes every forward input on every call: make it required (and pass a neutral value, e.g. a mask of ones), or drop it`, locOf(p));
  return { name, ...tensorType(typeNode, `${role} '${name}'`) };
}

function tensorType(t: TypeNode, what: string, depth = 0): { shape: Dim[]; dtype: DType } {
  if (!TsNode.isTypeReference(t)) fail("missingInputShape", `${what} must be typed Tensor<[Batch, ...]>, got ${t.getText()}`, locOf(t));
  const name = t.getTypeName().getText();
  const args = t.getTypeArguments();
  if (name !== "Tensor") {
    const alias = t.getSourceFile().getTypeAlias(name);
    if (alias && depth < 10) return tensorType(alias.getTypeNodeOrThrow(), what, depth + 1);
    // a class or interface of the port's own: Tree-LSTM's parse tree, a graph's adjacency lists
    const file = t.getSourceFile();
    if (file.getClass(name) || file.getInterface(name))
      fail(
        "missingInputShape",
        `${what} must be typed Tensor<[Batch, ...]>, got ${name}, an object of the port's own: the compiled model takes tensors, and its computation is fixed when it compiles, so a structure that differs from sample to sample (Tree-LSTM's parse tree walked by recursion, a graph's adjacency lists) cannot steer it; pass the structure as tensors of a fixed size — each node's children as int32 indices padded to a maximum count, with a 0/1 mask, and the nodes processed level by level up to a maximum depth (gather the children's states, mask, sum)`,
        locOf(t),
      );
    fail("missingInputShape", `${what} must be typed Tensor<[Batch, ...]>, got ${t.getText()}`, locOf(t));
  }
  if (args.length === 0) fail("missingInputShape", `${what} is a Tensor without a shape: write Tensor<[Batch, ...]>`, locOf(t));
  const tuple = args[0];
  if (!TsNode.isTupleTypeNode(tuple)) fail("badInputShape", `${what}: the shape must be a tuple like [Batch, 3, 32, 32], got ${tuple.getText()}`, locOf(tuple));
  const shape = tuple.getElements().map((el) => dimOf(TsNode.isNamedTupleMember(el) ? el.getTypeNode() : el, what));
  const batchDims = shape.filter((d) => typeof d !== "number").length;
  if (batchDims !== 1 || typeof shape[0] === "number")
    fail(
      "badInputShape",
      `${what}: the batch must be the first dim and appear once, as in [Batch, 1, 28, 28]; got ${tuple.getText()}` +
        // an RNN's state in PyTorch's [num_layers, N, H] layout: batch-first here, transposed where it is used
        (batchDims === 1 ? `; a tensor whose batch is another dim (an RNN's [num_layers, Batch, H] state) is declared batch-first and transposed in forward: h.transpose(0, 1)` : "") +
        // a whole few-shot episode or graph as the one input: the batch is what devices split, so it holds such examples
        (batchDims === 0 ? `; an input that is one whole example (a few-shot episode, a graph) is declared with the batch before it, [Batch, ${shape.join(", ")}], and called with a batch of such examples (1 or more)` : "") +
        // pyGAT's / pygcn's whole-graph adjacency over the nodes as the batch: the devices split the batch, so a node's
        // neighbours would be on another device; a graph is one example, its node count fixed
        (batchDims > 1 ? `; the batch is what the devices split, so no input has it twice: a dense adjacency over the batch's nodes (pyGAT's and pygcn's whole-graph adj [N, N]) is one graph per example — x: Tensor<[Batch, N, F]> and adj: Tensor<[Batch, N, N]> with N nodes a number, torch.mm as F.matmul and .T as .mT` : ""),
      locOf(tuple),
    );
  checkTensorSize(shape, what, locOf(tuple));
  let dtype: DType = "f32";
  if (args[1]) {
    const d = args[1];
    const text = TsNode.isLiteralTypeNode(d) && TsNode.isStringLiteral(d.getLiteral()) ? (d.getLiteral() as unknown as { getLiteralValue(): string }).getLiteralValue() : undefined;
    if (text === undefined || own(dtypes, text) === undefined) fail("badInputShape", `${what}: the dtype must be "float32" or "int32", got ${d.getText()}`, locOf(d));
    dtype = own(dtypes, text)!;
  }
  return { shape, dtype };
}

function dimOf(el: TypeNode, what: string): Dim {
  if (TsNode.isTypeReference(el) && el.getTypeName().getText() === "Batch") return Batch;
  if (TsNode.isLiteralTypeNode(el)) {
    const lit = el.getLiteral();
    if (TsNode.isNumericLiteral(lit)) {
      const v = lit.getLiteralValue();
      if (Number.isInteger(v) && v > MAX_SIZE)
        fail("tensorTooLarge", `${what}: dim ${el.getText()} is past the largest size tsdp indexes (${MAX_SIZE})`, locOf(el));
      if (Number.isInteger(v) && v >= 1) return v;
    }
  }
  return fail("badInputShape", `${what}: each dim must be Batch or a positive integer literal, got ${el.getText()}`, locOf(el));
}
