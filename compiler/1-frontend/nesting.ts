import { ts } from "ts-morph";
import type { SourceLoc } from "../diagnostics/diagnostic.ts";
import { limitError } from "../limits.ts";

// TypeScript's parser, and every walk over its syntax tree (ts-morph's, the evaluator's), recurse
// once per level of nesting, so 10,000 nested parentheses or a 20,000-link `.relu()` chain overflow
// the stack. The depth is measured here without recursion, first over the tokens before parsing
// (an estimate from above of how deep the tree will be), then over the parsed tree itself.

/** Each bracket costs the parser ~4× the stack of an operator (it re-enters the expression grammar). */
const BRACKET_LEVELS = 4;

/** Keywords that continue an expression or statement rather than start a new one. */
const continuing = new Set([
  ts.SyntaxKind.ElseKeyword,
  ts.SyntaxKind.InstanceOfKeyword,
  ts.SyntaxKind.InKeyword,
  ts.SyntaxKind.AsKeyword,
  ts.SyntaxKind.SatisfiesKeyword,
  ts.SyntaxKind.OfKeyword,
  ts.SyntaxKind.KeyOfKeyword,
]);

/** Keywords that nest what follows them, as an operator does (`if (a) if (b) ...` nests too). */
const nestingKeywords = new Set([
  ts.SyntaxKind.IfKeyword,
  ts.SyntaxKind.ForKeyword,
  ts.SyntaxKind.WhileKeyword,
  ts.SyntaxKind.DoKeyword,
  ts.SyntaxKind.WithKeyword,
  ts.SyntaxKind.ElseKeyword,
  ts.SyntaxKind.NewKeyword,
  ts.SyntaxKind.TypeOfKeyword,
  ts.SyntaxKind.VoidKeyword,
  ts.SyntaxKind.DeleteKeyword,
  ts.SyntaxKind.AwaitKeyword,
  ts.SyntaxKind.YieldKeyword,
  ts.SyntaxKind.InstanceOfKeyword,
  ts.SyntaxKind.InKeyword,
  ts.SyntaxKind.AsKeyword,
  ts.SyntaxKind.SatisfiesKeyword,
  ts.SyntaxKind.KeyOfKeyword,
]);

const isWord = (k: ts.SyntaxKind) => k === ts.SyntaxKind.Identifier || (k >= ts.SyntaxKind.FirstKeyword && k <= ts.SyntaxKind.LastKeyword);
/** Tokens after which a line break may end a statement; `new`, `typeof`, ... never end one. */
const operandKeywords = new Set([ts.SyntaxKind.ThisKeyword, ts.SyntaxKind.SuperKeyword, ts.SyntaxKind.TrueKeyword, ts.SyntaxKind.FalseKeyword, ts.SyntaxKind.NullKeyword]);
const endsOperand = (k: ts.SyntaxKind) =>
  k === ts.SyntaxKind.Identifier ||
  operandKeywords.has(k) ||
  k === ts.SyntaxKind.CloseParenToken ||
  k === ts.SyntaxKind.CloseBracketToken ||
  k === ts.SyntaxKind.CloseBraceToken ||
  (k >= ts.SyntaxKind.FirstLiteralToken && k <= ts.SyntaxKind.LastLiteralToken) ||
  k === ts.SyntaxKind.TemplateTail ||
  k === ts.SyntaxKind.NoSubstitutionTemplateLiteral;

interface Frame {
  readonly template: boolean;
  /** Operators since the last statement or list boundary in this bracket: each may nest a level. */
  ops: number;
}

/**
 * Refuses text whose syntax would nest deeper than `maxDepth` levels, before TypeScript parses it.
 * The estimate counts every open bracket (×4) and every operator or nesting keyword since the
 * last `;`, `,` or statement start in each open bracket. It is meant to err high: tsdp's examples
 * score at most 37 and its own compiler sources at most 57, against a default limit of 1,000.
 */
export function checkTokenNesting(text: string, file: string, maxDepth: number): void {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text);
  const frames: Frame[] = [{ template: false, ops: 0 }];
  let depth = 0; // Σ frames: BRACKET_LEVELS per bracket + its ops
  let prev = ts.SyntaxKind.Unknown;
  const open = (template: boolean) => {
    frames.push({ template, ops: 0 });
    depth += BRACKET_LEVELS;
  };
  const close = () => {
    if (frames.length === 1) return; // unbalanced: the parser reports it
    depth -= BRACKET_LEVELS + frames.pop()!.ops;
  };
  const resetTop = () => {
    depth -= frames[frames.length - 1].ops;
    frames[frames.length - 1].ops = 0;
  };
  let afterSemicolon = false;
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (afterSemicolon && kind !== ts.SyntaxKind.ElseKeyword && kind !== ts.SyntaxKind.SemicolonToken) resetTop();
    if (kind !== ts.SyntaxKind.SemicolonToken) afterSemicolon = false;
    const top = frames[frames.length - 1];
    if (kind === ts.SyntaxKind.CloseBraceToken && top.template) {
      kind = scanner.reScanTemplateToken(false);
      if (kind === ts.SyntaxKind.TemplateTail) close();
      else resetTop(); // TemplateMiddle: the next ${ starts afresh
    } else if (kind === ts.SyntaxKind.SlashToken || kind === ts.SyntaxKind.SlashEqualsToken) {
      if (!endsOperand(prev)) kind = scanner.reScanSlashToken(); // a regular expression, brackets and all
      else countOp();
    } else if (kind === ts.SyntaxKind.TemplateHead) open(true);
    else if (kind === ts.SyntaxKind.OpenParenToken || kind === ts.SyntaxKind.OpenBracketToken || kind === ts.SyntaxKind.OpenBraceToken) open(false);
    else if (kind === ts.SyntaxKind.CloseParenToken || kind === ts.SyntaxKind.CloseBracketToken || kind === ts.SyntaxKind.CloseBraceToken) close();
    else if (kind === ts.SyntaxKind.CommaToken) resetTop();
    else if (kind === ts.SyntaxKind.SemicolonToken) afterSemicolon = true; // `if (a) x; else if (b) y; else ...` still nests
    else if (isWord(kind) && !continuing.has(kind) && endsOperand(prev) && (prev === ts.SyntaxKind.CloseBraceToken || scanner.hasPrecedingLineBreak()))
      resetTop(); // a new statement without a semicolon
    else if (nestingKeywords.has(kind) || (kind >= ts.SyntaxKind.FirstPunctuation && kind <= ts.SyntaxKind.LastPunctuation)) countOp();
    if (depth > maxDepth) {
      const { line, character } = lineCol(text, scanner.getTokenStart());
      throw limitError("nestingTooDeep", "maxDepth", maxDepth, `the code nests more than ${maxDepth} levels deep here (brackets count ${BRACKET_LEVELS}, operators in a chain 1 each)`, {
        file,
        line,
        col: character,
        length: Math.max(1, scanner.getTokenEnd() - scanner.getTokenStart()),
      });
    }
    prev = kind;
  }

  function countOp() {
    frames[frames.length - 1].ops++;
    depth++;
  }
}

function lineCol(text: string, pos: number): { line: number; character: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < pos; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, character: pos - lineStart + 1 };
}

/** Refuses a parsed file whose tree is deeper than `maxDepth`, walking it with a stack of its own. */
export function checkTreeDepth(sf: ts.SourceFile, maxDepth: number): void {
  const stack: [ts.Node, number][] = [[sf, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > maxDepth) {
      const start = node.getStart(sf);
      const { line, character } = sf.getLineAndCharacterOfPosition(start);
      const loc: SourceLoc = { file: sf.fileName, line: line + 1, col: character + 1, length: Math.max(1, Math.min(node.end, sf.text.indexOf("\n", start) >>> 0) - start) };
      throw limitError("nestingTooDeep", "maxDepth", maxDepth, `the syntax nests more than ${maxDepth} levels deep here`, loc);
    }
    ts.forEachChild(
      node,
      (child) => void stack.push([child, depth + 1]),
      (children) => void children.forEach((child) => stack.push([child, depth + 1])),
    );
  }
}
