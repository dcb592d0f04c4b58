import {
  Node as TsNode,
  SyntaxKind,
  type Block,
  type Expression,
  type ForOfStatement,
  type ForStatement,
  type IfStatement,
  type Statement,
  type VariableDeclarationList,
  type BindingName,
} from "ts-morph";
import { fail } from "../../diagnostics/diagnostic.ts";
import { Scope } from "../scope.ts";
import { locOf } from "../source.ts";
import { describe, ModeFlag, ModuleValue, SymInt, TensorValue, type Value } from "../values.ts";
import { FileEvaluator } from "./files.ts";
import { type Completion, NORMAL, MAX_LOOP_ITERATIONS, poison, isPoison } from "./core.ts";
import { boundNames, compoundOps, containsReturn, describeSyntax } from "./syntax.ts";

// Statements: blocks, declarations and destructuring, if, for and for-of, return.
export abstract class StatementEvaluator extends FileEvaluator {
  /** Runs statements, recording each failing one and poisoning what it would have bound. */
  execBlock(stmts: readonly Statement[], scope: Scope): Completion {
    for (const stmt of stmts) {
      const done = this.diags.recoverWith(
        () => this.execStatement(stmt, scope),
        () => {
          this.poisonTargets(stmt, scope);
          // a failed statement that may return still returns, so the caller gets Poison, not undefined
          return containsReturn(stmt) ? ({ kind: "return", value: poison } as Completion) : NORMAL;
        },
      );
      if (done.kind === "return") return done;
    }
    return NORMAL;
  }

  /** After a failed statement, bind the names it declares or assigns to Poison. */
  protected poisonTargets(stmt: Statement, scope: Scope): void {
    if (TsNode.isVariableStatement(stmt))
      for (const d of stmt.getDeclarations())
        for (const name of boundNames(d.getNameNode())) if (!scope.hasOwn(name)) scope.declare(name, poison, true);
    this.poisonAssigned(stmt, scope);
  }

  /**
   * Binds to Poison the variables and `this` fields that `node` assigns or appends to, when it
   * failed or was skipped because of an earlier error: `x = this.fc(x)` failing must not leave x
   * with its old shape, or the next layer would report a mismatch that is not there.
   */
  protected poisonAssigned(node: TsNode, scope: Scope): void {
    const local = new Set<string>();
    const targets: TsNode[] = [];
    // a walk with its own stack: it may start deep in the evaluator, over a tree up to --max-depth deep
    const pending: TsNode[] = [node];
    while (pending.length > 0) visit(pending.pop()!);
    function visit(n: TsNode): void {
      if (TsNode.isFunctionLikeDeclaration(n) || TsNode.isArrowFunction(n) || TsNode.isFunctionExpression(n) || TsNode.isClassLikeDeclarationBase(n)) return;
      if (TsNode.isVariableDeclaration(n)) for (const name of boundNames(n.getNameNode())) local.add(name);
      if (TsNode.isBinaryExpression(n) && (n.getOperatorToken().getKind() === SyntaxKind.EqualsToken || compoundOps[n.getOperatorToken().getKind()] !== undefined))
        targets.push(n.getLeft());
      else if ((TsNode.isPrefixUnaryExpression(n) || TsNode.isPostfixUnaryExpression(n)) &&
        (n.getOperatorToken() === SyntaxKind.PlusPlusToken || n.getOperatorToken() === SyntaxKind.MinusMinusToken))
        targets.push(n.getOperand());
      else if (TsNode.isCallExpression(n)) {
        const callee = n.getExpression();
        if (TsNode.isPropertyAccessExpression(callee) && ["push", "append", "extend"].includes(callee.getName())) targets.push(callee.getExpression());
      }
      n.forEachChild((child) => void pending.push(child));
    }
    for (let t of targets) {
      while (TsNode.isParenthesizedExpression(t)) t = t.getExpression();
      if (TsNode.isIdentifier(t)) {
        if (!local.has(t.getText())) scope.assign(t.getText(), poison);
      } else if (TsNode.isPropertyAccessExpression(t) && t.getExpression().getKind() === SyntaxKind.ThisKeyword && this.phase !== "forward") {
        const self = scope.thisValue;
        if (self instanceof ModuleValue && self.kind === "user") self.fields.set(t.getName(), poison);
      }
    }
  }

  execStatement(stmt: Statement, scope: Scope): Completion {
    const handler = this.statements[stmt.getKind()];
    if (!handler)
      return fail("unsupportedSyntax", `${describeSyntax(stmt)} is not supported in model code`, locOf(stmt));
    this.enter(stmt);
    try {
      return handler(stmt as never, scope);
    } finally {
      this.budget.leave();
    }
  }

  protected readonly statements: Partial<Record<SyntaxKind, (s: never, scope: Scope) => Completion>> = {
    [SyntaxKind.Block]: (s: Block, scope) => this.execBlock(s.getStatements(), new Scope(scope)),
    [SyntaxKind.EmptyStatement]: () => NORMAL,
    [SyntaxKind.ExpressionStatement]: (s: TsNode, scope) => {
      const expr = (s as unknown as { getExpression(): Expression }).getExpression();
      if (TsNode.isCallExpression(expr) && expr.getExpression().getKind() === SyntaxKind.SuperKeyword) {
        this.superCall(expr, scope);
        return NORMAL;
      }
      this.evalExpr(expr, scope);
      return NORMAL;
    },
    [SyntaxKind.VariableStatement]: (s: TsNode, scope) => {
      const list = (s as unknown as { getDeclarationList(): VariableDeclarationList }).getDeclarationList();
      this.declareVariables(list, scope);
      return NORMAL;
    },
    [SyntaxKind.ReturnStatement]: (s: TsNode, scope) => {
      const e = (s as unknown as { getExpression(): Expression | undefined }).getExpression();
      return { kind: "return", value: e ? this.evalExpr(e, scope) : undefined };
    },
    [SyntaxKind.IfStatement]: (s: IfStatement, scope) => {
      const cond = this.evalExpr(s.getExpression(), scope);
      if (isPoison(cond)) {
        this.poisonAssigned(s, scope);
        return containsReturn(s) ? { kind: "return", value: poison } : NORMAL;
      }
      const branch = this.truthy(cond, s.getExpression()) ? s.getThenStatement() : s.getElseStatement();
      return branch ? this.execStatement(branch, new Scope(scope)) : NORMAL;
    },
    [SyntaxKind.ForStatement]: (s: ForStatement, scope) => this.forLoop(s, scope),
    [SyntaxKind.ForOfStatement]: (s: ForOfStatement, scope) => this.forOfLoop(s, scope),
  };

  protected declareVariables(list: VariableDeclarationList, scope: Scope): void {
    const mutable = list.getDeclarationKind() !== "const";
    if (list.getDeclarationKind() === "var")
      fail("unsupportedSyntax", "var is not supported in model code; use let or const", locOf(list));
    for (const d of list.getDeclarations()) {
      const init = d.getInitializer();
      const value = init ? this.evalExpr(init, scope) : undefined;
      this.bindPattern(d.getNameNode(), value, scope, mutable);
    }
  }

  protected bindPattern(name: BindingName, value: Value, scope: Scope, mutable: boolean): void {
    if (TsNode.isIdentifier(name)) return scope.declare(name.getText(), value, mutable);
    if (TsNode.isArrayBindingPattern(name)) {
      const items = isPoison(value) ? [] : this.iterate(value, name);
      name.getElements().forEach((el, i) => {
        if (TsNode.isOmittedExpression(el)) return;
        if (el.getDotDotDotToken()) return this.bindPattern(el.getNameNode(), isPoison(value) ? poison : items.slice(i), scope, mutable);
        // as in JavaScript, a default replaces undefined only: a null element stays null
        const v = isPoison(value) ? poison : items[i] === undefined ? this.defaultOf(el.getInitializer(), scope) : items[i];
        this.bindPattern(el.getNameNode(), v, scope, mutable);
      });
      return;
    }
    for (const el of name.getElements()) {
      const key = el.getPropertyNameNode()?.getText() ?? el.getName();
      if (el.getDotDotDotToken()) fail("unsupportedSyntax", "rest elements in object patterns are not supported", locOf(el));
      const v = isPoison(value) ? poison : this.getProperty(value, key, this.site(el));
      this.bindPattern(el.getNameNode(), v === undefined ? this.defaultOf(el.getInitializer(), scope) : v, scope, mutable);
    }
  }

  protected defaultOf(init: Expression | undefined, scope: Scope): Value {
    return init ? this.evalExpr(init, scope) : undefined;
  }

  protected forLoop(s: ForStatement, outer: Scope): Completion {
    const scope = new Scope(outer);
    const init = s.getInitializer();
    if (init) {
      if (TsNode.isVariableDeclarationList(init)) this.declareVariables(init, scope);
      else this.evalExpr(init, scope);
    }
    const cond = s.getCondition();
    const incr = s.getIncrementor();
    this.loops.push(s);
    try {
      return this.forLoopBody(s, scope, cond, incr);
    } finally {
      this.loops.pop();
    }
  }

  protected forLoopBody(s: ForStatement, scope: Scope, cond: Expression | undefined, incr: Expression | undefined): Completion {
    for (let i = 0; ; i++) {
      if (i >= MAX_LOOP_ITERATIONS) fail("loopTooLong", `this loop ran ${MAX_LOOP_ITERATIONS} times; its bounds must be small constants`, locOf(s));
      if (cond) {
        const c = this.evalExpr(cond, scope);
        if (isPoison(c)) {
          this.poisonAssigned(s.getStatement(), scope);
          return containsReturn(s) ? { kind: "return", value: poison } : NORMAL;
        }
        if (!this.truthy(c, cond)) break;
      }
      const done = this.execStatement(s.getStatement(), new Scope(scope));
      if (done.kind === "return") return done;
      if (incr) this.evalExpr(incr, scope);
    }
    return NORMAL;
  }

  protected forOfLoop(s: ForOfStatement, outer: Scope): Completion {
    const iterable = this.evalExpr(s.getExpression(), outer);
    if (isPoison(iterable)) {
      this.poisonAssigned(s.getStatement(), outer);
      return containsReturn(s) ? { kind: "return", value: poison } : NORMAL;
    }
    const items = this.iterate(iterable, s.getExpression());
    const init = s.getInitializer();
    if (!TsNode.isVariableDeclarationList(init)) return fail("unsupportedSyntax", "for-of must declare its variable (for (const x of xs))", locOf(init));
    const decl = init.getDeclarations()[0];
    this.loops.push(s);
    try {
      for (const item of items) {
        const scope = new Scope(outer);
        this.bindPattern(decl.getNameNode(), item, scope, init.getDeclarationKind() !== "const");
        const done = this.execStatement(s.getStatement(), scope);
        if (done.kind === "return") return done;
      }
    } finally {
      this.loops.pop();
    }
    return NORMAL;
  }

  iterate(v: Value, at: TsNode): Value[] {
    if (Array.isArray(v)) {
      this.arrayHooks.charge(v.length, this.site(at));
      return [...v];
    }
    if (v instanceof ModuleValue && v.isSequence) {
      this.arrayHooks.charge(v.items.length, this.site(at));
      return v.items;
    }
    // a ModuleDict iterates over its keys, as Python's dict
    if (v instanceof ModuleValue && v.kind === "dict") {
      this.arrayHooks.charge(v.fields.size, this.site(at));
      return [...v.fields.keys()];
    }
    if (v instanceof TensorValue) return fail("dataDependentControlFlow", "iterating over a tensor is not supported", locOf(at));
    return fail("wrongArgumentType", `cannot iterate over ${describe(v)}`, locOf(at));
  }

  truthy(v: Value, at: TsNode): boolean {
    if (v instanceof TensorValue)
      return fail("dataDependentControlFlow", "this condition depends on tensor values, which are known only when the model runs", locOf(at));
    if (v instanceof ModeFlag)
      return fail(
        "dataDependentControlFlow",
        "this condition depends on this.training, which changes at run time; pass this.training to F.dropout or use nn.Dropout",
        locOf(at),
      );
    if (v instanceof SymInt) return fail("dataDependentControlFlow", "this condition depends on the batch size, which is known only at run time", locOf(at));
    return Boolean(v);
  }
}
