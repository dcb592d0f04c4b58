import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The README's set-up is two commands a new user pastes on a fresh machine; CI (.ci/run) must
// do what they do, or CI passing says nothing about them.

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const ci = readFileSync(join(root, ".ci", "run"), "utf8");

/** The commands of the first ```sh block after "## Set-up", without their trailing comments. */
function setupCommands(): string[] {
  const section = readme.slice(readme.indexOf("## Set-up"));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1];
  return block
    .split("\n")
    .map((l) => l.replace(/\s+#.*$/, "").trim())
    .filter(Boolean);
}

describe("README set-up", () => {
  const [main, tests] = setupCommands();

  it("has two commands: the main job, then the tests", () => {
    expect(setupCommands()).toHaveLength(2);
    expect(main).toMatch(/&& npm ci && npm start$/);
    expect(tests).toBe("npm ci && npm test");
  });

  it("refreshes the package lists before installing (fresh machines have none)", () => {
    expect(main).toMatch(/^apt-get update && apt-get install -y [a-z0-9 .+-]+ && /);
  });

  it("installs the Debian packages that .ci/run installs", () => {
    const readmePackages = /apt-get install -y ([a-z0-9 .+-]+?) &&/.exec(main)![1].split(/\s+/).sort();
    const ciPackages = /^packages="([^"]*)"$/m.exec(ci)![1].split(/\s+/).sort();
    expect(readmePackages).toEqual(ciPackages);
    expect(ci).toMatch(/apt-get update/);
    expect(ci).toMatch(/apt-get install -y -qq \$packages/);
  });

  it("has .ci/run run the README's test command", () => {
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).toMatch(/^npm test\b/m);
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    expect(pkg.scripts.start).toBeDefined();
    expect(pkg.scripts.test).toBeDefined();
  });
});
