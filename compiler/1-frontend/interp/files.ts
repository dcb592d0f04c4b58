import { Node as TsNode, type BindingName, type EnumDeclaration, type SourceFile, type Statement } from "ts-morph";
import { fail, type SourceLoc } from "../../diagnostics/diagnostic.ts";
import { Scope } from "../scope.ts";
import { evaluationBegins, freshFloat } from "../float-literals.ts";
import { decoratorErrors, locOf } from "../source.ts";
import { ClassValue, describe, FunctionValue, NamespaceValue, ObjectValue, type Value } from "../values.ts";
import { CALL_LEVELS, InterpreterCore, poison } from "./core.ts";
import { boundNames, declaredNames } from "./syntax.ts";
import { join } from "node:path";
import { packageRoot } from "../../package-root.mjs";
import { EINOPS_MODULE, EINOPS_REFUSED, EINOPS_TYPES } from "../einops.ts";

/** The import of tsdp's torchvision.models (vision/models.ts), and where that file is. */
const VISION = "tsdp/vision";
const VISION_MODELS = join(packageRoot, "vision", "models.ts");

// Files and their top-level declarations: imports, re-exports, and top-level names bound lazily.
export abstract class FileEvaluator extends InterpreterCore {
  /**
   * What each file (by its top-level scope) exports besides its own top-level names: the names of
   * `export { local as five }` (exported → local) and the files of `export * from "./inner.ts"`.
   */
  private readonly fileExports = new Map<Scope, { readonly aliases: Map<string, string>; readonly stars: string[] }>();

  /** The scope of a file's top level, with its imports and declarations bound lazily. */
  fileScope(path: string, from?: SourceLoc): Scope {
    const cached = this.fileScopes.get(path);
    if (cached) return cached;
    const { file, syntaxErrors } = this.sources.load(path, from);
    for (const d of syntaxErrors) this.diags.add(d);
    if (syntaxErrors.length === 0) for (const d of decoratorErrors(file)) this.diags.add(d);
    const scope = new Scope(this.globals);
    this.fileScopes.set(path, scope);
    this.fileExports.set(scope, { aliases: new Map(), stars: [] });
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
      TsNode.isEmptyStatement(stmt)
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
        const since = evaluationBegins();
        const value = this.diags.recover(compute, poison);
        scope.declare(name, value, false);
        // const SCALE = 1.0 is a Python float
        const init = TsNode.isVariableDeclaration(decl) && TsNode.isIdentifier(decl.getNameNode()) ? decl.getInitializer() : undefined;
        if (init) scope.noteFloat(name, freshFloat(init, since));
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
    // a package (import fs from "fs", import _ from "lodash") is refused for what it is, not for the default import's form
    const external = spec !== "tsdp/dsl" && spec !== VISION && spec !== EINOPS_MODULE && !spec.startsWith(".");
    // Python's `from einops import rearrange` / `from einops.layers.torch import Rearrange`: tsdp's own module
    if (external && (spec === "einops" || spec.startsWith("einops/")))
      fail("importNotSupported", `cannot import '${spec}' into a model file; einops is built in: import { rearrange, repeat, reduce, Rearrange, Reduce } from "${EINOPS_MODULE}"`, site.loc);
    if (external) fail("importNotSupported", `cannot import '${spec}' into a model file`, site.loc);
    const def = stmt.getDefaultImport();
    if (def) fail("importNotSupported", `default imports are not supported ('${def.getText()}'); use named imports${spec === "tsdp/dsl" ? "" : ` (export it by name and import { ${def.getText()} } from "${spec}")`}`, locOf(def));
    if (spec === "tsdp/dsl" || spec === EINOPS_MODULE) {
      const members = spec === EINOPS_MODULE ? this.einops : this.dsl;
      const ns = stmt.getNamespaceImport();
      if (ns) scope.declare(ns.getText(), new NamespaceValue(ns.getText(), members), false);
      for (const named of stmt.getNamedImports()) {
        if (named.isTypeOnly()) continue;
        const name = named.getName();
        const local = named.getAliasNode()?.getText() ?? name;
        const value = members.get(name);
        const refused = spec === EINOPS_MODULE ? EINOPS_REFUSED.get(name) : undefined;
        if (refused) fail("importNotSupported", refused, locOf(named));
        if (value === undefined && spec === EINOPS_MODULE && !EINOPS_TYPES.has(name)) fail("importNotFound", `'${name}' is not exported by ${EINOPS_MODULE} (it has ${[...members.keys()].join(", ")})`, locOf(named));
        // Types (Tensor, Batch, Shape, ...) have no value; the evaluator never needs them.
        if (value !== undefined) scope.declare(local, value, false);
      }
      return;
    }
    // tsdp/vision: torchvision.models in the model language, a file of the package read as the user's own
    const target = spec === VISION ? VISION_MODELS : this.sources.resolveImport(file.getFilePath(), spec);
    if (!target) fail("importNotFound", `cannot find '${spec}' next to ${file.getBaseName()}`, site.loc);
    const ns = stmt.getNamespaceImport();
    if (ns) fail("importNotSupported", "namespace imports of your own files are not supported; import the names", locOf(ns));
    for (const named of stmt.getNamedImports()) {
      if (named.isTypeOnly()) continue;
      const name = named.getName();
      const local = named.getAliasNode()?.getText() ?? name;
      const at = locOf(named);
      // import { default as Head }: the default import spelled out, refused as that is
      if (name === "default")
        fail("importNotSupported", `default exports and imports are not supported ('default as ${local}'); export it by name (export class ${local} …) and import { ${local} } from "${spec}"`, at);
      scope.declareLazy(local, () => this.importedValue(target, name, at));
    }
  }

  /**
   * export { a, local as five } (this file's names, under the names importers use), export { a as b }
   * from "./x.ts" and export * from "./x.ts" (every name x.ts exports, found when one is imported).
   */
  protected declareReexport(file: SourceFile, stmt: TsNode, scope: Scope): void {
    if (!TsNode.isExportDeclaration(stmt) || stmt.isTypeOnly()) return;
    const exports = this.fileExports.get(scope)!;
    const spec = stmt.getModuleSpecifierValue();
    if (spec === undefined) {
      // not bound in this file's scope: inside the file `five` is not a name, and a const five of its own stays its own
      // (export { a } exports the top-level a, which an import finds anyway)
      for (const named of stmt.getNamedExports()) {
        const alias = named.getAliasNode()?.getText();
        if (alias !== undefined && !named.isTypeOnly()) exports.aliases.set(alias, named.getName());
      }
      return;
    }
    const ns = stmt.getNamespaceExport();
    if (ns) fail("importNotSupported", `export * as ${ns.getName()} from "${spec}" is not supported; re-export the names (export { a, b } from "${spec}") or all of them (export * from "${spec}")`, locOf(stmt));
    const target = this.sources.resolveImport(file.getFilePath(), spec);
    if (!target) fail("importNotFound", `cannot find '${spec}' next to ${file.getBaseName()}`, locOf(stmt));
    if (!stmt.hasNamedExports()) {
      exports.stars.push(target);
      return;
    }
    for (const named of stmt.getNamedExports()) {
      const name = named.getName();
      const local = named.getAliasNode()?.getText() ?? name;
      const at = locOf(named);
      scope.declareLazy(local, () => this.importedValue(target, name, at));
    }
  }

  protected importedValue(path: string, name: string, at: SourceLoc): Value {
    // resolved on first use, inside whatever is running, and a chain of re-exports resolves
    // nested: counted as a call is (exported); last, as before, a global seen from the file's
    // scope (import { Math } from "./x.ts")
    const found = this.exported(path, name, at, new Set([path])) ?? this.fileScope(path, at).lookup(name);
    if (!found) fail("importNotFound", `'${name}' is not declared in ${path.split("/").pop()}`, at);
    return found.value;
  }

  /**
   * The value `name` has as an export of the file at `path`: an export { local as name } of it, a
   * top-level name of it, or (not "default", as JavaScript's export * leaves it out) an export of a
   * file it re-exports with export *, each file once (`seen`: export * cycles). Each level counts
   * as a call, so a long chain ends at the nesting budget.
   */
  private exported(path: string, name: string, at: SourceLoc, seen: Set<string>): { value: Value } | undefined {
    this.enter(at, CALL_LEVELS);
    try {
      const scope = this.fileScope(path, at);
      const exports = this.fileExports.get(scope);
      const local = exports?.aliases.get(name);
      if (local !== undefined) {
        const found = scope.lookup(local);
        if (!found) fail("importNotFound", `'${local}' (exported as '${name}') is not declared in ${path.split("/").pop()}`, at);
        return found;
      }
      if (scope.hasOwn(name)) return scope.lookup(name);
      if (name === "default") return undefined;
      // two export * that give one name two values: JavaScript leaves it unexported (an import of
      // it is a SyntaxError), so it is refused rather than taken from the first
      let hit: { from: string; found: { value: Value } } | undefined;
      for (const star of exports?.stars ?? []) {
        if (seen.has(star)) continue;
        seen.add(star);
        const found = this.exported(star, name, at, seen);
        if (!found) continue;
        if (hit && hit.found.value !== found.value)
          fail("importNotFound", `'${name}' is exported by both ${hit.from.split("/").pop()} and ${star.split("/").pop()} through export * in ${path.split("/").pop()}, which leaves it ambiguous (not exported, as in JavaScript); import it from one of them, or re-export one by name`, at);
        hit ??= { from: star, found };
      }
      return hit?.found;
    } finally {
      this.budget.leave(CALL_LEVELS);
    }
  }
}
