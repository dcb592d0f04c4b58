import { Node as TsNode, SyntaxKind, type Block, type ParameterDeclaration } from "ts-morph";
import { ObjectValue, type CallSite } from "./values.ts";

// Python tells `1.0` from `1`: a float scalar makes `mask * 1.0` and `int_ids * 2.0` float tensors and
// `torch.full((2,), 1.0)` a float one, where `1` keeps (or makes) an integer tensor. TypeScript's
// evaluator sees the number 1 in both cases, but the source text still says which was written: a
// numeric literal with a decimal point or an exponent ("1.0", "2.", "1e-9") is a Python float. So a
// call's number is taken as PyTorch's float when its argument is written as such a literal — directly
// (with parentheses or a sign around it), as a keyword option's value, or as a `const` initialized by
// one (`const scale = 1.0`) — and as an integer otherwise, as int-arithmetic.ts takes whole numbers.
// A true division is a float too (Python's `4 / 2` is 2.0, so `ids.mul(d / h)` is a float tensor):
// the interpreter notes the quotient each `/` expression last evaluated to, which is the one a call
// reading it was given.
// A function's parameter is a float when the value bound to it was (pix2pix's GANLoss:
// `constructor(ganMode, targetRealLabel = 1.0)` then `torch.tensor(target_real_label)`, float32 in
// PyTorch): its default written as a float literal, or the caller's argument so written. The
// interpreter notes each parameter's last binding, as it notes quotients. So is a field of the class
// whose declaration or constructor writes one to it (`this.realLabel = 1.0`).

/** The last quotient each `/` expression evaluated to (the interpreter's noteTrueDivision). */
const trueDivisions = new WeakMap<object, number>();

/** Records that the `/` expression `e` evaluated to `quotient` (a Python float whatever its value). */
export function noteTrueDivision(e: TsNode, quotient: number): void {
  trueDivisions.set(e.compilerNode, quotient);
}

/** The float each parameter declaration, or element of a destructured parameter, was last bound to (noteParameterFloat), by its node. */
const floatParameters = new WeakMap<object, number | undefined>();

/**
 * Records whether the value `v` just bound to the parameter `param` is a Python float: `written`, the
 * expression it came from (the caller's argument, or the parameter's default), is a float of that value.
 * A destructured parameter (`{ label = 1.0 }: Options = {}`) notes each of its names: from the caller's
 * object literal (`new G({ label: 1.0 })`) or from the element's default.
 */
export function noteParameterFloat(param: ParameterDeclaration, v: unknown, written: TsNode | undefined): void {
  floatParameters.set(param.compilerNode, typeof v === "number" && written !== undefined && floatLiteralValue(written) === v ? v : undefined);
  const pattern = param.getNameNode();
  if (!TsNode.isObjectBindingPattern(pattern)) return;
  const literal = written && TsNode.isObjectLiteralExpression(written) ? written : undefined;
  for (const el of pattern.getElements()) {
    if (el.getDotDotDotToken() || !TsNode.isIdentifier(el.getNameNode())) continue;
    const key = el.getPropertyNameNode()?.getText() ?? el.getName();
    const given = literal?.getProperty(key);
    const bound = v instanceof ObjectValue ? v.props.get(key) : undefined;
    // the caller's `key: 1.0`, or the element's default where the property is absent
    const from = given && TsNode.isPropertyAssignment(given) ? given.getInitializer() : bound === undefined ? el.getInitializer() : undefined;
    const value = bound ?? (from ? floatLiteralValue(from) : undefined);
    floatParameters.set(el.compilerNode, typeof value === "number" && from !== undefined && floatLiteralValue(from) === value ? value : undefined);
  }
}

/**
 * The expressions written as the arguments of the call at `site`, by position, when they are the values
 * bound to `fn`'s parameters: not where `fn` is itself one of them (a callback, called by the builtin
 * with other values) or where a spread moves the positions.
 */
export function argumentsBoundAt(site: CallSite, fn: TsNode | undefined): readonly TsNode[] | undefined {
  const node = site.node as TsNode | undefined;
  if (!node || !(TsNode.isCallExpression(node) || TsNode.isNewExpression(node))) return undefined;
  const args = (node.getArguments() as TsNode[]) ?? [];
  if (args.some((a) => TsNode.isSpreadElement(a) || a === fn || (fn !== undefined && a.getDescendants().includes(fn)))) return undefined;
  return args;
}

/** The parameter, or element of a destructured parameter, that `name` refers to, in the functions around it (innermost first), when no `const` there shadows it. */
function parameterNamed(name: TsNode): TsNode | undefined {
  const text = name.getText();
  for (let scope = name.getParent(); scope; scope = scope.getParent()) {
    if (!TsNode.isFunctionLikeDeclaration(scope) && !TsNode.isArrowFunction(scope) && !TsNode.isFunctionExpression(scope)) continue;
    for (const d of scope.getParameters()) {
      const n = d.getNameNode();
      if (TsNode.isIdentifier(n) && n.getText() === text) return d;
      const el = TsNode.isObjectBindingPattern(n) ? n.getElements().find((e) => !e.getDotDotDotToken() && TsNode.isIdentifier(e.getNameNode()) && e.getName() === text) : undefined;
      if (el) return el;
    }
  }
  return undefined;
}

/** The value of `e` when it is written as a float literal or a true division (or names a `const` or a parameter that is one); else undefined. */
export function floatLiteralValue(e: TsNode, depth = 0): number | undefined {
  if (depth > 8) return undefined;
  if (TsNode.isParenthesizedExpression(e) || TsNode.isAsExpression(e) || TsNode.isNonNullExpression(e)) return floatLiteralValue(e.getExpression(), depth + 1);
  if (TsNode.isPrefixUnaryExpression(e)) {
    const v = floatLiteralValue(e.getOperand(), depth + 1);
    const op = e.getOperatorToken();
    return v === undefined ? undefined : op === SyntaxKind.MinusToken ? -v : op === SyntaxKind.PlusToken ? v : undefined;
  }
  if (TsNode.isNumericLiteral(e)) {
    const text = e.getText().replace(/_/g, "");
    // 0x1e is hexadecimal, not an exponent
    return /^0[xXbBoO]/.test(text) || !/[.eE]/.test(text) ? undefined : Number(text);
  }
  if (TsNode.isBinaryExpression(e) && e.getOperatorToken().getKind() === SyntaxKind.SlashToken) return trueDivisions.get(e.compilerNode);
  if (TsNode.isIdentifier(e)) {
    const init = constInitializer(e);
    if (init) return floatLiteralValue(init, depth + 1);
    const param = parameterNamed(e);
    return param ? floatParameters.get(param.compilerNode) : undefined;
  }
  if (TsNode.isPropertyAccessExpression(e) && e.getExpression().getKind() === SyntaxKind.ThisKeyword) {
    for (const written of fieldWrites(e)) {
      const v = floatLiteralValue(written, depth + 1);
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

/**
 * What the class around `this.name` writes to that field: its declaration's initializer
 * (`lambdaL1 = 100.0`) and the constructor's `this.name = …` statements (`this.realLabel = 1.0`).
 */
function fieldWrites(access: TsNode & { getName(): string }): TsNode[] {
  const cls = access.getFirstAncestor((a) => TsNode.isClassDeclaration(a) || TsNode.isClassExpression(a));
  if (!cls || !(TsNode.isClassDeclaration(cls) || TsNode.isClassExpression(cls))) return [];
  const name = access.getName();
  const declared = cls.getProperties().flatMap((p) => (p.getName() === name && p.getInitializer() ? [p.getInitializer()!] : []));
  const assigned = cls.getConstructors().flatMap((c) =>
    (c.getBody() && TsNode.isBlock(c.getBody()!) ? (c.getBody() as Block).getStatements() : []).flatMap((st) => {
      const x = TsNode.isExpressionStatement(st) ? st.getExpression() : undefined;
      if (!x || !TsNode.isBinaryExpression(x) || x.getOperatorToken().getKind() !== SyntaxKind.EqualsToken) return [];
      const left = x.getLeft();
      return TsNode.isPropertyAccessExpression(left) && left.getExpression().getKind() === SyntaxKind.ThisKeyword && left.getName() === name ? [x.getRight()] : [];
    }),
  );
  return [...declared, ...assigned];
}

/** The initializer of the `const` that `name` refers to, found in the blocks around it (innermost first). */
function constInitializer(name: TsNode): TsNode | undefined {
  const text = name.getText();
  for (let scope = name.getParent(); scope; scope = scope.getParent()) {
    if (!TsNode.isBlock(scope) && !TsNode.isSourceFile(scope)) continue;
    for (const stmt of scope.getStatements()) {
      if (!TsNode.isVariableStatement(stmt) || stmt.getDeclarationKind() !== "const") continue;
      const decl = stmt.getDeclarations().find((d) => d.getName() === text);
      if (decl) return decl.getInitializer();
    }
  }
  return undefined;
}

/** The expressions written as the call's arguments, and the values of its options object's properties (F.full(size, { fillValue: 1.0 })). */
function writtenOperands(site: CallSite): TsNode[] {
  const node = site.node as TsNode | undefined;
  if (!node || !(TsNode.isCallExpression(node) || TsNode.isNewExpression(node))) return [];
  return (node.getArguments() as TsNode[]).flatMap((a) =>
    TsNode.isObjectLiteralExpression(a) ? a.getProperties().flatMap((p) => (TsNode.isPropertyAssignment(p) ? [p.getInitializerOrThrow()] : [])) : [a],
  );
}

/** Whether the number `v` of the call at `site` is written there as a float literal (`x.mul(1.0)`, `F.full(size, 2.)`). */
export function writtenAsFloat(site: CallSite, v: unknown): boolean {
  if (typeof v !== "number") return false;
  return writtenOperands(site).some((e) => floatLiteralValue(e) === v);
}

/** Whether any number listed in the call's array arguments (torch.tensor's data, nested, or a `const` holding it) is written as a float literal. */
export function listsFloatLiteral(site: CallSite): boolean {
  const listed = (e: TsNode): TsNode | undefined => (TsNode.isArrayLiteralExpression(e) ? e : TsNode.isIdentifier(e) ? constInitializer(e) : undefined);
  const anyFloat = (e: TsNode, depth: number): boolean => {
    const list = depth < 8 ? listed(e) : undefined;
    return list && TsNode.isArrayLiteralExpression(list) ? list.getElements().some((x) => anyFloat(x, depth + 1)) : floatLiteralValue(e) !== undefined;
  };
  return writtenOperands(site).some((e) => anyFloat(e, 0));
}
