import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { distMatchesSources } from "../runtime/dist-stamp.mjs";
import { scratchDir } from "./helpers.ts";

// The README's "Use it in your own project", followed literally: pack tsdp, make a project in a
// temporary directory, install the tarball, write the README's model.ts and train.mjs, run its
// commands. Only the tarball's path is adapted.

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const section = readme.slice(readme.indexOf("## Use it in your own project"), readme.indexOf("## Compile, load, run"));
const blocks = [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], body: m[2] }));

function sh(command: string, cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((done, fail) => {
    const child = spawn("bash", ["-c", command], { cwd, env: { ...process.env, npm_config_audit: "false", npm_config_fund: "false", npm_config_prefer_offline: "true" } });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", fail);
    child.on("close", (code) => done({ code, out }));
  });
}

/** .ts files in a directory tree that are not declarations: an installed package has only tsdp/vision's model source. */
function sourcesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => /\.(ts|mts|cts)$/.test(f) && !/\.d\.(ts|mts|cts)$/.test(f));
}

// The README's TypeScript example, with checks after it: the output's class count is a literal
// type, a loss is a number, and a wrong input shape does not type-check.
const typedConsumer = `declare const console: { log(line: string): void }; // no @types/node here
${blocks[5].body}
const classes: 3 = y.shape[1];
const loss: number = await model.trainStep(tensor(new Float32Array(8), [2, 4]), tensor(new Int32Array([0, 1]), [2]));
console.log(\`classes \${classes}, loss \${loss}\`);
export function mistake(): void {
  // @ts-expect-error the model takes 4 features
  void model.forward(tensor(new Float32Array(6), [2, 3]));
}
`;

// A user's strict configuration with no @types/node: tsdp's .d.ts must stand on their own.
const strictConfig = {
  compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, types: [], lib: ["ES2023"] },
  files: ["check-types.mts"],
};

describe("README: use it in your own project", () => {
  it("has the steps: install, model.ts, train.mjs, compile and run, the output", () => {
    expect(blocks.map((b) => b.lang)).toEqual(["sh", "ts", "js", "sh", "text", "ts"]);
    expect(blocks[1].body.split("\n")[0]).toBe("// model.ts");
    expect(blocks[2].body.split("\n")[0]).toBe("// train.mjs");
  });

  it("works from a packed tarball in a fresh directory", async () => {
    const work = scratchDir("tsdp-own-");
    const packDir = join(work, "tsdp");
    mkdirSync(packDir);
    // npm pack runs `prepare`, which leaves a dist/ built from these sources as it is: other test
    // files' `tsdp` commands are loading it meanwhile (bin/tsdp.js, scripts/build-dist.mjs)
    const cli = join(root, "dist", "compiler", "cli.js");
    const builtBefore = distMatchesSources(root) ? statSync(cli).mtimeMs : undefined;
    const pack = await sh(`npm pack --pack-destination ${JSON.stringify(packDir)}`, root);
    expect(pack.code, pack.out).toBe(0);
    if (builtBefore !== undefined) expect(statSync(cli).mtimeMs, "dist/ rebuilt under running commands").toBe(builtBefore);
    const tarball = readdirSync(packDir).find((f) => f.endsWith(".tgz"))!;
    expect(tarball).toBeDefined();

    // the README's set-up commands, run from `work`, with the tarball where it says ../tsdp/
    const setup = blocks[0].body.trim().split("\n").join(" && ").replace(/\.\.\/tsdp\/tsdp-[\d.]+\.tgz/, `../tsdp/${tarball}`);
    const installed = await sh(setup, work);
    expect(installed.code, installed.out).toBe(0);
    const project = join(work, "my-project");
    writeFileSync(join(project, "model.ts"), blocks[1].body);
    writeFileSync(join(project, "train.mjs"), blocks[2].body);

    const run = await sh(blocks[3].body.trim().split("\n").join(" && "), project);
    expect(run.code, run.out).toBe(0);
    const losses = [...run.out.matchAll(/^step (\d+): loss ([\d.]+)$/gm)].map((m) => Number(m[2]));
    expect(losses, run.out).toHaveLength(2);
    expect(losses[0]).toBeLessThan(Math.log(3)); // below chance after 50 steps
    expect(losses[1]).toBeLessThan(losses[0]);
    expect(run.out).toMatch(/^accuracy 1$/m);
    // the README shows the same lines (values rounded in print may differ in the last digit)
    for (const line of blocks[4].body.trim().split("\n")) expect(run.out).toContain(line.replace(/[\d.]+$/, ""));

    // The package (issue 15 item 6): compiled JavaScript and .d.ts, no TypeScript sources and no
    // loader — tsx is a development dependency, so it is not even installed here.
    const installedTsdp = join(project, "node_modules", "tsdp");
    expect(existsSync(join(installedTsdp, "dist", "compiler", "cli.js"))).toBe(true);
    expect(existsSync(join(installedTsdp, "dist", "runtime", "index.d.ts"))).toBe(true);
    expect(existsSync(join(installedTsdp, "compiler"))).toBe(false);
    expect(existsSync(join(project, "node_modules", "tsx"))).toBe(false);
    // tsdp/vision's models.ts is model-language source, read by the compiler as a model file is
    // (never loaded by Node), so it ships as TypeScript; nothing else does
    expect(sourcesIn(installedTsdp)).toEqual([join("vision", "models.ts")]);
    // and the installed compiler finds it: a torchvision backbone's model file lowers (inspect builds nothing)
    writeFileSync(
      join(project, "backbone.ts"),
      `import { nn, type Tensor, type Batch } from "tsdp/dsl";\nimport { models } from "tsdp/vision";\nexport class Net extends nn.Module {\n  body = models.resnet18({ numClasses: 3 });\n  forward(x: Tensor<[Batch, 3, 32, 32]>) {\n    return this.body(x);\n  }\n}\n`,
    );
    const inspected = await sh("npx tsdp inspect backbone.ts", project);
    expect(inspected.code, inspected.out).toBe(0);
    expect(inspected.out).toMatch(/total\s+11,178,051/);

    // A TypeScript file imports the compiled model's typed module and "tsdp": strict tsc without
    // @types/node type-checks it (a wrong input shape must be an error), and its output runs.
    const typescript = JSON.parse(readFileSync(join(root, "node_modules", "typescript", "package.json"), "utf8")).version;
    const tsInstalled = await sh(`npm install --no-save typescript@${typescript}`, project);
    expect(tsInstalled.code, tsInstalled.out).toBe(0);
    writeFileSync(join(project, "check-types.mts"), typedConsumer);
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify(strictConfig, null, 2));
    const checked = await sh("npx tsc -p tsconfig.json", project);
    expect(checked.code, checked.out).toBe(0);
    const ran = await sh("node check-types.mjs", project);
    expect(ran.code, ran.out).toBe(0);
    expect(ran.out).toMatch(/^classes 3, loss \d/m);
  }, 420_000);
});
