// model.h (templates/model.h.hbs) is the C interface a user's program compiles against; the
// harness reads the same structs through runtime/harness/harness.h. A field added to one and not
// the other (tsdp_hparams gained accumulate and loss_scale in ABI 7 and model.h did not) makes a C
// caller pass a struct too short, and the harness read past it: the two declarations must list the
// same fields, of the same types, in the same order; and every entry point model.h declares must
// be the one the harness exports, argument for argument.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const header = readFileSync("templates/model.h.hbs", "utf8");
const harness = readFileSync("runtime/harness/harness.h", "utf8");
const exported = ["runtime/harness/harness.cu", "runtime/harness/training_abi.cu"].map((f) => readFileSync(f, "utf8")).join("\n");

const withoutComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");

/** The fields of `struct name { … }` or `typedef struct { … } name;`, as "type name" strings with array sizes resolved. */
function fields(text: string, name: string): string[] {
  const source = withoutComments(text);
  const body = new RegExp(`struct ${name} \\{([^}]*)\\};`).exec(source)?.[1] ?? new RegExp(`typedef struct \\{([^}]*)\\} ${name};`).exec(source)?.[1];
  if (body === undefined) throw new Error(`no struct ${name}`);
  return body
    .split(";")
    .map((d) => d.trim().replace(/\s+/g, " ").replace(/\[kMaxParamGroups\]/, "[9]"))
    .filter(Boolean)
    .flatMap((d) => {
      const [, type, names] = /^(\w+(?: \w+)*?) (\w.*)$/.exec(d)!;
      return names.split(",").map((n) => `${type} ${n.trim()}`);
    });
}

/** Each `int tsdp_…(…)` declared, by name: its argument types, spaces normalised. */
function entryPoints(text: string, prefix: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of withoutComments(text).matchAll(new RegExp(`${prefix}\\s*(?:int|const char\\*) (tsdp_\\w+)\\(([^)]*)\\)`, "gm"))) out.set(m[1], m[2].replace(/\s+/g, " ").trim());
  return out;
}

describe("model.h against the harness", () => {
  it("tsdp_hparams lists the harness's fields, in order", () => {
    const user = fields(header, "tsdp_hparams");
    expect(user).toEqual(fields(harness, "tsdp_hparams"));
    expect(user).toContain("double loss_scale");
  });

  it("each training and inference entry point model.h declares is exported with the same arguments", () => {
    const declared = entryPoints(header, "^");
    const defined = entryPoints(exported, "TSDP_EXPORT ");
    expect(declared.get("tsdp_train_step")).toContain("void* const* outputs");
    for (const [name, args] of declared) if (defined.has(name)) expect(args, name).toBe(defined.get(name));
    expect([...declared.keys()].filter((n) => defined.has(n)).length).toBeGreaterThan(10);
  });
});
