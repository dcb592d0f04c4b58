import type { Node } from "../ir/node.ts";
import { formatShape, shapeEq } from "../ir/shape.ts";
import { defineOp, ShapeError, type GradContext } from "./op.ts";

// A gradient the model writes itself instead of the one autodiff derives: PyTorch's
// `x.register_hook(fn)` (fn maps the gradient reaching x to the one x passes on: a reversal's −λ·g,
// a clamp) and a custom torch.autograd.Function's backward (its inputs' gradients from its output's).
// The frontend runs fn or backward once on a stand-in for the gradient and records the ops it applied
// as a recipe — plain data, so the node prints, compares and serializes — which the gradient rule
// replays on the real gradient. The value passes through unchanged, sharing its input's storage.

/** Where a recipe step reads an operand: the incoming gradient, an earlier step, or one of the node's inputs. */
export type RecipeRef = { readonly dy: true } | { readonly step: number } | { readonly input: number };

/** One op of a recipe, applied to operands the refs name, with the attributes it was recorded with. */
export interface RecipeStep {
  readonly op: string;
  readonly inputs: readonly RecipeRef[];
  readonly attrs: { readonly [k: string]: unknown };
}

/** The ops that map the incoming gradient to the sources' gradients, and which value is each source's (null: none). */
export interface GradientRecipe {
  readonly steps: readonly RecipeStep[];
  readonly results: readonly (RecipeRef | null)[];
}

/** At most this many forward values (the source and what the recipe reads) per node. */
export const MAX_CUSTOM_GRADIENT_INPUTS = 64;

/** The recipe's values for `dy`: each step emitted once, in order, reading the node's inputs as recorded; each source's result. */
export function replayRecipe(recipe: GradientRecipe, ctx: GradContext): (Node | null)[] {
  const values: Node[] = [];
  const read = (r: RecipeRef): Node => ("dy" in r ? ctx.dy : "step" in r ? values[r.step] : ctx.node.inputs[r.input]);
  for (const step of recipe.steps) values.push(ctx.emit(step.op, step.inputs.map(read), { ...step.attrs }));
  return recipe.results.map((r) => (r ? read(r) : null));
}

/**
 * custom_gradient(value, sources…, reads…), with one recipe result per source: the value of
 * `value`; the gradient of each source is its result of the recipe applied to the gradient reaching
 * this node (its shape the source's, as PyTorch checks a hook's result and a backward's), and
 * `value` and the reads get none through it. For a hook on x, value and the one source are both x:
 * its later uses see x, and every gradient reaching them passes the hook. For an autograd.Function,
 * value is forward's output computed from detached inputs, and the sources its tensor inputs.
 */
export const customGradient = defineOp<{ readonly recipe: GradientRecipe }>({
  name: "custom_gradient",
  family: "movement",
  traits: { view: true },
  inputs: ["value", "source", ...Array.from({ length: MAX_CUSTOM_GRADIENT_INPUTS - 1 }, (_, i) => `read${i}?`)],
  infer: (ins, a, who) => {
    const sources = a.recipe.results.length;
    if (sources < 1 || ins.length < 1 + sources) throw new ShapeError(`${who}: a custom gradient needs the tensor it is the gradient of`);
    return ins[0];
  },
  reference: ([value]) => value,
  grad: (ctx) => {
    const results = replayRecipe(ctx.node.attrs.recipe as GradientRecipe, ctx);
    results.forEach((g, k) => {
      const source = ctx.node.inputs[1 + k];
      if (g && (!shapeEq(g.shape, source.shape) || g.dtype !== source.dtype))
        throw new ShapeError(`the recorded gradient is ${g.dtype} ${formatShape(g.shape)}, but its tensor is ${source.dtype} ${formatShape(source.shape)}`);
    });
    return ctx.node.inputs.map((_, i) => (i >= 1 && i <= results.length ? results[i - 1] : null));
  },
});

/**
 * gradient_stand_in(x): what the frontend passes a gradient hook in place of x's gradient while it
 * records the hook's ops (x's shape and dtype). Nothing reads it once recorded; as a value it is x.
 */
export const gradientStandIn = defineOp<{}>({
  name: "gradient_stand_in",
  family: "movement",
  traits: { view: true },
  inputs: ["x"],
  infer: ([x]) => x,
  reference: ([x]) => x,
  grad: () => [null],
});
