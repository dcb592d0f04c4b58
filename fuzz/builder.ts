// The pieces a random case is built from (fuzz/generate.ts and fuzz/language-ops.ts): the seeded
// random source, the steps of a case's forward, and the two ways a step is added.
/** A small seeded generator (mulberry32): the same seed, the same models, on every machine. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Sizes a generator likes: 1, small primes, and sizes that are no multiple of a tile. */
export const ODD = [1, 2, 3, 5, 7, 11, 13];

export type Shape = readonly number[];

/**
 * One statement of a case's forward, `const <name> = <expr>;`, with the layers (fields) it calls.
 * The reducer drops steps: a step whose output has its input's shape can become `<input>` itself.
 */
export interface Step {
  readonly name: string;
  readonly expr: string;
  readonly fields: readonly string[];
  readonly input: string;
  readonly shapeIn: Shape;
  readonly shape: Shape;
}

/** One case while it is generated: its steps, its current value. */
export interface CaseBuilder {
  readonly steps: Step[];
  /** Fields made for the step being built. */
  pending: string[];
  fieldCount: number;
  /** The variables in scope with their shapes; `cur` is the value the next layer takes. */
  cur: { name: string; shape: Shape };
  /** Earlier values a residual can add back (same shape). */
  readonly saved: { name: string; shape: Shape }[];
  /** What the case exercises: op and pattern names (coverage). */
  readonly tags: string[];
  vars: number;
}

export const numel = (s: Shape) => s.reduce((a, b) => a * b, 1);
export const dims = (s: Shape) => s.join(", ");

export function fresh(b: CaseBuilder, shape: Shape, expr: string): void {
  const name = `h${b.vars++}`;
  b.steps.push({ name, expr, fields: b.pending, input: b.cur.name, shapeIn: b.cur.shape, shape });
  b.pending = [];
  b.cur = { name, shape };
}

export function field(b: CaseBuilder, ctor: string): string {
  const name = `l${b.fieldCount++}`;
  b.pending.push(`${name} = ${ctor};`);
  return `this.${name}`;
}

