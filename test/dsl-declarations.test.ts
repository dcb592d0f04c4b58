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
    // an undeclared nn.ModuleList's children are untyped (lucidrains' `for (const [attn, ff] of this.layers)` over
    // appended ModuleLists), one made from Linears stays typed (heads[0].weight); a tensor iterates over dim 0 (q, k = t)
    // tsdp/einops (dsl/einops.d.ts) beside it: its functions, layers and pack's pair, as a port uses them
    writeFileSync(join(dir, "model.ts"), 'import { nn, F, type Tensor, type Batch } from "tsdp/dsl";\nimport { rearrange, repeat, reduce, einsum, pack, unpack, parse_shape, Rearrange, Reduce } from "tsdp/einops";\nclass Blocks extends nn.Module {\n  layers = new nn.ModuleList([]);\n  heads = new nn.ModuleList([new nn.Linear(4, 4)]);\n  constructor() { super(); this.layers.append(new nn.ModuleList([new nn.Linear(4, 4), new nn.GELU()])); }\n  forward(x: Tensor) {\n    for (const [fc, act] of this.layers) x = act(fc(x));\n    const [q, k] = F.stack([x, this.heads[0].weight.sum()]);\n    return q.add(k).add(Array.from(x)[0]);\n  }\n}\nexport class M extends nn.Module {\n  fc = new nn.Linear(4, 2);\n  patches = new nn.Sequential(new Rearrange("b (n d) -> b n d", { d: 2 }), new Reduce("b n d -> b d", "mean"));\n  forward(x: Tensor<[Batch, 4]>) {\n    const [p, ps] = pack([repeat(rearrange(x, "b d -> b 1 d"), "b 1 d -> b k d", { k: 2 }), x.unsqueeze(1)], "b * d");\n    const [a] = unpack(einsum(p, p, "b i d, b j d -> b i j"), [[2], [1]], "b * j");\n    return this.fc(x).add(F.var(x, 1, { keepdim: true })).add(reduce(a, "b i j -> b i", "max")).add(this.patches(x).sum(-1, { keepdim: true }).mul(parse_shape(x, "b d").d + ps.length));\n  }\n}\n');
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
        paths: { "tsdp/dsl": [join(root, "dsl", "index.d.ts")], "tsdp/einops": [join(root, "dsl", "einops.d.ts")] },
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
