import { Node as TsNode, type PropertyName } from "ts-morph";
import { fail, type SourceLoc } from "../diagnostics/diagnostic.ts";

// The names a model gives its layers and inputs become state_dict keys ("fc1.weight"), C string
// literals in the generated library and keys in manifest.json. They are ASCII letters, digits, _,
// and the / and - that PyTorch ports put in module names (VoVNet's "OSA2_1/conv", a RefineNet
// block's setattr(self, "1_outvar_dimred", …)). PyTorch refuses only "." and "" as module names;
// tsdp refuses every other character too — quotes, backslashes, *, whitespace, anything non-ASCII —
// so a name can never carry code or markup into what tsdp writes (codegen escapes them as well,
// in case).
//
// Digit-only names ("0", "1") are the ones nn.Sequential and nn.ModuleList give their children;
// tsdp gives them, and refuses them as the name of a field of a model class, where a name like
// layer0 says the same and cannot be mistaken for an index.

const layerName = /^[A-Za-z0-9_/-]+$/;
const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An identifier in the plain ASCII sense (forward's output keys, which the typed module declares as properties). */
export function isIdentifier(name: string): boolean {
  return identifier.test(name);
}

export function isLayerName(name: string): boolean {
  return layerName.test(name) && !/^[0-9]+$/.test(name);
}

/** How a name is shown in a message: quoted, with anything unprintable escaped (JSON's rules). */
export function quoteName(name: string): string {
  const shown = name.length > 60 ? `${name.slice(0, 57)}...` : name;
  return JSON.stringify(shown).replace(/[\u007f-\u009f\u00ad\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/gu, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, "0")}`);
}

function why(name: string): string {
  if (name === "") return "it is empty";
  if (name.includes(".")) return "'.' separates the levels of a state_dict key";
  if (/^[0-9]+$/.test(name)) return "digit-only names are the indices nn.Sequential and nn.ModuleList give their children; call it layer" + name;
  return "it has characters other than ASCII letters, digits, _, / and -";
}

/** Fails with TSDP3008 unless `name` can name a layer (`what`: "layer", "input", ...). */
export function checkLayerName(name: string, what: string, loc: SourceLoc | undefined): void {
  if (!isLayerName(name)) fail("badName", `${quoteName(name)} cannot name ${what}: ${why(name)}`, loc);
}

/**
 * The name a class member declares: `fc`, `'fc'` and `"fc"` are all fc; `0` is "0"; a computed or
 * private (#fc) name is its text, which no layer name matches.
 */
export function memberName(node: PropertyName | TsNode): string {
  if (TsNode.isStringLiteral(node) || TsNode.isNoSubstitutionTemplateLiteral(node)) return node.getLiteralValue();
  if (TsNode.isNumericLiteral(node)) return String(node.getLiteralValue());
  return node.getText();
}

/**
 * `table[key]` for a key the model file wrote (a method or property name, a dtype): only the
 * table's own entries. A plain object's `constructor`, `toString` or `__proto__` are JavaScript's,
 * and read as an entry they made `x.constructor(1)` call Object and `x.valueOf()` crash the compiler.
 */
export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
