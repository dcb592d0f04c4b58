// Where each value of a JSON text is, so that a diagnostic about a tuning file can point at the
// line and column of the entry it is about (JSON.parse gives values, not positions). A small
// scanner over the grammar of RFC 8259; the text is parsed by JSON.parse first, so this only ever
// reads valid JSON.

export interface JsonSpan {
  /** Offset of the property's key (or of the value, for the root and array elements). */
  readonly keyAt: number;
  readonly keyLength: number;
  /** Offset and length of the value's text. */
  readonly valueAt: number;
  readonly valueLength: number;
}

/** Spans by path: the property names (array indices as strings) joined with "\u0000". */
export type JsonSpans = ReadonlyMap<string, JsonSpan>;

export const pathKey = (path: readonly string[]) => path.join("\u0000");

export function jsonSpans(text: string): JsonSpans {
  const spans = new Map<string, JsonSpan>();
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const string = (): string => {
    const start = i++;
    while (text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string[], keyAt: number, keyLength: number): void => {
    ws();
    const start = i;
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      while (text[i] !== "}") {
        ws();
        const at = i;
        const key = string();
        const length = i - at;
        ws();
        i++; // ':'
        value([...path, key], at, length);
        ws();
        if (text[i] === ",") i++;
        ws();
      }
      i++;
    } else if (c === "[") {
      i++;
      ws();
      for (let n = 0; text[i] !== "]"; n++) {
        ws();
        value([...path, String(n)], i, 0);
        ws();
        if (text[i] === ",") i++;
        ws();
      }
      i++;
    } else if (c === '"') string();
    else while (i < text.length && !",}] \t\n\r".includes(text[i])) i++;
    spans.set(pathKey(path), { keyAt: keyLength ? keyAt : start, keyLength: keyLength || i - start, valueAt: start, valueLength: i - start });
  };
  value([], 0, 0);
  return spans;
}

/**
 * lineCol for many offsets of one text: the lines' starts are found once, each offset by binary
 * search (lineCol scans from the start each time, and a diagnostic per entry of a large tuning
 * file made that quadratic). The same answers as lineCol.
 */
export function lineIndex(text: string): (offset: number) => { line: number; col: number } {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // \n, or \r not followed by \n (which ends the line itself)
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  return (offset) => {
    // the last line start at or before offset: the lines whose break comes before it
    let [lo, hi] = [0, starts.length - 1];
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - starts[lo] + 1 };
  };
}

/** 1-based line and column of an offset (JSON's line breaks: \n, \r\n, \r). */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset; i++) {
    if (text[i] === "\n" || (text[i] === "\r" && text[i + 1] !== "\n")) {
      line++;
      start = i + 1;
    }
  }
  return { line, col: offset - start + 1 };
}
