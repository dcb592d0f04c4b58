// Builds dist/: the compiler and runtime as JavaScript with .d.ts types, what an installed package
// runs (a checkout runs the TypeScript sources through tsx and never reads dist/). Run by npm's
// `prepare`, so `npm ci` and `npm pack` produce it. tsc does not emit the few modules written in
// plain JavaScript (they have hand-written .d.mts beside them, for bin/tsdp.js's fast path before
// any loader); they are copied as they are, into the same places.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { writeStamp } from "../runtime/dist-stamp.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });

function copyPlainModules(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) copyPlainModules(path);
    else if (/\.(mjs|d\.mts)$/.test(entry.name)) {
      const to = join(dist, relative(root, path));
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(path, to);
    }
  }
}
for (const dir of ["compiler", "runtime"]) copyPlainModules(join(root, dir));
// what dist/ was built from: a checkout used from another project warns when its sources moved on (runtime/dist-stamp.mjs)
writeStamp(root);
