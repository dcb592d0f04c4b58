// Child process of test/adversarial/models.test.ts: runs stages 1–5 of the compiler (no native
// build) on each model file named on the command line and prints one JSON line per file:
//   {"start": file}                                   before it starts
//   {"file", "outcome": "ok" | "diagnostics" | "exception", "diagnostics"?, "message"?, "ms"}
// The parent watches the time between the two lines, so a case that hangs is killed and named.
import { generate } from "../../compiler/pipeline.ts";
import { CompileError } from "../../compiler/diagnostics/diagnostic.ts";

for (const file of process.argv.slice(2)) {
  console.log(JSON.stringify({ start: file }));
  const t0 = performance.now();
  let result: Record<string, unknown>;
  try {
    generate(file, { target: "cpu" });
    result = { outcome: "ok" };
  } catch (e) {
    result =
      e instanceof CompileError
        ? {
            outcome: "diagnostics",
            diagnostics: e.diagnostics.map((d) => ({ code: d.code, file: d.loc?.file, line: d.loc?.line, col: d.loc?.col, message: d.message })),
          }
        : { outcome: "exception", message: (e as Error)?.stack ?? String(e) };
  }
  console.log(JSON.stringify({ id: file, ...result, ms: Math.round(performance.now() - t0) }));
}
