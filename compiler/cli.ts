import { Command, Option } from "commander";
import { CompileError } from "./diagnostics/diagnostic.ts";
import { formatDiagnostics } from "./diagnostics/format.ts";
import { formatReport, modelReport } from "./inspect.ts";
import { printGraph } from "./ir/print.ts";
import { compile } from "./pipeline.ts";

// The tsdp command line. User errors print as diagnostics and exit 1; a bug in tsdp prints
// one line (the stack only with TSDP_DEBUG=1) and exits 2. Neither prints a raw stack trace.

const program = new Command();
program
  .name("tsdp")
  .description("Compile PyTorch-style TypeScript models to CUDA C++ with a data-parallel training harness")
  .version("0.1.0")
  .showHelpAfterError();

const modelOption = new Option("-m, --model <ClassName>", "the model class, when the file holds several");

program
  .command("compile")
  .description("compile a model file")
  .argument("<model.ts>", "the model file")
  .addOption(modelOption)
  .addOption(new Option("--emit <what>", "what to produce: ir prints the checked graph IR").choices(["ir"]).default("ir"))
  .action((file: string, opts: { model?: string; emit: "ir" }) =>
    run(() => {
      const { model } = compile(file, { model: opts.model });
      process.stdout.write(printGraph(model.graph) + "\n");
    }),
  );

program
  .command("inspect")
  .description("show a model's layers, parameters, inputs and output shape")
  .argument("<model.ts>", "the model file")
  .addOption(modelOption)
  .option("--json", "print the report as JSON")
  .action((file: string, opts: { model?: string; json?: boolean }) =>
    run(() => {
      const report = modelReport(compile(file, { model: opts.model }).model);
      process.stdout.write((opts.json ? JSON.stringify(report, null, 2) : formatReport(report)) + "\n");
    }),
  );

function run(f: () => void): void {
  try {
    f();
  } catch (e) {
    if (e instanceof CompileError) {
      process.stderr.write(formatDiagnostics(e.diagnostics, { cwd: process.cwd(), color: Boolean(process.stderr.isTTY) }) + "\n");
      process.exitCode = 1;
      return;
    }
    const err = e as Error;
    process.stderr.write(`tsdp: internal error: ${err.message}\n`);
    if (process.env.TSDP_DEBUG) process.stderr.write(`${err.stack}\n`);
    else process.stderr.write("  (this is a bug in tsdp; run with TSDP_DEBUG=1 for details and report it)\n");
    process.exitCode = 2;
  }
}

program.parse();
