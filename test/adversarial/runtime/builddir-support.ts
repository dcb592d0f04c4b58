// Helpers of the build-directory and CLI cases (builddir.cases.ts, cli.cases.ts): corrupt a
// private model directory, run the CLI, and check what it answered. Every check throws a plain
// Error saying what was wrong.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { load, tensor } from "../../../runtime/index.ts";
import type { CaseContext } from "../runtime-case.ts";

type Json = Record<string, any>;

export function editManifest(dir: string, edit: (m: Json) => void): void {
  const file = join(dir, "manifest.json");
  const m = JSON.parse(readFileSync(file, "utf8")) as Json;
  edit(m);
  writeFileSync(file, JSON.stringify(m, null, 2));
}

/** Replaces the library's bytes with what `f` makes of them. */
export function rewriteLibrary(dir: string, f: (bytes: Buffer) => Buffer): void {
  const file = join(dir, "libmodel.so");
  writeFileSync(file, f(readFileSync(file)));
}

/** Loads `dir`, runs one forward pass on zeros (batch 2, shapes from the manifest) and disposes it. */
export async function loadAndRun(dir: string): Promise<void> {
  const m = await load(dir);
  try {
    const inputs = m.manifest.inputs.map((spec) => {
      const shape = spec.shape.map((d) => (d === "Batch" ? 2 : d));
      const n = shape.reduce((a, b) => a * b, 1);
      return tensor(spec.dtype === "int32" ? new Int32Array(n) : new Float32Array(n), shape);
    });
    const out = m.forwardAllSync(...inputs);
    if (!Array.isArray(out) || out.length !== m.manifest.outputs.length) throw new Error("forward returned the wrong number of outputs");
  } finally {
    m.dispose();
  }
}

export interface CliResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `tsdp args…` (bin/tsdp.js under this Node), bounded in time. */
export function tsdp(ctx: Pick<CaseContext, "root">, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const r = spawnSync(process.execPath, [join(ctx.root, "bin/tsdp.js"), ...args], {
    cwd: options.cwd ?? ctx.root,
    env: options.env ?? process.env,
    encoding: "utf8",
    timeout: 150_000,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** `tsdp args…` must be a usage error: exit code 2, one line on stderr matching `message`, nothing written in `cwd`. */
export function expectUsageError(ctx: CaseContext, args: readonly string[], message: RegExp): void {
  const cwd = join(ctx.tmp);
  const before = readdirSync(cwd).length;
  const r = tsdp(ctx, args, { cwd });
  const lines = r.stderr.trimEnd().split("\n");
  if (r.status !== 2) throw new Error(`tsdp ${args.join(" ")}: exit code ${r.status} (signal ${r.signal}), expected 2; stderr: ${r.stderr}`);
  if (lines.length !== 1) throw new Error(`tsdp ${args.join(" ")}: ${lines.length} lines on stderr, expected one: ${r.stderr}`);
  if (!message.test(r.stderr)) throw new Error(`tsdp ${args.join(" ")}: stderr ${JSON.stringify(r.stderr)} does not match ${message}`);
  if (/internal error|\n\s+at |Error:/.test(r.stderr)) throw new Error(`tsdp ${args.join(" ")}: an internal error or a stack: ${r.stderr}`);
  if (r.stdout !== "") throw new Error(`tsdp ${args.join(" ")}: printed ${JSON.stringify(r.stdout)} on stdout`);
  if (readdirSync(cwd).length !== before) throw new Error(`tsdp ${args.join(" ")}: wrote into the current directory`);
}

/** `tsdp compile <modelFile> --target cpu --out <dir>` must succeed; returns its stdout. */
export function compileInto(ctx: CaseContext, dir = ctx.dir, file = ctx.modelFile): string {
  const r = tsdp(ctx, ["compile", file, "--target", "cpu", "--out", dir]);
  if (r.status !== 0) throw new Error(`tsdp compile ${file} failed (exit ${r.status}, signal ${r.signal}): ${r.stderr}`);
  return r.stdout;
}

/** Compiles, damages, compiles again: the second compile must rebuild (not "up to date") and the directory must then run. */
export async function rebuiltAfter(ctx: CaseContext, damage: (dir: string) => void): Promise<void> {
  const first = compileInto(ctx);
  const again = compileInto(ctx);
  if (!/up to date/.test(again)) throw new Error(`an unchanged directory was not up to date: ${first} / ${again}`);
  damage(ctx.dir);
  const rebuilt = compileInto(ctx);
  if (/up to date/.test(rebuilt)) throw new Error(`tsdp compile said "up to date" over a damaged directory: ${rebuilt}`);
  await loadAndRun(ctx.dir);
}

/** The command a refusal ends with ("rebuild with tsdp compile …"), run as given; the directory must load after it. */
export async function followAdvice(ctx: CaseContext, message: string): Promise<void> {
  const command = /rebuild with (tsdp compile \S.*)$/.exec(message)?.[1];
  if (!command) throw new Error(`the message names no command: ${message}`);
  const words = command.split(" ");
  const r = tsdp(ctx, words.slice(1));
  if (r.status !== 0) throw new Error(`the advised command ${command} failed (exit ${r.status}): ${r.stderr}`);
  await loadAndRun(ctx.dir);
}

/** Loads `dir` expecting a refusal, and returns its message. */
export async function refusal(dir: string): Promise<Error> {
  try {
    await loadAndRun(dir);
  } catch (e) {
    return e as Error;
  }
  throw new Error(`load(${dir}) succeeded on a damaged directory`);
}
