// What `import … from "tsdp"` gives in plain Node (runtime/index.js, a hand-written list over the
// runtime it loads) is every value runtime/index.ts exports, which its typings (dist/runtime/
// index.d.ts) declare: a name missing from the list type-checks and is undefined at run time.
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
