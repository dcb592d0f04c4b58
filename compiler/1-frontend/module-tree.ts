import type { Node, StateDictKey } from "../ir/node.ts";
import { fail, type SourceLoc } from "../diagnostics/diagnostic.ts";
import { describe, ModuleValue, ParameterValue, LayerParamRef, type Value } from "./values.ts";

// PyTorch's walks over a module tree (nn.Module.named_children, named_modules, named_parameters,
// apply), over the modules a constructor has built. Initialization code is written with them:
// torchvision's `for m in self.modules(): if isinstance(m, nn.Conv2d): kaiming_normal_(m.weight)`,
// nanoGPT's `self.apply(self._init_weights)` and its loop over named_parameters(). The orders are
// PyTorch's, which are also the state_dict's (lower.ts registerTree walks the same way):
//   named_children   a module's child modules in assignment order, each once;
//   named_modules    pre-order (a module, then each child's tree), each module once, under the
//                    first path that reaches it;
//   named_parameters for each module of named_modules, its own parameters in registration order,
//                    each tensor once (a tied weight or a shared nn.Parameter under its first name);
//   apply(fn)        post-order: each child's apply, then fn on the module (a module shared by two
//                    parents is visited through both, as PyTorch's recursion does).
// Walks use stacks of their own: a model may nest modules 100,000 deep (lower.ts says so too).

/** A module's child modules, by field name, in assignment order; a module held in two fields once (the first). */
export function namedChildren(m: ModuleValue): [string, ModuleValue][] {
  const seen = new Set<ModuleValue>();
  const out: [string, ModuleValue][] = [];
  for (const [name, v] of m.fields)
    if (v instanceof ModuleValue && !v.plain && !seen.has(v)) {
      seen.add(v);
      out.push([name, v]);
    }
  return out;
}

/** The module and every module under it, pre-order, each once: ["", root], ["features", ...], ["features.0", ...]. */
export function namedModules(root: ModuleValue): [string, ModuleValue][] {
  const seen = new Set<ModuleValue>();
  const out: [string, ModuleValue][] = [];
  const stack: [string, ModuleValue][] = [["", root]];
  while (stack.length > 0) {
    const [path, m] = stack.pop()!;
    if (seen.has(m)) continue;
    seen.add(m);
    out.push([path, m]);
    // PyTorch's memo is shared by the whole walk: a child already met is skipped, not renamed
    const children = [...m.fields].filter((e): e is [string, ModuleValue] => e[1] instanceof ModuleValue && !e[1].plain);
    for (let i = children.length - 1; i >= 0; i--) stack.push([path ? `${path}.${children[i][0]}` : children[i][0], children[i][1]]);
  }
  return out;
}

/** A parameter as the tree holds it: its module and its name there (a layer's "weight", a user's field). */
export interface ParameterSlot {
  /** "features.0.weight" */
  readonly name: string;
  readonly module: ModuleValue;
  readonly local: string;
}

/** Every parameter (not buffers), each tensor once, named and ordered as named_parameters() names them. */
export function namedParameters(root: ModuleValue): ParameterSlot[] {
  const users = new Set<ParameterValue>();
  const layers = new Map<ModuleValue, Set<string>>();
  /** true the first time a tensor is met */
  const first = (p: ParameterValue | LayerParamRef): boolean => {
    if (p instanceof ParameterValue) return users.has(p) ? false : (users.add(p), true);
    const names = layers.get(p.module) ?? new Set<string>();
    layers.set(p.module, names);
    return names.has(p.local) ? false : (names.add(p.local), true);
  };
  const out: ParameterSlot[] = [];
  for (const [path, m] of namedModules(root)) {
    const at = (local: string) => (path ? `${path}.${local}` : local);
    for (const p of m.params) if (first(m.tied.get(p.local) ?? new LayerParamRef(m, p.local))) out.push({ name: at(p.local), module: m, local: p.local });
    for (const [key, v] of m.fields) if (v instanceof ParameterValue && !v.buffer && first(v)) out.push({ name: at(key), module: m, local: key });
  }
  return out;
}

/**
 * The modules apply(fn) calls fn on, in order: post-order over children, a shared module once per
 * parent. `refuse` ends the walk where PyTorch's recursion would not end (a module that holds one
 * of its ancestors) or the list grows past `limit` (shared modules double it at each level).
 */
export function applyOrder(root: ModuleValue, limit: number, refuse: (why: "cycle" | "limit", m: ModuleValue) => never): ModuleValue[] {
  const out: ModuleValue[] = [];
  const onPath = new Set<ModuleValue>();
  // [module, whether its children are already on the stack]
  const stack: [ModuleValue, boolean][] = [[root, false]];
  while (stack.length > 0) {
    const [m, expanded] = stack.pop()!;
    if (expanded) {
      onPath.delete(m);
      out.push(m);
      if (out.length > limit) refuse("limit", m);
      continue;
    }
    onPath.add(m);
    stack.push([m, true]);
    const children = namedChildren(m);
    for (let i = children.length - 1; i >= 0; i--) {
      if (onPath.has(children[i][1])) refuse("cycle", children[i][1]);
      stack.push([children[i][1], false]);
    }
  }
  return out;
}

/** A module or parameter a plain object's field holds (GGNN's AttrProxy(self, "in_"), a Holder(this.fc)). */
export interface PlainState {
  readonly self: ModuleValue;
  readonly name: string;
  readonly value: ModuleValue | ParameterValue;
  readonly at: SourceLoc;
}

/**
 * A plain object's field holding a module or a parameter: PyTorch registers neither there, so one
 * that no module registers would be neither trained nor saved — refused. One the model holds
 * anyway (a child also kept by a helper object, the model itself behind a proxy) is a reference,
 * as in PyTorch. Which the model holds is known once its tree is: `pending` keeps the fields met
 * while it is built; `registered` (modules and parameters of the tree) is there from then on.
 */
export function notePlainState(pending: PlainState[], registered: ReadonlyMap<unknown, unknown> | undefined, self: ModuleValue, name: string, value: Value, at: SourceLoc): void {
  if (!((value instanceof ModuleValue && !value.plain) || value instanceof ParameterValue)) return;
  if (registered) checkPlainState(registered, [{ self, name, value, at }]);
  else pending.push({ self, name, value, at });
}

/** The modules and user parameters of the tree under `root`, `root` included; each parameter with its node (after registration). */
export function registeredState(root: ModuleValue): Map<unknown, Node | undefined> {
  const out = new Map<unknown, Node | undefined>();
  for (const [, m] of namedModules(root)) {
    out.set(m, undefined);
    for (const [k, v] of m.fields) if (v instanceof ParameterValue && !out.get(v)) out.set(v, m.paramNodes.get(k));
  }
  return out;
}

export function checkPlainState(registered: ReadonlyMap<unknown, unknown>, held: readonly PlainState[]): void {
  for (const { self, name, value, at } of held)
    if (!registered.has(value))
      fail("moduleNotInModel", `${self.typeName}.${name} holds ${describe(value)}, but ${self.typeName} does not extend nn.Module and no module of the model holds it: its modules and parameters would not be part of the model (make ${self.typeName} extend nn.Module, or register the ${value instanceof ModuleValue ? "module" : "parameter"} on a module as well)`, at);
}


/**
 * Keys, or module paths walked, past which a state_dict of shared modules (2^depth paths through a
 * DAG) keeps each module's first path only: paths are counted too, since shared modules without
 * state add none of the keys and would be walked 2^depth times.
 */
export const MAX_STATE_DICT_KEYS = 100_000;

/**
 * PyTorch's state_dict() keys, in its order, after the tree is registered: for each module its own
 * parameters (_parameters, frozen ones too), then its buffers, then each child's keys under the
 * child's field name. Unlike named_parameters() nothing is skipped as already seen: a module held
 * in two fields (nn.Sequential(*[block] * 3)) lists its state under every path, and a tied weight
 * under each module that holds it, so a PyTorch file naming either key loads. A module that holds
 * one of its ancestors ends the path there (PyTorch would recurse forever); past
 * MAX_STATE_DICT_KEYS the walk keeps each module's first path only, as named_parameters() does.
 */
export function stateDictKeys(root: ModuleValue, nameOf: (node: Node) => string): StateDictKey[] {
  return walkStateDict(root, nameOf, false) ?? walkStateDict(root, nameOf, true)!;
}

function walkStateDict(root: ModuleValue, nameOf: (node: Node) => string, once: boolean): StateDictKey[] | undefined {
  const out: StateDictKey[] = [];
  const seen = new Set<ModuleValue>();
  const onPath = new Set<ModuleValue>();
  let visits = 0;
  // [module, path, whether its subtree is done]: the exit marker takes it off the path
  const stack: [ModuleValue, string, boolean][] = [[root, "", false]];
  while (stack.length > 0) {
    const [m, path, done] = stack.pop()!;
    if (done) {
      onPath.delete(m);
      continue;
    }
    if (onPath.has(m) || (once && seen.has(m))) continue;
    if (!once && ++visits > MAX_STATE_DICT_KEYS) return undefined;
    seen.add(m);
    onPath.add(m);
    stack.push([m, path, true]);
    const at = (local: string) => (path ? `${path}.${local}` : local);
    const own = (locals: Iterable<string>) => {
      for (const local of locals) {
        const node = m.paramNodes.get(local);
        if (node) out.push({ key: at(local), tensor: nameOf(node) });
      }
    };
    const userFields = [...m.fields].filter((e): e is [string, ParameterValue] => e[1] instanceof ParameterValue);
    own([...m.params.map((p) => p.local), ...userFields.filter(([, v]) => !v.buffer).map(([k]) => k)]);
    // buffers in registration order: a layer's, then the user's fields, an integer table held as a constant among them
    own(m.buffers.map((b) => b.local));
    for (const [local, v] of m.fields) {
      // registerBuffer(…, { persistent: false }): not in PyTorch's state_dict
      if (v instanceof ParameterValue && v.buffer && v.persistent) own([local]);
      const constant = m.constantBuffers.get(local);
      if (constant && !(v instanceof ParameterValue)) out.push({ key: at(local), constant: constant.shape, sha256: constant.sha256, ...(constant.values ? { values: constant.values } : {}) });
    }
    if (!once && out.length > MAX_STATE_DICT_KEYS) return undefined;
    const children = [...m.fields].filter((e): e is [string, ModuleValue] => e[1] instanceof ModuleValue && !e[1].plain);
    for (let i = children.length - 1; i >= 0; i--) stack.push([children[i][1], at(children[i][0]), false]);
  }
  return out;
}
