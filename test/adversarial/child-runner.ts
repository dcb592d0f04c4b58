// Runs a list of corpus cases in child processes, one at a time, so that a case which hangs or
// kills its process is named instead of taking the test runner with it. The child prints
// {"start": id} before a case and a result line with "id" after it; the parent gives each case
// its own time limit, and after a crash or a hang starts a new child for the cases left.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

export type ChildOutcome<R> =
  | { readonly kind: "result"; readonly result: R }
  | { readonly kind: "crash"; readonly signal: string | null; readonly exitCode: number | null; readonly stderr: string }
  | { readonly kind: "hang"; readonly seconds: number };

export interface ChildRunOptions {
  /** The node arguments before the case ids (e.g. ["--import", "tsx", "script.ts"]). */
  readonly script: readonly string[];
  readonly ids: readonly string[];
  /** Seconds each case may take. */
  readonly timeoutOf: (id: string) => number;
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Outcome per case id; result lines are parsed JSON objects carrying `id`. */
export async function runInChildren<R extends { id: string }>(options: ChildRunOptions): Promise<Map<string, ChildOutcome<R>>> {
  const outcomes = new Map<string, ChildOutcome<R>>();
  let left = [...options.ids];
  while (left.length > 0) {
    await runOnce<R>(options, left, outcomes);
    left = left.filter((id) => !outcomes.has(id));
  }
  return outcomes;
}

function runOnce<R extends { id: string }>(options: ChildRunOptions, ids: readonly string[], outcomes: Map<string, ChildOutcome<R>>): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...options.script, ...ids], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let current: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr = (stderr + d).slice(-4000)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      let msg: { start?: string; id?: string };
      try {
        msg = JSON.parse(line);
      } catch {
        return; // a case's own console output
      }
      if (typeof msg.start === "string") {
        current = msg.start;
        stderr = "";
        const seconds = options.timeoutOf(current);
        clearTimeout(timer);
        timer = setTimeout(() => {
          if (current !== undefined && !outcomes.has(current)) outcomes.set(current, { kind: "hang", seconds });
          child.kill("SIGKILL");
        }, seconds * 1000);
      } else if (typeof msg.id === "string" && msg.id === current) {
        clearTimeout(timer);
        outcomes.set(msg.id, { kind: "result", result: msg as R });
        current = undefined;
      }
    });
    child.on("error", fail);
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      const victim = current ?? ids.find((id) => !outcomes.has(id));
      if (victim !== undefined && !outcomes.has(victim)) outcomes.set(victim, { kind: "crash", signal, exitCode, stderr });
      done();
    });
  });
}
