import type { Node } from "../ir/node.ts";
import type { ModuleValue } from "./values.ts";

// Integer buffers forward advances: LitEma's `num_updates` (register_buffer(…, torch.tensor(0,
// dtype=torch.int)), then `self.num_updates += 1` in forward), a warmup's step counter, a VQ-VAE's
// per-code usage counts. An integer buffer is otherwise a constant the kernels compute (Swin's
// relative_position_index: no storage, no state), and whether forward changes it is known only
// once forward has been evaluated, after the constructor made it a constant. So lowering runs in
// two passes for such a model (lower.ts): the first notes each integer buffer forward changes
// (by its class and name) where it would refuse the change; the second makes those int32 state
// — device storage the program's state update writes, as a float buffer's (state-updates.ts).
// Every other integer buffer stays a constant, so models that never advance one compile as before.
// A buffer registered with persistent false (any dtype) is a constant the same way and, when forward
// changes it, state the same way: PyTorch keeps it between calls and only leaves it out of the
// state_dict (ParameterValue.persistent; the runtime leaves it out of stateDict and checkpoints).

/** The integer buffers of one lowering: those to hold as state, and those forward was found to change. */
export class CounterBuffers {
  /** Keys of the integer buffers an earlier pass found forward changes: registered as int32 state. */
  readonly held: ReadonlySet<string>;
  /** Keys found changed by forward in this pass while they were constants. */
  readonly found = new Set<string>();
  readonly #keys = new WeakMap<Node, string>();
  constructor(held: ReadonlySet<string> = new Set()) {
    this.held = held;
  }

  /** Whether registerBuffer(name, an integer tensor) on `m` makes state rather than a constant. */
  isHeld(m: ModuleValue, name: string): boolean {
    return this.held.has(counterKey(m, name));
  }

  /** An integer buffer held as a constant: its node, so that a change forward makes to it is traced back to it. */
  noteConstant(node: Node, m: ModuleValue, name: string): void {
    this.#keys.set(node, counterKey(m, name));
  }

  /** Forward changes `node`: when it is an integer buffer's constant, the next pass makes it state. Whether it is one. */
  noteChanged(node: Node): boolean {
    const key = this.#keys.get(node);
    if (key === undefined) return false;
    this.found.add(key);
    return true;
  }

  /** The keys this pass found that are not held yet: a reason to lower again. */
  get newlyFound(): Set<string> {
    return new Set([...this.found].filter((k) => !this.held.has(k)));
  }
}

/** A buffer by its class (the declaration's file and place: every instance of it) and its name. */
function counterKey(m: ModuleValue, name: string): string {
  const decl = m.cls?.decl;
  return `${decl ? `${decl.getSourceFile().getFilePath()}:${decl.getStart()}` : m.typeName}#${name}`;
}
