import { Node as TsNode, type BindingName, type EnumDeclaration, type SourceFile, type Statement } from "ts-morph";
import { fail, type SourceLoc } from "../../diagnostics/diagnostic.ts";
import { Scope } from "../scope.ts";
import { decoratorErrors, locOf } from "../source.ts";
import { ClassValue, describe, FunctionValue, NamespaceValue, ObjectValue, type Value } from "../values.ts";
import { CALL_LEVELS, InterpreterCore, poison } from "./core.ts";
import { boundNames, declaredNames } from "./syntax.ts";

// Files and their top-level declarations: imports, re-exports, and top-level names bound lazily.
export abstract class FileEvaluator extends InterpreterCore {
  /** The scope of a file's top level, with its imports and declarations bound lazily. */
  fileScope(path: string, from?: SourceLoc): Scope {
    const cached = this.fileScopes.get(path);
    if (cached) return cached;
    const { file, syntaxErrors } = this.sources.load(path, from);
    for (const d of syntaxErrors) this.diags.add(d);
    if (syntaxErrors.length === 0) for (const d of decoratorErrors(file)) this.diags.add(d);
    const scope = new Scope(this.globals);
    this.fileScopes.set(path, scope);
    if (syntaxErrors.length === 0) this.declareTopLevel(file, scope);
    return scope;
  }

  fileOf(path: string): SourceFile {
    return this.sources.load(path).file;
  }

  protected declareTopLevel(file: SourceFile, scope: Scope): void {
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

  protected declareStatement(file: SourceFile, stmt: Statement, scope: Scope): void {
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
        if (!init) fail("unsupportedSyntax", `const ${nameNode.getText()} needs a value`, locOf(decl));
        if (TsNode.isIdentifier(nameNode)) {
          this.declareTopLevelLazy(nameNode.getText(), decl, scope, () => this.evalExpr(init, scope));
          continue;
        }
        // const { Normal, Categorical } = F.distributions (Python's `from torch.distributions import …`):
        // the value once, then each name bound as a local destructuring binds it, where it is first used
        let value: { v: Value } | undefined;
        for (const name of boundNames(nameNode))
          this.declareTopLevelLazy(name, decl, scope, () => {
            value ??= { v: this.evalExpr(init, scope) };
            const bound = new Scope(scope);
            this.bindPattern(nameNode, value.v, bound, false);
            return bound.lookup(name)!.value;
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
    if (TsNode.isEnumDeclaration(stmt)) return this.declareTopLevelLazy(stmt.getName(), stmt, scope, () => this.enumObject(stmt, scope));
    if (TsNode.isExpressionStatement(stmt) || TsNode.isIfStatement(stmt) || TsNode.isIterationStatement(stmt))
      fail("topLevelCode", `this statement would run when the file is loaded: ${stmt.getText().split("\n")[0]}`, site.loc);
    fail("unsupportedSyntax", `${stmt.getKindName()} is not supported at the top level of a model file`, site.loc);
  }

  /** A top-level name whose value is computed where it is first used, once, at the top level's phase. */
  protected declareTopLevelLazy(name: string, decl: TsNode, scope: Scope, compute: () => Value): void {
    scope.declareLazy(name, () => {
      // Scope.lookup drops a thunk before running it, so a use of the name while its value is being
      // computed (const a = b; const b = a) would read undefined: until the value is known, the
      // name is bound to a thunk that reports the cycle, and then to the value
      scope.declareLazy(name, () => fail("recursion", `the value of '${name}' depends on itself`, locOf(decl)));
      // evaluated where it is first used, inside whatever is running: nesting, as a call is
      this.enter(decl, CALL_LEVELS);
      const saved = this.phase;
      this.phase = "toplevel";
      try {
        const value = this.diags.recover(compute, poison);
        scope.declare(name, value, false);
        return value;
      } finally {
        this.phase = saved;
        this.budget.leave(CALL_LEVELS);
      }
    });
  }

  /**
   * An enum as TypeScript compiles it: an object of its members, numbers counting on from the last
   * initializer (0 first) or strings, a numeric member also mapped back to its name (Kind[0] is
   * "A"); an initializer may name earlier members.
   */
  protected enumObject(decl: EnumDeclaration, scope: Scope): Value {
    const props = new Map<string, Value>();
    const members = new Scope(scope);
    let next: number | undefined = 0;
    for (const m of decl.getMembers()) {
      const name = m.getName();
      const init = m.getInitializer();
      if (!init && next === undefined) fail("nonConstant", `enum member ${decl.getName()}.${name} needs an initializer: it follows a string member`, locOf(m));
      const v: Value = init ? this.evalExpr(init, members) : next;
      if (typeof v === "number") {
        next = v + 1;
        props.set(String(v), name);
      } else if (typeof v === "string") next = undefined;
      else fail("nonConstant", `enum member ${decl.getName()}.${name} must be a number or a string, got ${describe(v)}`, locOf(init ?? m));
      props.set(name, v);
      members.declare(name, v, false);
    }
    return new ObjectValue(props);
  }

  /** const [a, b] = … / const { a, b } = …: binds a pattern's names (statements.ts). */
  protected abstract bindPattern(name: BindingName, value: Value, scope: Scope, mutable: boolean): void;

  protected declareImport(file: SourceFile, stmt: TsNode & { getModuleSpecifierValue(): string }, scope: Scope): void {
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

  protected declareReexport(file: SourceFile, stmt: TsNode, scope: Scope): void {
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

  protected importedValue(path: string, name: string, at: SourceLoc): Value {
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
}
