// Where tsdp's own files are: the templates, the CUDA harness and shim, the DSL. The compiler runs
// from two places — compiler/ in a checkout (through tsx) and dist/compiler/ in an installed
// package (plain JavaScript) — so paths are found from the nearest package.json above this file
// rather than counted in "../.." steps that hold for one layout only. Plain JavaScript, because
// bin/tsdp.js needs it before any TypeScript loader.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(from) {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`tsdp: no package.json above ${from}: the installation is incomplete`);
  }
}

/** The directory of tsdp's package.json. */
export const packageRoot = findRoot(dirname(fileURLToPath(import.meta.url)));

/** True in a checkout, where the compiler's TypeScript sources are run directly; false in an installed package. */
export const fromSources = existsSync(join(packageRoot, "compiler", "cli.ts"));
