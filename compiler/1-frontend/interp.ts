// The static evaluator, in layers, one job each (compiler/1-frontend/interp/):
//   core.ts         state, budgets (steps, nesting, sizes), the DSL's namespaces and globals
//   files.ts        files and their top-level declarations: imports, re-exports, lazy names
//   statements.ts   blocks, declarations and destructuring, if, for, for-of, return
//   expressions.ts  one visitor per expression kind; operators; assignment
//   properties.ts   properties and elements of modules, tensors, arrays, objects, namespaces
//   classes.ts      calls (functions, methods, forward), construction, super(), fields
// Each layer extends the one above it; a layer that needs a later one's method declares it abstract.
export { Interpreter } from "./interp/classes.ts";
export { describeSyntax } from "./interp/syntax.ts";
