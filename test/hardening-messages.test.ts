import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { CONTROL_CHARACTERS } from "../runtime/errors.ts";
import { BuildDirectoryError, encodeSafetensors, load, tensor, validateManifest } from "../runtime/index.ts";
import { header, runNode, scratchDir, writeFiles } from "./helpers.ts";

// sec57 F7: a runtime message that quotes a name read from a file (a checkpoint's tensor key, the
// checkpoint's path, a state_dict key, a manifest's names) shows its control characters escaped:
// an ESC, a line break or a bidi override in a key must not rewrite the terminal or forge a line.

let mlpDir: string;

beforeAll(async () => {
  const mlp = await compile("test/fixtures/hardening-mlp/model.ts", { target: "cpu", outDir: join("build", "test-hardening", "mlp") });
  mlpDir = mlp.build.outDir;
}, 600_000);

/** A key a hostile checkpoint carries: an ESC sequence, a bidi override, a forged next line. */
const HOSTILE = "\u001b[2J\u202eevil\nError: forged";

/** The message of what `f` threw (or rejected with); fails the test when it returned. */
async function messageOf(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected an error");
}

const noControl = (message: string) => expect(message.match(new RegExp(CONTROL_CHARACTERS.source, "g")) ?? []).toEqual([]);

describe("runtime messages quote names from files escaped", () => {
  it("loadCheckpoint's unexpected tensor, and the checkpoint's own path", async () => {
    const model = await load(mlpDir);
    try {
      const file = join(scratchDir("tsdp-messages-"), "ckpt\u001b]0;title\u0007.safetensors");
      const f32 = (t: { data: unknown; shape: readonly number[] }) => ({ dtype: "F32", shape: [...t.shape], data: t.data as Float32Array });
      const tensors = new Map(model.parameters().map((p) => [p.name, f32(model.getParameter(p.name))] as const));
      tensors.set(`optimizer.${HOSTILE}`, f32(tensor(new Float32Array(1), [1])));
      writeFileSync(file, encodeSafetensors(tensors as never));
      const message = await messageOf(() => model.loadCheckpoint(file));
      expect(message).toContain('unexpected tensor "optimizer.\\u001b[2J\\u202eevil\\nError: forged"');
      expect(message).toContain("ckpt\\u001b]0;title\\u0007.safetensors");
      noControl(message);
    } finally {
      model.dispose();
    }
  });

  it("loadStateDict's unexpected keys and a wrapper's prefix", async () => {
    const model = await load(mlpDir);
    try {
      const state = model.stateDict();
      const unexpected = await messageOf(() => model.loadStateDict({ ...state, [HOSTILE]: tensor(new Float32Array(1), [1]) }));
      expect(unexpected).toContain('unexpected "\\u001b[2J\\u202eevil\\nError: forged"');
      noControl(unexpected);
      // every key under one prefix the model's names follow: the prefix is the file's text too
      const wrapped = Object.fromEntries(Object.entries(state).map(([k, v]) => [`\u202ex\n.${k}`, v]));
      const prefixed = await messageOf(() => model.loadStateDict(wrapped));
      expect(prefixed).toContain('the prefix "\\u202ex\\n."');
      noControl(prefixed);
    } finally {
      model.dispose();
    }
  });

  it("a manifest whose model name or tensor name holds a control character is refused (every runtime message starts with the name)", () => {
    const manifest = JSON.parse(readFileSync(join(mlpDir, "manifest.json"), "utf8"));
    expect(() => validateManifest({ ...manifest, model: `Net${HOSTILE}` }, "manifest.json")).toThrow(BuildDirectoryError);
    expect(() => validateManifest({ ...manifest, model: `Net${HOSTILE}` }, "manifest.json")).toThrow(/"model" must be the model's class name, got "Net\\u001b\[2J\\u202eevil\\nError: forged"/);
    const params = manifest.params.map((p: { name: string }, i: number) => (i === 0 ? { ...p, name: `${p.name}\u202e` } : p));
    expect(() => validateManifest({ ...manifest, params }, "manifest.json")).toThrow(/params\[0\]\.name must be a non-empty printable string/);
  });
});

describe("the command line prints its own errors printable", () => {
  const TSDP = join(import.meta.dirname, "..", "bin", "tsdp.js");
  it("tsdp counters and tsdp tune quote a refused --out escaped, as diagnostics are", async () => {
    const dir = writeFiles({ "model.ts": `${header}export class Head extends nn.Module {\n  fc = new nn.Linear(8, 4);\n  forward(x: Tensor<[Batch, 8]>) {\n    return this.fc(x);\n  }\n}\n` });
    const out = join(dir, "out\u001b[2J\u202e.ts");
    for (const args of [["counters"], ["tune", "--by", "model"]]) {
      const r = await runNode([TSDP, ...args, join(dir, "model.ts"), "--out", out]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain("out\\x1b[2J\\u202e.ts names a source file");
      noControl(r.stderr.trimEnd());
    }
  });
});
