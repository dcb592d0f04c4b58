// Whether a compile's output directory is up to date, in plain JavaScript with Node's built-ins
// only, so that bin/tsdp.js can answer an up-to-date `tsdp compile` before loading tsx, ts-morph or
// commander (they cost most of a second; the check itself a few milliseconds).
//
// Two parts. `isFreshBuild` is the check itself, also used by freshness.ts on the ordinary path:
// build.json records the hashes of the model's sources, of tsdp itself and of the outputs, and the
// library must have the size and sha256 its manifest records. `fastUpToDate` finds, without
// parsing the command line, what a previous run of the same command (same arguments but for the
// output directory, same working directory, tsdp-relevant environment and GPU device nodes)
// resolved it to: each compile stores its resolution (output directory, recorded options) in the
// cache under the hash of all that. An up-to-date directory is reported; a new one is filled from
// the last intact directory of the same command, its library from the build cache's entry. Anything missing, different or unreadable means
// "not known": the full CLI runs.
import { createHash } from "node:crypto";
import { closeSync, constants, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, parse, resolve } from "node:path";
import { fromSources, packageRoot } from "../package-root.mjs";

const root = packageRoot;
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

/** A regular file's bytes, at most `maxBytes`; a FIFO or device planted in the directory must not hang the check. */
function readRegular(path, maxBytes) {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > maxBytes) throw new Error(`${path} is not a regular file of at most ${maxBytes} bytes`);
    const bytes = Buffer.alloc(st.size);
    let got = 0;
    for (let n; got < bytes.length && (n = readSync(fd, bytes, got, bytes.length - got, got)) > 0; ) got += n;
    return bytes.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** A regular file's size and sha256 (at most `maxBytes`), read a MiB at a time: a sparse library of GBs is checked in bounded memory. */
function regularDigest(path, maxBytes) {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > maxBytes) throw new Error(`${path} is not a regular file of at most ${maxBytes} bytes`);
    const hash = createHash("sha256");
    const chunk = Buffer.allocUnsafe(1 << 20);
    let size = 0;
    for (let n; size <= maxBytes && (n = readSync(fd, chunk, 0, chunk.length, size)) > 0; size += n) hash.update(chunk.subarray(0, n));
    return { size, sha: hash.digest("hex") };
  } finally {
    closeSync(fd);
  }
}

function walk(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else if (/\.(ts|js|mjs|hbs|h|cu|json)$/.test(entry.name)) out.push(p);
  }
}

let fingerprint;
/** Hash of tsdp's compiler, templates, shim, harness and DSL: a different tsdp means a rebuild. */
export function tsdpFingerprint() {
  if (fingerprint) return fingerprint;
  const files = [];
  // An installed package runs dist/compiler (JavaScript); a checkout runs compiler/ (its dist/ may be stale).
  const compiler = fromSources ? ["compiler"] : ["compiler", "dist/compiler"];
  for (const d of [...compiler, "templates", "runtime/shim", "runtime/harness", "dsl"]) if (existsSync(join(root, d))) walk(join(root, d), files);
  const h = createHash("sha256");
  for (const f of files.sort()) h.update(f.slice(root.length)).update(readFileSync(f));
  fingerprint = h.digest("hex");
  return fingerprint;
}

/** The files a build writes beside the library, each with its digest in build.json; the manifest last (it vouches for the library). */
export const GENERATED = ["model.cu", "model.h", "index.js", "index.d.ts", "manifest.json"];

/** What a compile writes as outDir/package.json when the typed module needs it (needsModuleScope). */
export const MODULE_SCOPE = '{ "type": "module" }\n';

/**
 * Whether index.js needs a package.json beside it that makes it an ES module: the nearest
 * package.json above outDir does not say "type": "module" (a project made by `npm init` is
 * CommonJS), so Node would read index.js as CommonJS and refuse its imports. Inside an ES module
 * project it is not written: a nested package.json would end that package's scope, and with it
 * the package's self-reference ("tsdp" inside tsdp's own checkout).
 */
export function needsModuleScope(outDir) {
  // a package.json of the user's own in outDir decides (buildModel refuses to replace a CommonJS one)
  const own = ownPackageJson(outDir);
  if (own !== undefined) return own.type !== "module";
  for (let dir = dirname(resolve(outDir)); ; dir = dirname(dir)) {
    const path = join(dir, "package.json");
    if (existsSync(path)) {
      try {
        return JSON.parse(readRegular(path, 1 << 20).toString("utf8")).type !== "module";
      } catch {
        return true;
      }
    }
    if (dirname(dir) === dir) return true;
  }
}

/**
 * outDir's package.json when it is the user's (anything but the one a compile writes): its parsed
 * object, `{}` when it is not JSON; undefined when there is none or it is tsdp's.
 */
export function ownPackageJson(outDir) {
  const path = join(resolve(outDir), "package.json");
  if (!existsSync(path)) return undefined;
  let text;
  try {
    text = readRegular(path, 1 << 20).toString("utf8");
  } catch {
    return {};
  }
  if (text === MODULE_SCOPE) return undefined;
  try {
    const parsed = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null ? parsed : {};
  } catch {
    return {};
  }
}

/** The most source files a build records (runtime/build-directory.ts checks as many at load). */
const MAX_RECORDED_SOURCES = 256;

/** True when outDir's build.json records exactly these inputs and its outputs are the ones it wrote, the library sealed by the manifest. */
export function isFreshBuild(outDir, file, optionsJson) {
  try {
    const record = JSON.parse(readRegular(join(outDir, "build.json"), 1 << 20).toString("utf8"));
    if (record.version !== 2 || record.options !== optionsJson || record.tsdp !== tsdpFingerprint()) return false;
    if (record.file !== resolve(file) || !(resolve(file) in record.sources)) return false;
    // build.json is outside the seal: its sources are read as a compile would read them (regular
    // files of at most a model file's 8 MB, compiler/1-frontend/source.ts), and not more of them
    // than a model has (a list of 20,000 made every compile hash gigabytes)
    const sources = Object.entries(record.sources);
    if (sources.length > MAX_RECORDED_SOURCES) return false;
    for (const [path, hash] of sources) if (!existsSync(path) || sha256(readRegular(path, 8 << 20)) !== hash) return false;
    // a file that would change the build once it exists (a tuning file beside the model)
    for (const path of record.absent ?? []) if (existsSync(path)) return false;
    const outputs = record.outputs ?? {};
    for (const name of GENERATED) if (typeof outputs[name] !== "string" || sha256(readRegular(join(outDir, name), 1 << 30)) !== outputs[name]) return false;
    const scoped = needsModuleScope(outDir);
    if (scoped !== (typeof outputs["package.json"] === "string")) return false;
    if (scoped && sha256(readRegular(join(outDir, "package.json"), 1 << 16)) !== outputs["package.json"]) return false;
    const manifest = JSON.parse(readRegular(join(outDir, "manifest.json"), 64 << 20).toString("utf8"));
    if (typeof manifest.library !== "string" || !/^[\w.-]+$/.test(manifest.library) || !Number.isSafeInteger(manifest.libraryBytes)) return false;
    const library = regularDigest(join(outDir, manifest.library), manifest.libraryBytes + 1);
    return library.size === manifest.libraryBytes && library.sha === manifest.librarySha256;
  } catch {
    return false;
  }
}

/** The cache directory, as compiler/6-build/cache.ts's cacheDirectory() finds it. */
function cacheDirectory(env) {
  const set = (v) => (v && v.trim() !== "" ? resolve(v) : undefined);
  return set(env.TSDP_CACHE_DIR) ?? join(set(env.XDG_CACHE_HOME) ?? join(homedir(), ".cache"), "tsdp");
}

/** What can change how a command line resolves (defaults, tools found, GPUs present), beside the line itself. */
function resolutionKey(argv, env, cwd) {
  const relevant = Object.keys(env)
    .filter((k) => k.startsWith("TSDP_") || ["CXX", "PATH", "HOME", "XDG_CACHE_HOME", "CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES"].includes(k))
    .sort()
    .map((k) => [k, env[k]]);
  let gpus = [];
  try {
    gpus = readdirSync("/dev").filter((n) => /^nvidia\d+$/.test(n)).sort();
  } catch {
    // no /dev to look at: the key is the same as long as that stays so
  }
  return sha256(JSON.stringify({ argv, cwd, relevant, gpus }));
}

/**
 * The command line without its output directory (`--out X`, `--out=X`, `-o X` become `--out`),
 * and that directory, so that one resolution serves every output directory; undefined when the
 * line spells its options in a way this does not read (then there is no shortcut).
 */
function splitOut(argv) {
  const rest = [];
  let out;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    let value;
    if (a === "--out" || a === "-o") value = argv[++i];
    else if (a.startsWith("--out=")) value = a.slice("--out=".length);
    else if (/^-[^-]/.test(a) && a.length > 2) return undefined; // -oDIR, -tcpu, bundled flags
    else {
      rest.push(a);
      continue;
    }
    if (out !== undefined || value === undefined || value === "" || value.startsWith("-")) return undefined;
    out = value;
    rest.push("--out");
  }
  return { rest, out };
}

const resolutionFile = (rest, env, cwd) => join(cacheDirectory(env), "commands", `${resolutionKey(rest, env, cwd)}.json`);

/**
 * Stores what the full CLI resolved `tsdp <argv>` to, after a compile that succeeded:
 * `{ file, outDir, target, options }` (options as build.json records them).
 */
export function rememberResolution(argv, resolution, env = process.env, cwd = process.cwd()) {
  const split = splitOut(argv);
  if (!split) return;
  try {
    const path = resolutionFile(split.rest, env, cwd);
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(16).slice(2, 10)}`;
    // exclusively ("wx"): never through a link planted at the temporary name; the rename replaces a link at path itself
    writeFileSync(tmp, JSON.stringify({ ...resolution, outDir: resolve(cwd, resolution.outDir) }) + "\n", { flag: "wx" });
    renameSync(tmp, path);
    forgetOldResolutions(dirname(path));
  } catch {
    // only a shortcut: without it the next run takes the ordinary path
  }
}

/** How many commands' resolutions the cache keeps (each a few hundred bytes). */
export const MAX_RESOLUTIONS = 1000;

/**
 * One record per distinct command and working directory, and a project's tests or scripts may
 * compile into a new temporary directory every run: past MAX_RESOLUTIONS records the least recently
 * written go, down to 80 % of it (a forgotten command only takes the ordinary path next time).
 */
function forgetOldResolutions(dir) {
  const names = readdirSync(dir).filter((n) => n.endsWith(".json"));
  if (names.length <= MAX_RESOLUTIONS) return;
  const written = [];
  for (const name of names) {
    try {
      written.push({ name, at: statSync(join(dir, name)).mtimeMs });
    } catch {
      // gone meanwhile
    }
  }
  written.sort((a, b) => a.at - b.at);
  for (const { name } of written.slice(0, written.length - Math.floor(0.8 * MAX_RESOLUTIONS))) rmSync(join(dir, name), { force: true });
}

/**
 * Fills the new directory `to` with the build in `from`, its library taken from the cache entry
 * (which must hold exactly the bytes the manifest is sealed with, as its own digest says too), in
 * the order a build writes: the library before the manifest that vouches for it, build.json last.
 * Each file lands by rename. False when anything does not check or cannot be written.
 */
function copyBuild(from, to, cacheEntry) {
  const manifest = JSON.parse(readRegular(join(from, "manifest.json"), 64 << 20).toString("utf8"));
  if (typeof manifest.library !== "string" || !/^[\w.-]+$/.test(manifest.library)) return false;
  const library = readRegular(join(cacheEntry, "libmodel.so"), manifest.libraryBytes + 1);
  const digest = readRegular(join(cacheEntry, "libmodel.so.sha256"), 256).toString("utf8").trim();
  if (library.length !== manifest.libraryBytes || sha256(library) !== manifest.librarySha256 || digest !== `${manifest.librarySha256} ${manifest.libraryBytes}`) return false;
  // One level, never recursive: Node's recursive mkdir spins forever on some paths (under /proc).
  if (!existsSync(dirname(to))) return false;
  const scoped = needsModuleScope(from);
  if (needsModuleScope(to) !== scoped) return false;
  // the root of a file system, or (scoped) a directory with .js files the build's package.json
  // would turn into ES modules: the full CLI's to refuse (build.ts)
  if (to === parse(to).root || (existsSync(to) && realpathSync(to) === parse(realpathSync(to)).root)) return false;
  if (scoped && existsSync(to) && readdirSync(to).some((n) => n.endsWith(".js"))) return false;
  // a file of a name it writes (a project's own index.js, its package.json) is the full CLI's to
  // judge, which refuses to replace it (TSDP6007): the copy lands only where nothing would be lost
  if (ownPackageJson(to) !== undefined) return false;
  for (const name of [...GENERATED, manifest.library, "build.json"]) if (existsSync(join(to, name))) return false;
  try {
    mkdirSync(to);
  } catch (e) {
    if (e.code !== "EEXIST") return false;
  }
  for (const name of [...GENERATED.slice(0, -1), ...(scoped ? ["package.json"] : []), manifest.library, "manifest.json", "build.json"]) {
    const tmp = join(to, `${name}.tmp-${process.pid}-${Math.random().toString(16).slice(2, 10)}`);
    // exclusively ("wx"), as build.ts's staged files: never through a link planted in the output directory
    writeFileSync(tmp, name === manifest.library ? library : readRegular(join(from, name), 1 << 30), { flag: "wx" });
    renameSync(tmp, join(to, name));
  }
  return true;
}

/**
 * The line a `tsdp <argv>` prints, or undefined when the full CLI must run. Answers an output
 * directory that is up to date, and a new one when the last directory this command line (with
 * any --out) was resolved to is intact and the cache entry still holds its library: those files
 * are what the compile would write (build.json naming the same sources), so they are copied.
 */
export function fastUpToDate(argv, env = process.env, cwd = process.cwd()) {
  const started = performance.now();
  if (argv[0] !== "compile") return undefined;
  const split = splitOut(argv);
  if (!split) return undefined;
  try {
    const r = JSON.parse(readRegular(resolutionFile(split.rest, env, cwd), 1 << 16).toString("utf8"));
    if (typeof r.file !== "string" || typeof r.outDir !== "string" || typeof r.options !== "string" || typeof r.target !== "string") return undefined;
    const file = resolve(cwd, r.file);
    // User kernels (tsdp eject) are read on every compile: an edited one must be verified again.
    if (existsSync(join(dirname(file), "kernels")) || split.rest.some((a) => a === "--kernels" || a === "--no-kernels" || a.startsWith("--kernels="))) return undefined;
    const outDir = split.out === undefined ? r.outDir : resolve(cwd, split.out);
    const ms = () => Math.round(performance.now() - started);
    if (isFreshBuild(outDir, file, r.options)) return `${r.file} → ${outDir} (${r.target}, up to date, ${ms()} ms)\n`;
    // A directory that holds anything of a build is the full CLI's to judge and clean.
    if (outDir === r.outDir || !isFreshBuild(r.outDir, file, r.options) || existsSync(join(outDir, "manifest.json")) || existsSync(join(outDir, "build.json"))) return undefined;
    if (typeof r.cacheEntry !== "string" || !copyBuild(r.outDir, outDir, r.cacheEntry) || !isFreshBuild(outDir, file, r.options)) return undefined;
    const manifest = JSON.parse(readFileSync(join(outDir, "manifest.json"), "utf8"));
    return `${manifest.model} → ${outDir} (${r.target}, ${manifest.kernels.length} kernels, cached in ${ms()} ms)\n`;
  } catch {
    return undefined;
  }
}
