// The op registry: every op of the IR, by family. An op is defined once, in its family's file.
import * as contraction from "./contraction.ts";
import * as conv from "./conv.ts";
import * as customGradient from "./custom-gradient.ts";
import * as convTranspose from "./conv-transpose.ts";
import * as pool from "./pool.ts";
import * as elementwise from "./elementwise.ts";
import * as elementwiseMath from "./elementwise-math.ts";
import * as factory from "./factory.ts";
import * as gather from "./gather.ts";
import * as join from "./join.ts";
import * as take from "./take.ts";
import * as linalg from "./linalg.ts";
import * as loss from "./loss.ts";
import * as elementwiseLoss from "./elementwise-loss.ts";
import * as movement from "./movement.ts";
import * as norm from "./norm.ts";
import type { OpDef } from "./op.ts";
import * as random from "./random.ts";
import * as reduce from "./reduce.ts";
import * as resample from "./resample.ts";
import * as scan from "./scan.ts";
import * as select from "./select.ts";
import * as source from "./source.ts";

function collect(...families: object[]): Map<string, OpDef> {
  const ops = new Map<string, OpDef>();
  for (const family of families)
    // an export may be a list of ops made together (a loss's second partial derivatives)
    for (const value of Object.values(family).flat())
      if (value && typeof value === "object" && "infer" in value && "reference" in value) {
        const op = value as OpDef;
        if (ops.has(op.name)) throw new Error(`op ${op.name} is defined twice`);
        ops.set(op.name, op);
      }
  return ops;
}

export const ops: ReadonlyMap<string, OpDef> = collect(
  source,
  elementwise,
  customGradient,
  elementwiseMath,
  factory,
  resample,
  select,
  reduce,
  scan,
  movement,
  contraction,
  conv,
  convTranspose,
  pool,
  norm,
  random,
  gather,
  join,
  take,
  linalg,
  loss,
  elementwiseLoss,
);

export function opDef(name: string): OpDef {
  const op = ops.get(name);
  if (!op) throw new Error(`unknown op '${name}'`);
  return op;
}

export { ShapeError, type OpDef, type TensorType, type RefContext, type GradContext } from "./op.ts";
