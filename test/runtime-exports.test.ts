// What `import … from "tsdp"` gives in plain Node (runtime/index.js, a hand-written list over the
// runtime it loads) is every value runtime/index.ts exports, which its typings (dist/runtime/
// index.d.ts) declare: a name missing from the list type-checks and is undefined at run time.
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

describe('the "tsdp" entry point', () => {
  it("exports every value the runtime exports, each the runtime's own", async () => {
    const runtime = await import("../runtime/index.ts");
    const entry = await import("../runtime/index.js");
    expect(Object.keys(entry).sort()).toEqual(Object.keys(runtime).sort());
    for (const name of Object.keys(runtime)) expect((entry as Record<string, unknown>)[name], name).toBe((runtime as Record<string, unknown>)[name]);
    expect(typeof (entry as { lrScheduler: { OneCycleLR: unknown } }).lrScheduler.OneCycleLR).toBe("function");
  });
});

// types59 M: a checkout used from another project (npm link, a file: dependency) runs its sources
// but gives that project dist/'s types, which an edit or a pull leaves behind; the build stamps
// dist/ with its sources' digest and runtime/index.js warns when they differ.
describe("dist/'s stamp of the sources it was built from", () => {
  it("is fresh after a build, stale after an edit, and says nothing inside the checkout or without dist/", async () => {
    const { sourcesDigest, staleDistWarning, writeStamp } = await import("../runtime/dist-stamp.mjs");
    const root = mkdtempSync(join(tmpdir(), "tsdp-stamp-"));
    const user = mkdtempSync(join(tmpdir(), "tsdp-user-"));
    try {
      mkdirSync(join(root, "compiler"));
      mkdirSync(join(root, "runtime", "sub"), { recursive: true });
      writeFileSync(join(root, "compiler", "a.ts"), "export const a = 1;\n");
      writeFileSync(join(root, "runtime", "sub", "b.ts"), "export type B = number;\n");
      expect(staleDistWarning(root, user), "no dist/: tsc reports the missing types itself").toBeUndefined();
      mkdirSync(join(root, "dist"));
      expect(staleDistWarning(root, user)).toMatch(/was built from other sources .*no record of its sources.*npm run build/);
      writeStamp(root);
      expect(staleDistWarning(root, user)).toBeUndefined();
      writeFileSync(join(root, "runtime", "sub", "b.ts"), "export type B = string;\n");
      expect(staleDistWarning(root, user)).toMatch(/they changed since/);
      expect(staleDistWarning(root, join(root, "examples")), "the checkout's own code reads its sources").toBeUndefined();
      // bin/tsdp.js runs dist/'s compiler only where it was built from these very sources
      const { distMatchesSources } = await import("../runtime/dist-stamp.mjs");
      expect(distMatchesSources(root), "no dist/compiler/cli.js").toBe(false);
      mkdirSync(join(root, "dist", "compiler"));
      writeFileSync(join(root, "dist", "compiler", "cli.js"), "\n");
      expect(distMatchesSources(root), "built before the edit").toBe(false);
      writeStamp(root);
      expect(distMatchesSources(root)).toBe(true);
      writeFileSync(join(root, "compiler", "a.ts"), "export const a = 2;\n");
      expect(distMatchesSources(root), "a source edited since the build").toBe(false);
      writeStamp(root);
      // the build's configuration is one of its inputs: another tsconfig makes another dist/
      writeFileSync(join(root, "tsconfig.build.json"), '{ "compilerOptions": { "target": "ES2022" } }\n');
      expect(distMatchesSources(root), "tsconfig.build.json written since the build").toBe(false);
      writeStamp(root);
      // a file moved is another set of sources, though the bytes are the same
      const before = sourcesDigest(root);
      renameSync(join(root, "runtime", "sub", "b.ts"), join(root, "runtime", "b.ts"));
      expect(sourcesDigest(root)).not.toBe(before);
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(user, { recursive: true, force: true });
    }
  });
});
