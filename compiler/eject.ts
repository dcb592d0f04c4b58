import { existsSync, lstatSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generate, type CompileOptions } from "./pipeline.ts";
import { makeDirectory } from "./6-build/cache.ts";
import { CompileError, diagnostic, multiline } from "./diagnostics/diagnostic.ts";
import { ejectedText, kernelSections, kernelsDirectory, nearestNames } from "./6-build/overrides.ts";

// `tsdp eject model.ts NAME`: one generated kernel into the user's kernels/NAME.cu, the start of a
// verified override (compiler/6-build/overrides.ts). The kernel is taken from the code generated
// for the same options as the compile it will take part in (target, kernel shapes, precision):
// another target's tiles make another launch, which the override's record would not match.

export interface EjectOptions extends CompileOptions {
  /** The directory to write NAME.cu into (default kernels/ next to the model). */
  readonly out?: string;
}

/** Writes the kernel's file and returns its path. */
export function ejectKernel(file: string, name: string, options: EjectOptions = {}): string {
  const sections = kernelSections(generate(file, options).generated.cu);
  const section = sections.find((s) => s.name === name);
  if (!section) throw new CompileError([multiline("unknownKernel", `the model has no kernel ${JSON.stringify(name)}\n${nearestNames(name, sections.map((s) => s.name))}`)]);
  const dir = kernelsDirectory(file, options.out);
  const path = join(dir, `${name}.cu`);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new CompileError([diagnostic("kernelsNotDirectory", `${dir} is a file, not a directory`)]);
  const taken = takenBy(path);
  if (taken) throw new CompileError([diagnostic("overrideExists", taken)]);
  makeDirectory(dir);
  try {
    // "wx": never over a file, nor through a link, that appeared meanwhile
    writeFileSync(path, ejectedText(section, file), { flag: "wx" });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") throw new CompileError([diagnostic("overrideExists", takenBy(path) ?? `${path} appeared while tsdp eject was writing it`)]);
    throw e;
  }
  return path;
}

/**
 * Why nothing may be written at `path`, or undefined when nothing is there. Looked at with lstat:
 * existsSync follows a link, so a dangling one (kernels/NAME.cu → a missing file) looked free, and
 * the exclusive write then failed with EEXIST as an internal error.
 */
function takenBy(path: string): string | undefined {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) return undefined;
  if (!st.isSymbolicLink()) return `${path} exists already`;
  const to = readlinkSync(path);
  const dangling = !existsSync(path);
  return `${path} exists already, as a symbolic link to ${to}${dangling ? " (which does not exist)" : ""}: tsdp eject writes a new file of its own, never through a link; remove the link to eject here`;
}
