import {
  Node as TsNode,
  SyntaxKind,
  type ArrowFunction,
  type BinaryExpression,
  type Block,
  type CallExpression,
  type ClassDeclaration,
  type ElementAccessExpression,
  type Expression,
  type ForOfStatement,
  type ForStatement,
  type FunctionDeclaration,
  type FunctionExpression,
  type IfStatement,
  type MethodDeclaration,
  type NewExpression,
  type ParameterDeclaration,
  type PropertyAccessExpression,
  type SourceFile,
  type Statement,
  type VariableDeclarationList,
  type ConstructorDeclaration,
  type BindingName,
} from "ts-morph";
import { CompileError, DiagnosticBag, fail, type SourceLoc } from "../diagnostics/diagnostic.ts";
import { GraphBuilder } from "../ir/builder.ts";
import { appendModule, moduleBase, nnNamespace } from "./layers.ts";
import { Emitter } from "./emit.ts";
import { functionalNamespace } from "./functional.ts";
import { arrayMethod, arrayNamespace, builtinGlobals, runtimeOnlyGlobals } from "./globals.ts";
import { Budget, limitError, resolveLimits, type Limits } from "../limits.ts";
import { Scope } from "./scope.ts";
import { locOf, SourceFiles } from "./source.ts";
import { checkLayerName, isLayerName, memberName, quoteName } from "./names.ts";
import { tensorMethods, tensorProperty } from "./tensor-methods.ts";
import { optimNamespace, trainingClass } from "./training.ts";
import {
  BuiltinClass,
  BuiltinFunction,
  ClassValue,
  describe,
  FunctionValue,
  ModeFlag,
  ModuleValue,
  NamespaceValue,
  ObjectValue,
  OptimizerValue,
  Poison,
  SymInt,
  TensorValue,
  TrainingValue,
  type CallSite,
  type Value,
} from "./values.ts";

// The static evaluator: it walks the TypeScript syntax of a model file and computes what the
// code would compute, except that tensors are graph nodes. It never runs the user's code.
// Every syntax kind it accepts has an entry in `expressions` or `statements`; anything else
// is reported as unsupported, never skipped.

type Phase = "toplevel" | "construct" | "forward";
type Completion = { kind: "normal" } | { kind: "return"; value: Value };
const NORMAL: Completion = { kind: "normal" };
const MAX_LOOP_ITERATIONS = 100_000;
/**
 * Nesting levels a call or a construction counts for: each takes about 4× the stack of one
 * expression (binding, the body's block, recovery frames), and --max-depth is about the stack.
 */
const CALL_LEVELS = 4;

const poison = Poison.value;
const isPoison = (v: Value): boolean => v instanceof Poison;

export class Interpreter {
  readonly diags = new DiagnosticBag();
  readonly limits: Limits;
  readonly budget: Budget;
  readonly builder: GraphBuilder;
  readonly em: Emitter;
  readonly sources: SourceFiles;
  phase: Phase = "toplevel";
  /** The loops being run, outermost first: a used-up step budget is reported at the outermost. */
  private readonly loops: TsNode[] = [];
  private readonly fileScopes = new Map<string, Scope>();
  private readonly callStack: TsNode[] = [];
  private readonly constructing: ClassDeclaration[] = [];
  private readonly dsl: Map<string, Value>;
  private readonly globals: Scope;

  constructor(limits: Limits = resolveLimits()) {
    this.limits = limits;
    this.budget = new Budget(limits);
    this.builder = new GraphBuilder(limits.maxOps);
    this.em = new Emitter(this.builder);
    this.sources = new SourceFiles(limits.maxDepth);
    const host = {
      em: this.em,
      requireConstruct: (who: string, site: CallSite) => {
        if (this.phase === "forward") fail("moduleOutsideConstructor", `${who} is created inside forward`, site.loc);
      },
      callModule: (m: ModuleValue, args: Value[], site: CallSite) => this.callModule(m, args, site),
    };
    const requireForward = (who: string, site: CallSite) => {
      if (this.phase !== "forward") fail("nonConstant", `${who} works on tensors, which exist only inside forward`, site.loc);
    };
    this.dsl = new Map<string, Value>([
      ["nn", nnNamespace(host)],
      ["F", functionalNamespace(this.em, requireForward)],
      ["optim", optimNamespace],
      ["Training", trainingClass],
    ]);
    this.globals = new Scope();
    for (const [name, value] of builtinGlobals) this.globals.declare(name, value, false);
    this.globals.declare("Array", arrayNamespace(this.arrayHooks), false);
  }

  /** What array builtins need from the evaluator: callbacks, and the step and size budgets. */
  private readonly arrayHooks = {
    call: (f: Value, args: Value[], site: CallSite) => this.callCallback(f, args, site),
    charge: (elements: number, site: CallSite) => this.charge(elements, site.loc),
    size: (size: number, what: "array" | "string", site: CallSite) => this.budget.size(size, what, site.loc),
  };

  /** Where a used-up step budget is reported: the outermost loop running, which multiplies the work. */
  private blame(): SourceLoc | undefined {
    return this.loops.length > 0 ? locOf(this.loops[0]) : undefined;
  }

  /** Counts per-element work (copies, comparisons of long values) as steps. */
  private charge(elements: number, at: SourceLoc | TsNode): void {
    if (!this.budget.charge(elements)) return;
    const loop = this.blame();
    throw this.budget.exceeded("steps", loop ?? (at instanceof TsNode ? locOf(at) : at), loop !== undefined);
  }

  /** Counts a step and `levels` of nesting at `at`; throws when a budget runs out. */
  private enter(at: TsNode | SourceLoc, levels = 1): void {
    const over = this.budget.enter(levels);
    if (!over) return;
    const loop = over === "steps" ? this.blame() : undefined;
    throw this.budget.exceeded(over, loop ?? (at instanceof TsNode ? locOf(at) : at), loop !== undefined);
  }

  site(node: TsNode): CallSite {
    return { node, loc: locOf(node) };
  }

  // ---------------------------------------------------------------------------------------
  // Files and their top-level declarations

  /** The scope of a file's top level, with its imports and declarations bound lazily. */
  fileScope(path: string, from?: SourceLoc): Scope {
    const cached = this.fileScopes.get(path);
    if (cached) return cached;
    const { file, syntaxErrors } = this.sources.load(path, from);
    for (const d of syntaxErrors) this.diags.add(d);
    const scope = new Scope(this.globals);
    this.fileScopes.set(path, scope);
    if (syntaxErrors.length === 0) this.declareTopLevel(file, scope);
    return scope;
  }

  fileOf(path: string): SourceFile {
    return this.sources.load(path).file;
  }

  private declareTopLevel(file: SourceFile, scope: Scope): void {
    for (const stmt of file.getStatements()) {
      this.diags.recoverWith(
        () => this.declareStatement(file, stmt, scope),
        () => {
          // what a failed declaration names is Poison, so its uses stay quiet ('x is not defined')
          for (const name of declaredNames(stmt)) if (!scope.hasOwn(name)) scope.declare(name, poison, false);
        },
      );
    }
    // Every top-level const is evaluated, used or not, so that `const fs = require("fs")` is
    // reported even when nothing reads it. Each is evaluated once, in any order.
    for (const stmt of file.getVariableStatements())
      if (stmt.getDeclarationKind() === "const")
        for (const decl of stmt.getDeclarations()) {
          const name = decl.getNameNode();
          if (TsNode.isIdentifier(name) && scope.hasOwn(name.getText())) this.diags.recover(() => scope.lookup(name.getText()), undefined);
        }
  }

  private declareStatement(file: SourceFile, stmt: Statement, scope: Scope): void {
    const site = this.site(stmt);
    if (TsNode.isImportDeclaration(stmt)) return this.declareImport(file, stmt, scope);
    if (TsNode.isClassDeclaration(stmt)) {
      const name = stmt.getName();
      if (name) scope.declare(name, new ClassValue(stmt, scope), false);
      return;
    }
    if (TsNode.isFunctionDeclaration(stmt)) {
      const name = stmt.getName();
      if (name) scope.declare(name, new FunctionValue(stmt, scope, name), false);
      return;
    }
    if (TsNode.isVariableStatement(stmt)) {
      const list = stmt.getDeclarationList();
      if (list.getDeclarationKind() !== "const") fail("moduleLevelMutable", `'${list.getDeclarations().map((d) => d.getName()).join(", ")}' is declared with ${list.getDeclarationKind()}`, site.loc);
      for (const decl of list.getDeclarations()) {
        const nameNode = decl.getNameNode();
        const init = decl.getInitializer();
        if (!TsNode.isIdentifier(nameNode)) fail("unsupportedSyntax", "destructuring at the top level is not supported", locOf(nameNode));
        if (!init) fail("unsupportedSyntax", `const ${nameNode.getText()} needs a value`, locOf(decl));
        let evaluating = false;
        scope.declareLazy(nameNode.getText(), () => {
          if (evaluating) fail("recursion", `the value of '${nameNode.getText()}' depends on itself`, locOf(decl));
          // evaluated where it is first used, inside whatever is running: nesting, as a call is
          this.enter(decl, CALL_LEVELS);
          evaluating = true;
          const saved = this.phase;
          this.phase = "toplevel";
          try {
            return this.diags.recover(() => this.evalExpr(init, scope), poison);
          } finally {
            this.phase = saved;
            this.budget.leave(CALL_LEVELS);
          }
        });
      }
      return;
    }
    if (
      TsNode.isInterfaceDeclaration(stmt) ||
      TsNode.isTypeAliasDeclaration(stmt) ||
      TsNode.isEmptyStatement(stmt) ||
      (TsNode.isExportDeclaration(stmt) && !stmt.getModuleSpecifier())
    )
      return;
    if (TsNode.isExportDeclaration(stmt)) return this.declareReexport(file, stmt, scope);
    if (TsNode.isEnumDeclaration(stmt))
      fail("unsupportedSyntax", "enums are not supported in model files; use const objects or string literals", site.loc);
    if (TsNode.isExpressionStatement(stmt) || TsNode.isIfStatement(stmt) || TsNode.isIterationStatement(stmt))
      fail("topLevelCode", `this statement would run when the file is loaded: ${stmt.getText().split("\n")[0]}`, site.loc);
    fail("unsupportedSyntax", `${stmt.getKindName()} is not supported at the top level of a model file`, site.loc);
  }

  private declareImport(file: SourceFile, stmt: TsNode & { getModuleSpecifierValue(): string }, scope: Scope): void {
    if (!TsNode.isImportDeclaration(stmt)) return;
    const spec = stmt.getModuleSpecifierValue();
    const site = this.site(stmt.getModuleSpecifier());
    if (stmt.isTypeOnly()) return;
    const def = stmt.getDefaultImport();
    if (def) fail("importNotSupported", `default imports are not supported ('${def.getText()}'); use named imports`, locOf(def));
    if (spec === "tsdp/dsl") {
      const ns = stmt.getNamespaceImport();
      if (ns) scope.declare(ns.getText(), new NamespaceValue(ns.getText(), this.dsl), false);
      for (const named of stmt.getNamedImports()) {
        if (named.isTypeOnly()) continue;
        const name = named.getName();
        const local = named.getAliasNode()?.getText() ?? name;
        const value = this.dsl.get(name);
        // Types (Tensor, Batch, Shape, ...) have no value; the evaluator never needs them.
        if (value !== undefined) scope.declare(local, value, false);
      }
      return;
    }
    if (!spec.startsWith(".")) fail("importNotSupported", `cannot import '${spec}' into a model file`, site.loc);
    const target = this.sources.resolveImport(file.getFilePath(), spec);
    if (!target) fail("importNotFound", `cannot find '${spec}' next to ${file.getBaseName()}`, site.loc);
    const ns = stmt.getNamespaceImport();
    if (ns) fail("importNotSupported", "namespace imports of your own files are not supported; import the names", locOf(ns));
    for (const named of stmt.getNamedImports()) {
      if (named.isTypeOnly()) continue;
      const name = named.getName();
      const local = named.getAliasNode()?.getText() ?? name;
      const at = locOf(named);
      scope.declareLazy(local, () => this.importedValue(target, name, at));
    }
  }

  private declareReexport(file: SourceFile, stmt: TsNode, scope: Scope): void {
    if (!TsNode.isExportDeclaration(stmt)) return;
    const spec = stmt.getModuleSpecifierValue()!;
    const target = this.sources.resolveImport(file.getFilePath(), spec);
    if (!target) fail("importNotFound", `cannot find '${spec}' next to ${file.getBaseName()}`, locOf(stmt));
    for (const named of stmt.getNamedExports()) {
      const name = named.getName();
      const local = named.getAliasNode()?.getText() ?? name;
      const at = locOf(named);
      scope.declareLazy(local, () => this.importedValue(target, name, at));
    }
  }

  private importedValue(path: string, name: string, at: SourceLoc): Value {
    // resolved on first use, inside whatever is running, and a chain of re-exports resolves
    // nested: counted as a call is
    this.enter(at, CALL_LEVELS);
    try {
      const scope = this.fileScope(path, at);
      const found = scope.lookup(name);
      if (!found) fail("importNotFound", `'${name}' is not declared in ${path.split("/").pop()}`, at);
      return found.value;
    } finally {
      this.budget.leave(CALL_LEVELS);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Statements

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
  private poisonTargets(stmt: Statement, scope: Scope): void {
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
  private poisonAssigned(node: TsNode, scope: Scope): void {
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

  private readonly statements: Partial<Record<SyntaxKind, (s: never, scope: Scope) => Completion>> = {
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

  private declareVariables(list: VariableDeclarationList, scope: Scope): void {
    const mutable = list.getDeclarationKind() !== "const";
    if (list.getDeclarationKind() === "var")
      fail("unsupportedSyntax", "var is not supported in model code; use let or const", locOf(list));
    for (const d of list.getDeclarations()) {
      const init = d.getInitializer();
      const value = init ? this.evalExpr(init, scope) : undefined;
      this.bindPattern(d.getNameNode(), value, scope, mutable);
    }
  }

  private bindPattern(name: BindingName, value: Value, scope: Scope, mutable: boolean): void {
    if (TsNode.isIdentifier(name)) return scope.declare(name.getText(), value, mutable);
    if (TsNode.isArrayBindingPattern(name)) {
      const items = isPoison(value) ? [] : this.iterate(value, name);
      name.getElements().forEach((el, i) => {
        if (TsNode.isOmittedExpression(el)) return;
        if (el.getDotDotDotToken()) return this.bindPattern(el.getNameNode(), isPoison(value) ? poison : items.slice(i), scope, mutable);
        const v = isPoison(value) ? poison : items[i] ?? this.defaultOf(el.getInitializer(), scope);
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

  private defaultOf(init: Expression | undefined, scope: Scope): Value {
    return init ? this.evalExpr(init, scope) : undefined;
  }

  private forLoop(s: ForStatement, outer: Scope): Completion {
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

  private forLoopBody(s: ForStatement, scope: Scope, cond: Expression | undefined, incr: Expression | undefined): Completion {
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

  private forOfLoop(s: ForOfStatement, outer: Scope): Completion {
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
    if (v instanceof ModuleValue && (v.kind === "list" || v.kind === "sequential")) {
      this.arrayHooks.charge(v.items.length, this.site(at));
      return v.items;
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

  // ---------------------------------------------------------------------------------------
  // Expressions

  evalExpr(e: Expression | TsNode, scope: Scope): Value {
    const handler = this.expressions[e.getKind()];
    if (!handler) return fail("unsupportedSyntax", `${describeSyntax(e)} is not supported in model code`, locOf(e));
    this.enter(e);
    try {
      return handler(e as never, scope);
    } finally {
      this.budget.leave();
    }
  }

  private readonly expressions: Partial<Record<SyntaxKind, (e: never, scope: Scope) => Value>> = {
    [SyntaxKind.NumericLiteral]: (e: TsNode) => Number((e as TsNode).getText().replace(/_/g, "")),
    [SyntaxKind.StringLiteral]: (e: TsNode & { getLiteralValue(): string }) => e.getLiteralValue(),
    [SyntaxKind.NoSubstitutionTemplateLiteral]: (e: TsNode & { getLiteralValue(): string }) => e.getLiteralValue(),
    [SyntaxKind.TemplateExpression]: (e: TsNode, scope) => {
      if (!TsNode.isTemplateExpression(e)) return undefined;
      let s = e.getHead().getLiteralText();
      for (const span of e.getTemplateSpans()) {
        const v = this.evalExpr(span.getExpression(), scope);
        if (typeof v !== "number" && typeof v !== "string" && typeof v !== "boolean")
          fail("nonConstant", `cannot put ${describe(v)} in a string`, locOf(span));
        s += String(v) + span.getLiteral().getLiteralText();
        this.charge(s.length, e);
        this.budget.size(s.length, "string", locOf(e));
      }
      return s;
    },
    [SyntaxKind.TrueKeyword]: () => true,
    [SyntaxKind.FalseKeyword]: () => false,
    [SyntaxKind.NullKeyword]: () => null,
    [SyntaxKind.Identifier]: (e: TsNode, scope) => this.identifier(e, scope),
    [SyntaxKind.ThisKeyword]: (e: TsNode, scope) => {
      const self = scope.thisValue;
      if (self === undefined) fail("unsupportedSyntax", "`this` is only meaningful inside a model class", locOf(e));
      return self;
    },
    [SyntaxKind.ParenthesizedExpression]: (e: TsNode & { getExpression(): Expression }, scope) => this.evalExpr(e.getExpression(), scope),
    [SyntaxKind.AsExpression]: (e: TsNode & { getExpression(): Expression }, scope) => this.evalExpr(e.getExpression(), scope),
    [SyntaxKind.SatisfiesExpression]: (e: TsNode & { getExpression(): Expression }, scope) => this.evalExpr(e.getExpression(), scope),
    [SyntaxKind.NonNullExpression]: (e: TsNode & { getExpression(): Expression }, scope) => this.evalExpr(e.getExpression(), scope),
    [SyntaxKind.TypeAssertionExpression]: (e: TsNode & { getExpression(): Expression }, scope) => this.evalExpr(e.getExpression(), scope),
    [SyntaxKind.ArrayLiteralExpression]: (e: TsNode, scope) => {
      if (!TsNode.isArrayLiteralExpression(e)) return undefined;
      const out: Value[] = [];
      for (const el of e.getElements()) {
        if (TsNode.isSpreadElement(el)) {
          const v = this.evalExpr(el.getExpression(), scope);
          if (isPoison(v)) return poison;
          const items = this.iterate(v, el);
          this.budget.size(out.length + items.length, "array", locOf(e));
          for (const item of items) out.push(item); // push(...items) overflows the stack past ~100,000
        } else out.push(this.evalExpr(el, scope));
      }
      return out;
    },
    [SyntaxKind.ObjectLiteralExpression]: (e: TsNode, scope) => {
      if (!TsNode.isObjectLiteralExpression(e)) return undefined;
      const props = new Map<string, Value>();
      for (const p of e.getProperties()) {
        if (TsNode.isPropertyAssignment(p)) {
          const nameNode = p.getNameNode();
          const key = TsNode.isComputedPropertyName(nameNode)
            ? String(this.evalExpr(nameNode.getExpression(), scope))
            : TsNode.isStringLiteral(nameNode) || TsNode.isNumericLiteral(nameNode)
              ? String(nameNode.getLiteralValue())
              : nameNode.getText();
          props.set(key, this.evalExpr(p.getInitializerOrThrow(), scope));
        } else if (TsNode.isShorthandPropertyAssignment(p)) props.set(p.getName(), this.identifier(p.getNameNode(), scope));
        else if (TsNode.isSpreadAssignment(p)) {
          const v = this.evalExpr(p.getExpression(), scope);
          if (!(v instanceof ObjectValue)) fail("wrongArgumentType", `cannot spread ${describe(v)} into an object`, locOf(p));
          // {...o} copies o, quadratic in a loop unless counted; a Map entry costs ~4 array elements
          this.charge(4 * v.props.size, p);
          for (const [k, x] of v.props) props.set(k, x);
        } else fail("unsupportedSyntax", `${describeSyntax(p)} is not supported in object literals`, locOf(p));
      }
      return new ObjectValue(props);
    },
    [SyntaxKind.ArrowFunction]: (e: ArrowFunction, scope) => new FunctionValue(e, scope, "arrow function"),
    [SyntaxKind.FunctionExpression]: (e: FunctionExpression, scope) => new FunctionValue(e, scope, e.getName() ?? "function"),
    [SyntaxKind.PropertyAccessExpression]: (e: PropertyAccessExpression, scope) => {
      const obj = this.evalExpr(e.getExpression(), scope);
      if (isPoison(obj)) return poison;
      if (e.hasQuestionDotToken() && (obj === null || obj === undefined)) return undefined;
      return this.getProperty(obj, e.getName(), this.site(e));
    },
    [SyntaxKind.ElementAccessExpression]: (e: ElementAccessExpression, scope) => {
      const obj = this.evalExpr(e.getExpression(), scope);
      const arg = e.getArgumentExpression();
      if (!arg) return fail("unsupportedSyntax", "missing index", locOf(e));
      const key = this.evalExpr(arg, scope);
      if (isPoison(obj) || isPoison(key)) return poison;
      // a module indexed by a name is reported at the name
      return this.getElement(obj, key, this.site(obj instanceof ModuleValue && obj.kind === "user" ? arg : e));
    },
    [SyntaxKind.CallExpression]: (e: CallExpression, scope) => this.callExpression(e, scope),
    [SyntaxKind.NewExpression]: (e: NewExpression, scope) => {
      const callee = this.evalExpr(e.getExpression(), scope);
      const args = this.evalArgs(e.getArguments(), scope);
      if (isPoison(callee) || args.some(isPoison)) return poison;
      return this.construct(callee, args, this.site(e));
    },
    [SyntaxKind.PrefixUnaryExpression]: (e: TsNode, scope) => this.prefixUnary(e, scope),
    [SyntaxKind.PostfixUnaryExpression]: (e: TsNode, scope) => {
      if (!TsNode.isPostfixUnaryExpression(e)) return undefined;
      const target = e.getOperand();
      const old = this.evalExpr(target, scope);
      if (typeof old !== "number") return fail("nonConstant", `++/-- needs a number, got ${describe(old)}`, locOf(e));
      this.assign(target, old + (e.getOperatorToken() === SyntaxKind.PlusPlusToken ? 1 : -1), scope);
      return old;
    },
    [SyntaxKind.BinaryExpression]: (e: BinaryExpression, scope) => this.binary(e, scope),
    [SyntaxKind.ConditionalExpression]: (e: TsNode, scope) => {
      if (!TsNode.isConditionalExpression(e)) return undefined;
      const c = this.evalExpr(e.getCondition(), scope);
      if (isPoison(c)) return poison;
      return this.evalExpr(this.truthy(c, e.getCondition()) ? e.getWhenTrue() : e.getWhenFalse(), scope);
    },
    [SyntaxKind.SpreadElement]: (e: TsNode) => fail("unsupportedSyntax", "spread is supported in array literals and calls only", locOf(e)),
  };

  private identifier(e: TsNode, scope: Scope): Value {
    const name = e.getText();
    if (name === "undefined") return undefined;
    const found = scope.lookup(name);
    if (found) return found.value;
    if (runtimeOnlyGlobals.has(name))
      fail("undefinedName", `'${name}' cannot be used in a model file: tsdp evaluates models statically and never runs them`, locOf(e));
    if (this.dsl.has(name)) return fail("undefinedName", `'${name}' is not defined; import it: import { ${name} } from "tsdp/dsl"`, locOf(e));
    return fail("undefinedName", `'${name}' is not defined`, locOf(e));
  }

  private prefixUnary(e: TsNode, scope: Scope): Value {
    if (!TsNode.isPrefixUnaryExpression(e)) return undefined;
    const op = e.getOperatorToken();
    if (op === SyntaxKind.PlusPlusToken || op === SyntaxKind.MinusMinusToken) {
      const v = this.evalExpr(e.getOperand(), scope);
      if (typeof v !== "number") return fail("nonConstant", `++/-- needs a number, got ${describe(v)}`, locOf(e));
      const next = v + (op === SyntaxKind.PlusPlusToken ? 1 : -1);
      this.assign(e.getOperand(), next, scope);
      return next;
    }
    const v = this.evalExpr(e.getOperand(), scope);
    if (isPoison(v)) return poison;
    if (op === SyntaxKind.ExclamationToken) return !this.truthy(v, e.getOperand());
    if (v instanceof TensorValue) return fail("tensorOperator", `unary ${e.getText()[0]} on a tensor; write x.neg()`, locOf(e));
    if (op === SyntaxKind.MinusToken) {
      if (v instanceof SymInt) return fail("nonConstant", "the batch size cannot be negated", locOf(e));
      if (typeof v !== "number") return fail("wrongArgumentType", `cannot negate ${describe(v)}`, locOf(e));
      return -v;
    }
    if (op === SyntaxKind.PlusToken && typeof v === "number") return v;
    return fail("unsupportedSyntax", `the operator in ${e.getText()} is not supported`, locOf(e));
  }

  private binary(e: BinaryExpression, scope: Scope): Value {
    const op = e.getOperatorToken().getKind();
    const left = e.getLeft();
    if (op === SyntaxKind.EqualsToken) {
      const v = this.evalExpr(e.getRight(), scope);
      this.assign(left, v, scope);
      return v;
    }
    const compound = compoundOps[op];
    if (compound !== undefined) {
      const v = this.arith(compound, this.evalExpr(left, scope), this.evalExpr(e.getRight(), scope), e);
      this.assign(left, v, scope);
      return v;
    }
    if (op === SyntaxKind.AmpersandAmpersandToken || op === SyntaxKind.BarBarToken || op === SyntaxKind.QuestionQuestionToken) {
      const l = this.evalExpr(left, scope);
      if (isPoison(l)) return poison;
      if (op === SyntaxKind.QuestionQuestionToken) return l === null || l === undefined ? this.evalExpr(e.getRight(), scope) : l;
      const t = this.truthy(l, left);
      if (op === SyntaxKind.AmpersandAmpersandToken) return t ? this.evalExpr(e.getRight(), scope) : l;
      return t ? l : this.evalExpr(e.getRight(), scope);
    }
    return this.arith(op, this.evalExpr(left, scope), this.evalExpr(e.getRight(), scope), e);
  }

  private arith(op: SyntaxKind, l: Value, r: Value, e: TsNode): Value {
    if (isPoison(l) || isPoison(r)) return poison;
    const symbol = e.getChildAtIndex(1)?.getText() ?? "?";
    if (l instanceof TensorValue || r instanceof TensorValue)
      return fail("tensorOperator", `'${symbol}' on a tensor`, locOf(e));
    switch (op) {
      case SyntaxKind.EqualsEqualsEqualsToken:
      case SyntaxKind.EqualsEqualsToken:
        return this.equal(l, r, e);
      case SyntaxKind.ExclamationEqualsEqualsToken:
      case SyntaxKind.ExclamationEqualsToken:
        return !this.equal(l, r, e);
    }
    if (l instanceof SymInt || r instanceof SymInt) return this.symArith(op, l, r, e, symbol);
    if (op === SyntaxKind.PlusToken && (typeof l === "string" || typeof r === "string")) {
      if (!isPrimitive(l) || !isPrimitive(r)) fail("wrongArgumentType", `cannot add ${describe(l)} and ${describe(r)}`, locOf(e));
      const joined = String(l) + String(r);
      this.charge(joined.length, e);
      this.budget.size(joined.length, "string", locOf(e));
      return joined;
    }
    if (typeof l !== "number" || typeof r !== "number")
      return fail("wrongArgumentType", `'${symbol}' needs numbers, got ${describe(l)} and ${describe(r)}`, locOf(e));
    const f = numericOps[op];
    if (!f) return fail("unsupportedSyntax", `the operator '${symbol}' is not supported`, locOf(e));
    return f(l, r);
  }

  /** Only k·Batch × n and k·Batch / n (exact) keep the batch symbolic. */
  private symArith(op: SyntaxKind, l: Value, r: Value, e: TsNode, symbol: string): Value {
    if (op === SyntaxKind.AsteriskToken) {
      if (l instanceof SymInt && typeof r === "number" && Number.isInteger(r) && r > 0) return new SymInt(l.coef * r);
      if (r instanceof SymInt && typeof l === "number" && Number.isInteger(l) && l > 0) return new SymInt(r.coef * l);
    }
    if (op === SyntaxKind.SlashToken && l instanceof SymInt && typeof r === "number" && l.coef % r === 0) return new SymInt(l.coef / r);
    if ((op === SyntaxKind.LessThanToken || op === SyntaxKind.GreaterThanToken || op === SyntaxKind.LessThanEqualsToken || op === SyntaxKind.GreaterThanEqualsToken))
      return fail("dataDependentControlFlow", "this comparison depends on the batch size, which is known only at run time", locOf(e));
    return fail("nonConstant", `'${symbol}' with the batch size is not a compile-time constant; the batch size can only be passed to view/reshape`, locOf(e));
  }

  private equal(l: Value, r: Value, e: TsNode): boolean {
    if (l instanceof ModeFlag || r instanceof ModeFlag)
      return this.truthy(ModeFlag.value, e);
    if (l instanceof SymInt || r instanceof SymInt)
      return fail("dataDependentControlFlow", "this comparison depends on the batch size, which is known only at run time", locOf(e));
    if (typeof l === "string" && typeof r === "string") this.charge(Math.min(l.length, r.length), e);
    return l === r;
  }

  private assign(target: TsNode, value: Value, scope: Scope): void {
    if (TsNode.isIdentifier(target)) {
      const r = scope.assign(target.getText(), value);
      if (r === "const") fail("assignToConst", `'${target.getText()}' is a constant`, locOf(target));
      if (r === "missing") {
        // nn.Conv2d(3, 16, kernel_size=3): a Python keyword argument is an assignment in TypeScript
        const assignment = target.getParent();
        const call = assignment?.getParent();
        if (assignment && call && (TsNode.isCallExpression(call) || TsNode.isNewExpression(call)) && call.getArguments().includes(assignment as Expression))
          fail(
            "undefinedName",
            `'${target.getText()}' is not defined: Python's keyword arguments are written as a trailing options object in TypeScript, { ${target.getText().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())}: ... }`,
            locOf(target),
          );
        fail("undefinedName", `'${target.getText()}' is not defined`, locOf(target));
      }
      return;
    }
    if (TsNode.isPropertyAccessExpression(target)) {
      const obj = this.evalExpr(target.getExpression(), scope);
      if (isPoison(obj)) return;
      return this.setProperty(obj, target.getName(), value, this.site(target));
    }
    if (TsNode.isElementAccessExpression(target)) {
      const obj = this.evalExpr(target.getExpression(), scope);
      const key = this.evalExpr(target.getArgumentExpressionOrThrow(), scope);
      if (isPoison(obj) || isPoison(key)) return;
      if (Array.isArray(obj) && typeof key === "number" && Number.isInteger(key) && key >= 0) {
        this.budget.size(Math.max(obj.length, key + 1), "array", locOf(target));
        obj[key] = value;
        return;
      }
      if (obj instanceof ObjectValue && (typeof key === "string" || typeof key === "number")) {
        obj.props.set(String(key), value);
        return;
      }
      // this["fc"] = new nn.Linear(...) is setattr(self, "fc", ...): the same name rules apply
      if (obj instanceof ModuleValue && obj.kind === "user" && (typeof key === "string" || typeof key === "number"))
        return this.setProperty(obj, String(key), value, this.site(target.getArgumentExpressionOrThrow()));
      if (obj instanceof TensorValue) fail("unsupportedSyntax", "assigning into a tensor is not supported: tensors are immutable in model code", locOf(target));
      return fail("unsupportedSyntax", `cannot assign into ${describe(obj)}`, locOf(target));
    }
    if (TsNode.isParenthesizedExpression(target)) return this.assign(target.getExpression(), value, scope);
    fail("unsupportedSyntax", `cannot assign to ${target.getText()}`, locOf(target));
  }

  // ---------------------------------------------------------------------------------------
  // Properties

  getProperty(obj: Value, name: string, site: CallSite): Value {
    if (obj instanceof TensorValue) {
      const v = tensorProperty(obj, name, this.em);
      if (v === undefined) fail("unknownProperty", `tensors have no property '${name}' in tsdp${didYouMean(name, ["shape", ...Object.keys(tensorMethods)], "")}`, site.loc);
      return v;
    }
    if (obj instanceof NamespaceValue) {
      const v = obj.members.get(name);
      if (v === undefined)
        fail(
          obj.name === "nn" || obj.name === "F" || obj.name === "optim" ? "unknownLayer" : "unknownProperty",
          `${obj.name}.${name} is not part of tsdp's model language${didYouMean(name, [...obj.members.keys()], obj.name)}`,
          site.loc,
        );
      return v;
    }
    if (obj instanceof ModuleValue) return this.moduleProperty(obj, name, site);
    if (obj instanceof ObjectValue) return obj.props.get(name);
    if (Array.isArray(obj)) {
      if (name === "length") return obj.length;
      const m = arrayMethod(obj, name, this.arrayHooks);
      if (m) return m;
      return fail("unknownProperty", `arrays have no method '${name}' in model code`, site.loc);
    }
    if (typeof obj === "string" && name === "length") return obj.length;
    if (obj === null || obj === undefined) return fail("wrongArgumentType", `cannot read '${name}' of ${describe(obj)}`, site.loc);
    return fail("unknownProperty", `${describe(obj)} has no property '${name}'`, site.loc);
  }

  private moduleProperty(m: ModuleValue, name: string, site: CallSite): Value {
    if (m.fields.has(name) && m.kind !== "list" && m.kind !== "sequential") return m.fields.get(name);
    if (name === "training") return ModeFlag.value;
    if (m.kind === "list" || m.kind === "sequential") {
      if (name === "length") return m.fields.size;
      if (m.kind === "list" && (name === "append" || name === "push"))
        return new BuiltinFunction(`${m.typeName}.${name}`, (args, s) => {
          this.requireConstructPhase(`${m.typeName}.${name}`, s);
          for (const a of args) appendModule(m, a, s);
          return m;
        });
      if (m.kind === "list" && name === "extend")
        return new BuiltinFunction(`${m.typeName}.extend`, (args, s) => {
          this.requireConstructPhase(`${m.typeName}.extend`, s);
          for (const a of this.iterate(args[0], s.node)) appendModule(m, a, s);
          return m;
        });
    }
    const p = m.paramNodes.get(name) ?? m.paramNodes.get(snake(name));
    if (p) return new TensorValue(p);
    const declared = [...m.params, ...m.buffers].some((d) => d.local === name || d.local === snake(name));
    if (declared) return fail("nonConstant", `${m.typeName}.${name} is a tensor, which exists only inside forward`, site.loc);
    if (m.cls) {
      const found = this.lookupMethod(m.cls, name);
      if (found) return new FunctionValue(found.method, found.owner.scope, `${found.owner.name}.${name}`, m);
    }
    if (name === "forward" && m.forward) return new BuiltinFunction(`${m.typeName}.forward`, (args, s) => this.callModule(m, args, s));
    // this["my layer"], this[0]: no layer can have such a name, so this is not a missing attribute
    if (m.kind === "user" && !isLayerName(name))
      return fail("badName", `${quoteName(name)} is not a layer of ${m.typeName}: layer names are identifiers (ASCII letters, digits and _, not starting with a digit)`, site.loc);
    if (m.kind === "user") return undefined; // an attribute not set (yet), like Python's missing attribute
    return fail("unknownProperty", `${m.typeName} has no property '${name}'`, site.loc);
  }

  private setProperty(obj: Value, name: string, value: Value, site: CallSite): void {
    if (obj instanceof ModuleValue) {
      if (this.phase === "forward")
        fail("unsupportedSyntax", `forward cannot store state on the module (this.${name} = ...): model code is a pure function of its inputs`, site.loc);
      if (obj.kind !== "user") fail("unsupportedSyntax", `cannot set '${name}' on ${obj.typeName}`, site.loc);
      // reported, and the field still set, so that its uses in forward do not fail again
      const nameAt = TsNode.isPropertyAccessExpression(site.node) ? locOf(site.node.getNameNode()) : site.loc;
      if (value instanceof ModuleValue) this.diags.recover(() => checkLayerName(name, "a layer", nameAt), undefined);
      obj.fields.set(name, value);
      return;
    }
    if (obj instanceof ObjectValue) {
      obj.props.set(name, value);
      return;
    }
    fail("unsupportedSyntax", `cannot set '${name}' on ${describe(obj)}`, site.loc);
  }

  getElement(obj: Value, key: Value, site: CallSite): Value {
    if (obj instanceof TensorValue) return fail("unsupportedSyntax", "indexing a tensor is not supported; use view/reshape/permute", site.loc);
    if (Array.isArray(obj) || (obj instanceof ModuleValue && (obj.kind === "list" || obj.kind === "sequential"))) {
      const items = Array.isArray(obj) ? obj : obj.items;
      if (typeof key !== "number" || !Number.isInteger(key))
        return typeof key === "string" ? this.getProperty(obj, key, site) : fail("wrongArgumentType", `index must be an integer, got ${describe(key)}`, site.loc);
      const i = key < 0 && !Array.isArray(obj) ? key + items.length : key;
      if (i < 0 || i >= items.length) return fail("invalidArgument", `index ${key} is out of range for ${items.length} items`, site.loc);
      return items[i];
    }
    if (typeof key === "string" || typeof key === "number") return this.getProperty(obj, String(key), site);
    return fail("wrongArgumentType", `cannot index with ${describe(key)}`, site.loc);
  }

  // ---------------------------------------------------------------------------------------
  // Calls

  private evalArgs(args: readonly TsNode[], scope: Scope): Value[] {
    const out: Value[] = [];
    for (const a of args) {
      if (TsNode.isSpreadElement(a)) {
        const v = this.evalExpr(a.getExpression(), scope);
        if (isPoison(v)) out.push(poison);
        else {
          const items = this.iterate(v, a);
          this.budget.size(out.length + items.length, "array", locOf(a));
          for (const item of items) out.push(item);
        }
      } else out.push(this.evalExpr(a, scope));
    }
    return out;
  }

  private callExpression(e: CallExpression, scope: Scope): Value {
    const calleeNode = e.getExpression();
    if (calleeNode.getKind() === SyntaxKind.SuperKeyword)
      return fail("unsupportedSyntax", "super(...) must be a statement of its own in the constructor", locOf(e));
    if (calleeNode.getKind() === SyntaxKind.ImportKeyword)
      return fail("unsupportedSyntax", "dynamic import() is not supported in model files", locOf(e));
    const callee = this.evalExpr(calleeNode, scope);
    if (isPoison(callee)) return poison;
    const args = this.evalArgs(e.getArguments(), scope);
    if (args.some(isPoison)) return poison;
    return this.callValue(callee, args, this.site(e));
  }

  /** Calls a callback as JavaScript does: map passes (item, index), and (x) => ... ignores the index. */
  private callCallback(f: Value, args: Value[], site: CallSite): Value {
    if (f instanceof FunctionValue) {
      const params = (f.decl as ArrowFunction | FunctionExpression | FunctionDeclaration | MethodDeclaration).getParameters();
      if (!params.some((p) => p.isRestParameter())) args = args.slice(0, params.length);
    }
    return this.callValue(f, args, site);
  }

  callValue(callee: Value, args: Value[], site: CallSite): Value {
    if (callee instanceof BuiltinFunction) return callee.call(args, site);
    if (callee instanceof FunctionValue) return this.callFunction(callee, args, site);
    if (callee instanceof ModuleValue) return this.callModule(callee, args, site);
    if (callee instanceof ClassValue || callee instanceof BuiltinClass)
      return fail("notCallable", `${callee.name} is a class: write new ${callee.name}(...)`, site.loc);
    return fail("notCallable", `${describe(callee)} is not a function`, site.loc);
  }

  callFunction(f: FunctionValue, args: Value[], site: CallSite): Value {
    const decl = f.decl as FunctionDeclaration | ArrowFunction | FunctionExpression | MethodDeclaration;
    if (this.callStack.includes(decl))
      fail("recursion", `${f.name} calls itself (directly or through other calls)`, site.loc);
    if (TsNode.isFunctionDeclaration(decl) || TsNode.isFunctionExpression(decl) || TsNode.isMethodDeclaration(decl)) {
      if (decl.isAsync() || decl.isGenerator?.()) fail("unsupportedSyntax", "async and generator functions are not supported in model code", locOf(decl));
    }
    const scope = new Scope(f.closure, f.self);
    this.enter(site.loc, CALL_LEVELS);
    try {
      this.bindParameters(decl.getParameters(), args, scope, f.name, site);
    } catch (e) {
      this.budget.leave(CALL_LEVELS);
      throw e;
    }
    this.callStack.push(decl);
    try {
      const body = decl.getBody();
      if (!body) return fail("unsupportedSyntax", `${f.name} has no body`, locOf(decl));
      if (TsNode.isBlock(body)) {
        const done = this.execBlock(body.getStatements(), scope);
        return done.kind === "return" ? done.value : undefined;
      }
      return this.evalExpr(body, scope);
    } finally {
      this.callStack.pop();
      this.budget.leave(CALL_LEVELS);
    }
  }

  private bindParameters(params: readonly ParameterDeclaration[], args: Value[], scope: Scope, who: string, site: CallSite): void {
    const required = params.filter((p) => !p.hasInitializer() && !p.isOptional() && !p.isRestParameter()).length;
    const hasRest = params.some((p) => p.isRestParameter());
    if (args.length < required || (!hasRest && args.length > params.length))
      fail("wrongArgumentCount", `${who} expects ${required === params.length ? required : `${required} to ${params.length}`} argument${params.length === 1 ? "" : "s"}, got ${args.length}`, site.loc);
    params.forEach((p, i) => {
      let v: Value = p.isRestParameter() ? args.slice(i) : args[i];
      if (v === undefined && p.hasInitializer()) v = this.evalExpr(p.getInitializerOrThrow(), scope);
      this.bindPattern(p.getNameNode(), v, scope, true);
    });
  }

  /** Calls a module as PyTorch's __call__ does: its forward, with nodes named by its path. */
  callModule(m: ModuleValue, args: Value[], site: CallSite): Value {
    if (this.phase !== "forward") fail("nonConstant", `${m.typeName} can only be called inside forward`, site.loc);
    if (args.some(isPoison)) return poison;
    if (m.path === undefined)
      fail("moduleNotInModel", `this ${m.typeName} is not registered in the model: store layers as fields of a module, or in nn.ModuleList / nn.Sequential (a plain array does not register them)`, site.loc);
    return this.em.within(m.path, () => {
      if (m.forward) return m.forward(m, args, site);
      if (m.kind === "list") return fail("notCallable", "nn.ModuleList is not callable; iterate over it and call each module", site.loc);
      const found = m.cls && this.lookupMethod(m.cls, "forward");
      if (!found) return fail("noForward", `${m.typeName} has no forward method`, site.loc);
      return this.callFunction(new FunctionValue(found.method, found.owner.scope, `${found.owner.name}.forward`, m), args, site);
    });
  }

  private requireConstructPhase(who: string, site: CallSite): void {
    if (this.phase === "forward") fail("moduleOutsideConstructor", `${who} is called inside forward`, site.loc);
  }

  // ---------------------------------------------------------------------------------------
  // Classes

  construct(callee: Value, args: Value[], site: CallSite): Value {
    if (callee instanceof BuiltinClass) return callee.construct(args, site);
    if (!(callee instanceof ClassValue)) return fail("notCallable", `${describe(callee)} cannot be constructed with new`, site.loc);
    this.requireConstructPhase(`new ${callee.name}`, site);
    if (!this.isModuleClass(callee))
      fail("unsupportedSyntax", `${callee.name} does not extend nn.Module; only modules can be created in model code`, site.loc);
    if (this.constructing.includes(callee.decl))
      fail("recursion", `${callee.name} creates another ${callee.name} while it is being constructed`, site.loc);
    const self = new ModuleValue("user", callee.name, site.loc, callee);
    const saved = this.phase;
    this.enter(site.loc, CALL_LEVELS);
    this.phase = "construct";
    this.constructing.push(callee.decl);
    try {
      this.runConstructor(callee, self, args, site);
    } finally {
      this.constructing.pop();
      this.phase = saved;
      this.budget.leave(CALL_LEVELS);
    }
    return self;
  }

  /** A method of `cls` or of the user classes it extends, with the class that declares it. */
  lookupMethod(cls: ClassValue, name: string): { method: MethodDeclaration; owner: ClassValue } | undefined {
    for (const c of this.classChain(cls)) {
      const own = c.decl.getMethod(name);
      if (own && own.getBody()) return { method: own, owner: c };
    }
    return undefined;
  }

  /**
   * `cls` and the user classes it extends, nearest first; a loop walks it, as an `extends` chain
   * can be as long as the file. A cycle (class A extends B, B extends A) ends the chain.
   */
  private classChain(cls: ClassValue): ClassValue[] {
    const chain: ClassValue[] = [];
    const seen = new Set<ClassDeclaration>();
    for (let c: ClassValue | undefined = cls; c && !seen.has(c.decl); ) {
      if (chain.length >= this.limits.maxDepth)
        throw limitError("nestingTooDeep", "maxDepth", this.limits.maxDepth, `${cls.name} extends a chain of more than ${this.limits.maxDepth} classes`, locOf(cls.decl.getNameNode() ?? cls.decl));
      seen.add(c.decl);
      chain.push(c);
      const base = this.baseClass(c);
      c = base instanceof ClassValue ? base : undefined;
    }
    return chain;
  }

  /** The user class this one extends, or nn.Module; fails for anything else. */
  baseClass(cls: ClassValue): ClassValue | "module" | undefined {
    const heritage = cls.decl.getExtends();
    if (!heritage) return undefined;
    const base = this.evalExpr(heritage.getExpression(), cls.scope);
    if (isPoison(base)) throw new CompileError([]); // the base already failed (a bad import) and was reported
    if (base === moduleBase) return "module";
    if (base instanceof ClassValue) return base;
    if (base instanceof BuiltinClass)
      return fail("unsupportedSyntax", `extending ${base.name} is not supported; extend nn.Module and hold a ${base.name} as a field`, locOf(heritage));
    return fail("wrongArgumentType", `${cls.name} extends ${describe(base)}, not a class`, locOf(heritage));
  }

  isModuleClass(cls: ClassValue): boolean {
    const chain = this.classChain(cls);
    return this.baseClass(chain[chain.length - 1]) === "module";
  }

  /** TypeScript's order: super(...) runs the base, then this class's field initializers, then the rest. */
  private runConstructor(cls: ClassValue, self: ModuleValue, args: Value[], site: CallSite): void {
    for (const member of cls.decl.getMembers()) {
      if (TsNode.isGetAccessorDeclaration(member) || TsNode.isSetAccessorDeclaration(member) || TsNode.isClassStaticBlockDeclaration(member))
        fail("unsupportedSyntax", `${describeSyntax(member)} is not supported in model classes`, locOf(member));
      if (TsNode.isPropertyDeclaration(member) && member.isStatic())
        fail("unsupportedSyntax", "static class members are not supported in model classes; use a module-level const", locOf(member));
    }
    const ctor = cls.decl.getConstructors().find((c) => c.getBody() !== undefined);
    const base = this.baseClass(cls);
    if (!ctor) {
      if (base instanceof ClassValue) {
        // a base's constructor runs inside this one: nesting, counted like a call
        this.enter(cls.decl.getNameNode() ?? cls.decl, CALL_LEVELS);
        try {
          this.runConstructor(base, self, args, site);
        } finally {
          this.budget.leave(CALL_LEVELS);
        }
      }
      else if (args.length > 0) fail("wrongArgumentCount", `${cls.name} has no constructor but got ${args.length} argument${args.length === 1 ? "" : "s"}`, site.loc);
      this.initFields(cls, self);
      return;
    }
    const scope = new Scope(cls.scope, self);
    this.bindParameters(ctor.getParameters(), args, scope, `new ${cls.name}`, site);
    this.pending.push({ cls, self, ctor, scope, base, superCalled: false });
    this.callStack.push(ctor);
    try {
      this.execBlock((ctor.getBodyOrThrow() as Block).getStatements(), scope);
      const frame = this.pending[this.pending.length - 1];
      if (!frame.superCalled) fail("unsupportedSyntax", `the constructor of ${cls.name} must call super()`, locOf(ctor));
    } finally {
      this.pending.pop();
      this.callStack.pop();
    }
  }

  private readonly pending: {
    cls: ClassValue;
    self: ModuleValue;
    ctor: ConstructorDeclaration;
    scope: Scope;
    base: ClassValue | "module" | undefined;
    superCalled: boolean;
  }[] = [];

  private superCall(e: CallExpression, scope: Scope): void {
    const frame = this.pending[this.pending.length - 1];
    if (!frame) fail("unsupportedSyntax", "super() outside a constructor", locOf(e));
    if (frame.superCalled) fail("unsupportedSyntax", "super() is called twice", locOf(e));
    const args = this.evalArgs(e.getArguments(), scope);
    frame.superCalled = true;
    if (frame.base instanceof ClassValue) this.runConstructor(frame.base, frame.self, args, this.site(e));
    else if (args.length > 0) fail("wrongArgumentCount", "nn.Module's constructor takes no arguments", locOf(e));
    this.initFields(frame.cls, frame.self);
    // parameter properties (constructor(private n: number)) are fields too
    for (const p of frame.ctor.getParameters())
      if (p.isParameterProperty()) {
        const value = frame.scope.lookup(p.getName())?.value;
        if (value instanceof ModuleValue) this.diags.recover(() => checkLayerName(p.getName(), "a layer", locOf(p.getNameNode())), undefined);
        frame.self.fields.set(p.getName(), value);
      }
  }

  private initFields(cls: ClassValue, self: ModuleValue): void {
    const scope = new Scope(cls.scope, self);
    for (const prop of cls.decl.getProperties()) {
      if (prop.isStatic()) continue;
      const init = prop.getInitializer();
      if (!init) continue;
      const name = memberName(prop.getNameNode());
      const value = this.diags.recover(() => this.evalExpr(init, scope), poison);
      if (value instanceof ModuleValue && !isLayerName(name))
        this.diags.recover(() => checkLayerName(name, "a layer", locOf(prop.getNameNode())), undefined);
      self.fields.set(name, value);
    }
  }
}


/** "; did you mean nn.Linear?" for a misspelling (nn.Linaer), not for another layer (nn.Conv3d). */
function didYouMean(name: string, known: readonly string[], ns: string): string {
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
function containsReturn(stmt: TsNode): boolean {
  if (TsNode.isReturnStatement(stmt)) return true;
  const isFunction = (n: TsNode) => TsNode.isFunctionLikeDeclaration(n) || TsNode.isArrowFunction(n) || TsNode.isFunctionExpression(n);
  return stmt.getDescendantsOfKind(SyntaxKind.ReturnStatement).some((r) => {
    for (let a: TsNode | undefined = r.getParent(); a && a !== stmt; a = a.getParent()) if (isFunction(a)) return false;
    return true;
  });
}

/** The names a top-level statement declares. */
function declaredNames(stmt: Statement): string[] {
  if (TsNode.isImportDeclaration(stmt)) {
    const names = stmt.getNamedImports().map((n) => n.getAliasNode()?.getText() ?? n.getName());
    const def = stmt.getDefaultImport();
    const ns = stmt.getNamespaceImport();
    return [...names, ...(def ? [def.getText()] : []), ...(ns ? [ns.getText()] : [])];
  }
  if (TsNode.isVariableStatement(stmt)) return stmt.getDeclarations().flatMap((d) => boundNames(d.getNameNode()));
  if (TsNode.isEnumDeclaration(stmt) || TsNode.isClassDeclaration(stmt) || TsNode.isFunctionDeclaration(stmt)) {
    const name = stmt.getName();
    return name ? [name] : [];
  }
  return [];
}

function boundNames(name: BindingName): string[] {
  if (TsNode.isIdentifier(name)) return [name.getText()];
  return name.getElements().flatMap((el) => (TsNode.isOmittedExpression(el) ? [] : boundNames(el.getNameNode())));
}

function snake(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function isPrimitive(v: Value): boolean {
  return typeof v === "number" || typeof v === "string" || typeof v === "boolean";
}

/** A readable name for a syntax kind in "X is not supported" messages. */
export function describeSyntax(node: TsNode): string {
  const names: Partial<Record<SyntaxKind, string>> = {
    [SyntaxKind.WhileStatement]: "a while loop (use a for loop with constant bounds)",
    [SyntaxKind.DoStatement]: "a do-while loop (use a for loop with constant bounds)",
    [SyntaxKind.ForInStatement]: "for-in (use for-of)",
    [SyntaxKind.TryStatement]: "try/catch",
    [SyntaxKind.ThrowStatement]: "throw",
    [SyntaxKind.SwitchStatement]: "switch (use if/else)",
    [SyntaxKind.BreakStatement]: "break",
    [SyntaxKind.ContinueStatement]: "continue",
    [SyntaxKind.LabeledStatement]: "a labeled statement",
    [SyntaxKind.AwaitExpression]: "await",
    [SyntaxKind.YieldExpression]: "yield",
    [SyntaxKind.DeleteExpression]: "delete",
    [SyntaxKind.TypeOfExpression]: "typeof",
    [SyntaxKind.ClassExpression]: "a class expression",
    [SyntaxKind.ClassDeclaration]: "a nested class declaration",
    [SyntaxKind.TaggedTemplateExpression]: "a tagged template",
    [SyntaxKind.RegularExpressionLiteral]: "a regular expression",
    [SyntaxKind.BigIntLiteral]: "a bigint literal",
    [SyntaxKind.GetAccessor]: "a getter",
    [SyntaxKind.SetAccessor]: "a setter",
    [SyntaxKind.ClassStaticBlockDeclaration]: "a static block",
    [SyntaxKind.VoidExpression]: "void",
  };
  return names[node.getKind()] ?? `${node.getKindName()} ('${node.getText().split("\n")[0].slice(0, 40)}')`;
}

const numericOps: Partial<Record<SyntaxKind, (a: number, b: number) => number | boolean>> = {
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
};

const compoundOps: Partial<Record<SyntaxKind, SyntaxKind>> = {
  [SyntaxKind.PlusEqualsToken]: SyntaxKind.PlusToken,
  [SyntaxKind.MinusEqualsToken]: SyntaxKind.MinusToken,
  [SyntaxKind.AsteriskEqualsToken]: SyntaxKind.AsteriskToken,
  [SyntaxKind.SlashEqualsToken]: SyntaxKind.SlashToken,
};

