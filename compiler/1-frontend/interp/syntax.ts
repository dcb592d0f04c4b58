import { Node as TsNode, SyntaxKind, type Statement, type BindingName } from "ts-morph";
import type { Value } from "../values.ts";

// Questions about the syntax (and names) that more than one part of the evaluator asks.

/** "; did you mean nn.Linear?" for a misspelling (nn.Linaer), not for another layer (nn.Conv3d). */
export function didYouMean(name: string, known: readonly string[], ns: string): string {
  const distance = (a: string, b: string): number => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++)
        d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
    return d[a.length][b.length];
  };
  const digitsOnly = (a: string, b: string) => a.replace(/\d/g, "") === b.replace(/\d/g, "");
  const best = known
    .filter((k) => !digitsOnly(k, name))
    .map((k) => ({ k, d: distance(k, name) }))
    .filter((c) => c.d <= (name.length <= 4 ? 1 : 2))
    .sort((a, b) => a.d - b.d)[0];
  return best ? `; did you mean ${ns ? `${ns}.` : ""}${best.k}?` : "";
}

/** Whether `stmt` holds a return of the function it is in (not of a function nested in it). */
export function containsReturn(stmt: TsNode): boolean {
  if (TsNode.isReturnStatement(stmt)) return true;
  const isFunction = (n: TsNode) => TsNode.isFunctionLikeDeclaration(n) || TsNode.isArrowFunction(n) || TsNode.isFunctionExpression(n);
  return stmt.getDescendantsOfKind(SyntaxKind.ReturnStatement).some((r) => {
    for (let a: TsNode | undefined = r.getParent(); a && a !== stmt; a = a.getParent()) if (isFunction(a)) return false;
    return true;
  });
}

/** The names a top-level statement declares. */
export function declaredNames(stmt: Statement): string[] {
  if (TsNode.isImportDeclaration(stmt)) {
    const names = stmt.getNamedImports().map((n) => n.getAliasNode()?.getText() ?? n.getName());
    const def = stmt.getDefaultImport();
    const ns = stmt.getNamespaceImport();
    return [...names, ...(def ? [def.getText()] : []), ...(ns ? [ns.getText()] : [])];
  }
  if (TsNode.isVariableStatement(stmt)) return stmt.getDeclarations().flatMap((d) => boundNames(d.getNameNode()));
  // export { a as b } from "./x.ts" and export * as ns from "./x.ts" name b and ns (export * names none it knows)
  if (TsNode.isExportDeclaration(stmt) && stmt.getModuleSpecifier()) {
    const ns = stmt.getNamespaceExport();
    return [...stmt.getNamedExports().map((n) => n.getAliasNode()?.getText() ?? n.getName()), ...(ns ? [ns.getName()] : [])];
  }
  if (TsNode.isEnumDeclaration(stmt) || TsNode.isClassDeclaration(stmt) || TsNode.isFunctionDeclaration(stmt)) {
    const name = stmt.getName();
    return name ? [name] : [];
  }
  return [];
}

export function boundNames(name: BindingName): string[] {
  if (TsNode.isIdentifier(name)) return [name.getText()];
  return name.getElements().flatMap((el) => (TsNode.isOmittedExpression(el) ? [] : boundNames(el.getNameNode())));
}

export function snake(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export function isPrimitive(v: Value): boolean {
  return typeof v === "number" || typeof v === "string" || typeof v === "boolean";
}

/** A readable name for a syntax kind in "X is not supported" messages. */
export function describeSyntax(node: TsNode): string {
  const names: Partial<Record<SyntaxKind, string>> = {
    [SyntaxKind.TryStatement]: "try/catch",
    [SyntaxKind.AwaitExpression]: "await",
    [SyntaxKind.YieldExpression]: "yield",
    [SyntaxKind.DeleteExpression]: "delete",
    [SyntaxKind.ClassExpression]: "a class expression",
    [SyntaxKind.ClassDeclaration]: "a nested class declaration",
    [SyntaxKind.TaggedTemplateExpression]: "a tagged template",
    [SyntaxKind.RegularExpressionLiteral]: "a regular expression",
    [SyntaxKind.BigIntLiteral]: "a bigint literal",
    [SyntaxKind.SetAccessor]: "a setter",
  };
  return names[node.getKind()] ?? `${node.getKindName()} ('${node.getText().split("\n")[0].slice(0, 40)}')`;
}

/** The arithmetic and comparison operators on numbers, by token. */
export const numericOps: Partial<Record<SyntaxKind, (a: number, b: number) => number | boolean>> = {
  [SyntaxKind.PlusToken]: (a, b) => a + b,
  [SyntaxKind.MinusToken]: (a, b) => a - b,
  [SyntaxKind.AsteriskToken]: (a, b) => a * b,
  [SyntaxKind.SlashToken]: (a, b) => a / b,
  [SyntaxKind.PercentToken]: (a, b) => a % b,
  [SyntaxKind.AsteriskAsteriskToken]: (a, b) => a ** b,
  [SyntaxKind.LessThanToken]: (a, b) => a < b,
  [SyntaxKind.GreaterThanToken]: (a, b) => a > b,
  [SyntaxKind.LessThanEqualsToken]: (a, b) => a <= b,
  [SyntaxKind.GreaterThanEqualsToken]: (a, b) => a >= b,
  // bit operators as JavaScript's (ToInt32 / ToUint32): ShuffleNetV2's `oup >> 1`, SAGAN's `inDim / 8 | 0`
  [SyntaxKind.LessThanLessThanToken]: (a, b) => a << b,
  [SyntaxKind.GreaterThanGreaterThanToken]: (a, b) => a >> b,
  [SyntaxKind.GreaterThanGreaterThanGreaterThanToken]: (a, b) => a >>> b,
  [SyntaxKind.AmpersandToken]: (a, b) => a & b,
  [SyntaxKind.BarToken]: (a, b) => a | b,
  [SyntaxKind.CaretToken]: (a, b) => a ^ b,
};

/** The bit operators, which tensors and the batch size refuse with a message of their own. */
export const bitOps: ReadonlySet<SyntaxKind> = new Set([
  SyntaxKind.LessThanLessThanToken,
  SyntaxKind.GreaterThanGreaterThanToken,
  SyntaxKind.GreaterThanGreaterThanGreaterThanToken,
  SyntaxKind.AmpersandToken,
  SyntaxKind.BarToken,
  SyntaxKind.CaretToken,
]);

export const compoundOps: Partial<Record<SyntaxKind, SyntaxKind>> = {
  [SyntaxKind.PlusEqualsToken]: SyntaxKind.PlusToken,
  [SyntaxKind.MinusEqualsToken]: SyntaxKind.MinusToken,
  [SyntaxKind.AsteriskEqualsToken]: SyntaxKind.AsteriskToken,
  [SyntaxKind.SlashEqualsToken]: SyntaxKind.SlashToken,
  [SyntaxKind.PercentEqualsToken]: SyntaxKind.PercentToken,
  [SyntaxKind.AsteriskAsteriskEqualsToken]: SyntaxKind.AsteriskAsteriskToken,
  [SyntaxKind.LessThanLessThanEqualsToken]: SyntaxKind.LessThanLessThanToken,
  [SyntaxKind.GreaterThanGreaterThanEqualsToken]: SyntaxKind.GreaterThanGreaterThanToken,
  [SyntaxKind.GreaterThanGreaterThanGreaterThanEqualsToken]: SyntaxKind.GreaterThanGreaterThanGreaterThanToken,
  [SyntaxKind.AmpersandEqualsToken]: SyntaxKind.AmpersandToken,
  [SyntaxKind.BarEqualsToken]: SyntaxKind.BarToken,
  [SyntaxKind.CaretEqualsToken]: SyntaxKind.CaretToken,
};

/** a ??= b, a ||= b, a &&= b: assignments that evaluate b (and assign) only when the test on a says so. */
export const logicalAssignments: ReadonlySet<SyntaxKind> = new Set([SyntaxKind.QuestionQuestionEqualsToken, SyntaxKind.BarBarEqualsToken, SyntaxKind.AmpersandAmpersandEqualsToken]);

const joinableCache = new WeakMap<TsNode, readonly string[] | null>();

/**
 * The variables an if statement assigns, when evaluating it once per train/eval mode and joining
 * their values is all it takes: nothing in it leaves the statement (return, break, continue,
 * throw) and it assigns only plain variables declared outside it (no `this.x =`, no element or
 * property, no push). undefined otherwise: the function around it is evaluated per mode instead.
 */
export function modeJoinableTargets(stmt: TsNode): readonly string[] | undefined {
  let found = joinableCache.get(stmt);
  if (found === undefined) {
    found = joinable(stmt);
    joinableCache.set(stmt, found);
  }
  return found ?? undefined;
}

function joinable(stmt: TsNode): readonly string[] | null {
  const { declared, targets, mutates, exits } = assignmentsIn(stmt);
  if (exits || mutates) return null;
  const names = new Set<string>();
  for (let t of targets) {
    while (TsNode.isParenthesizedExpression(t)) t = t.getExpression();
    if (!TsNode.isIdentifier(t)) return null;
    names.add(t.getText());
  }
  return [...names].filter((name) => !declared.has(name));
}

/**
 * What `node` assigns, walked with its own stack (it may start deep in the evaluator, over a tree
 * up to --max-depth deep) and not into nested functions or classes: the names it declares, its
 * assignment targets (=, compound assignments, ++/--, and the receivers of push/append/extend),
 * whether it calls a method that changes its receiver, and whether anything in it leaves it
 * (return, break, continue, throw).
 */
export function assignmentsIn(node: TsNode): { declared: Set<string>; targets: TsNode[]; mutates: boolean; exits: boolean } {
  const declared = new Set<string>();
  const targets: TsNode[] = [];
  let mutates = false;
  let exits = false;
  const pending: TsNode[] = [node];
  while (pending.length > 0) {
    const n = pending.pop()!;
    if (TsNode.isFunctionLikeDeclaration(n) || TsNode.isArrowFunction(n) || TsNode.isFunctionExpression(n) || TsNode.isClassLikeDeclarationBase(n)) continue;
    if (TsNode.isReturnStatement(n) || TsNode.isBreakStatement(n) || TsNode.isContinueStatement(n) || TsNode.isThrowStatement(n)) exits = true;
    if (TsNode.isVariableDeclaration(n)) for (const name of boundNames(n.getNameNode())) declared.add(name);
    if (TsNode.isBinaryExpression(n) && (n.getOperatorToken().getKind() === SyntaxKind.EqualsToken || compoundOps[n.getOperatorToken().getKind()] !== undefined || logicalAssignments.has(n.getOperatorToken().getKind())))
      targets.push(n.getLeft());
    else if ((TsNode.isPrefixUnaryExpression(n) || TsNode.isPostfixUnaryExpression(n)) && (n.getOperatorToken() === SyntaxKind.PlusPlusToken || n.getOperatorToken() === SyntaxKind.MinusMinusToken))
      targets.push(n.getOperand());
    else if (TsNode.isCallExpression(n)) {
      const callee = n.getExpression();
      if (TsNode.isPropertyAccessExpression(callee)) {
        if (["push", "append", "extend"].includes(callee.getName())) targets.push(callee.getExpression());
        if (["push", "append", "extend", "unshift", "splice", "set"].includes(callee.getName())) mutates = true;
      }
    }
    n.forEachChild((child) => void pending.push(child));
  }
  return { declared, targets, mutates, exits };
}
