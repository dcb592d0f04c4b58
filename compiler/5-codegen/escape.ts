// One escaper per output context. Text that comes from a model file (layer and parameter names,
// input names, the class name, the file's name, its source lines) reaches model.cu, model.h and
// manifest.json only through these, so that it is data in each of them and never code: the
// frontend checks names against a strict grammar too, and this is the second line of defense.
//
//   cString       C/C++ string literal, quotes included
//   cComment      text inside a // or /* */ comment (one line)
//   cIdentifier   a fragment of a C identifier, injective
//   jsonString    manifest.json (JSON.stringify of the whole manifest does this; exported for tests)

const hex2 = (c: number) => c.toString(16).padStart(2, "0");

/**
 * A C string literal for `s`, quotes included. Only printable ASCII other than `\`, `"` and `?`
 * passes as itself; everything else (control characters, newlines, every byte of a non-ASCII
 * character's UTF-8) is a three-digit octal escape, which unlike \x cannot swallow the next
 * character, and `?` is `\?` so that no trigraph (`??/` is a backslash in older C) can form.
 */
export function cString(s: string): string {
  let out = '"';
  for (const byte of Buffer.from(s, "utf8")) {
    if (byte === 0x5c) out += "\\\\";
    else if (byte === 0x22) out += '\\"';
    else if (byte === 0x3f) out += "\\?";
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += "\\" + byte.toString(8).padStart(3, "0");
  }
  return out + '"';
}

/** Characters that end a line for C, for JavaScript or for an editor, other control characters but tab, and the invisible ones that reorder text. */
const lineBreakOrControl = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/**
 * `s` as the text of one comment line, in a `//` comment or inside a block comment: nothing in
 * it can end the comment or continue it onto the next line. Line breaks (\n, \r, U+2028/2029),
 * other control characters and bidirectional overrides become visible escapes like `\x0a`;
 * `*` `/` becomes `*\x2f` (it would close a block comment); `??` becomes `?\x3f` (a `??/`
 * trigraph is a backslash); and a backslash at the end (a line splice, even with spaces after
 * it) becomes `\x5c`. Other text, including non-ASCII letters, is kept as written.
 */
export function cComment(s: string): string {
  const visible = (c: string) => {
    const code = c.codePointAt(0)!;
    return code < 0x100 ? `\\x${hex2(code)}` : `\\u${code.toString(16).padStart(4, "0")}`;
  };
  return s
    .replace(lineBreakOrControl, visible)
    .replace(/\*\//g, "*\\x2f")
    .replace(/\?\?/g, "?\\x3f")
    .replace(/\\(\s*)$/, "\\x5c$1")
    .trimEnd();
}

const identifierChar = /[A-Za-z0-9_]/;

/**
 * A fragment of a C identifier (placed after a fixed prefix or before a fixed suffix) that stands
 * for `s` and for no other string: letters, digits and `_` are kept, except `Z`, the escape
 * character, which is doubled; any other character, and a digit in first place, is `Z`, its code
 * point in lowercase hex, `_`. So `conv1_relu` stays `conv1_relu`, `a.b` is `aZ2e_b`.
 */
export function cIdentifier(s: string): string {
  let out = "";
  let first = true;
  for (const c of s) {
    if (c === "Z") out += "ZZ";
    else if (identifierChar.test(c) && !(first && /[0-9]/.test(c))) out += c;
    else out += `Z${c.codePointAt(0)!.toString(16)}_`;
    first = false;
  }
  return out === "" ? "Z_" : out;
}

/** A JSON string literal (what JSON.stringify writes for every string in manifest.json). */
export function jsonString(s: string): string {
  return JSON.stringify(s);
}
