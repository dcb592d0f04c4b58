// One manifest schema (runtime/manifest.ts): what code generation writes is what `load` accepts.
// Codegen writes it `satisfies GeneratedManifest` (checked by tsc); these check the values.
import { describe, expect, it } from "vitest";
import { generate } from "../compiler/pipeline.ts";
import { ABI_VERSION, MANIFEST_FORMAT, manifestContentHash, validateManifest } from "../runtime/manifest.ts";

describe("the manifest codegen writes", () => {
  for (const example of ["lenet", "mlp"])
    it(`${example}: passes the runtime's validation once the build adds the library's seal`, () => {
      const { generated } = generate(`examples/${example}/model.ts`, { target: "cpu" });
      const m = generated.manifest;
      expect([m.format, m.abiVersion]).toEqual([MANIFEST_FORMAT, ABI_VERSION]);
      // sealed: the hash the library embeds is the hash of these contents
      expect(manifestContentHash(m)).toBe(m.sourceHash);
      expect(generated.cu).toContain(`"${m.sourceHash}"`);
      const built = validateManifest(JSON.parse(JSON.stringify({ ...m, librarySha256: "0".repeat(64), libraryBytes: 1 })), "manifest.json");
      expect(built.inputs).toEqual(m.inputs);
      expect(built.training?.target?.shape[0]).toBe("Batch");
      // the report fields inspect formats are all there
      expect(m.kernels.length).toBeGreaterThan(0);
      expect(m.training!.buckets.flatMap((b) => b.params).sort()).toEqual(m.params.map((p) => p.name).sort());
      expect(m.memory.arenaBytesPerSample).toBeGreaterThanOrEqual(m.memory.activationBytesPerSample);
    });
});
