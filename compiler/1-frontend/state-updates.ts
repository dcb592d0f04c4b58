import { fail } from "../diagnostics/diagnostic.ts";
import { dtypeNames, type Node, type StateUpdate } from "../ir/node.ts";
import { formatShape, shapeEq } from "../ir/shape.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { change } from "./in-place-journal.ts";
import { describe, TensorValue, type CallSite, type Value } from "./values.ts";

// Buffers forward changes, as PyTorch's module state: a running statistic of a module's own
// (`self.running_mean.mul_(1 - m).add_(m * mean)`, `self.running_mean = …`), an EMA, a counter.
// In forward a buffer is one tensor object (stateTensor), so an in-place change through any read
// of it — or through a view of it (views.ts) — and an assignment to the attribute change the
// buffer's value, and later reads in the same forward see the change, as they do in PyTorch. The
// buffer's value at forward's end is a state update of the graph (Graph.stateUpdates): each
// program computes it and copies it into the buffer after its kernels, so the next call reads it
// (compiler/5-codegen; the reference interpreter writes its state the same way). Under
// DataParallel each replica computes its own and replica 0's is kept, as PyTorch's DataParallel
// keeps device 0's buffers (and DDP broadcasts rank 0's).
//
// A frozen parameter (requires_grad false: a buffer node) is state too — an EMA of weights (MoCo's
// key encoder updated under no_grad) — and a layer's forward reads it at its current value. So is a
// trained parameter that forward changes where autograd does not record it (under no_grad, through
// p.data): braindecode's max-norm constraint `self.weight.data = torch.renorm(self.weight.data, …)`
// before its convolution, PixelCNN's `self.weight.data *= self.mask`. PyTorch's parameter then holds
// the new values: forward computes with them, the gradient is the parameter's (autograd's graph never
// saw the change: the `unrecorded` op), and the optimizer updates the changed values — the programs
// copy the value into the parameter at their end, which in a training step is before the update
// (runtime/harness/step.cu). A change autograd would record is refused, as PyTorch refuses an in-place
// change of a leaf that requires grad. A constructor's constants (F.tril(…) fields) are still not
// changed by forward: a constant has no state to persist. A non-persistent buffer forward changes is
// state (counter-buffers.ts), left out of the state_dict.

const states = new WeakSet<TensorValue>();
/** Each buffer's tensor in forward, once made: what a layer's forward reads of a frozen parameter forward changed. */
const tensorOfState = new WeakMap<Node, TensorValue>();
/** The buffer or parameter node each state tensor stands for. */
const stateNodeOf = new WeakMap<TensorValue, Node>();

/** The tensor a buffer is in forward; forward may change it. */
export function stateTensor(buffer: Node): TensorValue {
  const t = new TensorValue(buffer);
  states.add(t);
  stateNodeOf.set(t, buffer);
  tensorOfState.set(buffer, t);
  return t;
}

/**
 * A layer's parameter as its forward reads it: a frozen one (a buffer node) that forward read as
 * state — MoCo's key encoder, moved toward the query encoder under no_grad before it runs — at its
 * value now; any other, its node.
 */
export function layerStateOr(node: Node): TensorValue {
  return tensorOfState.get(node) ?? new TensorValue(node);
}

/** Whether forward may change `t` in place: a buffer's tensor, or a parameter's (only where autograd does not record the change). */
export const isState = (t: TensorValue): boolean => states.has(t);

/** Whether `t` is a trained parameter's tensor in forward: a change of it must be one autograd does not record. */
export const isTrainedState = (t: TensorValue): boolean => states.has(t) && stateNodeOf.get(t)?.op === "param";

/**
 * `this.buf = value` in forward: the buffer takes the value (same shape; float32, as buffers are). A
 * trained parameter (`p.data = v`) takes v's values while its gradient stays the parameter's:
 * `unrecorded(v, p)`, as autograd never saw the assignment.
 */
export function assignState(state: TensorValue, value: Value, who: string, site: CallSite, em: GraphEmitter): void {
  if (!(value instanceof TensorValue)) return void fail("wrongArgumentType", `${who}: a buffer takes a tensor, got ${describe(value)}`, site.loc);
  const [want, got] = [state.node, value.node];
  if (!shapeEq(want.shape, got.shape))
    fail("shapeMismatch", `${who}: the buffer is ${dtypeNames[want.dtype]} ${formatShape(want.shape)}; a value of another shape (${dtypeNames[got.dtype]} ${formatShape(got.shape)}) would make the state another size`, site.loc);
  // PyTorch's buffer would take the new dtype (self.n = self.n + 0.5 makes a float tensor); the compiled state keeps its own
  if (want.dtype !== got.dtype)
    fail("dtypeMismatch", `${who}: the buffer is ${dtypeNames[want.dtype]} ${formatShape(want.shape)} and the value ${dtypeNames[got.dtype]}; a buffer keeps its dtype here (PyTorch's would become ${dtypeNames[got.dtype]}): ${want.dtype === "i32" ? "give it an integer value (.long() rounds toward zero), or register the buffer as float32 (F.tensor(0.0))" : "convert the value (.float())"}`, site.loc);
  change(state, isTrainedState(state) ? em.node("unrecorded", [got, state.node], {}, who, site) : got, undefined);
}

/** The buffers forward changed, each with its value at forward's end. */
export function stateUpdates(states: ReadonlyMap<Node, TensorValue>): StateUpdate[] {
  return [...states].filter(([buffer, t]) => t.node !== buffer).map(([buffer, t]) => ({ buffer, value: t.node }));
}
