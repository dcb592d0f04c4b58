// Where the adversarial runtime corpus lives and how its fixtures are found; shared by the test
// (test/adversarial/runtime.test.ts) and its child process (run-runtime-cases.ts).
import { readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { FixtureModel, RuntimeCase } from "./runtime-case.ts";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const casesDir = join(root, "test", "adversarial", "runtime");

export const fixtureModels: readonly FixtureModel[] = ["mlp-train", "mlp-adam", "cnn-forward"];
export const fixtureSource = (m: FixtureModel) => join(root, "test", "adversarial", "fixtures", `${m}.ts`);
export const fixtureBuild = (m: FixtureModel) => join(root, "build", "adversarial", m);

/** Every case of every `*.cases.ts` file, in file then declaration order. */
export async function loadCases(): Promise<RuntimeCase[]> {
  const files = readdirSync(casesDir)
    .filter((f) => f.endsWith(".cases.ts"))
    .sort();
  const all: RuntimeCase[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(casesDir, f)).href)) as { cases?: RuntimeCase[] };
    if (!Array.isArray(mod.cases)) throw new Error(`${f} must export \`cases: RuntimeCase[]\``);
    all.push(...mod.cases);
  }
  return all;
}
