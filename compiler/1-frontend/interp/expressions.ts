import {
  Node as TsNode,
  SyntaxKind,
  type ArrowFunction,
  type BinaryExpression,
  type CallExpression,
  type ClassExpression,
  type ElementAccessExpression,
  type Expression,
  type FunctionExpression,
  type NewExpression,
  type PropertyAccessExpression,
  ts,
} from "ts-morph";
import { fail } from "../../diagnostics/diagnostic.ts";
import { runtimeOnlyGlobals } from "../globals.ts";
import { Scope } from "../scope.ts";
import { copyElementFloats, evaluationBegins, fieldFloat, floatResult, freshFloat, noteFieldFloat, noteFloat } from "../float-literals.ts";
import { locOf } from "../source.ts";
import { setSequenceItem } from "../layers.ts";
import { BatchNumber, batchAffine, BuiltinClass, BuiltinFunction, ClassValue, describe, drawTakenBy, FunctionValue, LayerParamRef, ModeFlag, ModuleValue, NamespaceValue, ObjectValue, ParameterRegion, ParameterValue, isBatchValue, SymInt, TensorValue, type Value } from "../values.ts";
import { BATCH_BOUND } from "../args.ts";
import { LAYER_DROP_HINT, StatementEvaluator } from "./statements.ts";
import { drawDecides, isUniformDraw } from "../known-values.ts";
import { ModeFork, poison, isPoison, SHORT_CIRCUIT } from "./core.ts";
import { bitOps, compoundOps, describeSyntax, isPrimitive, logicalAssignments, numericOps } from "./syntax.ts";

/** Whether `e` is the outermost expression of an optional chain: a?.b.c is, a?.b in it is not; (a?.b).c ends at the parentheses. */
/**
 * `for (let i = 0; i < x.size(0); i++) t[i].indexAdd_(0, l[i], m[i])` (CleanRL's C51 projection): a loop
 * over the samples, which each replica would run over its own share. The batch is a tensor dim, so the
 * loop is one op over it.
 */
const PER_SAMPLE_LOOP_HINT =
  ": a loop over the batch's samples is one op over the batch dim — t[i].indexAdd_(0, idx[i], v[i]) for each i is t.scatterAdd_(1, idx, v), t[i] = f(x[i]) is f of the whole batch (with F.arange(x.size(0)) to index each sample's row)";

function isLoopCondition(e: TsNode): boolean {
  const parent = e.getParent();
  if (parent !== undefined && TsNode.isForStatement(parent)) return parent.getCondition() === e;
  return parent !== undefined && TsNode.isWhileStatement(parent) && parent.getExpression() === e;
}

function endsOptionalChain(e: TsNode): boolean {
  if (!(e.getFlags() & ts.NodeFlags.OptionalChain)) return false;
  const parent = e.getParent();
  return !(parent && parent.getFlags() & ts.NodeFlags.OptionalChain && (parent.compilerNode as { expression?: unknown }).expression === e.compilerNode);
}

// Expressions: one visitor per syntax kind in `expressions`; operators on numbers, symbolic sizes and tensors; assignment.
export abstract class ExpressionEvaluator extends StatementEvaluator {
  evalExpr(e: Expression | TsNode, scope: Scope): Value {
    const handler = this.expressions[e.getKind()];
    if (!handler) return fail("unsupportedSyntax", `${describeSyntax(e)} is not supported in model code`, locOf(e));
    this.enter(e);
    try {
      const since = evaluationBegins();
      let result: Value;
      if (!endsOptionalChain(e)) result = handler(e as never, scope);
      else
        try {
          result = handler(e as never, scope);
        } catch (x) {
          if (x === SHORT_CIRCUIT) return undefined;
          throw x;
        }
      // 1.0, 2 * 0.5, c ? 1.0 : 0, a variable holding 1.0: Python floats (float-literals.ts); a
      // property read notes its own, from the object it read
      if (typeof result === "number" && !TsNode.isPropertyAccessExpression(e) && !TsNode.isElementAccessExpression(e))
        noteFloat(e, floatResult(e, result, since, scope));
      return result;
    } finally {
      this.budget.leave();
    }
  }

  protected readonly expressions: Partial<Record<SyntaxKind, (e: never, scope: Scope) => Value>> = {
    [SyntaxKind.NumericLiteral]: (e: TsNode) => Number((e as TsNode).getText().replace(/_/g, "")),
    [SyntaxKind.StringLiteral]: (e: TsNode & { getLiteralValue(): string }) => e.getLiteralValue(),
    [SyntaxKind.NoSubstitutionTemplateLiteral]: (e: TsNode & { getLiteralValue(): string }) => e.getLiteralValue(),
    [SyntaxKind.TemplateExpression]: (e: TsNode, scope) => {
      if (!TsNode.isTemplateExpression(e)) return undefined;
      let s = e.getHead().getLiteralText();
      for (const span of e.getTemplateSpans()) {
        const v = this.evalExpr(span.getExpression(), scope);
        if (typeof v !== "number" && typeof v !== "string" && typeof v !== "boolean")
          fail("nonConstant", `cannot put ${describe(v)} in a string${isBatchValue(v) ? `: a string is fixed when the model compiles; as a slice bound (x[:B] as \`:\${B}\`), ${BATCH_BOUND}` : ""}`, locOf(span));
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
          // [...scales, 1.0]: the spread array's floats at their new places
          if (Array.isArray(v)) copyElementFloats(v, out, (i) => out.length + i);
          for (const item of items) out.push(item); // push(...items) overflows the stack past ~100,000
        } else {
          // [1.0, 0.5]: its elements' Python floats, noted on the array (float-literals.ts)
          const since = evaluationBegins();
          out.push(this.evalExpr(el, scope));
          noteFieldFloat(out, String(out.length - 1), freshFloat(el, since));
        }
      }
      return out;
    },
    [SyntaxKind.ObjectLiteralExpression]: (e: TsNode, scope) => {
      if (!TsNode.isObjectLiteralExpression(e)) return undefined;
      const props = new Map<string, Value>();
      // { label: 1.0 }: its fields' Python floats, noted on the object once it is made
      const floats = new Map<string, number | undefined>();
      for (const p of e.getProperties()) {
        const since = evaluationBegins();
        if (TsNode.isPropertyAssignment(p)) {
          const nameNode = p.getNameNode();
          const key = TsNode.isComputedPropertyName(nameNode)
            ? String(this.evalExpr(nameNode.getExpression(), scope))
            : TsNode.isStringLiteral(nameNode) || TsNode.isNumericLiteral(nameNode)
              ? String(nameNode.getLiteralValue())
              : nameNode.getText();
          props.set(key, this.evalExpr(p.getInitializerOrThrow(), scope));
          floats.set(key, freshFloat(p.getInitializerOrThrow(), since));
        } else if (TsNode.isShorthandPropertyAssignment(p)) {
          props.set(p.getName(), this.identifier(p.getNameNode(), scope));
          floats.set(p.getName(), scope.floatOf(p.getName()));
        } else if (TsNode.isSpreadAssignment(p)) {
          const v = this.evalExpr(p.getExpression(), scope);
          // JavaScript copies own fields, so an instance of a plain class spreads its fields (torchvision's
          // copy.copy(cnf) of a block config is { ...cnf }); a module's children are no plain data
          const own = v instanceof ObjectValue ? v.props : v instanceof ModuleValue && v.plain ? v.fields : fail("wrongArgumentType", `cannot spread ${describe(v)} into an object`, locOf(p));
          // {...o} copies o, quadratic in a loop unless counted; a Map entry costs ~4 array elements
          this.charge(4 * own.size, p);
          for (const [k, x] of own) {
            props.set(k, x);
            floats.set(k, fieldFloat(v, k, x));
          }
        } else fail("unsupportedSyntax", `${describeSyntax(p)} is not supported in object literals`, locOf(p));
      }
      const made = new ObjectValue(props);
      for (const [k, f] of floats) noteFieldFloat(made, k, f);
      return made;
    },
    [SyntaxKind.TypeOfExpression]: (e: TsNode & { getExpression(): Expression }, scope) => {
      const operand = e.getExpression();
      // as JavaScript: typeof of a name declared nowhere is "undefined", not an error
      if (TsNode.isIdentifier(operand) && operand.getText() !== "undefined" && !scope.lookup(operand.getText())) return "undefined";
      const v = this.evalExpr(operand, scope);
      return isPoison(v) ? poison : typeOf(v);
    },
    // void x: a TypeScript port's mark of a value it leaves unused (`const [q, r] = …; void r;`, for
    // noUnusedLocals); as JavaScript, x is evaluated and the result is undefined
    [SyntaxKind.VoidExpression]: (e: TsNode & { getExpression(): Expression }, scope) => {
      const v = this.evalExpr(e.getExpression(), scope);
      return isPoison(v) ? poison : undefined;
    },
    // delete obj.key / delete obj[key] on a plain object (torchvision's IntermediateLayerGetter trims
    // its copy of the layers by name); a module's, an array's or a Map's entries are refused
    [SyntaxKind.DeleteExpression]: (e: TsNode & { getExpression(): Expression }, scope) => {
      const target = e.getExpression();
      if (!TsNode.isPropertyAccessExpression(target) && !TsNode.isElementAccessExpression(target)) return fail("unsupportedSyntax", "delete takes a property (delete obj.key or delete obj[key])", locOf(e));
      // delete n?.a with n null, or delete n?.a.b: the chain ends at the null link and delete is true, as JavaScript's
      let obj: Value;
      // PyTorch's `del module._parameters[name]`: the module's own parameter (removed-parameters.ts)
      const inner = target.getExpression();
      const viaParameters = TsNode.isElementAccessExpression(target) && TsNode.isPropertyAccessExpression(inner) && inner.getName() === "_parameters";
      try {
        obj = this.evalExpr(viaParameters ? inner.getExpression() : inner, scope);
      } catch (x) {
        if (x === SHORT_CIRCUIT && target.getFlags() & ts.NodeFlags.OptionalChain) return true;
        throw x;
      }
      if (target.hasQuestionDotToken() && (obj === null || obj === undefined)) return true;
      const key = TsNode.isPropertyAccessExpression(target) ? target.getName() : this.evalExpr(target.getArgumentExpressionOrThrow(), scope);
      if (isPoison(obj)) return poison;
      if (obj instanceof ModuleValue && typeof key === "string" && (viaParameters || this.holdsParameter(obj, key))) return this.deleteParameter(obj, key, this.site(e));
      // PyTorch's `del self.head` (Module.__delattr__) in a constructor: the child leaves the module, its state with it
      if (obj instanceof ModuleValue && obj.kind === "user" && this.phase !== "forward" && typeof key === "string" && obj.fields.get(key) instanceof ModuleValue) {
        obj.fields.delete(key);
        return true;
      }
      if (!(obj instanceof ObjectValue) || (typeof key !== "string" && typeof key !== "number"))
        return fail("unsupportedSyntax", `delete removes a property of a plain object, not of ${describe(obj)}${obj instanceof ModuleValue ? " (a module's children are fixed once built)" : ""}`, locOf(e));
      obj.props.delete(String(key));
      return true;
    },
    [SyntaxKind.ArrowFunction]: (e: ArrowFunction, scope) => new FunctionValue(e, scope, "arrow function"),
    // a mixin's `class extends Base { … }`: its base and members resolve in the scope it is made in
    [SyntaxKind.ClassExpression]: (e: ClassExpression, scope) => new ClassValue(e, scope),
    [SyntaxKind.FunctionExpression]: (e: FunctionExpression, scope) => new FunctionValue(e, scope, e.getName() ?? "function"),
    [SyntaxKind.PropertyAccessExpression]: (e: PropertyAccessExpression, scope) => {
      // super.forward(x): the base class's method, on this module
      if (e.getExpression().getKind() === SyntaxKind.SuperKeyword) return this.superMember(e, scope);
      const obj = this.evalExpr(e.getExpression(), scope);
      if (isPoison(obj)) return poison;
      if (e.hasQuestionDotToken() && (obj === null || obj === undefined)) throw SHORT_CIRCUIT;
      // a field holding a constructor tensor that took a draw in place (this.t.uniform_()) reads the draw
      const v = drawTakenBy(this.getProperty(obj, e.getName(), this.site(e)));
      if (typeof v === "number") noteFloat(e, fieldFloat(obj, e.getName(), v));
      return v;
    },
    [SyntaxKind.ElementAccessExpression]: (e: ElementAccessExpression, scope) => {
      const obj = this.evalExpr(e.getExpression(), scope);
      // cfg.a?.[0]: the rest of the chain is skipped, its index not evaluated, as JavaScript's
      if (e.hasQuestionDotToken() && (obj === null || obj === undefined)) throw SHORT_CIRCUIT;
      const arg = e.getArgumentExpression();
      if (!arg) return fail("unsupportedSyntax", "missing index", locOf(e));
      const key = this.evalExpr(arg, scope);
      if (isPoison(obj) || isPoison(key)) return poison;
      // a module indexed by a name is reported at the name
      const v = drawTakenBy(this.getElement(obj, key, this.site(obj instanceof ModuleValue && obj.kind === "user" ? arg : e)));
      // o["label"], or scales[i] of an array holding floats
      if (typeof v === "number") noteFloat(e, typeof key === "string" || (typeof key === "number" && Array.isArray(obj)) ? fieldFloat(obj, String(key), v) : undefined);
      return v;
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
      const since = evaluationBegins();
      const old = this.evalExpr(target, scope);
      if (typeof old !== "number") return fail("nonConstant", `++/-- needs a number, got ${describe(old)}`, locOf(e));
      const next = old + (e.getOperatorToken() === SyntaxKind.PlusPlusToken ? 1 : -1);
      // a float stays one (Python's s += 1 of s = 0.0)
      this.assign(target, next, scope, freshFloat(target, since) !== undefined ? next : undefined);
      return old;
    },
    [SyntaxKind.BinaryExpression]: (e: BinaryExpression, scope) => this.binary(e, scope),
    [SyntaxKind.ConditionalExpression]: (e: TsNode, scope) => {
      if (!TsNode.isConditionalExpression(e)) return undefined;
      const c = this.evalExpr(e.getCondition(), scope);
      if (isPoison(c)) return poison;
      // this.training ? a : b in forward: both, joined by the mode at run time
      if (c instanceof ModeFlag && this.assumedMode === undefined && this.phase === "forward") {
        const train = this.withMode(true, () => this.evalExpr(e.getWhenTrue(), scope));
        const evaluation = this.withMode(false, () => this.evalExpr(e.getWhenFalse(), scope));
        // two different numbers (nanoGPT's `dropout_p = self.dropout if self.training else 0`): the
        // function around it is evaluated once per mode, as for an if (classes.ts, callFunction)
        const primitive = (v: Value) => v === null || ["number", "string", "boolean", "undefined"].includes(typeof v);
        if (primitive(train) && primitive(evaluation) && !Object.is(train, evaluation) && this.callStack.length > 0) throw new ModeFork(e);
        return this.joinModes(train, evaluation, "this.training ? … : …", this.site(e));
      }
      return this.evalExpr(this.truthy(c, e.getCondition()) ? e.getWhenTrue() : e.getWhenFalse(), scope);
    },
    [SyntaxKind.SpreadElement]: (e: TsNode) => fail("unsupportedSyntax", "spread is supported in array literals and calls only", locOf(e)),
  };

  /**
   * console: its assert checks a condition the compiler knows (a port's `assert H % p == 0, "…"`):
   * false is the model's error, as a throw is (TSDP2017); anything else is refused, as nothing
   * would print — tsdp reads the model without running it.
   */
  protected consoleObject(e: TsNode): Value {
    const refuse = () =>
      fail("undefinedName", "console cannot be used in a model file: tsdp reads the model without running it, so nothing would print (tsdp inspect prints every tensor's shape; log outputs from the program that loads the compiled model); console.assert(condition, message) checks a condition when the model is compiled", locOf(e));
    const parent = e.getParent();
    if (!(parent && TsNode.isPropertyAccessExpression(parent) && parent.getName() === "assert")) return refuse();
    return new NamespaceValue(
      "console",
      new Map<string, Value>([
        [
          "assert",
          new BuiltinFunction("console.assert", ([condition, ...message], site) => {
            if (this.truthy(condition, site.node)) return undefined;
            const text = message.map((m) => (typeof m === "string" ? m : typeof m === "number" || typeof m === "boolean" ? String(m) : describe(m))).join(" ");
            return fail("modelThrew", `console.assert failed${text ? `: ${text}` : ""}`, site.loc);
          }),
        ],
      ]),
    );
  }

  protected identifier(e: TsNode, scope: Scope): Value {
    const name = e.getText();
    if (name === "undefined") return undefined;
    const found = scope.lookup(name);
    if (found) return drawTakenBy(found.value);
    if (name === "console") return this.consoleObject(e);
    if (runtimeOnlyGlobals.has(name))
      fail("undefinedName", `'${name}' cannot be used in a model file: tsdp evaluates models statically and never runs them`, locOf(e));
    if (this.dsl.has(name)) return fail("undefinedName", `'${name}' is not defined; import it: import { ${name} } from "tsdp/dsl"`, locOf(e));
    // a port's torch.cat / torch.zeros: PyTorch's torch.* functions are F's here
    if (name === "torch") {
      // torch.no_grad() is a with-block in Python: a function here
      const member = e.getParent() && TsNode.isPropertyAccessExpression(e.getParent()!) ? (e.getParent() as PropertyAccessExpression).getName() : "";
      const noGrad = /^(no_grad|noGrad|inference_mode)$/.test(member) ? `; torch.${member}() as a block is F.noGrad(() => …), whose result is the block's value, detached` : "";
      return fail("undefinedName", `'torch' is not defined: PyTorch's torch.* functions are F's in tsdp (torch.cat is F.cat; import { F } from "tsdp/dsl", or import { F as torch })${noGrad}`, locOf(e));
    }
    const python = PYTHON_NAMES[name];
    return fail("undefinedName", `'${name}' is not defined${python ? `: ${python}` : ""}`, locOf(e));
  }

  protected prefixUnary(e: TsNode, scope: Scope): Value {
    if (!TsNode.isPrefixUnaryExpression(e)) return undefined;
    const op = e.getOperatorToken();
    if (op === SyntaxKind.PlusPlusToken || op === SyntaxKind.MinusMinusToken) {
      const since = evaluationBegins();
      const v = this.evalExpr(e.getOperand(), scope);
      if (typeof v !== "number") return fail("nonConstant", `++/-- needs a number, got ${describe(v)}`, locOf(e));
      const next = v + (op === SyntaxKind.PlusPlusToken ? 1 : -1);
      this.assign(e.getOperand(), next, scope, freshFloat(e.getOperand(), since) !== undefined ? next : undefined);
      return next;
    }
    const v = this.evalExpr(e.getOperand(), scope);
    if (isPoison(v)) return poison;
    if (op === SyntaxKind.ExclamationToken) return !this.truthy(v, e.getOperand());
    if (op === SyntaxKind.TildeToken) {
      // PyTorch's ~mask is a logical not of a bool tensor; tsdp's masks are float or int32 tensors
      if (v instanceof TensorValue) return fail("tensorOperator", "'~' on a tensor; write mask.logicalNot()", locOf(e));
      if (isBatchValue(v)) return fail("nonConstant", "'~' on the batch size: the batch size is known only at run time, and only k·Batch × n and k·Batch / n stay symbolic", locOf(e));
      if (typeof v !== "number") return fail("wrongArgumentType", `'~' needs a number, got ${describe(v)}`, locOf(e));
      return ~v;
    }
    if (v instanceof TensorValue) return fail("tensorOperator", `unary ${e.getText()[0]} on a tensor; write x.neg()`, locOf(e));
    if (op === SyntaxKind.MinusToken) {
      // -b is a Python int, a number of tensor arithmetic (no size)
      if (isBatchValue(v)) return batchAffine(-v.coef, -("offset" in v ? v.offset : 0));
      if (typeof v !== "number") return fail("wrongArgumentType", `cannot negate ${describe(v)}`, locOf(e));
      return -v;
    }
    if (op === SyntaxKind.PlusToken && typeof v === "number") return v;
    return fail("unsupportedSyntax", `the operator in ${e.getText()} is not supported`, locOf(e));
  }

  protected binary(e: BinaryExpression, scope: Scope): Value {
    const op = e.getOperatorToken().getKind();
    const left = e.getLeft();
    const since = evaluationBegins();
    if (op === SyntaxKind.EqualsToken) {
      const v = this.evalExpr(e.getRight(), scope);
      this.assign(left, v, scope, freshFloat(e.getRight(), since));
      return v;
    }
    const compound = compoundOps[op];
    if (compound !== undefined) {
      const v = this.arith(compound, this.evalExpr(left, scope), this.evalExpr(e.getRight(), scope), e);
      this.assign(left, v, scope, typeof v === "number" ? floatResult(e, v, since, scope) : undefined);
      return v;
    }
    if (logicalAssignments.has(op)) {
      const l = this.evalExpr(left, scope);
      if (isPoison(l)) return poison;
      const assigns = op === SyntaxKind.QuestionQuestionEqualsToken ? l === null || l === undefined : op === SyntaxKind.BarBarEqualsToken ? !this.truthy(l, left) : this.truthy(l, left);
      if (!assigns) return l;
      const v = this.evalExpr(e.getRight(), scope);
      this.assign(left, v, scope, freshFloat(e.getRight(), since));
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
    // a, b: a for its effects, then b's value (for (…; …; i++, j--), (a = f(a), a + 1)). A left
    // side that can have none is TypeScript's error TS2695, and here a Python tuple written in
    // parentheses, (3, 5) or return (y, h), whose value JavaScript makes the last element alone
    if (op === SyntaxKind.CommaToken) {
      if (!mayHaveEffects(left)) {
        const text = e.getText().length > 40 ? `${e.getText().slice(0, 37)}...` : e.getText();
        const parent = e.getParent();
        // x[1, 2]: Python's index of several dims
        const fix = parent && TsNode.isElementAccessExpression(parent) && parent.getArgumentExpression() === e
          ? `Python's x[${text}] indexes several dims, which is x.index(${text}) in tsdp (a string for a slice, ":" or "1:-1")`
          : `a Python tuple is an array in TypeScript, [${text}]`;
        return fail("unsupportedSyntax", `'${text}' is JavaScript's comma operator, whose value is its last operand alone: ${fix}`, locOf(e));
      }
      this.evalExpr(left, scope);
      return this.evalExpr(e.getRight(), scope);
    }
    if (op === SyntaxKind.InstanceOfKeyword) {
      // `Mixer.prototype instanceof Attention`: TypeScript's issubclass (timm's MetaFormerStage tests
      // issubclass(token_mixer, Attention)); JavaScript's rule, a strict subclass, as `A === B ||` then adds
      if (TsNode.isPropertyAccessExpression(left) && left.getName() === "prototype") {
        const cls = this.evalExpr(left.getExpression(), scope);
        if (cls instanceof ClassValue) return this.isSubclass(cls, this.evalExpr(e.getRight(), scope), e);
      }
      return this.instanceOf(this.evalExpr(left, scope), this.evalExpr(e.getRight(), scope), e);
    }
    if (op === SyntaxKind.InKeyword) return this.hasKey(this.evalExpr(left, scope), this.evalExpr(e.getRight(), scope), e);
    return this.arith(op, this.evalExpr(left, scope), this.evalExpr(e.getRight(), scope), e);
  }

  /**
   * `key in obj` (Python's hasattr(self, "downsample"), `key in config`): an object's own key, an
   * array's index, or what a module has — a field, a parameter, a layer's setting, a method.
   */
  /** Whether reading `name` of the module gives one of nn.Module's methods or a built-in layer's (properties.ts). */
  protected abstract moduleHasBuiltinMethod(m: ModuleValue, name: string): boolean;

  protected hasKey(key: Value, obj: Value, e: TsNode): Value {
    if (isPoison(key) || isPoison(obj)) return poison;
    if (typeof key !== "string" && typeof key !== "number") return fail("wrongArgumentType", `'in' takes a name or an index on its left, got ${describe(key)}`, locOf(e));
    if (obj instanceof ObjectValue) return obj.props.has(String(key));
    if (Array.isArray(obj)) return typeof key === "number" ? Number.isInteger(key) && key >= 0 && key < obj.length : key === "length";
    if (obj instanceof ModuleValue) {
      const name = String(key);
      if (obj.fields.has(name) || obj.params.some((p) => p.local === name) || obj.buffers.some((b) => b.local === name)) return true;
      if (obj.config && Object.hasOwn(obj.config, name)) return true;
      if (obj.cls !== undefined && (this.lookupMethod(obj.cls, name) !== undefined || this.lookupGetter(obj.cls, name, obj) !== undefined)) return true;
      // nn.Module's own methods and a built-in layer's (PyG's reset(): hasattr(m, 'reset_parameters') on a Linear, 'children' on a Sequential)
      return this.moduleHasBuiltinMethod(obj, name);
    }
    // a library namespace: whether tsdp has the member (HF's hasattr(nn.utils.parametrizations, "weight_norm"),
    // a check for the PyTorch version that has it)
    if (obj instanceof NamespaceValue) return obj.members.has(String(key));
    return fail("wrongArgumentType", `'in' looks in an object, an array, a module or a namespace, got ${describe(obj)}`, locOf(e));
  }

  protected arith(op: SyntaxKind, l: Value, r: Value, e: TsNode): Value {
    if (isPoison(l) || isPoison(r)) return poison;
    const symbol = e.getChildAtIndex(1)?.getText() ?? "?";
    if (l instanceof TensorValue || r instanceof TensorValue) {
      // `h === null` (Python's `if hidden is None`): a tensor is never null or undefined, nor the same object as another
      const identity = op === SyntaxKind.EqualsEqualsEqualsToken || op === SyntaxKind.ExclamationEqualsEqualsToken || op === SyntaxKind.EqualsEqualsToken || op === SyntaxKind.ExclamationEqualsToken;
      // Python's x == y compares elements; TypeScript's compares which object: refused, with the method that compares
      if ((op === SyntaxKind.EqualsEqualsToken || op === SyntaxKind.ExclamationEqualsToken) && l instanceof TensorValue && r instanceof TensorValue)
        return fail("tensorOperator", `'${symbol}' on two tensors compares which object they are in TypeScript, not their elements (Python's): write ${op === SyntaxKind.EqualsEqualsToken ? "a.eq(b)" : "a.ne(b)"} for the elementwise comparison, or '${op === SyntaxKind.EqualsEqualsToken ? "===" : "!=="}' for Python's 'is'`, locOf(e));
      if (identity && (l === null || l === undefined || r === null || r === undefined || (l instanceof TensorValue && r instanceof TensorValue)))
        return (l === r) === (op === SyntaxKind.EqualsEqualsEqualsToken || op === SyntaxKind.EqualsEqualsToken);
      if (bitOps.has(op)) return fail("tensorOperator", `'${symbol}' on a tensor: ${BIT_ON_TENSOR[op] ?? "tensors have no bit operators in tsdp"}`, locOf(e));
      // Glow's ActNorm: `if (this.initialized.item() === 0)` — a value forward computes or reads from state is not a JavaScript number
      const tensor = (l instanceof TensorValue ? l : r) as TensorValue;
      if (COMPARE_METHOD[op] && (typeof l === "number" || typeof r === "number")) {
        // a uniform draw against a number its range decides (LayerDrop's `torch.rand([]) < layerdrop` at 0): that boolean
        if (tensor.node.shape.every((d) => d === 1) && isUniformDraw(tensor.node)) {
          const decided = drawDecides(COMPARE_METHOD[op]!, (typeof l === "number" ? l : r) as number, l === tensor);
          if (decided !== undefined) return decided;
          return fail("dataDependentControlFlow", `'${symbol}' compares a random draw with a number between 0 and 1, which only the draw decides when the model runs; ${LAYER_DROP_HINT}`, locOf(e));
        }
        return fail("tensorOperator", `'${symbol}' compares a tensor with a number, but a tensor's values exist only when the compiled model runs (x.item() in forward is still a 0-dim tensor), so JavaScript cannot compare or branch on them: x.${COMPARE_METHOD[op]}(v) is the elementwise comparison, and F.where(cond, a, b) selects by it`, locOf(e));
      }
      // a one-element tensor beside a number is most often a port's Python number read from data
      // (TimesNet's period_list[i] of a topk, t.item(), int(t)): say why that cannot be one
      if ((typeof l === "number" || typeof r === "number") && tensor.node.shape.length <= 1 && tensor.node.shape.every((d) => d === 1))
        return fail("tensorOperator", `'${symbol}' on a tensor and a number: for tensor arithmetic write the method (x.add(y), x.remainder(y), x.floorDivide(y)); where the tensor stands for a Python number (x.item() of a value forward computes, int(t), an element of a topk's indices such as TimesNet's periods), its value exists only when the model runs, so no size, count or branch can depend on it: tsdp's shapes are fixed when the model compiles — use a number known then (a constant, a size from x.size())`, locOf(e));
      return fail("tensorOperator", `'${symbol}' on a tensor`, locOf(e));
    }
    switch (op) {
      case SyntaxKind.EqualsEqualsEqualsToken:
      case SyntaxKind.EqualsEqualsToken:
        return this.equal(l, r, e);
      case SyntaxKind.ExclamationEqualsEqualsToken:
      case SyntaxKind.ExclamationEqualsToken:
        return !this.equal(l, r, e);
    }
    if (isBatchValue(l) || isBatchValue(r)) return this.symArith(op, l, r, e, symbol);
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
    const result = f(l, r);
    return result;
  }

  /**
   * Arithmetic on the batch size B: c·B + d with whole c and d (+, −, × by a whole number, / that
   * divides both) is kept, a size while it is k·B (k ≥ 1), else a number of tensor arithmetic
   * (BatchNumber: b − 1 as PyTorch's Python int); anything else is refused.
   */
  protected symArith(op: SyntaxKind, l: Value, r: Value, e: TsNode, symbol: string): Value {
    const result = affineResult(op, affineOf(l), affineOf(r));
    if (result) return batchAffine(...result);
    const ratio = batchRatio(op, affineOf(l), affineOf(r));
    if (ratio !== undefined) return ratio;
    if (bitOps.has(op))
      return fail("nonConstant", `'${symbol}' on the batch size: the batch size is known only at run time, and a bit operation on it (B >> 1, B | 0) is no multiple of it, which is all a size may be (only k·Batch × n and k·Batch / n stay symbolic)`, locOf(e));
    if ((op === SyntaxKind.LessThanToken || op === SyntaxKind.GreaterThanToken || op === SyntaxKind.LessThanEqualsToken || op === SyntaxKind.GreaterThanEqualsToken)) {
      // a loop's condition stays refused: its first test (0 < b) may be the same for every batch, its trip count is not
      const known = isLoopCondition(e) ? undefined : batchComparison(op, affineOf(l), affineOf(r));
      if (known !== undefined) return known;
      return fail("dataDependentControlFlow", `this comparison depends on the batch size, which is known only at run time${isLoopCondition(e) ? PER_SAMPLE_LOOP_HINT : ""}`, locOf(e));
    }
    return fail("nonConstant", `'${symbol}' with the batch size b: tensor arithmetic takes c·b + d of whole c and d (b - 1, 2 * b + 1), and a size only k·b; for b / 2 or b % 2 give b itself to tensor arithmetic (x.mul(b).div(2) for x · (b / 2), F.full([], b).floorDivide(2) for b // 2)`, locOf(e));
  }

  protected equal(l: Value, r: Value, e: TsNode): boolean {
    // this.training === false: compared as the mode this evaluation is for
    if (l instanceof ModeFlag) l = this.truthy(l, e);
    if (r instanceof ModeFlag) r = this.truthy(r, e);
    if (isBatchValue(l) || isBatchValue(r)) {
      // the batch size is a number whatever its value: never null, a string or an array (QANet's
      // `[x if x != None else -1 for x in logits.size()]`), so such a comparison is known
      const other = isBatchValue(l) ? r : l;
      if (!isBatchValue(other) && typeof other !== "number") return false;
      const known = isLoopCondition(e) ? undefined : batchComparison(SyntaxKind.EqualsEqualsEqualsToken, affineOf(l), affineOf(r));
      if (known !== undefined) return known;
      return fail("dataDependentControlFlow", "this comparison depends on the batch size, which is known only at run time", locOf(e));
    }
    if (typeof l === "string" && typeof r === "string") this.charge(Math.min(l.length, r.length), e);
    // x.dim == 3 (the call's parentheses forgotten): a method is never equal to a number, so it is a mistake
    const isFunction = (v: Value) => v instanceof FunctionValue || v instanceof BuiltinFunction;
    if ((isFunction(l) && isPrimitive(r) && r !== null && r !== undefined) || (isFunction(r) && isPrimitive(l) && l !== null && l !== undefined)) {
      const fn = isFunction(l) ? e.getChildAtIndex(0) : e.getChildAtIndex(2);
      return fail("wrongArgumentType", `'${fn?.getText()}' is a method, compared here with ${describe(isFunction(l) ? r : l)}: call it, ${fn?.getText()}()`, locOf(e));
    }
    // x.shape.slice(1) === [3, 4] (Python's tuple equality): a fresh array or object literal is never
    // the same object as another, so the comparison is always false (tsc's TS2839)
    const literal = TsNode.isBinaryExpression(e) ? [e.getLeft(), e.getRight()].find((n) => TsNode.isArrayLiteralExpression(n) || TsNode.isObjectLiteralExpression(n)) : undefined;
    if (literal && TsNode.isBinaryExpression(e) && typeof l === "object" && l !== null && typeof r === "object" && r !== null)
      return fail("wrongArgumentType", `'${e.getOperatorToken().getText()}' compares which array or object the two sides are, and ${literal.getText()} is a new one, so it is never equal (Python's == compares the elements): compare them element by element (a.length === 2 && a[0] === 3 && a[1] === 4), or JSON.stringify(a) === JSON.stringify(b)`, locOf(e));
    return l === r;
  }

  /** Assigns `value` to `target`; `float`: the value is that Python float (float-literals.ts). */
  protected assign(target: TsNode, value: Value, scope: Scope, float?: number): void {
    // a tensor computed under F.noGrad that leaves the block by an assignment (a variable outside it,
    // a buffer, p.data, an attribute) carries no gradient, as one the block returns
    value = this.arrayHooks.stored(value, this.site(target));
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
      return scope.noteFloat(target.getText(), float);
    }
    if (TsNode.isPropertyAccessExpression(target)) {
      const obj = this.evalExpr(target.getExpression(), scope);
      if (isPoison(obj)) return;
      this.setProperty(obj, target.getName(), value, this.site(target));
      // this.label = label in a constructor: this instance's field holds the float
      return noteFieldFloat(obj, target.getName(), float);
    }
    if (TsNode.isElementAccessExpression(target)) {
      const obj = this.evalExpr(target.getExpression(), scope);
      const key = this.evalExpr(target.getArgumentExpressionOrThrow(), scope);
      if (isPoison(obj) || isPoison(key)) return;
      if (Array.isArray(obj) && typeof key === "number" && Number.isInteger(key) && key >= 0) {
        this.budget.size(Math.max(obj.length, key + 1), "array", locOf(target));
        obj[key] = value;
        return noteFieldFloat(obj, String(key), float);
      }
      if (obj instanceof ObjectValue && (typeof key === "string" || typeof key === "number")) {
        obj.props.set(String(key), value);
        return noteFieldFloat(obj, String(key), float);
      }
      // this["fc"] = new nn.Linear(...) is setattr(self, "fc", ...): the same name rules apply (a built-in
      // layer's too: WeightDrop's setattr(self.module, name_w, w))
      if (obj instanceof ModuleValue && (obj.kind === "user" || obj.kind === "dict" || (obj.kind === "layer" && typeof key === "string")) && (typeof key === "string" || typeof key === "number"))
        return void (this.setProperty(obj, String(key), value, this.site(target.getArgumentExpressionOrThrow())), noteFieldFloat(obj, String(key), float));
      // model.classifier[6] = nn.Linear(4096, 10) (torchvision's fine-tuning): Sequential's and
      // ModuleList's __setitem__, the child at that position replaced under its own name and place
      if (obj instanceof ModuleValue && obj.isSequence && typeof key === "number" && Number.isInteger(key))
        return setSequenceItem(obj, key, value, this.site(target), (who, s) => this.requireConstructPhase(who, s));
      if (obj instanceof TensorValue) return this.setElement(obj, key, value, this.site(target));
      // p.data[i] = v of a parameter in a constructor: its part i takes v (parameter-regions.ts)
      if ((obj instanceof LayerParamRef || obj instanceof ParameterValue || obj instanceof ParameterRegion) && typeof key === "number") {
        const site = this.site(target);
        const part = this.getElement(obj, key, site);
        return void this.callCallback(this.getProperty(part, typeof value === "number" ? "fill_" : "copy_", site), [value], site);
      }
      return fail("unsupportedSyntax", `cannot assign into ${describe(obj)}`, locOf(target));
    }
    if (TsNode.isParenthesizedExpression(target)) return this.assign(target.getExpression(), value, scope, float);
    // this.poolingMult! *= 2, (this.x as number) = 3: TypeScript's assertions change only the type
    if (TsNode.isNonNullExpression(target) || TsNode.isAsExpression(target) || TsNode.isTypeAssertion(target) || TsNode.isSatisfiesExpression(target))
      return this.assign(target.getExpression(), value, scope, float);
    // [h, c] = cell(x, [h, c]): Python's tuple assignment, each element a target of its own
    if (TsNode.isArrayLiteralExpression(target)) {
      const items = isPoison(value) ? [] : this.iterate(value, target);
      target.getElements().forEach((el, i) => {
        if (TsNode.isOmittedExpression(el)) return;
        const item = isPoison(value) ? poison : items[i];
        if (TsNode.isSpreadElement(el)) return this.assign(el.getExpression(), isPoison(value) ? poison : items.slice(i), scope);
        // [a = 1] = …: the default replaces undefined only, as in JavaScript
        if (TsNode.isBinaryExpression(el) && el.getOperatorToken().getKind() === SyntaxKind.EqualsToken)
          return this.assign(el.getLeft(), item === undefined ? this.evalExpr(el.getRight(), scope) : item, scope);
        // [a, b] = [b, 1.0]: each element's float, from the array assigned
        this.assign(el, item, scope, Array.isArray(value) ? fieldFloat(value, String(i), item) : undefined);
      });
      return;
    }
    fail("unsupportedSyntax", `cannot assign to ${target.getText()}`, locOf(target));
  }
}

/** What to write instead of a bit operator on a tensor: PyTorch's mask & mask and mask | mask are logical ones. */
/** A comparison operator's elementwise tensor method. */
const COMPARE_METHOD: Partial<Record<SyntaxKind, string>> = {
  [SyntaxKind.EqualsEqualsEqualsToken]: "eq", [SyntaxKind.EqualsEqualsToken]: "eq", [SyntaxKind.ExclamationEqualsEqualsToken]: "ne", [SyntaxKind.ExclamationEqualsToken]: "ne",
  [SyntaxKind.LessThanToken]: "lt", [SyntaxKind.LessThanEqualsToken]: "le", [SyntaxKind.GreaterThanToken]: "gt", [SyntaxKind.GreaterThanEqualsToken]: "ge",
};

const BIT_ON_TENSOR: Partial<Record<SyntaxKind, string>> = {
  [SyntaxKind.AmpersandToken]: "write a.logicalAnd(b) (PyTorch's & of two masks)",
  [SyntaxKind.BarToken]: "write a.logicalOr(b) (PyTorch's | of two masks)",
  [SyntaxKind.CaretToken]: "write a.logicalXor(b) (PyTorch's ^ of two masks)",
};

/** [c, d] of c·B + d: the batch size, a number from it, or a plain number (c = 0). */
function affineOf(v: Value): [number, number] | undefined {
  if (v instanceof SymInt) return [v.coef, 0];
  if (v instanceof BatchNumber) return [v.coef, v.offset];
  return typeof v === "number" && Number.isFinite(v) ? [0, v] : undefined;
}

/**
 * a ∘ b for c·B + d operands where every batch size B ≥ 1 gives the same answer: torchcfm's
 * `assert len(t) == x0.shape[0]` of two tensors of the batch (B = B), `b - 1 < b`, `0 < b`. The
 * difference (c₁ − c₂)·B + (d₁ − d₂) is linear in B, so an order holds for every B ≥ 1 when it holds
 * at B = 1 and as B grows; an equality, when the difference is 0 at no B ≥ 1 or at every one.
 * Undefined where the answer depends on B (b === 4, 1 < b).
 */
function batchComparison(op: SyntaxKind, a: [number, number] | undefined, b: [number, number] | undefined): boolean | undefined {
  if (!a || !b) return undefined;
  const [slope, at1] = [a[0] - b[0], a[0] - b[0] + a[1] - b[1]];
  if (op === SyntaxKind.EqualsEqualsEqualsToken) {
    if (slope === 0) return at1 === 0;
    const root = 1 - at1 / slope; // the B where the difference is 0
    return Number.isInteger(root) && root >= 1 ? undefined : false;
  }
  const holds = (d: number) =>
    op === SyntaxKind.LessThanToken ? d < 0 : op === SyntaxKind.GreaterThanToken ? d > 0 : op === SyntaxKind.LessThanEqualsToken ? d <= 0 : d >= 0;
  const [first, last] = [holds(at1), holds(slope === 0 ? at1 : slope * Infinity)];
  return first === last ? first : undefined;
}

/**
 * a / b where the batch cancels, (k₁·B + d₁) / (k₂·B + d₂) with k₁·d₂ = k₂·d₁: a number at every
 * batch size (TimeSformer's `q.shape[0] // cls_k.shape[0]`, the copies per sample of the heads and
 * frames folded into the batch, (n·h·B) / (h·B) = n), as PyTorch computes it.
 */
function batchRatio(op: SyntaxKind, a: [number, number] | undefined, b: [number, number] | undefined): number | undefined {
  if (op !== SyntaxKind.SlashToken || !a || !b || b[0] === 0 || a[0] * b[1] !== a[1] * b[0]) return undefined;
  return a[0] / b[0];
}

/** a ∘ b for c·B + d operands, when it is one again with whole c and d (b · b and b / 2 are not). */
function affineResult(op: SyntaxKind, a: [number, number] | undefined, b: [number, number] | undefined): [number, number] | undefined {
  if (!a || !b) return undefined;
  const r: [number, number] | undefined =
    op === SyntaxKind.PlusToken ? [a[0] + b[0], a[1] + b[1]]
    : op === SyntaxKind.MinusToken ? [a[0] - b[0], a[1] - b[1]]
    : op === SyntaxKind.AsteriskToken && b[0] === 0 ? [a[0] * b[1], a[1] * b[1]]
    : op === SyntaxKind.AsteriskToken && a[0] === 0 ? [b[0] * a[1], b[1] * a[1]]
    : op === SyntaxKind.SlashToken && b[0] === 0 && b[1] !== 0 ? [a[0] / b[1], a[1] / b[1]]
    : undefined;
  return r && r.every(Number.isInteger) ? [r[0] + 0, r[1] + 0] : undefined;
}

/** JavaScript's typeof of what the value is in the model's TypeScript: x.size(0) is a number, this.training a boolean, a module or tensor an object. */
function typeOf(v: Value): string {
  if (v === undefined) return "undefined";
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") return typeof v;
  if (isBatchValue(v)) return "number";
  if (v instanceof ModeFlag) return "boolean";
  if (v instanceof FunctionValue || v instanceof BuiltinFunction || v instanceof ClassValue || v instanceof BuiltinClass) return "function";
  return "object";
}

/** Python's names a port carries over, and what TypeScript writes instead. */
const PYTHON_NAMES: Readonly<Record<string, string>> = {
  self: "a method refers to its module as `this` in TypeScript (Python's self)",
  True: "TypeScript's is `true`",
  False: "TypeScript's is `false`",
  None: "TypeScript's is `null` (or `undefined`; compare with `=== null` for Python's `is None`)",
  math: "Python's math module is `Math` in JavaScript (Math.sqrt, Math.PI), or F's functions on tensors",
  range: "write a counted loop, for (let i = 0; i < n; i++), or Array.from({ length: n }, (_, i) => i)",
  len: "an array's length is `a.length`; a tensor's size along dim 0 is `x.size(0)`",
  float: "float('inf') is `Infinity` in JavaScript, float(x) is `Number(x)`",
  int: "int(x) is `Math.trunc(x)` in JavaScript",
  print: "tsdp evaluates model files statically and prints nothing at run time",
  isinstance: "write `x instanceof nn.Linear` (a class) or `typeof x === \"number\"`",
  enumerate: "write `for (const [i, v] of a.entries())`",
  zip: "write `a.map((v, i) => [v, b[i]])`",
  super: "call `super()` in the constructor; a parent's method is `super.name(...)`",
};

/** Whether evaluating `e` could change anything: an assignment, ++/--, a call or `new` in it (TS2695's test, roughly). */
function mayHaveEffects(e: TsNode): boolean {
  const effect = (n: TsNode) =>
    TsNode.isCallExpression(n) ||
    TsNode.isNewExpression(n) ||
    TsNode.isDeleteExpression(n) ||
    (TsNode.isBinaryExpression(n) && n.getOperatorToken().getKind() >= SyntaxKind.FirstAssignment && n.getOperatorToken().getKind() <= SyntaxKind.LastAssignment) ||
    ((TsNode.isPrefixUnaryExpression(n) || TsNode.isPostfixUnaryExpression(n)) && (n.getOperatorToken() === SyntaxKind.PlusPlusToken || n.getOperatorToken() === SyntaxKind.MinusMinusToken));
  return effect(e) || e.getDescendants().some(effect);
}
