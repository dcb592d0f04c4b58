// Builds dist/: the compiler and runtime as JavaScript with .d.ts types, what an installed package
// runs (and what a checkout's `tsdp` command runs while dist/ was built from exactly its sources:
// runtime/dist-stamp.mjs). Run by npm's `prepare`, so `npm ci` and `npm pack` produce it. tsc does
// not emit the few modules written in plain JavaScript (they have hand-written .d.mts beside them,
// for bin/tsdp.js's fast path before any loader); they are copied as they are, into the same places.
//
// A dist/ built from these very sources is left as it is (`--force` rebuilds it): `npm pack` runs
// `prepare` in a checkout whose `tsdp` commands may be loading dist/ at that moment (the test suite
// packs the package while other files run commands). Otherwise the build goes to a directory of its
// own and replaces dist/ whole once it is complete, so dist/ is never half written.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { distMatchesSources, writeStamp } from "../runtime/dist-stamp.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
if (!process.argv.includes("--force") && distMatchesSources(root)) {
  console.log("dist/ was built from these sources: left as it is (npm run build -- --force rebuilds it)");
  process.exit(0);
}

const building = join(root, `dist.building-${process.pid}`);
const old = join(root, `dist.old-${process.pid}`);
rmSync(building, { recursive: true, force: true });
try {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json"), "--outDir", building], { stdio: "inherit" });
  for (const dir of ["compiler", "runtime"]) copyPlainModules(join(root, dir));
  // what dist/ was built from: a checkout used from another project warns when its sources moved on (runtime/dist-stamp.mjs)
  writeStamp(root, building);
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(building, dist);
} finally {
  rmSync(building, { recursive: true, force: true });
  rmSync(old, { recursive: true, force: true });
}

function copyPlainModules(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) copyPlainModules(path);
    else if (/\.(mjs|d\.mts)$/.test(entry.name)) {
      const to = join(building, relative(root, path));
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(path, to);
    }
  }
}
