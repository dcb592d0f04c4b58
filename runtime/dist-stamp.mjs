// dist/ holds what an installed package runs and the types (.d.ts) a TypeScript project sees
// (package.json's "types" condition). A checkout runs its sources instead (runtime/index.js), so a
// checkout used from another project — `npm link`, a `file:` dependency — gives that project
// today's code and the types of whenever dist/ was last built: after a pull or an edit, tsc checks
// against an API that is not the one that runs. The build records a digest of the sources it was
// made from; the checkout's entry point compares it with the sources it runs and says so.
// Plain JavaScript: scripts/build-dist.mjs runs it before anything is compiled.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";

/** The stamp's file in dist/: the sources' digest, in hex. */
export const STAMP_FILE = "sources.sha256";

/** The build's inputs (tsconfig.build.json's include): every TypeScript and JavaScript module under compiler/ and runtime/. */
const SOURCE_DIRS = ["compiler", "runtime"];
const SOURCE = /\.(ts|mts|mjs|js)$/;

/** How they are built: another configuration or build script makes another dist/ from the same sources. */
const BUILD_FILES = ["tsconfig.json", "tsconfig.build.json", "scripts/build-dist.mjs"];

/** sha256 over the sources' (and the build's files') paths and bytes, in path order: what dist/ was (or would be) built from. */
export function sourcesDigest(root) {
  const hash = createHash("sha256");
  const inputs = SOURCE_DIRS.flatMap((dir) =>
    readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })
      .filter((f) => SOURCE.test(f))
      .sort()
      .map((file) => join(root, dir, file)),
  );
  for (const path of [...inputs, ...BUILD_FILES.map((file) => join(root, file)).filter(existsSync)]) {
    hash.update(`${relative(root, path).split(sep).join("/")}\0`);
    hash.update(readFileSync(path));
    hash.update("\0");
  }
  return hash.digest("hex");
}

/**
 * Whether dist/ under `root` holds the compiler built from exactly the sources beside it (its stamp
 * is their digest): then it is the same code as compiler/, without a TypeScript loader. bin/tsdp.js
 * runs it in a checkout where it is (npm ci's `prepare` builds it): a command then starts in about
 * 1.0 s of CPU instead of 1.7 through tsx (the test suite runs ~290 commands). The digest reads every
 * source (~50 ms), so after an edit the sources run. scripts/build-dist.mjs leaves such a dist/ as it
 * is: `npm pack`'s `prepare` must not take it away under a command that is loading it.
 */
export function distMatchesSources(root) {
  const stamp = join(root, "dist", STAMP_FILE);
  if (!existsSync(join(root, "dist", "compiler", "cli.js")) || !existsSync(stamp)) return false;
  return readFileSync(stamp, "utf8").trim() === sourcesDigest(root);
}

/** Written by scripts/build-dist.mjs once a build is complete, into its directory (`dist`, the default, or the one it builds in before swapping it in). */
export function writeStamp(root, dist = join(root, "dist")) {
  writeFileSync(join(dist, STAMP_FILE), `${sourcesDigest(root)}\n`);
}

/**
 * Where dist/ exists beside the sources and was built from other sources (or before builds were
 * stamped): the warning to give, else undefined. Only for a process outside the checkout (cwd): a
 * project that uses it as a dependency reads dist/'s types; the checkout's own code is checked
 * against its sources (tsconfig's "tsdp-source" condition) and never reads them.
 */
export function staleDistWarning(checkout, cwd = process.cwd()) {
  const root = resolve(checkout);
  const inside = relative(root, cwd);
  if (inside === "" || (!inside.startsWith("..") && !inside.startsWith(sep))) return undefined;
  const dist = join(root, "dist");
  if (!existsSync(dist)) return undefined;
  const stamp = join(dist, STAMP_FILE);
  const recorded = existsSync(stamp) ? readFileSync(stamp, "utf8").trim() : undefined;
  if (recorded === sourcesDigest(root)) return undefined;
  return (
    `tsdp: ${dist} was built from other sources than ${root} runs (${recorded === undefined ? "no record of its sources" : "they changed since"}), ` +
    `so a TypeScript project that uses this checkout (npm link, a file: dependency) type-checks against stale types: run \`npm run build\` in ${root}`
  );
}
