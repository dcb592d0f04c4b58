import { spawn } from "node:child_process";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { scriptCommand } from "../../runtime/distributed-launch.ts";
import type { ChildMessage, LibraryRequest, LibraryResult } from "./verify-overrides-child.ts";

// Runs the library half of an override's verification in a child process
// (verify-overrides-child.ts) and waits for its answer. The compiler's own process never loads a
// library with user kernels: a kernel that faults ends the child, and this side reports how and
// where.

/** How long one batch's check may take before the child is stopped (a kernel that never ends). */
export const LIBRARY_CHECK_TIMEOUT_MS = 600_000;

/** The child ended without an answer, or answered with an error. */
export class LibraryFailure extends Error {
  constructor(
    /** What the library was doing: "the eval-mode forward", "a training step", … */
    readonly stage: string,
    /** How it ended: "was killed by SIGSEGV", "exited with code 1", "threw: …", "did not finish in 600 s". */
    readonly how: string,
    /** The last lines the child wrote to stderr (the shim's and the runtime's messages). */
    readonly stderr: readonly string[],
    /** It ended without an answer (a signal, or an exit such as ASan's): the fault a memcheck run can place. */
    readonly crashed: boolean,
  ) {
    super(`the library's check ${how} during ${stage}`);
  }
}

const childFile = fileURLToPath(new URL(`./verify-overrides-child${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/**
 * Runs `req` in a fresh Node process; `env` adds to this process's environment (the memcheck
 * rerun's ASan preload). Resolves with the child's result; rejects with a LibraryFailure.
 */
export function runLibrary(req: LibraryRequest, env: NodeJS.ProcessEnv = {}, timeoutMs = LIBRARY_CHECK_TIMEOUT_MS): Promise<LibraryResult> {
  const [node, ...args] = scriptCommand(childFile);
  const child = spawn(node, args, { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe", "ipc"], serialization: "advanced" });
  let stage = "starting";
  let answer: ChildMessage | undefined;
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-64_000);
  });
  child.on("message", (m: ChildMessage) => {
    if ("stage" in m) stage = m.stage;
    else answer = m;
  });
  child.send(req);
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new LibraryFailure(stage, `could not start (${e.message})`, [], false));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const lines = stderr.split("\n").filter((l) => l.trim() !== "");
      if (answer && "result" in answer) return resolve(answer.result);
      const how = timedOut
        ? `did not finish in ${timeoutMs / 1000} s (a kernel that never ends?)`
        : answer && "error" in answer
          ? `stopped with an error (${answer.error})`
          : signal
            ? `was killed by ${signal}`
            : `exited with code ${code} without an answer`;
      reject(new LibraryFailure(stage, how, lines, !timedOut && answer === undefined));
    });
  });
}
