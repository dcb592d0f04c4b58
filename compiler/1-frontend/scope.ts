import type { Value } from "./values.ts";

interface Binding {
  value: Value;
  readonly mutable: boolean;
  /** A top-level const evaluated on first use, so declaration order does not matter. */
  thunk?: () => Value;
  /** The value when it is a Python float (`let v = 1.0`; float-literals.ts); a plain assignment clears it. */
  float?: number;
}

/** Lexical scopes of the evaluator: block → function → file → globals. */
export class Scope {
  private readonly vars = new Map<string, Binding>();
  constructor(
    readonly parent?: Scope,
    /** The value of `this` here, for method bodies and field initializers. */
    readonly self?: Value,
  ) {}

  declare(name: string, value: Value, mutable: boolean): void {
    this.vars.set(name, { value, mutable });
  }

  declareLazy(name: string, thunk: () => Value): void {
    this.vars.set(name, { value: undefined, mutable: false, thunk });
  }

  private find(name: string): Binding | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const b = s.vars.get(name);
      if (b) return b;
    }
    return undefined;
  }

  hasOwn(name: string): boolean {
    return this.vars.has(name);
  }

  has(name: string): boolean {
    return this.find(name) !== undefined;
  }

  /** undefined when the name is not bound at all; the caller reports it. */
  lookup(name: string): { value: Value } | undefined {
    const b = this.find(name);
    if (!b) return undefined;
    if (b.thunk) {
      const thunk = b.thunk;
      b.thunk = undefined;
      b.value = thunk();
    }
    return { value: b.value };
  }

  /** Assigns an existing binding: "ok", "const" (not mutable) or "missing". */
  assign(name: string, value: Value): "ok" | "const" | "missing" {
    const b = this.find(name);
    if (!b) return "missing";
    if (!b.mutable) return "const";
    b.value = value;
    b.float = undefined;
    return "ok";
  }

  /** Notes that the variable `name` now holds the Python float `float` (undefined: not a float). */
  noteFloat(name: string, float: number | undefined): void {
    const b = this.find(name);
    if (b) b.float = float;
  }

  /** The Python float the variable `name` holds, when it holds one. */
  floatOf(name: string): number | undefined {
    const b = this.find(name);
    return b && !b.thunk && b.float === b.value ? b.float : undefined;
  }

  /**
   * The next iteration's scope of `for (let i = …; …; i++)`: a copy of this one's bindings, with the
   * same parent, as JavaScript's CreatePerIterationEnvironment makes — a closure the body made keeps
   * its iteration's i, while the increment and the next test update the copy.
   */
  nextIteration(): Scope {
    const copy = new Scope(this.parent, this.self);
    for (const [name, b] of this.vars) copy.vars.set(name, { value: b.value, mutable: b.mutable, thunk: b.thunk, float: b.float });
    return copy;
  }

  /** The nearest `this`. */
  get thisValue(): Value | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) if (s.self !== undefined) return s.self;
    return undefined;
  }
}
