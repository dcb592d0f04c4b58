// Child process of test/adversarial/runtime.test.ts: runs the named runtime cases one by one,
// each on a fresh copy of its fixture, and prints {"start": name} before and
// {"id": name, "outcome": "ok" | "error", "name"?, "message"?} after each. A case that kills
// this process is named by the parent (the last "start" without a result). After each case the
// garbage collector runs, so a finalizer that would crash later crashes within its case.
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixtureBuild, fixtureSource, loadCases, root } from "./runtime-cases.ts";

const byName = new Map((await loadCases()).map((c) => [c.name, c]));
const gc = (globalThis as { gc?: () => void }).gc;

for (const id of process.argv.slice(2)) {
  const c = byName.get(id);
  console.log(JSON.stringify({ start: id }));
  const base = mkdtempSync(join(tmpdir(), "tsdp-adv-"));
  let result: Record<string, unknown>;
  try {
    if (!c) throw new Error(`no case named ${JSON.stringify(id)}`);
    const dir = join(base, "model");
    const modelFile = join(base, "model.ts");
    const tmp = join(base, "tmp");
    cpSync(fixtureBuild(c.model), dir, { recursive: true });
    cpSync(fixtureSource(c.model), modelFile);
    mkdirSync(tmp);
    await c.run({ dir, modelFile, tmp, root });
    result = { outcome: "ok" };
  } catch (e) {
    const err = e as Error;
    result = { outcome: "error", name: err?.name ?? typeof e, message: err?.message ?? String(e) };
  }
  gc?.();
  await new Promise((r) => setImmediate(r));
  rmSync(base, { recursive: true, force: true });
  console.log(JSON.stringify({ id, ...result }));
}
