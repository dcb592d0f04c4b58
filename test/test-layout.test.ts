// The unit project must stay fast (seconds): a test file that builds or loads a native library
// belongs in vitest.config.ts's NATIVE list. A new file that forgets it would quietly make
// `npm run test:unit` slow; this check names it instead. It looks for the imports that build or
// load (compile, buildModel, compileForTestTarget, load) — a file that only generates code stays unit.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { NATIVE, SLOW_FIRST } from "../vitest.config.ts";

const root = join(import.meta.dirname, "..");

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith(".test.ts") ? [relative(root, path)] : [];
  });
}

const BUILDS_OR_LOADS = /import\s*{[^}]*\b(compile|buildModel|compileForTestTarget|load)\b[^}]*}\s*from\s*"[^"]*(pipeline|build|target-helpers|runtime\/index)(\.ts)?"/s;

describe("test layout", () => {
  it("every test file that builds or loads a native library is in the native project", () => {
    const misplaced = testFiles(join(root, "test")).filter((f) => !NATIVE.includes(f) && BUILDS_OR_LOADS.test(readFileSync(join(root, f), "utf8")));
    expect(misplaced).toEqual([]);
  });

  it("every file the native project names exists", () => {
    const files = new Set(testFiles(join(root, "test")));
    expect(NATIVE.filter((f) => !files.has(f))).toEqual([]);
  });

  it("every file the run starts first exists, once (a renamed one would quietly go back to the end)", () => {
    const files = new Set(testFiles(join(root, "test")));
    expect(SLOW_FIRST.filter((f) => !files.has(f))).toEqual([]);
    expect(new Set(SLOW_FIRST).size).toBe(SLOW_FIRST.length);
  });
});
