import { describe, expect, it } from "vitest";
import { runNode } from "./helpers.ts";

// Help that teaches: every command's --help ends with example invocations, and `tsdp doctor`
// says what the machine has, what the default target will be, and how to fix what is missing.

const tsdp = (args: string[], env: NodeJS.ProcessEnv = process.env) => runNode(["bin/tsdp.js", ...args], { env });

describe("tsdp help", () => {
  it.each([[[]], [["compile"]], [["inspect"]], [["counters"]], [["tune"]], [["eject"]], [["doctor"]], [["launch"]]])("tsdp %j --help shows examples of itself", async (command) => {
    const r = await tsdp([...command, "--help"]);
    expect(r.status).toBe(0);
    const examples = r.stdout.slice(r.stdout.indexOf("\nExamples:\n"));
    expect(examples.length, r.stdout).toBeGreaterThan(12);
    const lines = examples.split("\n").filter((l) => l.startsWith("  $ "));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    for (const l of lines) expect(l).toMatch(new RegExp(`^  \\$ tsdp ${command[0] ?? "\\w+"}\\b.*  # \\S`));
  });

  it("help <command> shows that command's help, help help the program's; an unknown command is named", async () => {
    const compile = await tsdp(["help", "compile"]);
    expect(compile.stdout).toMatch(/^Usage: tsdp compile /);
    const help = await tsdp(["help", "help"]);
    expect(help.stdout).toMatch(/^Usage: tsdp \[options\] \[command\]/);
    const unknown = await tsdp(["help", "compiel"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^tsdp: unknown command 'compiel'/);
  });
});

describe("tsdp doctor", () => {
  it("lists what it found and the default target, and exits 0 where something can build", async () => {
    const r = await tsdp(["doctor"]);
    expect(r.status, r.stderr).toBe(0);
    for (const what of ["Node.js", "g++", "nvcc", "GPUs", "NCCL", "MPI", "Gloo", "cache"]) expect(r.stdout).toMatch(new RegExp(`^[✓✗] ${what.replace("+", "\\+")}\\s`, "m"));
    expect(r.stdout).toMatch(/^default target: (cpu|cuda) \(.+\)/m);
    expect(r.stdout).toContain(process.version);
    // the cache with its bound; a bad bound is named with what it stops
    expect(r.stdout).toMatch(/^✓ cache\s+.*MiB \(bound \d+ MiB, TSDP_CACHE_MAX_MB\)$/m);
    const bad = await tsdp(["doctor"], { ...process.env, TSDP_CACHE_MAX_MB: "-3" });
    expect(bad.stdout).toMatch(/^✗ cache\s+.*MiB\n\s+→ TSDP3004: TSDP_CACHE_MAX_MB must be a positive number of megabytes, got "-3": every compile stops with this$/m);
    // TSDP_CACHE_DIR at a file: no cache can be made there
    const file = await tsdp(["doctor"], { ...process.env, TSDP_CACHE_DIR: "package.json" });
    expect(file.stdout).toMatch(/^✗ cache\s+\S*package\.json\n\s+→ \S*package\.json is a file, not a directory: every compile stops with this; point TSDP_CACHE_DIR at a directory$/m);
  });

  it("without g++ or nvcc, says so with the fix for each and exits 1", async () => {
    const r = await tsdp(["doctor"], { ...process.env, PATH: "/nonexistent", CXX: "/nonexistent/g++", TSDP_NVCC: "/nonexistent/nvcc", TSDP_FORCE_NO_GPU: "1" });
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^✗ g\+\+\s+not found\n\s+→ .*apt-get install g\+\+/m);
    expect(r.stdout).toMatch(/^✗ nvcc\s+not found\n\s+→ .*CUDA toolkit/m);
    expect(r.stdout).toMatch(/^default target: cpu \(no GPU is visible\)/m);
  });
});
