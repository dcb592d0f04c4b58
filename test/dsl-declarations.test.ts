// dsl/index.d.ts type-checks as a user's project checks it: strict, and with skipLibCheck false
// (tsc's default), which checks the declarations themselves — the repo's own tsconfig skips them,
// so a duplicate member or a name used without its namespace there went unnoticed. One tsc run
// over the declarations and a three-line model file (a few seconds).
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { scratchDir } from "./helpers.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

describe("dsl/index.d.ts", () => {
  it("type-checks strict without skipLibCheck, imported by a model file as tsdp/dsl", async () => {
    const dir = scratchDir();
    // F.var: `var` is a reserved word, declared through an export alias (was missing: TS2339)
    writeFileSync(join(dir, "model.ts"), 'import { nn, F, type Tensor, type Batch } from "tsdp/dsl";\nexport class M extends nn.Module {\n  fc = new nn.Linear(4, 2);\n  forward(x: Tensor<[Batch, 4]>) { return this.fc(x).add(F.var(x, 1, { keepdim: true })); }\n}\n');
    const config = {
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: [],
        lib: ["ES2023"],
        paths: { "tsdp/dsl": [join(root, "dsl", "index.d.ts")] },
      },
      files: ["model.ts"],
    };
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(config));
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
    let output = "";
    try {
      await promisify(execFile)(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], { cwd: dir, encoding: "utf8", timeout: 120_000 });
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message?: string };
      output = `${err.stdout ?? ""}${err.stderr ?? ""}` || String(err.message);
    }
    expect(output).toBe("");
  }, 130_000);
});
