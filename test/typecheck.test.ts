// Every example, and the whole project, type-checks with tsc (the examples are written against
// tsdp/dsl's declarations and must type-check in an editor). Split from test/examples.test.ts:
// tsc takes ten seconds or more, which is most of the unit project's budget, so it runs with the
// native project.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

describe("tsc --noEmit", () => {
  it("every example type-checks (tsc --noEmit)", async () => {
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
    let output = "";
    let status = 0;
    try {
      // asynchronous: tsc can run for a minute on a busy machine, past vitest's RPC heartbeat
      await promisify(execFile)(process.execPath, [tsc, "--noEmit", "-p", join(root, "tsconfig.json")], { cwd: root, encoding: "utf8", timeout: 120_000 });
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      status = typeof err.code === "number" ? err.code : 1;
      output = `${err.stdout ?? ""}${err.stderr ?? ""}`;
    }
    // Errors in the examples first, for a readable failure; then tsc's own exit status.
    const exampleErrors = output.split("\n").filter((l) => l.startsWith("examples/"));
    expect(exampleErrors).toEqual([]);
    expect(status, output).toBe(0);
  });
});
