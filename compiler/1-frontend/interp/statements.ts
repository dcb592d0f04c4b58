import { parameterDictKeys } from "../parameter-dict.ts";
import {
  Node as TsNode,
  SyntaxKind,
  type Block,
  type Expression,
  type ForInStatement,
  type ForOfStatement,
  type DoStatement,
  type ForStatement,
  type IfStatement,
  type LabeledStatement,
  type SwitchStatement,
  type ThrowStatement,
  type TryStatement,
  type WhileStatement,
  type Statement,
  type VariableDeclarationList,
  type BindingName,
} from "ts-morph";
import { diagnostic, fail } from "../../diagnostics/diagnostic.ts";
import { Scope } from "../scope.ts";
import { evaluationBegins, fieldFloat, freshFloat, noteReturn } from "../float-literals.ts";
import { formatShape } from "../../ir/shape.ts";
import type { Node } from "../../ir/node.ts";
import { opDef } from "../../ops/index.ts";
import { knownScalarValue } from "../args.ts";
import { locOf } from "../source.ts";
import { inPlaceMark, joinChanges, rewind } from "../in-place-journal.ts";
import { collectionItems } from "../collections.ts";
import { CollectionValue, describe, FunctionValue, ModeFlag, ModuleValue, ObjectValue, isBatchValue, SymInt, TensorValue, type Value } from "../values.ts";
import { FileEvaluator } from "./files.ts";
import { BREAK, CONTINUE, type Completion, ModeFork, NORMAL, MAX_LOOP_ITERATIONS, poison, isPoison } from "./core.ts";
import { assignmentsIn, boundNames, containsReturn, describeSyntax, modeJoinableTargets } from "./syntax.ts";

// Statements: blocks, declarations and destructuring (function declarations hoisted), if and
// switch, for, for-of, while and do-while with break and continue (labeled or not), return, and
// throw (a compile error with the model's message).
/**
 * Whether a try statement's catch only throws again (nothing else runs there, no finally): the try
 * block's values are the model's either way, and a failure in it stays a failure (a compile error, or
 * the kernel's index check at run time) with tsdp's message instead of the catch's.
 */
function onlyReraises(stmt: TryStatement): boolean {
  const body = stmt.getCatchClause()?.getBlock().getStatements();
  return !stmt.getFinallyBlock() && body !== undefined && body.length === 1 && TsNode.isThrowStatement(body[0]);
}

export abstract class StatementEvaluator extends FileEvaluator {
  /** Runs statements, recording each failing one and poisoning what it would have bound. */
  execBlock(stmts: readonly Statement[], scope: Scope): Completion {
    checkDeclaredOnce(stmts);
    // function declarations are hoisted, as JavaScript's: callable from the block's first line
    // (before the line that declares them), closing over the block's scope
    for (const stmt of stmts)
      if (TsNode.isFunctionDeclaration(stmt) && stmt.getBody()) {
        const name = stmt.getName();
        if (name) scope.declare(name, new FunctionValue(stmt, scope, name), true);
      }
    for (const stmt of stmts) {
      const done = this.diags.recoverWith(
        () => this.execStatement(stmt, scope),
        () => {
          this.poisonTargets(stmt, scope);
          // a failed statement that may return still returns, so the caller gets Poison, not undefined
          return containsReturn(stmt) ? ({ kind: "return", value: poison } as Completion) : NORMAL;
        },
      );
      if (done.kind !== "normal") return done;
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
    const { declared: local, targets } = assignmentsIn(node);
    for (let t of targets) {
      while (TsNode.isParenthesizedExpression(t)) t = t.getExpression();
      if (TsNode.isIdentifier(t)) {
        if (!local.has(t.getText())) scope.assign(t.getText(), poison);
      } else if (TsNode.isPropertyAccessExpression(t) && t.getExpression().getKind() === SyntaxKind.ThisKeyword) {
        const self = scope.thisValue;
        if (self instanceof ModuleValue && self.kind === "user") this.poisonField(self, t.getName());
      }
    }
  }

  execStatement(stmt: Statement, scope: Scope): Completion {
    const handler = this.statements[stmt.getKind()];
    // model code runs once, when compiled: what PyTorch's except would catch is a compile error here.
    // A catch that only re-raises (LayoutLM's `except IndexError as e: raise IndexError("bbox …") from e`)
    // changes no value the model computes, only an error's wording: its try block runs as a block
    if (!handler && TsNode.isTryStatement(stmt) && onlyReraises(stmt)) return this.execBlock(stmt.getTryBlock().getStatements(), new Scope(scope));
    if (!handler && stmt.getKind() === SyntaxKind.TryStatement)
      return fail("unsupportedSyntax", "try/catch is not supported in model code: it runs when the model is compiled, where an error is the compile's (SASRec's `try: xavier_normal_(p) except: pass` skips 1-D parameters); test the condition instead: `if (p.dim() >= 2) nn.init.xavierNormal_(p)` (a catch that only throws again, with no finally, is accepted: the try block runs as it is)", locOf(stmt));
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
    // bound where its block starts (execBlock)
    [SyntaxKind.FunctionDeclaration]: () => NORMAL,
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
      const since = evaluationBegins();
      const value = e ? this.evalExpr(e, scope) : undefined;
      // `return 1.0`: the function's result is a Python float (float-literals.ts)
      noteReturn(value, e && freshFloat(e, since));
      return { kind: "return", value };
    },
    [SyntaxKind.IfStatement]: (s: IfStatement, scope) => {
      // `if (this.training) x = x.add(noise)` in forward: the statement alone, once per mode
      const targets = this.phase === "forward" && this.assumedMode === undefined ? modeJoinableTargets(s) : undefined;
      const before = targets?.map((name) => scope.lookup(name)?.value);
      const changes = inPlaceMark();
      try {
        return this.ifStatement(s, scope);
      } catch (e) {
        if (!(e instanceof ModeFork) || !targets || !before) throw e;
        return this.ifPerMode(s, scope, targets, before, changes);
      }
    },
    [SyntaxKind.ForStatement]: (s: ForStatement, scope) => this.forLoop(s, scope),
    [SyntaxKind.ForOfStatement]: (s: ForOfStatement, scope) => this.forOfLoop(s, scope),
    [SyntaxKind.ForInStatement]: (s: ForInStatement, scope) => this.forOfLoop(s, scope, true),
    [SyntaxKind.WhileStatement]: (s: WhileStatement, scope) => this.whileLoop(s, s.getExpression(), scope, false),
    [SyntaxKind.DoStatement]: (s: DoStatement, scope) => this.whileLoop(s, s.getExpression(), scope, true),
    [SyntaxKind.SwitchStatement]: (s: SwitchStatement, scope) => this.switchStatement(s, scope),
    [SyntaxKind.BreakStatement]: (s: TsNode) => this.jump(s),
    [SyntaxKind.ContinueStatement]: (s: TsNode) => this.jump(s),
    [SyntaxKind.LabeledStatement]: (s: LabeledStatement, scope) => this.labeledStatement(s, scope),
    [SyntaxKind.ThrowStatement]: (s: ThrowStatement, scope) => this.throwStatement(s, scope),
  };

  /**
   * `outer: for (…) { … continue outer; … }`: a loop runs with its labels, so that a break or
   * continue naming one is its own; any other statement (a block) ends at a break of its label.
   */
  protected labeledStatement(s: LabeledStatement, scope: Scope): Completion {
    const labels = new Set<string>();
    let body: Statement = s;
    for (; TsNode.isLabeledStatement(body); body = body.getStatement()) labels.add(body.getLabel().getText());
    let done: Completion;
    if (TsNode.isForStatement(body)) done = this.forLoop(body, scope, labels);
    else if (TsNode.isForOfStatement(body)) done = this.forOfLoop(body, scope, false, labels);
    else if (TsNode.isForInStatement(body)) done = this.forOfLoop(body, scope, true, labels);
    else if (TsNode.isWhileStatement(body)) done = this.whileLoop(body, body.getExpression(), scope, false, labels);
    else if (TsNode.isDoStatement(body)) done = this.whileLoop(body, body.getExpression(), scope, true, labels);
    else done = this.execStatement(body, scope);
    return done.kind === "break" && done.label !== undefined && labels.has(done.label) ? NORMAL : done;
  }

  /**
   * break and continue: of the innermost loop (or switch, for break), or of the statement their
   * label names, which must be around them in the same function; continue names a loop. TypeScript's
   * parser accepts the rest (its checker refuses it): reported here, and the jump still leaves
   * (as a break), since a loop that went on after it would only add a "loop ran too long" error.
   */
  protected jump(s: TsNode): Completion {
    if (!TsNode.isBreakStatement(s) && !TsNode.isContinueStatement(s)) return NORMAL;
    const kind = TsNode.isBreakStatement(s) ? "break" : "continue";
    const label = s.getLabel()?.getText();
    if (label === undefined) return kind === "break" ? BREAK : CONTINUE;
    const refuse = (message: string, exit: Completion) => (this.diags.add(diagnostic("unsupportedSyntax", message, locOf(s))), exit);
    for (let a: TsNode | undefined = s.getParent(); a && !isFunctionBoundary(a); a = a.getParent()) {
      if (!TsNode.isLabeledStatement(a) || a.getLabel().getText() !== label) continue;
      let body: TsNode = a.getStatement();
      while (TsNode.isLabeledStatement(body)) body = body.getStatement();
      if (kind === "continue" && !TsNode.isIterationStatement(body))
        return refuse(`continue ${label}: '${label}' labels ${TsNode.isBlock(body) ? "a block" : "a statement"}, not a loop (JavaScript refuses it); break ${label} leaves it`, { kind: "break", label });
      return { kind, label };
    }
    return refuse(`${kind} ${label}: no statement around it in this function is labeled '${label}' (JavaScript refuses it)`, BREAK);
  }

  protected ifStatement(s: IfStatement, scope: Scope): Completion {
    const cond = this.evalExpr(s.getExpression(), scope);
    if (isPoison(cond)) {
      this.poisonAssigned(s, scope);
      return containsReturn(s) ? { kind: "return", value: poison } : NORMAL;
    }
    const branch = this.truthy(cond, s.getExpression()) ? s.getThenStatement() : s.getElseStatement();
    return branch ? this.execStatement(branch, new Scope(scope)) : NORMAL;
  }

  /**
   * An if statement that tests this.training and only assigns variables (modeJoinableTargets): run
   * from the variables' values before it once in train mode and once in eval mode, each variable
   * then the join of its two values (tensors by mode_select, which reads the mode at run time).
   */
  protected ifPerMode(s: IfStatement, scope: Scope, targets: readonly string[], before: readonly Value[], changes: number): Completion {
    const after = ([true, false] as const).map((mode) => {
      rewind(changes);
      targets.forEach((name, i) => scope.assign(name, before[i]));
      this.withMode(mode, () => this.ifStatement(s, scope));
      return { values: targets.map((name) => scope.lookup(name)?.value), changed: rewind(changes) };
    });
    const join = (a: Value, b: Value, who: string) => this.joinModes(a, b, who, this.site(s.getExpression()));
    // a tensor changed in place in a branch (x.mul_(mask)) is joined as an assigned variable is
    joinChanges(after[0].changed, after[1].changed, (a, b) => join(a, b, "a tensor changed in place"));
    targets.forEach((name, i) => scope.assign(name, join(after[0].values[i], after[1].values[i], `'${name}'`)));
    return NORMAL;
  }

  protected declareVariables(list: VariableDeclarationList, scope: Scope): void {
    const mutable = list.getDeclarationKind() !== "const";
    if (list.getDeclarationKind() === "var")
      fail("unsupportedSyntax", "var is not supported in model code; use let or const", locOf(list));
    for (const d of list.getDeclarations()) {
      const init = d.getInitializer();
      const since = evaluationBegins();
      const value = init ? this.evalExpr(init, scope) : undefined;
      this.bindPattern(d.getNameNode(), value, scope, mutable);
      // let v = 1.0: a Python float
      if (init && TsNode.isIdentifier(d.getNameNode())) scope.noteFloat(d.getName(), freshFloat(init, since));
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
        const since = evaluationBegins();
        const v = isPoison(value) ? poison : items[i] === undefined ? this.defaultOf(el.getInitializer(), scope) : items[i];
        this.bindPattern(el.getNameNode(), v, scope, mutable);
        // const [a, b] = [1.0, 2]: each element's float (or its default's)
        const init = el.getInitializer();
        if (TsNode.isIdentifier(el.getNameNode()))
          scope.noteFloat(el.getNameNode().getText(), items[i] === undefined ? (init ? freshFloat(init, since) : undefined) : Array.isArray(value) ? fieldFloat(value, String(i), v) : undefined);
      });
      return;
    }
    const named = new Set<string>();
    for (const el of name.getElements()) {
      const key = el.getPropertyNameNode()?.getText() ?? el.getName();
      // const { a, ...rest } = cfg: the object's other properties, in a new object
      if (el.getDotDotDotToken()) {
        if (!(value instanceof ObjectValue) && !isPoison(value)) fail("unsupportedSyntax", `a rest element takes the other properties of a plain object, not of ${describe(value)}`, locOf(el));
        const rest = isPoison(value) ? poison : new ObjectValue(new Map([...(value as ObjectValue).props].filter(([k]) => !named.has(k))));
        this.bindPattern(el.getNameNode(), rest, scope, mutable);
        continue;
      }
      named.add(key);
      const v = isPoison(value) ? poison : this.getProperty(value, key, this.site(el));
      const since = evaluationBegins();
      this.bindPattern(el.getNameNode(), v === undefined ? this.defaultOf(el.getInitializer(), scope) : v, scope, mutable);
      // { label = 1.0 } or { label } of { label: 1.0 }: a Python float
      const init = el.getInitializer();
      if (TsNode.isIdentifier(el.getNameNode())) scope.noteFloat(el.getName(), v === undefined ? (init ? freshFloat(init, since) : undefined) : fieldFloat(value, key, v));
    }
  }

  protected defaultOf(init: Expression | undefined, scope: Scope): Value {
    return init ? this.evalExpr(init, scope) : undefined;
  }

  protected forLoop(s: ForStatement, outer: Scope, labels: ReadonlySet<string> = NO_LABELS): Completion {
    const scope = new Scope(outer);
    const init = s.getInitializer();
    if (init) {
      if (TsNode.isVariableDeclarationList(init)) this.declareVariables(init, scope);
      else this.evalExpr(init, scope);
    }
    const cond = s.getCondition();
    const incr = s.getIncrementor();
    // `for (let i …)` gives each iteration its own i (loop); const and an expression do not need it
    const perIteration = init !== undefined && TsNode.isVariableDeclarationList(init) && init.getDeclarationKind() === "let";
    this.loops.push(s);
    try {
      return this.forLoopBody(s, scope, cond, incr, labels, perIteration);
    } finally {
      this.loops.pop();
    }
  }

  protected forLoopBody(s: ForStatement, scope: Scope, cond: Expression | undefined, incr: Expression | undefined, labels: ReadonlySet<string>, perIteration = false): Completion {
    return this.loop(s, scope, cond, false, incr, labels, perIteration);
  }

  /** while (cond) body, and do body while (cond) (`bodyFirst`): the condition a constant each time, as a for loop's. */
  protected whileLoop(s: WhileStatement | DoStatement, cond: Expression, outer: Scope, bodyFirst: boolean, labels: ReadonlySet<string> = NO_LABELS): Completion {
    this.loops.push(s);
    try {
      return this.loop(s, outer, cond, bodyFirst, undefined, labels);
    } finally {
      this.loops.pop();
    }
  }

  /**
   * The loop of for, while and do-while: `cond` (none: always true) tested before each run of the
   * body — after the first with `bodyFirst` — and `next` evaluated after each, a continue included.
   * `labels` name the loop: a break or continue of another label ends it and goes on outward.
   * `perIteration` (for (let i …)): each iteration runs in a copy of the loop's scope, made before
   * the first test and before each increment, as JavaScript's CreatePerIterationEnvironment — so
   * `this.acts.push((t) => this.layers[i](t))` keeps that iteration's i, not the i the loop ends with.
   */
  protected loop(s: ForStatement | WhileStatement | DoStatement, loopScope: Scope, cond: Expression | undefined, bodyFirst: boolean, next: Expression | undefined, labels: ReadonlySet<string>, perIteration = false): Completion {
    let scope = perIteration ? loopScope.nextIteration() : loopScope;
    for (let i = 0; ; i++) {
      if (i >= MAX_LOOP_ITERATIONS) tooManyIterations(s);
      if (cond && (!bodyFirst || i > 0)) {
        const c = this.evalExpr(cond, scope);
        if (isPoison(c)) return this.poisonedLoop(s, scope);
        if (c instanceof TensorValue) dataDependentLoop(cond);
        if (!this.truthy(c, cond)) break;
      }
      const done = this.execStatement(s.getStatement(), new Scope(scope));
      if (done.kind === "return" || leavesLoop(done, labels)) return done;
      if (done.kind === "break") break;
      if (perIteration) scope = scope.nextIteration();
      if (next) this.evalExpr(next, scope);
    }
    return NORMAL;
  }

  /** A loop whose condition could not be evaluated (an earlier error): what it assigns is unknown. */
  protected poisonedLoop(s: TsNode & { getStatement(): Statement }, scope: Scope): Completion {
    this.poisonAssigned(s.getStatement(), scope);
    return containsReturn(s) ? { kind: "return", value: poison } : NORMAL;
  }

  /** for-of, and for-in (`keys`: Python's `for k in config:`) over an object's keys, a ModuleDict's, or an array's indices as strings. */
  protected forOfLoop(s: ForOfStatement | ForInStatement, outer: Scope, keys = false, labels: ReadonlySet<string> = NO_LABELS): Completion {
    const iterable = this.evalExpr(s.getExpression(), outer);
    if (isPoison(iterable)) return this.poisonedLoop(s, outer);
    const items = keys ? this.keysOf(iterable, s.getExpression()) : this.iterate(iterable, s.getExpression());
    const init = s.getInitializer();
    if (!TsNode.isVariableDeclarationList(init)) return fail("unsupportedSyntax", `${keys ? "for-in" : "for-of"} must declare its variable (for (const x ${keys ? "in" : "of"} xs))`, locOf(init));
    const decl = init.getDeclarations()[0];
    this.loops.push(s);
    try {
      for (const [i, item] of items.entries()) {
        const scope = new Scope(outer);
        this.bindPattern(decl.getNameNode(), item, scope, init.getDeclarationKind() !== "const");
        // for (const s of [1.0, 0.5]): each element's float
        const name = decl.getNameNode();
        if (!keys && TsNode.isIdentifier(name) && Array.isArray(iterable)) scope.noteFloat(name.getText(), fieldFloat(iterable, String(i), item));
        const done = this.execStatement(s.getStatement(), scope);
        if (done.kind === "return" || leavesLoop(done, labels)) return done;
        if (done.kind === "break") break;
      }
    } finally {
      this.loops.pop();
    }
    return NORMAL;
  }

  /** What for-in visits, in JavaScript's order: an object's own keys, a ModuleDict's names, an array's indices. */
  protected keysOf(v: Value, at: TsNode): string[] {
    if (v instanceof ObjectValue) return [...v.props.keys()];
    if (v instanceof ModuleValue && (v.kind === "dict" || v.dictLike)) return [...v.fields].filter(([, m]) => m instanceof ModuleValue).map(([k]) => k);
    if (v instanceof ModuleValue && v.typeName === "nn.ParameterDict") return parameterDictKeys(v);
    if (Array.isArray(v)) return v.map((_, i) => String(i));
    return fail("unsupportedSyntax", `for-in walks an object's keys (or an array's indices); got ${describe(v)}`, locOf(at));
  }

  /**
   * switch as JavaScript's: the first case whose value is === the discriminant (a constant), else
   * default, then every clause after it until a break (fall-through); the clauses share one scope.
   */
  protected switchStatement(s: SwitchStatement, outer: Scope): Completion {
    const v = this.evalExpr(s.getExpression(), outer);
    if (isPoison(v)) {
      this.poisonAssigned(s.getCaseBlock(), outer);
      return containsReturn(s) ? { kind: "return", value: poison } : NORMAL;
    }
    this.requireConstant(v, s.getExpression());
    // switch (this.training): the mode this evaluation is for
    const d = v instanceof ModeFlag ? this.truthy(v, s.getExpression()) : v;
    const scope = new Scope(outer);
    const clauses = s.getCaseBlock().getClauses();
    let start = -1;
    for (const [i, c] of clauses.entries()) {
      if (!TsNode.isCaseClause(c)) continue;
      const cv = this.evalExpr(c.getExpression(), scope);
      if (isPoison(cv)) {
        this.poisonAssigned(s.getCaseBlock(), outer);
        return containsReturn(s) ? { kind: "return", value: poison } : NORMAL;
      }
      this.requireConstant(cv, c.getExpression());
      if ((cv instanceof ModeFlag ? this.truthy(cv, c.getExpression()) : cv) === d) {
        start = i;
        break;
      }
    }
    if (start < 0) start = clauses.findIndex((c) => TsNode.isDefaultClause(c));
    if (start < 0) return NORMAL;
    for (const c of clauses.slice(start)) {
      const done = this.execBlock(c.getStatements(), scope);
      if (done.kind === "break" && done.label === undefined) return NORMAL;
      if (done.kind !== "normal") return done; // a return, a continue of the loop around the switch, or a labeled jump
    }
    return NORMAL;
  }

  /**
   * throw, run while evaluating (a constructor checking its arguments): a compile error with the
   * model's own message at the throw. new Error(msg) (or TypeError, RangeError, …) gives msg.
   */
  protected throwStatement(s: ThrowStatement, scope: Scope): Completion {
    const e = s.getExpression();
    let kind = "";
    let args: Value[] | undefined;
    if (TsNode.isNewExpression(e) || TsNode.isCallExpression(e)) {
      const callee = e.getExpression();
      if (TsNode.isIdentifier(callee) && ERROR_CLASSES.has(callee.getText()) && !scope.lookup(callee.getText())) {
        kind = callee.getText();
        args = this.evalArgs(e.getArguments() as Expression[], scope);
      }
    }
    const thrown = args ? args[0] : this.evalExpr(e, scope);
    if (isPoison(thrown) || (args && args.some(isPoison))) return NORMAL;
    const message = typeof thrown === "string" ? thrown : thrown === undefined && kind ? "" : describe(thrown);
    return fail("modelThrew", `${kind ? `${kind}: ` : "the model threw "}${message}`.trimEnd(), locOf(s));
  }

  /** A switch's discriminant and cases are compared at compile time, so they must be constants. */
  protected requireConstant(v: Value, at: TsNode): void {
    if (v instanceof TensorValue || v instanceof ModeFlag || isBatchValue(v)) this.truthy(v, at);
  }

  iterate(v: Value, at: TsNode): Value[] {
    if (v instanceof CollectionValue) {
      this.arrayHooks.charge(v.entries.size, this.site(at));
      return collectionItems(v);
    }
    if (Array.isArray(v)) {
      this.arrayHooks.charge(v.length, this.site(at));
      return [...v];
    }
    if (v instanceof ModuleValue && v.isSequence) {
      this.arrayHooks.charge(v.elements.length, this.site(at));
      return v.elements;
    }
    // a ModuleDict iterates over its keys, as Python's dict
    if (v instanceof ModuleValue && v.kind === "dict") {
      this.arrayHooks.charge(v.fields.size, this.site(at));
      return [...v.fields.keys()];
    }
    // nn.ParameterDict iterates over its keys, as Python's dict
    if (v instanceof ModuleValue && v.typeName === "nn.ParameterDict") {
      const keys = parameterDictKeys(v);
      this.arrayHooks.charge(keys.length, this.site(at));
      return keys;
    }
    // nn.ParameterList iterates over its parameters (each its graph node in forward)
    if (v instanceof ModuleValue && v.typeName === "nn.ParameterList") {
      this.arrayHooks.charge(v.fields.size, this.site(at));
      return [...v.fields.keys()].map((k) => this.getProperty(v, k, this.site(at)));
    }
    // torch's named tuples (max's, topk's (values, indices)) destructure as tuples: [values, indices]
    if (v instanceof ObjectValue && v.props.has("0")) {
      const items: Value[] = [];
      for (let i = 0; v.props.has(String(i)); i++) items.push(v.props.get(String(i)));
      return items;
    }
    // `for (const row of table)`, `const [rows, cols] = F.trilIndices(…)`: a tensor iterates over dim 0, as PyTorch's
    if (v instanceof TensorValue) {
      const n = v.node.shape[0];
      if (v.node.shape.length === 0) return fail("wrongArgumentType", "iterating over a 0-dim tensor (PyTorch refuses it too)", locOf(at));
      if (typeof n !== "number") return fail("dataDependentControlFlow", `iterating over a tensor of shape ${formatShape(v.node.shape)}: dim 0 is the batch, whose size is known only at run time; iterate over a dim of fixed size instead (x.unbind(1), or permute it first: a packed q, k, v = qkv needs the 3 in dim 0)`, locOf(at));
      this.arrayHooks.charge(n, this.site(at));
      return Array.from({ length: n }, (_, i) => this.getElement(v, i, this.site(at)));
    }
    return fail("wrongArgumentType", `cannot iterate over ${describe(v)}`, locOf(at));
  }

  truthy(v: Value, at: TsNode): boolean {
    // Python's bool(t) of one element whose value the compiler knows (`if mask.any():` of a mask made from sizes)
    const known = v instanceof TensorValue ? knownScalarValue(v) : undefined;
    if (known !== undefined) return known !== 0;
    if (v instanceof TensorValue)
      return fail(
        "dataDependentControlFlow",
        "this condition depends on tensor values, which are known only when the model runs; to choose between values by it, compute both and select per element: F.where(cond, a, b) (a condition over the whole tensor, as torch.all(n == 0), is F.all(n.eq(0)) there)" +
          // LayerDrop (HF wav2vec2's `if self.training and torch.rand([]) < layerdrop: skip`): the select keeps PyTorch's values and gradients
          (dependsOnDraw(v.node) ? `; ${LAYER_DROP_HINT}` : ""),
        locOf(at),
      );
    if (v instanceof ModeFlag) {
      if (this.assumedMode !== undefined) return this.assumedMode;
      // in forward, the function around the test is evaluated once per mode (classes.ts)
      if (this.phase === "forward" && this.callStack.length > 0) throw new ModeFork(at);
      return fail(
        "dataDependentControlFlow",
        "this condition depends on this.training, which follows train()/eval() at run time: outside forward it has no value (nn.Dropout and F.dropout(x, p, this.training) follow it)",
        locOf(at),
      );
    }
    if (isBatchValue(v)) return fail("dataDependentControlFlow", "this condition depends on the batch size, which is known only at run time", locOf(at));
    return Boolean(v);
  }
}

// JavaScript's error classes: `throw new Error(msg)` reports msg
const ERROR_CLASSES = new Set(["Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError", "EvalError", "URIError", "AggregateError"]);

function tooManyIterations(s: TsNode): never {
  return fail("loopTooLong", `this loop ran ${MAX_LOOP_ITERATIONS} times; its bounds must be small constants`, locOf(s));
}

const NO_LABELS: ReadonlySet<string> = new Set();

/** Whether a loop's body ended at a break or continue of a label that is not the loop's: the loop ends, and the jump goes on outward. */
function leavesLoop(done: Completion, labels: ReadonlySet<string>): boolean {
  return (done.kind === "break" || done.kind === "continue") && done.label !== undefined && !labels.has(done.label);
}

const isFunctionBoundary = (n: TsNode) => TsNode.isFunctionLikeDeclaration(n) || TsNode.isArrowFunction(n) || TsNode.isFunctionExpression(n) || TsNode.isClassLikeDeclarationBase(n);

const checkedBlocks = new WeakSet<readonly Statement[]>();

/**
 * `const y = …; const y = …` in one block is JavaScript's SyntaxError (TypeScript's "cannot
 * redeclare"); refused where the second declares it, before the block runs (once per block).
 */
function checkDeclaredOnce(stmts: readonly Statement[]): void {
  if (checkedBlocks.has(stmts)) return;
  checkedBlocks.add(stmts);
  const seen = new Set<string>();
  for (const stmt of stmts) {
    // a nested function declaration declares its name in the block, as let does
    const fn = TsNode.isFunctionDeclaration(stmt) && stmt.getBody() ? stmt.getNameNode() : undefined;
    if (fn) {
      if (seen.has(fn.getText())) fail("unsupportedSyntax", `'${fn.getText()}' is declared twice in this block (a function declaration declares its name as let does); give one a new name`, locOf(fn));
      seen.add(fn.getText());
    }
    if (!TsNode.isVariableStatement(stmt) || stmt.getDeclarationKind() === "var") continue;
    for (const d of stmt.getDeclarations())
      for (const name of boundNames(d.getNameNode())) {
        if (seen.has(name)) fail("unsupportedSyntax", `'${name}' is declared twice in this block (JavaScript refuses it: let and const declare a name once per block); give the second a new name or assign the first`, locOf(d.getNameNode()));
        seen.add(name);
      }
  }
}

/**
 * `while (running.any())` — the Universal Transformer's ACT halting, a decoder until every sequence
 * has ended: the number of runs depends on the data. The compiled form runs to the bound the
 * condition also checks, with masks that leave finished elements as they were.
 */
function dataDependentLoop(cond: Expression): never {
  return fail(
    "dataDependentControlFlow",
    "this loop's condition depends on tensor values, so how many times it runs is known only when the model runs; run it a fixed number of times, the bound the condition also checks (ACT's `n_updates < max_hop`: for (let step = 0; step < maxHop; step++)), and keep finished elements unchanged with masks (F.where(done, previous, updated), or the update weights ACT already multiplies by)",
    locOf(cond),
  );
}

/**
 * What a branch on a draw is written as instead: LayerDrop (HF wav2vec2's and BART's `if self.training
 * and torch.rand([]) < layerdrop: skip`) as a select keeps PyTorch's values and gradients.
 */
export const LAYER_DROP_HINT =
  "a random skip of a layer (LayerDrop's F.rand([]).lt(p)) is y = F.where(F.rand([]).lt(p), x, layer(x)), which computes the layer and keeps x where the draw skips it: the same values, and no gradient to the layer on a skipped step";

/** Whether a value is computed from a draw made in forward (an op of the random family), through at most 64 ops. */
function dependsOnDraw(n: Node, budget = { left: 64 }): boolean {
  if (budget.left-- <= 0) return false;
  if (opDef(n.op).family === "random") return true;
  return n.inputs.some((i) => dependsOnDraw(i, budget));
}
