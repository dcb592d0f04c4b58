// The grid and block of a launch at a given batch, computed from the launch's own C expressions
// (LaunchView.grid, .block and .scalars, exactly as model.cu has them), so that the performance
// model can never drift from what the harness launches.
//
// The evaluator reads only the forms the code generator emits: integer literals, identifiers
// bound by earlier scalar declarations (`const int M = batch * 576;`, several declarators in one
// statement too) or given (`batch`), + - * / % with C's precedence and truncating division,
// comparisons, && and ||, the conditional operator (only its chosen branch must be valid, as in
// C), parentheses, casts to integer types, std::min<T>(a, b) / std::max<T>(a, b), and
// dim3(x[, y[, z]]). Anything else is an error that names the expression, which the test over
// every example model turns into a failing test the day a generator emits a new form.

export type Dim3 = readonly [number, number, number];

export class LaunchExpressionError extends Error {}

const INTEGER_TYPES = new Set(["int", "unsigned", "size_t", "long", "unsigned int", "unsigned long", "long long", "unsigned long long", "int64_t", "uint32_t", "uint64_t"]);

type Token = { kind: "num"; value: number } | { kind: "id"; value: string } | { kind: "op"; value: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(\d+)(?:[uU]?[lL]{0,2}|[lL]{1,2}[uU]?)\b|([A-Za-z_][A-Za-z_0-9]*(?:::[A-Za-z_][A-Za-z_0-9]*)*)|(<=|>=|==|!=|&&|\|\||[<>?:]|[-+*/%(),]))/y;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) throw new LaunchExpressionError(`unsupported text at "${text.slice(at).trim()}" in: ${text}`);
    at = re.lastIndex;
    if (m[1] !== undefined) tokens.push({ kind: "num", value: Number(m[1]) });
    else if (m[2] !== undefined) tokens.push({ kind: "id", value: m[2] });
    else tokens.push({ kind: "op", value: m[3] });
  }
  return tokens;
}

/** Evaluates one C integer expression of the generator's forms, with `env` binding its identifiers. */
export function evaluateInteger(text: string, env: Readonly<Record<string, number>>): number {
  const values = evaluate(text, env);
  if (values.length !== 1) throw new LaunchExpressionError(`expected one value, got ${values.length} in: ${text}`);
  return values[0];
}

/** A dim3(...) expression (missing components are 1). */
export function evaluateDim3(text: string, env: Readonly<Record<string, number>>): Dim3 {
  const values = evaluate(text, env, true);
  if (values.length < 1 || values.length > 3) throw new LaunchExpressionError(`expected dim3(x[, y[, z]]), got: ${text}`);
  return [values[0], values[1] ?? 1, values[2] ?? 1];
}

/** Binds each `const <type> name = expr[, name = expr…];` in order, starting from `env`. */
export function evaluateScalars(statements: readonly string[], env: Readonly<Record<string, number>>): Record<string, number> {
  const bound: Record<string, number> = { ...env };
  for (const s of statements) {
    const m = /^\s*const\s+([A-Za-z_][A-Za-z_0-9 ]*?)\s+([A-Za-z_][A-Za-z_0-9]*\s*=.+?);\s*$/.exec(s);
    if (!m || !INTEGER_TYPES.has(m[1])) throw new LaunchExpressionError(`unsupported scalar declaration: ${s}`);
    for (const declarator of topLevelCommaSplit(m[2])) {
      const d = /^\s*([A-Za-z_][A-Za-z_0-9]*)\s*=\s*(.+?)\s*$/.exec(declarator);
      if (!d) throw new LaunchExpressionError(`unsupported declarator "${declarator.trim()}" in: ${s}`);
      bound[d[1]] = cast(m[1], evaluateInteger(d[2], bound));
    }
  }
  return bound;
}

/** `a = f(x, y), b = 2` → ["a = f(x, y)", " b = 2"]: commas outside parentheses and template brackets. */
function topLevelCommaSplit(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

export interface LaunchExpressions {
  readonly grid: string;
  readonly block: string;
  readonly scalars: readonly string[];
  /** A C condition (of the scalars): the launch happens only where it holds (none of today's launches has one; split-K's sum pass had `splits > 1`). */
  readonly when?: string;
}

/** A launch's grid and block for `batch` samples on the device, whether it happens, and its scalars' values. */
export function launchShape(launch: LaunchExpressions, batch: number): { grid: Dim3; block: Dim3; runs: boolean; env: Record<string, number> } {
  const env = evaluateScalars(launch.scalars, { batch });
  const runs = launch.when === undefined || evaluateInteger(launch.when, env) !== 0;
  return { grid: evaluateDim3(launch.grid, env), block: evaluateDim3(launch.block, env), runs, env };
}

function cast(type: string, v: number): number {
  // The generator's values are sizes: a cast that would change one (a negative or overflowing
  // value) means the expression is not what this evaluator thinks it is.
  const max = type === "int" ? 2 ** 31 - 1 : type.startsWith("unsigned") && !type.includes("long") ? 2 ** 32 - 1 : Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(v) || v < 0 || v > max) throw new LaunchExpressionError(`(${type})${v} is out of range`);
  return v;
}

/** Recursive descent over the token list; a dim3 (when allowed) or a bare comma list yields several values. */
function evaluate(text: string, env: Readonly<Record<string, number>>, dim3 = false): number[] {
  const tokens = tokenize(text);
  let i = 0;
  // > 0 while reading the branch of a conditional that C would not evaluate: its errors do not count
  let dead = 0;
  const peek = () => tokens[i];
  const isOp = (v: string) => peek()?.kind === "op" && peek()!.value === v;
  const expect = (v: string) => {
    if (!isOp(v)) throw new LaunchExpressionError(`expected "${v}" in: ${text}`);
    i++;
  };
  const args = (): number[] => {
    expect("(");
    const out = [expression()];
    while (isOp(",")) {
      i++;
      out.push(expression());
    }
    expect(")");
    return out;
  };
  const primary = (): number => {
    const t = peek();
    if (!t) throw new LaunchExpressionError(`unexpected end of: ${text}`);
    if (t.kind === "num") {
      i++;
      return t.value;
    }
    if (t.kind === "op" && t.value === "(") {
      // a cast `(type)x` or a parenthesized expression
      const type = castType();
      if (type) {
        const v = unary();
        return dead ? v : cast(type, v);
      }
      i++;
      const v = expression();
      expect(")");
      return v;
    }
    if (t.kind === "op" && t.value === "-") {
      i++;
      return -unary();
    }
    if (t.kind === "id") {
      i++;
      if (t.value === "std::min" || t.value === "std::max") {
        if (isOp("<")) {
          i++;
          const type = typeName();
          expect(">");
          if (!INTEGER_TYPES.has(type)) throw new LaunchExpressionError(`${t.value}<${type}> is not an integer min/max in: ${text}`);
        }
        const a = args();
        if (a.length !== 2) throw new LaunchExpressionError(`${t.value} takes two arguments in: ${text}`);
        return t.value === "std::min" ? Math.min(a[0], a[1]) : Math.max(a[0], a[1]);
      }
      if (!(t.value in env)) throw new LaunchExpressionError(`unknown name ${t.value} in: ${text}`); // unknown even where dead: a form error
      return env[t.value];
    }
    throw new LaunchExpressionError(`unexpected "${t.value}" in: ${text}`);
  };
  const typeName = (): string => {
    const words: string[] = [];
    for (let t = peek(); t?.kind === "id"; t = peek()) {
      words.push(t.value);
      i++;
    }
    return words.join(" ");
  };
  const castType = (): string | undefined => {
    // `(` words `)` where the words are an integer type
    let j = i + 1;
    const words: string[] = [];
    for (let t = tokens[j]; t?.kind === "id"; t = tokens[++j]) words.push(t.value);
    const close = tokens[j];
    if (words.length && close?.kind === "op" && close.value === ")" && INTEGER_TYPES.has(words.join(" "))) {
      i = j + 1;
      return words.join(" ");
    }
    return undefined;
  };
  const unary = (): number => primary();
  const term = (): number => {
    let v = unary();
    while (isOp("*") || isOp("/") || isOp("%")) {
      const op = tokens[i++].value;
      const r = unary();
      if (op === "*") v *= r;
      else if (r === 0) {
        if (!dead) throw new LaunchExpressionError(`division by zero in: ${text}`);
        v = 0;
      } else v = op === "/" ? Math.trunc(v / r) : v % r;
    }
    return v;
  };
  const additive = (): number => {
    let v = term();
    while (isOp("+") || isOp("-")) {
      const op = tokens[i++].value;
      const r = term();
      v = op === "+" ? v + r : v - r;
    }
    if (!dead && !Number.isSafeInteger(v)) throw new LaunchExpressionError(`${v} is not an exact integer in: ${text}`);
    return v;
  };
  // C's precedence below + and -: relational, equality, &&, ||, then the conditional operator
  const binary = (ops: readonly string[], next: () => number, apply: (op: string, a: number, b: number) => number) => (): number => {
    let v = next();
    while (ops.some((op) => isOp(op))) {
      const op = String(tokens[i++].value);
      v = apply(op, v, next());
    }
    return v;
  };
  const relational = binary(["<", ">", "<=", ">="], additive, (op, a, b) => Number(op === "<" ? a < b : op === ">" ? a > b : op === "<=" ? a <= b : a >= b));
  const equality = binary(["==", "!="], relational, (op, a, b) => Number(op === "==" ? a === b : a !== b));
  const and = binary(["&&"], equality, (_, a, b) => Number(a !== 0 && b !== 0));
  const or = binary(["||"], and, (_, a, b) => Number(a !== 0 || b !== 0));
  const expression = (): number => {
    const condition = or();
    if (!isOp("?")) return condition;
    i++;
    if (!condition) dead++;
    const yes = expression();
    if (!condition) dead--;
    expect(":");
    if (condition) dead++;
    const no = expression();
    if (condition) dead--;
    return condition ? yes : no;
  };

  let out: number[];
  if (dim3) {
    const t = peek();
    if (t?.kind !== "id" || t.value !== "dim3") throw new LaunchExpressionError(`expected dim3(...), got: ${text}`);
    i++;
    out = args();
  } else out = [expression()];
  if (i !== tokens.length) throw new LaunchExpressionError(`unsupported text at "${tokens.slice(i).map((t) => t.value).join(" ")}" in: ${text}`);
  return out;
}
