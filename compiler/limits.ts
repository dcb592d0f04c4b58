import { CompileError, diagnostic, fail, type SourceLoc } from "./diagnostics/diagnostic.ts";
import type { DiagnosticKind } from "./diagnostics/catalog.ts";

// Global budgets of the static evaluator. A model file is untrusted text: without them two nested
// loops or a doubled array keep the compiler busy for hours, and deep nesting overflows its stack.
// Each budget is far above what real models use (a ResNet-152 or a 5,000-layer MLP compiles), so
// hitting one means the file is not a model as written; the message says how to raise it.

export interface Limits {
  /** Expressions and statements evaluated, in all, plus the elements that array builtins touch. */
  readonly maxEvalSteps: number;
  /** How deep syntax, expressions, calls and module constructions may nest. */
  readonly maxDepth: number;
  /** Elements of one compile-time array, characters of one string. */
  readonly maxArray: number;
  /** Ops in the model's forward graph (the backward adds a bounded multiple). */
  readonly maxOps: number;
}

/**
 * Why these values (measured, bench/README-compile-limits.md): a 5,000-layer MLP with its training
 * step takes under 1 M evaluation steps and 20,000 ops; a CIFAR ResNet as deep as ResNet-152
 * ~1,500 ops; the nesting estimate of tsdp's examples is at most 37; layer lists hold thousands
 * of entries. Each default is 10× or more above that. At the defaults the step and op budgets run
 * out within ~6 s, and the depth default keeps the parser and the evaluator within a third of
 * Node's default stack (3,000 still fits; 5,000 nested classes overflow it).
 */
export const defaultLimits: Limits = {
  maxEvalSteps: 10_000_000,
  maxDepth: 1_000,
  maxArray: 1_000_000,
  maxOps: 250_000,
};

/** The option, environment variable and flag of each budget, for resolving and for messages. */
export const limitNames = {
  maxEvalSteps: { env: "TSDP_MAX_EVAL_STEPS", flag: "--max-eval-steps" },
  maxDepth: { env: "TSDP_MAX_DEPTH", flag: "--max-depth" },
  maxArray: { env: "TSDP_MAX_ARRAY", flag: "--max-array" },
  maxOps: { env: "TSDP_MAX_OPS", flag: "--max-ops" },
} as const satisfies Record<keyof Limits, unknown>;

/** Options win over the environment, which wins over the defaults. */
export function resolveLimits(options: Partial<Limits> = {}, env: NodeJS.ProcessEnv = process.env): Limits {
  const out: Record<string, number> = {};
  for (const key of Object.keys(limitNames) as (keyof Limits)[]) {
    const given = options[key];
    const raw = env[limitNames[key].env];
    if (given !== undefined) out[key] = positive(given, `${key}`);
    else if (raw !== undefined && raw !== "") out[key] = positive(Number(raw), `${limitNames[key].env}='${raw}'`);
    else out[key] = defaultLimits[key];
  }
  return out as unknown as Limits;
}

function positive(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 1) fail("invalidArgument", `${what}: a compile limit must be a positive integer`);
  return n;
}

/**
 * A budget that was used up. It is not recovered like other errors (which poison a value and
 * let the evaluation go on): going on would only hit it again, so it ends the compile.
 */
export class LimitError extends CompileError {
  constructor(diagnostics: ConstructorParameters<typeof CompileError>[0]) {
    super(diagnostics, true);
    this.name = "LimitError";
  }
}

export function limitError(kind: DiagnosticKind, key: keyof Limits, value: number, what: string, loc: SourceLoc | undefined): LimitError {
  const { flag, env } = limitNames[key];
  return new LimitError([diagnostic(kind, `${what} (limit ${value}; raise it with ${flag} N or ${env})`, loc)]);
}

const ELEMENTS_PER_STEP = 16;

/** Counts what the evaluator spends; `size` throws a LimitError, `enter` and `charge` say which budget ran out. */
export class Budget {
  private steps = 0;
  private depth = 0;
  constructor(readonly limits: Limits) {}

  /**
   * Counts one expression or statement (`levels` 1) or call (more): returns the budget this used
   * up, if any, for the caller to report with `exceeded` where it knows best.
   */
  enter(levels = 1): "steps" | "depth" | undefined {
    if (++this.steps > this.limits.maxEvalSteps) return "steps";
    if (this.depth + levels > this.limits.maxDepth) return "depth";
    this.depth += levels;
    return undefined;
  }

  leave(levels = 1): void {
    this.depth -= levels;
  }

  /** The error of a used-up step or depth budget; `inLoop` when `loc` is the loop that was running. */
  exceeded(what: "steps" | "depth", loc: SourceLoc, inLoop = false): LimitError {
    const { maxEvalSteps, maxDepth } = this.limits;
    if (what === "depth")
      return limitError("nestingTooDeep", "maxDepth", maxDepth, `expressions, calls and module constructions nest more than ${maxDepth} levels deep here`, loc);
    const where = inLoop ? "this loop was running when it ran out" : "it ran out here";
    return limitError("evaluationBudget", "maxEvalSteps", maxEvalSteps, `evaluating the model takes more steps than its budget; ${where}`, loc);
  }

  /**
   * Work a builtin does per element (copying, searching an array), counted as steps: a native
   * element costs ~1/16 of an evaluated expression, and without this a loop over indexOf of a large
   * array would run for hours inside a few steps.
   */
  charge(elements: number): "steps" | undefined {
    this.steps += elements / ELEMENTS_PER_STEP;
    return this.steps > this.limits.maxEvalSteps ? "steps" : undefined;
  }

  /** A compile-time array or string about to have `size` elements or characters. */
  size(size: number, what: "array" | "string", loc: SourceLoc): void {
    if (size > this.limits.maxArray)
      throw limitError("arrayTooLarge", "maxArray", this.limits.maxArray, `this ${what} would have ${size} ${what === "array" ? "elements" : "characters"}`, loc);
  }
}
