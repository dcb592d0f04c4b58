import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { lowerModel, type LoweredModel } from "../compiler/1-frontend/lower.ts";
import { CompileError, type Diagnostic } from "../compiler/diagnostics/diagnostic.ts";

/** The temporary folders scratchDir and writeFiles made for this test file (test/setup-scratch.ts removes them after it). */
const scratch: string[] = [];

/**
 * Removes the folders scratchDir and writeFiles made: a test file's models, their builds and libraries (several MB
 * each) would otherwise stay in the temporary directory after every run (tens of GB over weeks).
 */
export function removeScratch(): void {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A fresh temporary folder named `<prefix><random>`, removed after the test file (test/setup-scratch.ts). */
export function scratchDir(prefix = "tsdp-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

/** Writes files (path → text) into a fresh temporary folder and returns the folder (removed after the test file). */
export function writeFiles(files: Record<string, string>): string {
  const dir = scratchDir();
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** Lowers a one-file model given as text. */
export function lowerSource(text: string, model?: string): LoweredModel {
  const dir = writeFiles({ "model.ts": text });
  return lowerModel(join(dir, "model.ts"), { model });
}

/** The diagnostics of a model that must fail to compile. */
export function diagnosticsOf(text: string, model?: string): Diagnostic[] {
  return failedCompile(() => lowerSource(text, model));
}

/** The diagnostics of compiling the model file `file` (the test fails if it compiles). */
export function diagnosticsOfFile(file: string): Diagnostic[] {
  return failedCompile(() => lowerModel(file));
}

function failedCompile(lower: () => unknown): Diagnostic[] {
  try {
    lower();
  } catch (e) {
    if (e instanceof CompileError) return [...e.diagnostics];
    throw e;
  }
  throw new Error("expected the model to fail to compile");
}

export const header = `import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";\n`;

/**
 * Lets vitest's worker answer its runner between long synchronous steps (native training steps,
 * float64 reference runs); a worker that blocks for a minute has its runner RPC time out.
 */
export function yieldToRunner(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs `node args…` without blocking this worker (a compile can take a minute on a busy
 * machine, past vitest's worker-RPC heartbeat), with spawnSync's result fields.
 */
export function runNode(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...args], { env: options.env ?? process.env, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", fail);
    child.on("close", (status) => done({ status, stdout, stderr }));
  });
}

/**
 * What run_<program> of a model.cu launches: its part functions (run_<program>_part0, …, which hold
 * the launches, in order) and run_<program> itself, which calls them segment by segment.
 */
export function programSource(cu: string, program: string): string {
  const header = cu.indexOf(`// Program "${program}"`);
  const run = cu.indexOf(`int run_${program}(`);
  if (header < 0 || run < header) throw new Error(`model.cu has no program "${program}"`);
  return cu.slice(header, cu.indexOf("\n}\n", run) + 2);
}
