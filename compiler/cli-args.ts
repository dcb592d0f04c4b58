import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { InvalidArgumentError } from "commander";

// Parsers of the command line's values. Each refuses a bad value with one sentence saying what is
// wrong; the CLI prints it as a usage error (exit code 2) before any work starts.

/** The model file: an existing, readable regular file. */
export function modelFile(value: string): string {
  if (value.trim() === "") throw new InvalidArgumentError("the model file name is empty");
  if (value.includes("\0")) throw new InvalidArgumentError("the model file name contains a NUL character");
  let st;
  try {
    st = statSync(value);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InvalidArgumentError(code === "ENOENT" || code === "ENOTDIR" ? `${value}: no such file` : `${value}: cannot be read (${code ?? (e as Error).message})`);
  }
  if (st.isDirectory()) throw new InvalidArgumentError(`${value} is a directory; pass the model's .ts file`);
  if (!st.isFile()) throw new InvalidArgumentError(`${value} is not a regular file`);
  // a PyTorch model file itself: each Python token would be an error of its own
  if (/\.py$/i.test(value)) throw new InvalidArgumentError(`${value} is Python: tsdp compiles a TypeScript port of the model (README "Porting a model": a class extending nn.Module, line by line)`);
  try {
    accessSync(value, constants.R_OK);
  } catch {
    throw new InvalidArgumentError(`${value}: permission denied`);
  }
  return value;
}

/** The output directory: non-empty, and not somewhere a directory cannot be (under a file, on a file). */
export function outDir(value: string): string {
  if (value.trim() === "") throw new InvalidArgumentError("the output directory is empty (omit --out for build/<model>)");
  if (value.includes("\0")) throw new InvalidArgumentError("the output directory contains a NUL character");
  // The nearest existing ancestor must be a directory: mkdir under a file fails half-way.
  for (let p = resolve(value); ; p = dirname(p)) {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" && dirname(p) !== p) continue;
      throw new InvalidArgumentError(`${value}: ${code === "ENAMETOOLONG" ? "name too long" : code === "ENOTDIR" ? "a part of the path is a file, not a directory" : `cannot be used (${code})`}`);
    }
    if (!st.isDirectory()) throw new InvalidArgumentError(p === resolve(value) ? `${value} is a file, not a directory` : `${value}: ${p} is a file, not a directory`);
    return value;
  }
}

/** A script to run (tsdp launch's): a regular file that exists, checked before any process starts. */
export function scriptFile(value: string): string {
  if (value.trim() === "" || value.includes("\0")) throw new InvalidArgumentError("the script's name is empty or contains a NUL character");
  let st;
  try {
    st = statSync(value);
  } catch {
    throw new InvalidArgumentError(`${value}: no such file`);
  }
  if (!st.isFile()) throw new InvalidArgumentError(`${value} is ${st.isDirectory() ? "a directory" : "not a regular file"}; pass the training script`);
  return value;
}

/** A directory that exists (one read from, as --kernels: a typo must not silently read nothing). */
export function existingDir(value: string): string {
  outDir(value);
  if (!existsSync(value)) throw new InvalidArgumentError(`${value} does not exist (the directory your kernels are read from)`);
  return value;
}

/** A model class name, as written in the model file. */
export function className(value: string): string {
  if (!/^[A-Za-z_$][\w$]*$/.test(value)) throw new InvalidArgumentError(`'${value}' is not a class name`);
  return value;
}

/** "sm_90", "90", "sm_80,sm_90" → ["90"] / ["80", "90"]. */
export function archList(value: string): string[] {
  const archs = value.split(",").map((a) => a.trim().replace(/^(sm_|compute_)/, ""));
  for (const a of archs) {
    // nvcc of CUDA 12 builds sm_50 and up; the a/f suffixes are the arch-specific variants (sm_90a)
    if (!/^\d{2,3}[af]?$/.test(a) || parseInt(a, 10) < 50)
      throw new InvalidArgumentError(`'${a}' is not a GPU architecture like sm_80 or sm_90 (a list is comma-separated)`);
  }
  return [...new Set(archs)];
}

const DECIMAL = /^\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A parser of a positive number up to `max`, written in decimal ("abc", "0x10", "", NaN, Infinity refused). */
export function positiveNumber(what: string, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!DECIMAL.test(value.trim()) || !Number.isFinite(n) || n <= 0 || n > max)
      throw new InvalidArgumentError(`'${value}' is not a positive number of ${what} up to ${max}`);
    return n;
  };
}

/** A parser of an integer from `min` to `max` (for counts: --batch, and the compile limits). */
export function integerInRange(what: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\+?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`'${value}' is not ${what}: expected an integer from ${min} to ${max}`);
    return n;
  };
}
