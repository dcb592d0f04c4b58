// The model language is read by `tsdp compile`, never executed. If a model file is imported
// and run directly, fail at the first use with a message that says what to do instead.
const message =
  "tsdp model files are compiled, not run: use `tsdp compile <model.ts>` and load the result with `load()` from 'tsdp'.";
function notExecutable() {
  throw new Error(message);
}
const trap = new Proxy(notExecutable, { get: notExecutable, apply: notExecutable, construct: notExecutable });
export const nn = trap;
export const F = trap;
export const optim = trap;
export const Training = trap;
