import { lowerModel, type LoweredModel, type LowerOptions } from "./1-frontend/lower.ts";

// The compiler, stage by stage:
//
//   model.ts ──▶ 1-frontend ──▶ graph IR (shapes, source locations, checked by the verifier)
//
// The frontend reads the file with ts-morph and evaluates it statically (it never runs user
// code), builds the forward graph and the loss, and verifies the IR. Each stage takes the
// previous stage's result and nothing else.

export type CompileOptions = LowerOptions;

export interface Compiled {
  readonly model: LoweredModel;
}

export function compile(file: string, options: CompileOptions = {}): Compiled {
  const model = lowerModel(file, options); // 1. TypeScript → checked graph IR
  return { model };
}
