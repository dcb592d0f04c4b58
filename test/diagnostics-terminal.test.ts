import { describe, expect, it } from "vitest";
import { formatDiagnostics } from "../compiler/diagnostics/format.ts";
import { diagnosticsOf, header } from "./helpers.ts";

// Diagnostics quote the model file — a string argument in the message, the line in the code
// frame — to the user's terminal. A hostile file must not reach the terminal with control
// characters: no escape sequences, no forged extra lines, no bidi reordering.

const hostile = ["\x1b[2J\x1b[31mfake", "tanh\nerror TSDP0000: forged", "\u202eevil", "a\rb", "bell\x07", "nul\0"];
// What the terminal may see: printable text, the tab-free code frame's line breaks, and no C0/C1/bidi.
const forbidden = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe("diagnostics on a terminal", () => {
  it.each(hostile)("a string argument %j is shown escaped in the message and the code frame", (payload) => {
    // the payload sits raw in the file (a template literal keeps control characters as they are)
    const text = `${header}export class M extends nn.Module {\n  act = new nn.GELU({ approximate: \`${payload.replace(/`/g, "")}\` });\n  forward(x: Tensor<[Batch, 4]>) { return this.act(x); }\n}\n`;
    const ds = diagnosticsOf(text);
    expect(ds.length).toBeGreaterThan(0);
    const shown = formatDiagnostics(ds);
    expect(shown).not.toMatch(forbidden);
    // no forged lines: every line of the output is one the formatter wrote
    for (const line of shown.split("\n")) expect(line).toMatch(/^(error TSDP\d{4}: |  --> |\s*\d* \||\s+= help: |\s+= in .*, called from |\d+ errors?$|$)/);
  });
});
