// Verifying a compiled model directory before anything in it is mapped into the process: the
// library's bytes must be the ones its manifest was sealed with, and a failed check says which
// file is wrong and the exact command that rebuilds the directory.
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { BuildDirectoryError, CONTROL_CHARACTERS, hasControl, printable } from "./errors.ts";
import { digestMismatch, libraryMismatch, type Manifest } from "./manifest.ts";
import { jsonNestingPast } from "./safetensors.ts";

/** A file of a build directory that is not what it should be: not a regular file, or too large. */
export class NotARegularFile extends Error {
  /** The file's size, when it was refused for being too large. */
  size?: number;
}

/**
 * The contents of a regular file of at most `maxBytes` bytes. Opened without blocking and checked
 * on the open descriptor, so a FIFO, a device (/dev/zero) or a directory in a build directory is
 * refused at once instead of hanging the process or filling its memory.
 */
export function readRegularFile(path: string, maxBytes: number): Buffer {
  const fd = openRegular(path, maxBytes);
  try {
    const bytes = Buffer.alloc(fstatSync(fd).size);
    let got = 0;
    for (let n; got < bytes.length && (n = readSync(fd, bytes, got, bytes.length - got, got)) > 0; ) got += n;
    // A file that shrank while being read is reported by its size: the caller's checks refuse it.
    return got === bytes.length ? bytes : bytes.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** A descriptor of the regular file `path` of at most `maxBytes` bytes (readRegularFile's checks); the caller closes it. */
function openRegular(path: string, maxBytes: number): number {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error(`${path} is a directory`), { code: "EISDIR" });
    if (!st.isFile()) throw new NotARegularFile(`${path} is not a regular file`);
    if (st.size > maxBytes) throw Object.assign(new NotARegularFile(`${path} has ${st.size} bytes, more than the ${maxBytes} it may have`), { size: st.size });
    return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/**
 * The size and sha256 of the regular file `path` (at most `maxBytes`), read a MiB at a time: a
 * file whose seal does not match is refused in bounded memory. A sparse 2 GB library held 2 GB
 * for 50 s before the refusal when the whole file was read first.
 */
export function regularFileDigest(path: string, maxBytes: number): { size: number; sha256: string } {
  const fd = openRegular(path, maxBytes);
  try {
    const hash = createHash("sha256");
    const chunk = Buffer.allocUnsafe(1 << 20);
    let size = 0;
    for (let n; (n = readSync(fd, chunk, 0, chunk.length, size)) > 0 && size <= maxBytes; size += n) hash.update(chunk.subarray(0, n));
    return { size, sha256: hash.digest("hex") };
  } finally {
    closeSync(fd);
  }
}

/**
 * The largest library load() reads: 1 GiB. A tsdp build's library is tens of MB (its kernels and
 * the harness); a manifest that promises more was edited, and refusing it before reading keeps a
 * sparse file from costing gigabytes (past 2 GiB Node's read failed with an internal message).
 */
export const MAX_LIBRARY_BYTES = 1 << 30;

/** build.json as far as the runtime reads it (written by tsdp compile; see compiler/6-build/freshness.ts). */
interface RecordedBuild {
  readonly file?: unknown;
  readonly options?: unknown;
  /** Each source file's sha256 when the build was made. */
  readonly sources?: unknown;
}

/**
 * `dir`'s build.json, or undefined when it is absent or unreadable: not a regular file of at most
 * 1 MB, not JSON, or nested deeper than a checkpoint header may be (what tsdp writes nests 2 levels).
 */
function readRecordedBuild(dir: string): RecordedBuild | undefined {
  try {
    const text = readRegularFile(join(dir, "build.json"), 1 << 20).toString("utf8");
    if (jsonNestingPast(text) !== undefined) return undefined;
    const record = JSON.parse(text) as unknown;
    return typeof record === "object" && record !== null ? (record as RecordedBuild) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Bounds on the stale-source check. build.json is outside the seal, so its `sources` decide what
 * load() reads: 200 names of a 64 MB file took 51 s. A model and its imports are a few files of
 * at most 8 MB each (the compiler's MAX_SOURCE_BYTES), so the check reads at most maxTotalBytes
 * (plus the file that crosses it) and past a bound stops with a note: it is a convenience, and
 * the build itself is sound.
 */
export const STALE_CHECK = { maxSources: 256, maxFileBytes: 8 << 20, maxTotalBytes: 64 << 20 } as const;

/** What the stale-source check found: the changed sources (printable), and why it stopped early, if it did. */
export interface StaleSources {
  readonly changed: string[];
  readonly unchecked?: string;
}

/**
 * The model's source files that differ from what `dir` was compiled from (build.json's hashes): a
 * build run after its model.ts was edited runs the old model. A source that is gone (a build copied
 * to another machine), unreadable or not a regular file is not reported; nor is anything when
 * build.json is absent. The names are build.json's text, made printable for a warning.
 */
export function staleSources(dir: string): StaleSources {
  const sources = readRecordedBuild(dir)?.sources;
  if (typeof sources !== "object" || sources === null) return { changed: [] };
  const entries = Object.entries(sources);
  const changed: string[] = [];
  let read = 0;
  for (const [i, [file, hash]] of entries.entries()) {
    if (i === STALE_CHECK.maxSources || read > STALE_CHECK.maxTotalBytes) {
      const unchecked = `${entries.length - i} of the ${entries.length} sources build.json lists were not checked (the check reads at most ${STALE_CHECK.maxSources} files, ${STALE_CHECK.maxTotalBytes} bytes)`;
      return { changed, unchecked };
    }
    if (typeof hash !== "string") continue;
    const bytes = sourceBytes(file);
    read += bytes?.length ?? 0;
    if (bytes && createHash("sha256").update(bytes).digest("hex") !== hash) changed.push(printable(file));
  }
  return { changed };
}

/** staleSources(dir)'s changed sources. */
export const changedSources = (dir: string): string[] => staleSources(dir).changed;

/** The TSDP_STALE_BUILD warning for `dir` (its changed sources, and a note when the check stopped early), or undefined. */
export function staleBuildWarning(dir: string, hint: string): string | undefined {
  const { changed, unchecked } = staleSources(dir);
  const note = unchecked ? ` (${unchecked})` : "";
  if (changed.length)
    return `${printable(dir)} was compiled from ${changed.join(", ")}, which ${changed.length > 1 ? "have" : "has"} changed since${note}: it runs the model as it was then; ${hint}`;
  return unchecked ? `${printable(dir)}: ${unchecked}, so whether it runs the current model is not known; ${hint}` : undefined;
}

/** A recorded source's bytes: a regular file within STALE_CHECK's size, else undefined (not checked). */
function sourceBytes(file: string): Buffer | undefined {
  try {
    return readRegularFile(file, STALE_CHECK.maxFileBytes);
  } catch {
    return undefined;
  }
}

/**
 * A path as one shell word, printable: a name with control characters (an ESC that would rewrite
 * the terminal, a line break that forges another line) is written in bash's $'…' quoting, whose
 * escapes (\x1b, \n, \u202e) are printable() and which the shell reads back as the same name.
 */
function shellWord(s: string): string {
  if (/^[\w@%+=:,./-]+$/.test(s)) return s;
  if (hasControl(s)) return `$'${bashEscaped(s)}'`;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * `s` inside bash's $'…': each control character as an escape bash reads back as that character —
 * \xNN below 0x80, but \uNNNN above (bash's \x85 is the byte 0x85, not U+0085's UTF-8).
 */
function bashEscaped(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(CONTROL_CHARACTERS, (c) => {
    const code = c.charCodeAt(0);
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    return code < 0x80 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/**
 * The `tsdp compile` command that rebuilds `dir` as it was built (from its build.json), or, when
 * build.json is unreadable, the command with the model file left for the user to fill in.
 */
export function rebuildCommand(dir: string, sourceFile?: string): string {
  // no record: the generic command
  const record = readRecordedBuild(dir) ?? {};
  const opts = (() => {
    try {
      return typeof record.options === "string" ? (JSON.parse(record.options) as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  })();
  // the placeholder quotes the manifest's sourceFile (anyone's text), which is not a shell word
  const file = typeof record.file === "string" && record.file.length > 0 ? shellWord(record.file) : `<${printable(sourceFile ?? "model.ts")}>`;
  const words = ["tsdp compile", file, "--out", shellWord(dir)];
  if (opts.target === "cpu" || opts.target === "cuda") words.push("--target", opts.target);
  if (typeof opts.model === "string" && opts.model) words.push("--model", shellWord(opts.model));
  if (typeof opts.precision === "string" && /^(tf32|bf16)$/.test(opts.precision)) words.push("--precision", opts.precision);
  if (opts.target === "cuda" && Array.isArray(opts.archs) && opts.archs.length > 0 && opts.archs.every((a) => typeof a === "string" && /^\w+$/.test(a)))
    words.push("--arch", opts.archs.map((a) => `sm_${a}`).join(","));
  if (typeof opts.bucketCapMb === "number" && Number.isFinite(opts.bucketCapMb) && opts.bucketCapMb !== 25) words.push("--bucket-cap-mb", String(opts.bucketCapMb));
  // the build's other choices, so that the command rebuilds the same kind of build (compiler/build-paths.ts recordedOptions)
  if (opts.shapeFor === "gpu" || opts.shapeFor === "cpu") words.push("--shape-for", opts.shapeFor);
  if (opts.gemm === "tsdp" || opts.gemm === "cublaslt") words.push("--gemm", opts.gemm);
  if (opts.memcheck === true) words.push("--memcheck");
  if (opts.counters === true) words.push("--counters");
  // a tuning file by path (an in-memory candidate is recorded as file@sha256 and has no path to give)
  if (typeof opts.tune === "string" && opts.tune.length > 0 && !/@[0-9a-f]{64}$/.test(opts.tune)) words.push("--tune", shellWord(opts.tune));
  if (opts.tune === false) words.push("--no-tune");
  return words.join(" ");
}

/** "rebuild with tsdp compile <model.ts> --out <dir> …" */
export const rebuildHint = (dir: string, sourceFile?: string): string => `rebuild with ${rebuildCommand(dir, sourceFile)}`;

/**
 * Reads the library named by `manifest` and checks its size and sha256 against the seal. The
 * bytes returned are the ones checked: the caller loads these, never the file again, so a file
 * replaced in between cannot slip through.
 */
export function readVerifiedLibrary(dir: string, manifest: Manifest, manifestPath: string): Buffer {
  const libPath = join(dir, manifest.library);
  if (manifest.libraryBytes > MAX_LIBRARY_BYTES)
    throw new BuildDirectoryError(
      `load: ${manifestPath} says its library ${libPath} has ${manifest.libraryBytes} bytes, more than the ${MAX_LIBRARY_BYTES} (1 GiB) a tsdp library may have (a build's is tens of MB): the manifest was edited; it is not read: ${rebuildHint(dir, manifest.sourceFile)}`,
      manifestPath,
    );
  let bytes: Buffer;
  try {
    // Never more than the manifest says: a huge or endless file is refused without reading it all.
    // The seal is checked first a MiB at a time, so a file that fails it never sits in memory; the
    // bytes read after it are checked again (the file may have changed in between).
    const digest = regularFileDigest(libPath, manifest.libraryBytes + 1);
    const early = digestMismatch(manifest, digest.size, () => digest.sha256);
    if (early)
      throw new BuildDirectoryError(`load: ${libPath} is not the library ${manifestPath} was built with: ${early}; it is not loaded: ${rebuildHint(dir, manifest.sourceFile)}`, libPath);
    bytes = readRegularFile(libPath, manifest.libraryBytes + 1);
  } catch (e) {
    if (e instanceof BuildDirectoryError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      e instanceof NotARegularFile
        ? `is not the library ${manifestPath} was built with: ${
            e.size !== undefined ? `it has ${e.size} bytes, the manifest says ${manifest.libraryBytes} (replaced or appended to)` : e.message.slice(libPath.length + 1)
          }`
        : code === "ENOENT"
          ? "is missing"
          : code === "EISDIR"
            ? "is a directory"
            : `cannot be read (${(e as Error).message})`;
    const subject = e instanceof NotARegularFile ? libPath : `${libPath} (the library named in ${manifestPath})`;
    throw new BuildDirectoryError(`load: ${subject} ${why}: ${rebuildHint(dir, manifest.sourceFile)}`, libPath);
  }
  const wrong = libraryMismatch(manifest, bytes);
  if (wrong)
    throw new BuildDirectoryError(
      `load: ${libPath} is not the library ${manifestPath} was built with: ${wrong}; it is not loaded: ${rebuildHint(dir, manifest.sourceFile)}`,
      libPath,
    );
  return bytes;
}

/**
 * Why `bytes` cannot be mapped safely as a 64-bit little-endian ELF object, or null. dlopen maps
 * the segments the program headers name; one that reaches past the end of the file faults
 * (SIGBUS) on first touch instead of failing, so a truncated library must be caught here even
 * when its manifest was (wrongly) sealed with it.
 */
export function elfProblem(bytes: Buffer): string | null {
  if (bytes.length < 64 || bytes.readUInt32BE(0) !== 0x7f454c46) return "not an ELF file";
  if (bytes[4] !== 2 || bytes[5] !== 1) return "not a 64-bit little-endian ELF file";
  const size = BigInt(bytes.length);
  const phoff = bytes.readBigUInt64LE(0x20);
  const shoff = bytes.readBigUInt64LE(0x28);
  const phentsize = BigInt(bytes.readUInt16LE(0x36));
  const phnum = BigInt(bytes.readUInt16LE(0x38));
  const shentsize = BigInt(bytes.readUInt16LE(0x3a));
  const shnum = BigInt(bytes.readUInt16LE(0x3c));
  if (phentsize < 56n || phoff + phnum * phentsize > size) return "its program headers lie past the end of the file (truncated)";
  if (shnum > 0n && shoff + shnum * shentsize > size) return "its section headers lie past the end of the file (truncated)";
  for (let i = 0n; i < phnum; i++) {
    const at = Number(phoff + i * phentsize);
    if (bytes.readUInt32LE(at) !== 1) continue; // PT_LOAD only: the segments that get mapped
    const offset = bytes.readBigUInt64LE(at + 0x08);
    const filesz = bytes.readBigUInt64LE(at + 0x20);
    if (offset + filesz > size) return `a loadable segment ends at byte ${offset + filesz}, past the end of the file (${size} bytes: truncated)`;
  }
  return null;
}
