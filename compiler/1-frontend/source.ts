import { existsSync, realpathSync, statSync } from "node:fs";
import { dirname, resolve, sep } from "node:path";
import { Node as TsNode, Project, ts, type SourceFile } from "ts-morph";
import { NotARegularFile, readRegularFile } from "../../runtime/build-directory.ts";
import { diagnostic, fail, type Diagnostic, type SourceLoc } from "../diagnostics/diagnostic.ts";
import { defaultLimits } from "../limits.ts";
import { checkTokenNesting, checkTreeDepth } from "./nesting.ts";

// Reading model files with ts-morph: syntax only. The compiler needs no type checker; the
// user's editor runs tsc, and the static evaluator checks everything it relies on itself.

/**
 * The most bytes a model file (or a file it imports) may have. A model written by hand is tens of
 * kilobytes, one with listed tables (a vocabulary, an index table) a megabyte or two. Parsing
 * costs ~50× a file's size in memory and ~0.5 s per MB (16 MB of listed numbers: 8.5 s, 786 MB
 * resident), so 8 MB keeps a file from filling the compiler's memory before any budget of the
 * evaluator applies.
 */
export const MAX_SOURCE_BYTES = 8 << 20;

export class SourceFiles {
  private readonly project = new Project({
    useInMemoryFileSystem: false,
    skipAddingFilesFromTsConfig: true,
    skipFileDependencyResolution: true,
    // noLib: syntax checking needs no declaration files, and loading lib.d.ts costs a second
    compilerOptions: { allowJs: false, target: ts.ScriptTarget.ES2022, noLib: true, types: [] },
  });
  private readonly files = new Map<string, SourceFile>();

  /** `maxDepth` (--max-depth) bounds the nesting of a file's syntax, checked without recursion. */
  constructor(private readonly maxDepth = defaultLimits.maxDepth) {}

  /** Every file read so far: the model and the files it imports. */
  get paths(): string[] {
    return [...this.files.keys()];
  }

  /** Loads and parses a file; syntax errors are returned, not thrown. */
  load(path: string, from?: SourceLoc): { file: SourceFile; syntaxErrors: Diagnostic[] } {
    const full = resolve(path);
    const cached = this.files.get(full);
    if (cached) return { file: cached, syntaxErrors: [] };
    const text = readSource(full, path, from);
    checkTokenNesting(text, full, this.maxDepth); // before parsing: the parser recurses per level
    const file = this.project.createSourceFile(full, text, { overwrite: true });
    checkTreeDepth(file.compilerNode, this.maxDepth); // before anything walks the tree
    this.files.set(full, file);
    return { file, syntaxErrors: syntaxErrors(file) };
  }

  /** The file a relative import names: ./x, ./x.ts, ./x.js (TypeScript's NodeNext spelling), ./x/index.ts. */
  resolveImport(fromFile: string, specifier: string): string | undefined {
    const base = resolve(dirname(fromFile), specifier);
    const candidates = [base, `${base}.ts`, base.replace(/\.js$/, ".ts"), `${base}/index.ts`];
    return candidates.find((c) => c.endsWith(".ts") && existsSync(c));
  }
}

/**
 * A model file's text, refused with a diagnostic (at the import that names it, for an imported
 * file) when it is not a regular file of at most MAX_SOURCE_BYTES: an import of a symlink to
 * /dev/zero filled the compiler's memory, one of a FIFO hung it. Opened without blocking and
 * checked on the open descriptor, as a build directory's files are (runtime/build-directory.ts).
 */
function readSource(full: string, path: string, from: SourceLoc | undefined): string {
  const kind = from ? "importNotFound" : "fileNotFound";
  // ts-morph turns \ into / in every path, so a\b.ts would be read as a/b.ts, another file (or a
  // node of one replacing the other's: an internal error); a backslash is refused, not reinterpreted
  if (sep === "/" && full.includes("\\"))
    fail(kind, `cannot read ${path}: a path with a backslash (\\) is not supported: the TypeScript project layer reads it as a directory separator, so another file would be read; rename the file or its directory`, from);
  if (from) checkImportTarget(full, path, from);
  try {
    return readRegularFile(full, MAX_SOURCE_BYTES).toString("utf8");
  } catch (e) {
    return fail(kind, `cannot read ${path}: ${whyUnreadable(e)}`, from);
  }
}

/**
 * An import names a TypeScript file (TSDP1003 refuses a package or an absolute path, and
 * resolveImport takes only .ts names), and the file it reaches through symlinks must be one too:
 * ./pw.ts → /etc/passwd was read, and its lines quoted in diagnostics. Checked on the resolved
 * path before anything is read; a link to a device or FIFO is left to readRegularFile's refusal.
 */
function checkImportTarget(full: string, path: string, from: SourceLoc): void {
  let real: string;
  try {
    real = realpathSync(full);
  } catch {
    return; // missing, a loop: readRegularFile says which
  }
  if (real === full || !statSync(real, { throwIfNoEntry: false })?.isFile()) return;
  if (!real.endsWith(".ts"))
    fail("importNotFound", `cannot read ${path}: it is a symbolic link to ${real}, which is not a TypeScript (.ts) file; an import must reach a .ts file, through links too`, from);
}

/** Why a model file could not be read, for its diagnostic. */
function whyUnreadable(e: unknown): string {
  if (e instanceof NotARegularFile)
    return e.size !== undefined
      ? `it has ${e.size} bytes, more than the ${MAX_SOURCE_BYTES} a model file may have`
      : "it is not a regular file (a device, FIFO or socket); a model file and the files it imports must be regular files";
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT" || code === "ENOTDIR") return "no such file";
  if (code === "EISDIR") return "it is a directory";
  if (code === "ELOOP") return "too many levels of symbolic links";
  return (e as Error).message;
}

function syntaxErrors(file: SourceFile): Diagnostic[] {
  const program = file.getProject().getProgram().compilerObject;
  const sf = program.getSourceFile(file.getFilePath());
  if (!sf) return [];
  // The parser's recovery often reports several errors for one mistake (x[:, 0] gives four); the
  // first on a line is the one that names it.
  const lines = new Set<number>();
  return program.getSyntacticDiagnostics(sf).flatMap((d) => {
    const start = d.start ?? 0;
    const { line, character } = sf.getLineAndCharacterOfPosition(start);
    if (lines.has(line)) return [];
    lines.add(line);
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n") + pythonSyntaxHint(sf.text, sf.getLineStarts(), line);
    return [diagnostic("syntaxError", message, { file: file.getFilePath(), line: line + 1, col: character + 1, length: d.length ?? 1 })];
  });
}

/**
 * Python carried into TypeScript that breaks the parse, named in the syntax error: `c // 2` is a
 * comment from the `//` on, so the rest of the line vanishes and the parser stops at the next one
 * (".view(-1, 2, c // 2);" gives "',' expected" at `return`); `a and b` stops at `and`. Where the
 * error's line (or, for `//`, the one before) shows it, the message says what to write.
 */
function pythonSyntaxHint(text: string, lineStarts: readonly number[], line: number): string {
  const lineText = (l: number) => text.slice(lineStarts[l], lineStarts[l + 1] ?? text.length);
  for (const l of [line, line - 1]) {
    if (l < 0) continue;
    const source = lineText(l);
    const m = /[\w)\]]\s*\/\/\s*[\w(.-]/.exec(source);
    if (m && /\S/.test(source.slice(0, m.index)) && !/^\s*\/\//.test(source))
      return ` (line ${l + 1}'s \`//\` starts a comment in TypeScript: Python's floor division a // b is Math.floor(a / b) for numbers, a.floorDivide(b) for tensors)`;
  }
  const words = /(?:[\w)\]]\s+(and|or)\s+[\w(!-])|(?:^|[\s(])(not)\s+[\w(]/.exec(lineText(line).replace(/(["'`]).*?\1/g, ""));
  if (words) return ` (Python's \`${words[1] ?? words[2]}\` is ${{ and: "&&", or: "||", not: "!" }[(words[1] ?? words[2]) as "and" | "or" | "not"]} in TypeScript; on tensors, a.logicalAnd(b), a.logicalOr(b), a.logicalNot())`;
  return "";
}

/**
 * Decorators (@torch.no_grad(), @dataclass, @staticmethod ported from Python) are refused: their
 * meaning would need code that tsdp never runs, and dropping them silently changes it
 * (a forward under no_grad does not train in PyTorch).
 */
/** The decorators that run a method as a torch.no_grad() block: @F.noGrad() and PyTorch's spelling @F.no_grad(). */
export const NO_GRAD_DECORATOR = /^F\.(noGrad|no_grad)\(\)$/;

/**
 * Whether a method is decorated @F.noGrad(): asked on every call of a function (classes.ts), so the
 * answer is kept per declaration rather than read from its decorators each time.
 */
export function isNoGradMethod(decl: TsNode): boolean {
  let known = noGradMethods.get(decl);
  if (known === undefined) noGradMethods.set(decl, (known = TsNode.isMethodDeclaration(decl) && decl.getDecorators().some((d) => NO_GRAD_DECORATOR.test(d.getExpression().getText()))));
  return known;
}
const noGradMethods = new WeakMap<TsNode, boolean>();

export function decoratorErrors(file: SourceFile): Diagnostic[] {
  const decorators = file.getDescendantsOfKind(ts.SyntaxKind.Decorator);
  // @F.noGrad() on a method: its body runs as an F.noGrad block (classes.ts callFunction)
  const noGradMethod = (d: (typeof decorators)[number]) => NO_GRAD_DECORATOR.test(d.getExpression().getText()) && TsNode.isMethodDeclaration(d.getParent());
  return decorators.filter((d) => !noGradMethod(d)).map((d) => {
    const text = d.getExpression().getText();
    const hint = /no_grad|noGrad|inference_mode|inferenceMode/.test(text)
      ? TsNode.isMethodDeclaration(d.getParent())
        ? ": a method PyTorch runs under torch.no_grad() is decorated @F.noGrad() (or @F.no_grad()); a block inside forward is F.noGrad(() => { … })"
        : ": @F.noGrad() decorates a method; a block inside forward is F.noGrad(() => { … })"
      : /enable_grad|enableGrad/.test(text)
        ? ": gradients follow from the Training declaration; a part that must not train takes .detach() or requiresGrad_(false)"
      : /\bjit\b|\bcompile\b|\bcompiler\.disable\b/.test(text)
        ? `: @${text} changes how PyTorch compiles or scripts the function, not what it computes; delete it (tsdp compiles the whole model)`
      : /^(staticmethod|classmethod|property|dataclass)\b/.test(text)
        ? `: ${text} is Python's; in TypeScript a static method is \`static name()\`, a property a getter \`get name()\`, a dataclass's fields are class fields`
        : ": tsdp evaluates model files statically and runs no decorator";
    return diagnostic("unsupportedSyntax", `the decorator @${text} is not supported${hint}`, locOf(d));
  });
}

/** The location of a syntax node: its first line, from its first non-trivia character. */
export function locOf(node: TsNode): SourceLoc {
  const sf = node.getSourceFile();
  const start = node.getStart();
  // TypeScript's own lookup (a binary search over line starts): ts-morph's getLineAndColumnAtPos
  // scans the text from the top, which made every call site cost the size of the file
  const { line, character } = sf.compilerNode.getLineAndCharacterOfPosition(start);
  const end = node.getEnd();
  const newline = sf.getFullText().indexOf("\n", start);
  const firstLineEnd = newline === -1 || newline > end ? end : newline;
  return { file: sf.getFilePath(), line: line + 1, col: character + 1, length: Math.max(1, firstLineEnd - start) };
}
