// Reading and writing the safetensors format (https://github.com/huggingface/safetensors), the
// format PyTorch checkpoints are shared in.
//
// Layout: 8 bytes little-endian u64 N; N bytes of UTF-8 JSON, an object mapping tensor names to
// {"dtype", "shape", "data_offsets": [begin, end]} plus an optional "__metadata__" object of
// string → string; then the byte buffer. Offsets are relative to the start of the buffer. Data is
// little-endian and row-major.
//
// The decoder validates what the reference implementation (the Rust crate's `read_metadata`)
// validates, in the same order and with the same error names: the header length prefix, UTF-8,
// the JSON and its schema, then the tensors sorted by offsets must tile the buffer from 0 with no
// gaps or overlaps, each spanning exactly numel × dtype size bytes (computed without overflow),
// and the last one must end where the file ends. It is stricter than the reference in three ways,
// all of which no conforming writer produces: duplicate keys anywhere in the header are an error
// (serde keeps the last one silently), unknown fields in a tensor entry are an error (serde skips
// them), and a dimension larger than 2^53 - 1 (possible only in a zero-element tensor) is an error
// because a JavaScript number cannot hold it exactly.
//
// Integrity: the format has no checksum, so a flipped byte in the tensor data loads silently. A
// writer may record the SHA-256 of the data buffer in the metadata under CHECKSUM_KEY (tsdp's
// checkpoints do); the decoder verifies it whenever it is present, and files without it (from
// PyTorch and others) load as before. The header is validated structurally, not checksummed.

import { printable } from "./errors.ts";
import { isLeftover } from "./leftovers.ts";
import { createHash, randomBytes } from "node:crypto";
import { constants as fsConstants } from "node:fs";
import { lstat, open, readdir, readlink, rename, rm, unlink, type FileHandle } from "node:fs/promises";
import { constants as bufferConstants } from "node:buffer";
import { basename, dirname, join, resolve } from "node:path";

/** The metadata key of the SHA-256 (lowercase hex) of the data buffer, the bytes after the header. */
export const CHECKSUM_KEY = "tsdp.data_sha256";

/** The reference implementation's limit on the header size, in bytes. */
export const MAX_HEADER_SIZE = 100_000_000;

/** Nesting deeper than this in the header JSON is refused (serde_json's recursion limit). */
export const MAX_JSON_DEPTH = 128;

/**
 * Where JSON text first nests deeper than `max` arrays and objects (a character offset), or
 * undefined. Found without recursion, before anything walks the parsed value recursively: a
 * manifest of 20,000 nested arrays ended its check with "Maximum call stack size exceeded".
 */
export function jsonNestingPast(text: string, max = MAX_JSON_DEPTH): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // \ escapes the next character, a quote included
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return undefined;
}

/** Element types of the format, with their size in bits. */
export const SAFETENSORS_DTYPES = {
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
} as const;

export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPES;

/**
 * The typed array that holds each dtype's data. Types JavaScript has no array for keep their raw
 * little-endian bits: F16/BF16 as Uint16Array, the 8-bit floats and BOOL as Uint8Array, the packed
 * sub-byte F4/F6 types as a Uint8Array of their bytes, C64 as a Float32Array of (re, im) pairs.
 */
const ARRAY_OF = {
  BOOL: "Uint8Array",
  F4: "Uint8Array",
  F6_E2M3: "Uint8Array",
  F6_E3M2: "Uint8Array",
  U8: "Uint8Array",
  I8: "Int8Array",
  F8_E5M2: "Uint8Array",
  F8_E4M3: "Uint8Array",
  F8_E8M0: "Uint8Array",
  I16: "Int16Array",
  U16: "Uint16Array",
  F16: "Uint16Array",
  BF16: "Uint16Array",
  I32: "Int32Array",
  U32: "Uint32Array",
  F32: "Float32Array",
  C64: "Float32Array",
  F64: "Float64Array",
  I64: "BigInt64Array",
  U64: "BigUint64Array",
} as const satisfies Record<SafetensorsDtype, string>;

const CONSTRUCTORS = {
  Uint8Array,
  Int8Array,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;

export type SafetensorsData =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** One tensor: its element type, its shape, and its flat row-major data. */
export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: SafetensorsData;
}

/** What `encodeSafetensors` takes: tensors by name (a Map or an object), or an ordered list. */
export type SafetensorsInput =
  | ReadonlyMap<string, { dtype: string; shape: readonly number[]; data: ArrayBufferView }>
  | Record<string, { dtype: string; shape: readonly number[]; data: ArrayBufferView }>
  | ReadonlyArray<{ name: string; dtype: string; shape: readonly number[]; data: ArrayBufferView }>;

export interface DecodedSafetensors {
  /** The tensors in the order of their data in the file (for files this module wrote: the order they were given in). */
  tensors: Map<string, SafetensorsTensor>;
  /** The "__metadata__" object; {} when the file has none. */
  metadata: Record<string, string>;
}

export type SafetensorsErrorCode =
  /** The file is shorter than the 8-byte length prefix. */
  | "HeaderTooSmall"
  /** The length prefix says more than MAX_HEADER_SIZE bytes (or the header to write is that large). */
  | "HeaderTooLarge"
  /** The header runs past the end of the file. */
  | "InvalidHeaderLength"
  /** The header is not valid UTF-8. */
  | "InvalidHeader"
  /** The header is not JSON, not an object, or an entry has missing, extra or wrongly typed fields. */
  | "InvalidHeaderDeserialization"
  /** A key occurs twice in one JSON object of the header (or a name twice in the tensors to write). */
  | "DuplicateKey"
  /** A tensor's data_offsets are reversed, or do not continue where the previous tensor ended. */
  | "InvalidOffset"
  /** numel × dtype size overflows 64 bits (or a dimension exceeds 2^53 - 1). */
  | "ValidationOverflow"
  /** A sub-byte dtype whose data does not end on a byte boundary. */
  | "MisalignedSlice"
  /** A tensor's byte span is not numel × dtype size. */
  | "TensorInvalidInfo"
  /** The tensors do not cover the byte buffer exactly (missing or trailing bytes). */
  | "MetadataIncompleteBuffer"
  /** The data buffer's SHA-256 is not the one the file's metadata records (CHECKSUM_KEY). */
  | "ChecksumMismatch"
  /** Tensor data to write does not match its dtype and shape. */
  | "InvalidTensorView"
  /** Something given to the encoder is not a tensor list, a name, a dtype or metadata it accepts. */
  | "InvalidArgument"
  /** Reading or writing a file failed. */
  | "IoError";

/** Every error this module throws for bad input, bad files and failed I/O. */
export class SafetensorsError extends Error {
  override readonly name = "SafetensorsError";
  readonly code: SafetensorsErrorCode;
  /** The file (or "<buffer>") the error is about. */
  readonly source: string;
  /** The tensor the error is about, when there is one. */
  readonly tensor: string | undefined;

  constructor(code: SafetensorsErrorCode, source: string, message: string, options?: { tensor?: string; cause?: unknown }) {
    // the path and the header's names are anyone's text: printed, never as terminal controls
    super(printable(`${source}: ${message} [${code}]`), options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.source = source;
    this.tensor = options?.tensor;
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const U64_MAX = (1n << 64n) - 1n;

/** A string for a message: quoted, and cut short when long. */
function q(s: string): string {
  return JSON.stringify(s.length > 80 ? s.slice(0, 80) + "…" : s);
}

function isWellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

function tag(v: unknown): string {
  return Object.prototype.toString.call(v).slice(8, -1);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (Array.isArray(v)) return "an array";
  if (ArrayBuffer.isView(v)) return `a ${tag(v)}`;
  if (typeof v === "string") return `the string ${q(v)}`;
  if (typeof v === "object") return "an object";
  return `${typeof v} ${String(v)}`;
}

/** Element size in bytes of the typed array that holds a dtype (1 for the packed sub-byte types). */
function arrayElementSize(dtype: SafetensorsDtype): number {
  return CONSTRUCTORS[ARRAY_OF[dtype]].BYTES_PER_ELEMENT;
}

/** Reverses each `size`-byte group in place (only needed on big-endian hosts). */
function swapBytes(bytes: Uint8Array, size: number): void {
  if (size <= 1) return;
  for (let i = 0; i + size <= bytes.length; i += size)
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
}

/**
 * A u64 from the header: a number when it is at most 2^53 - 1 (almost always), else a bigint.
 * `<`, `>` and `==` compare the two kinds exactly; arithmetic mixing them goes through `sub`.
 */
type U64 = number | bigint;

const big = (x: U64): bigint => (typeof x === "bigint" ? x : BigInt(x));
const sub = (a: U64, b: U64): U64 => (typeof a === "number" && typeof b === "number" ? a - b : big(a) - big(b));
// eslint-disable-next-line eqeqeq -- loose equality compares a number and a bigint by value
const same = (a: U64, b: U64): boolean => a == b;

/** numel × bits with the reference's overflow checks (left to right, 64-bit unsigned); undefined on overflow. */
function checkedBits(shape: readonly U64[], bits: number): U64 | undefined {
  let n = 1;
  let fast = true;
  for (const d of shape) {
    if (typeof d !== "number" || n * d > Number.MAX_SAFE_INTEGER) {
      fast = false;
      break;
    }
    n *= d;
  }
  if (fast && n * bits <= Number.MAX_SAFE_INTEGER) return n * bits;
  let nb = 1n;
  for (const d of shape) {
    nb *= big(d);
    if (nb > U64_MAX) return undefined;
  }
  nb *= BigInt(bits);
  return nb > U64_MAX ? undefined : nb;
}

// ---------------------------------------------------------------------------------------------
// A strict JSON parser (RFC 8259) for the header. JSON.parse cannot be used: it keeps only the
// last of duplicate keys, reorders integer-like keys, and rounds numbers beyond 2^53.

type JNode =
  | { kind: "object"; pos: number; entries: [string, JNode][] }
  | { kind: "array"; pos: number; items: JNode[] }
  | { kind: "string"; pos: number; value: string }
  | { kind: "number"; pos: number; raw: string }
  | { kind: "boolean"; pos: number; value: boolean }
  | { kind: "null"; pos: number };

function kindName(n: JNode): string {
  switch (n.kind) {
    case "object":
      return "an object";
    case "array":
      return "an array";
    case "string":
      return `the string ${q(n.value)}`;
    case "number":
      return `the number ${n.raw.length > 40 ? n.raw.slice(0, 40) + "…" : n.raw}`;
    case "boolean":
      return String(n.value);
    case "null":
      return "null";
  }
}

class JsonParser {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly source: string,
  ) {}

  parseDocument(): JNode {
    this.ws();
    const v = this.value(0);
    this.ws();
    if (this.i < this.s.length) this.syntax(`unexpected ${this.here()} after the end of the JSON value`);
    return v;
  }

  private syntax(what: string): never {
    throw new SafetensorsError("InvalidHeaderDeserialization", this.source, `the header is not valid JSON: ${what} at character ${this.i}`);
  }

  private here(): string {
    if (this.i >= this.s.length) return "end of header";
    const c = this.s.codePointAt(this.i)!;
    return c >= 0x20 && c < 0x7f ? `character '${String.fromCodePoint(c)}'` : `character U+${c.toString(16).toUpperCase().padStart(4, "0")}`;
  }

  private ws(): void {
    const s = this.s;
    let i = this.i;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      i++;
    }
    this.i = i;
  }

  private value(depth: number): JNode {
    if (depth >= MAX_JSON_DEPTH) this.syntax(`nesting deeper than ${MAX_JSON_DEPTH} levels`);
    const c = this.s.charCodeAt(this.i);
    const pos = this.i;
    switch (c) {
      case 0x7b /* { */: {
        this.i++;
        const entries: [string, JNode][] = [];
        const keyPositions: number[] = [];
        let seen: Map<string, number> | undefined; // built only for objects with many keys
        this.ws();
        if (this.s.charCodeAt(this.i) === 0x7d) {
          this.i++;
          return { kind: "object", pos, entries };
        }
        for (;;) {
          this.ws();
          if (this.s.charCodeAt(this.i) !== 0x22) this.syntax(`expected a string key, found ${this.here()}`);
          const keyPos = this.i;
          const key = this.string();
          let first: number | undefined;
          if (seen === undefined && entries.length >= 8) {
            seen = new Map();
            entries.forEach(([k], j) => seen!.set(k, keyPositions[j]));
          }
          if (seen !== undefined) first = seen.get(key);
          else
            for (let j = 0; j < entries.length; j++)
              if (entries[j][0] === key) {
                first = keyPositions[j];
                break;
              }
          if (first !== undefined)
            throw new SafetensorsError(
              "DuplicateKey",
              this.source,
              `the header has the key ${q(key)} twice in one object (at characters ${first} and ${keyPos}); JSON readers would silently keep only one`,
              { tensor: depth === 0 ? key : undefined },
            );
          seen?.set(key, keyPos);
          keyPositions.push(keyPos);
          this.ws();
          if (this.s.charCodeAt(this.i) !== 0x3a) this.syntax(`expected ':' after an object key, found ${this.here()}`);
          this.i++;
          this.ws();
          entries.push([key, this.value(depth + 1)]);
          this.ws();
          const d = this.s.charCodeAt(this.i);
          if (d === 0x2c) {
            this.i++;
            continue;
          }
          if (d === 0x7d) {
            this.i++;
            return { kind: "object", pos, entries };
          }
          this.syntax(`expected ',' or '}' in an object, found ${this.here()}`);
        }
      }
      case 0x5b /* [ */: {
        this.i++;
        const items: JNode[] = [];
        this.ws();
        if (this.s.charCodeAt(this.i) === 0x5d) {
          this.i++;
          return { kind: "array", pos, items };
        }
        for (;;) {
          this.ws();
          items.push(this.value(depth + 1));
          this.ws();
          const d = this.s.charCodeAt(this.i);
          if (d === 0x2c) {
            this.i++;
            continue;
          }
          if (d === 0x5d) {
            this.i++;
            return { kind: "array", pos, items };
          }
          this.syntax(`expected ',' or ']' in an array, found ${this.here()}`);
        }
      }
      case 0x22 /* " */:
        return { kind: "string", pos, value: this.string() };
      case 0x74 /* t */:
        this.literal("true");
        return { kind: "boolean", pos, value: true };
      case 0x66 /* f */:
        this.literal("false");
        return { kind: "boolean", pos, value: false };
      case 0x6e /* n */:
        this.literal("null");
        return { kind: "null", pos };
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return { kind: "number", pos, raw: this.number() };
        this.syntax(`expected a value, found ${this.here()}`);
    }
  }

  private literal(word: string): void {
    if (!this.s.startsWith(word, this.i)) this.syntax(`expected a value, found ${this.here()}`);
    this.i += word.length;
  }

  private digits(): void {
    const start = this.i;
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c < 0x30 || c > 0x39) break;
      this.i++;
    }
    if (this.i === start) this.syntax(`expected a digit, found ${this.here()}`);
  }

  private number(): string {
    const start = this.i;
    if (this.s.charCodeAt(this.i) === 0x2d) this.i++;
    if (this.s.charCodeAt(this.i) === 0x30) this.i++;
    else this.digits();
    if (this.s.charCodeAt(this.i) === 0x2e) {
      this.i++;
      this.digits();
    }
    const e = this.s.charCodeAt(this.i);
    if (e === 0x65 || e === 0x45) {
      this.i++;
      const sign = this.s.charCodeAt(this.i);
      if (sign === 0x2b || sign === 0x2d) this.i++;
      this.digits();
    }
    return this.s.slice(start, this.i);
  }

  private hex4(): number {
    const h = this.s.slice(this.i, this.i + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) this.syntax("expected 4 hex digits after \\u");
    this.i += 4;
    return parseInt(h, 16);
  }

  private string(): string {
    const s = this.s;
    this.i++; // the opening quote
    let out = "";
    let run = this.i;
    for (;;) {
      if (this.i >= s.length) this.syntax("unterminated string");
      const c = s.charCodeAt(this.i);
      if (c === 0x22) {
        out += s.slice(run, this.i);
        this.i++;
        return out;
      }
      if (c < 0x20) this.syntax(`unescaped control character U+${c.toString(16).toUpperCase().padStart(4, "0")} in a string`);
      if (c !== 0x5c) {
        this.i++;
        continue;
      }
      out += s.slice(run, this.i);
      this.i++;
      const e = s.charCodeAt(this.i);
      this.i++;
      switch (e) {
        case 0x22:
          out += '"';
          break;
        case 0x5c:
          out += "\\";
          break;
        case 0x2f:
          out += "/";
          break;
        case 0x62:
          out += "\b";
          break;
        case 0x66:
          out += "\f";
          break;
        case 0x6e:
          out += "\n";
          break;
        case 0x72:
          out += "\r";
          break;
        case 0x74:
          out += "\t";
          break;
        case 0x75: {
          const u = this.hex4();
          if (u >= 0xd800 && u <= 0xdbff) {
            // A high surrogate must be followed by an escaped low surrogate (UTF-8 cannot hold a lone one).
            if (s.charCodeAt(this.i) !== 0x5c || s.charCodeAt(this.i + 1) !== 0x75) this.syntax("lone leading surrogate in a \\u escape");
            this.i += 2;
            const lo = this.hex4();
            if (lo < 0xdc00 || lo > 0xdfff) this.syntax("lone leading surrogate in a \\u escape");
            out += String.fromCharCode(u, lo);
          } else if (u >= 0xdc00 && u <= 0xdfff) {
            this.syntax("lone trailing surrogate in a \\u escape");
          } else out += String.fromCharCode(u);
          break;
        }
        default:
          this.i--;
          this.syntax(`invalid escape '\\${this.i < s.length ? s[this.i] : ""}' in a string`);
      }
      run = this.i;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding

interface Entry {
  name: string;
  dtype: SafetensorsDtype;
  shape: U64[];
  begin: U64;
  end: U64;
}

function entryError(source: string, tensor: string, msg: string): never {
  throw new SafetensorsError("InvalidHeaderDeserialization", source, `tensor ${q(tensor)}: ${msg}`, { tensor });
}

const UINT = /^(?:0|[1-9][0-9]*)$/;

/** A JSON number that must be a u64: digits only (no sign, fraction or exponent), at most 2^64 - 1. */
function u64(node: JNode, source: string, tensor: string, what: string): U64 {
  if (node.kind === "number" && UINT.test(node.raw)) {
    if (node.raw.length <= 15) return +node.raw;
    if (node.raw.length <= 20) {
      const v = BigInt(node.raw);
      if (v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
      if (v <= U64_MAX) return v;
    }
    return entryError(source, tensor, `${what} must be a non-negative integer below 2^64, found ${kindName(node)} (too large)`);
  }
  return entryError(source, tensor, `${what} must be a non-negative integer below 2^64, found ${kindName(node)}`);
}

function parseEntry(name: string, node: JNode, source: string): Entry {
  if (node.kind !== "object")
    return entryError(source, name, `expected an object {"dtype", "shape", "data_offsets"}, found ${kindName(node)}`);
  let dtypeNode: JNode | undefined;
  let shapeNode: JNode | undefined;
  let offsetsNode: JNode | undefined;
  for (const [k, v] of node.entries) {
    if (k === "dtype") dtypeNode = v;
    else if (k === "shape") shapeNode = v;
    else if (k === "data_offsets") offsetsNode = v;
    else entryError(source, name, `unknown field ${q(k)}; a tensor entry has exactly "dtype", "shape" and "data_offsets"`);
  }
  if (dtypeNode === undefined) return entryError(source, name, `missing field "dtype"`);
  if (shapeNode === undefined) return entryError(source, name, `missing field "shape"`);
  if (offsetsNode === undefined) return entryError(source, name, `missing field "data_offsets"`);

  if (dtypeNode.kind !== "string") return entryError(source, name, `"dtype" must be a string, found ${kindName(dtypeNode)}`);
  const dtype = dtypeNode.value;
  if (!Object.hasOwn(SAFETENSORS_DTYPES, dtype))
    return entryError(source, name, `unknown dtype ${q(dtype)}; expected one of ${Object.keys(SAFETENSORS_DTYPES).join(", ")}`);

  if (shapeNode.kind !== "array") return entryError(source, name, `"shape" must be an array of non-negative integers, found ${kindName(shapeNode)}`);
  const shape = shapeNode.items.map((d, i) => u64(d, source, name, `shape[${i}]`));

  if (offsetsNode.kind !== "array") return entryError(source, name, `"data_offsets" must be an array [begin, end], found ${kindName(offsetsNode)}`);
  if (offsetsNode.items.length !== 2)
    return entryError(source, name, `"data_offsets" must have exactly 2 entries [begin, end], found ${offsetsNode.items.length}`);
  const begin = u64(offsetsNode.items[0], source, name, "data_offsets[0]");
  const end = u64(offsetsNode.items[1], source, name, "data_offsets[1]");
  return { name, dtype: dtype as SafetensorsDtype, shape, begin, end };
}

function parseMetadata(node: JNode, source: string): Record<string, string> {
  if (node.kind !== "object")
    throw new SafetensorsError("InvalidHeaderDeserialization", source, `"__metadata__" must be an object of strings, found ${kindName(node)}`);
  const out: Record<string, string> = {};
  for (const [k, v] of node.entries) {
    if (v.kind !== "string")
      throw new SafetensorsError(
        "InvalidHeaderDeserialization",
        source,
        `"__metadata__" must map strings to strings, but ${q(k)} is ${kindName(v)}`,
      );
    // defineProperty, so that a key such as "__proto__" becomes an ordinary own property.
    Object.defineProperty(out, k, { value: v.value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * Decodes a whole safetensors file. Validates it as the reference implementation does (see the
 * top of this file) and throws a SafetensorsError naming `source`, the tensor and what was
 * expected against what was found. Each tensor's data is a copy, in a properly aligned typed array.
 */
export interface DecodeOptions {
  /**
   * The most tensors the reader can use (a model's checkpoint: its keys and optimizer state, with
   * room to spare): a header listing more is refused before it is parsed. A 95 MB header of 1.15M
   * empty tensors took 2.8 GB and 19 s to parse before the model refused its first name.
   */
  readonly maxTensors?: number;
}

/**
 * How many members the header's top-level object has (its tensors, and __metadata__), counted up
 * to `limit + 1` without parsing: the colons at nesting depth 1 outside strings, a string's
 * escapes skipped byte by byte — so no spelling of a key (`"data\u005foffsets"`) hides an entry.
 * A malformed header miscounts at worst, and the parser refuses it after.
 */
function entriesAtLeast(header: Uint8Array, limit: number): number {
  const QUOTE = 0x22, BACKSLASH = 0x5c, COLON = 0x3a;
  let count = 0, depth = 0, inString = false;
  for (let i = 0; i < header.length && count <= limit; i++) {
    const b = header[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === 0x7b || b === 0x5b) depth++; // { [
    else if (b === 0x7d || b === 0x5d) depth--; // } ]
    else if (b === COLON && depth === 1) count++;
  }
  return count;
}

export function decodeSafetensors(bytes: Uint8Array, source = "<buffer>", options: DecodeOptions = {}): DecodedSafetensors {
  if (!(bytes instanceof Uint8Array) && tag(bytes) !== "Uint8Array")
    throw new SafetensorsError("InvalidArgument", source, `expected the file's bytes as a Uint8Array, got ${describe(bytes)}`);
  const fileLen = bytes.length;
  if (fileLen < 8)
    throw new SafetensorsError("HeaderTooSmall", source, `the file has ${fileLen} bytes, fewer than the 8-byte header length prefix`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_SIZE))
    throw new SafetensorsError(
      "HeaderTooLarge",
      source,
      `the length prefix gives a header of ${n} bytes, more than the limit of ${MAX_HEADER_SIZE} bytes (is this a safetensors file?)`,
    );
  const headerLen = Number(n);
  if (8 + headerLen > fileLen)
    throw new SafetensorsError(
      "InvalidHeaderLength",
      source,
      `the length prefix gives a header of ${headerLen} bytes, but the file has only ${fileLen - 8} bytes after the prefix`,
    );

  const { maxTensors } = options;
  // (one member more for __metadata__)
  if (maxTensors !== undefined && entriesAtLeast(bytes.subarray(8, 8 + headerLen), maxTensors + 1) > maxTensors + 1)
    throw new SafetensorsError(
      "HeaderTooLarge",
      source,
      `the header lists more than ${maxTensors} tensors, more than the reader can use (a checkpoint of this model holds fewer); it was not parsed`,
    );

  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch (e) {
    throw new SafetensorsError("InvalidHeader", source, `the header (${headerLen} bytes) is not valid UTF-8`, { cause: e });
  }

  const root = new JsonParser(text, source).parseDocument();
  if (root.kind !== "object")
    throw new SafetensorsError("InvalidHeaderDeserialization", source, `the header must be a JSON object, found ${kindName(root)}`);

  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [key, node] of root.entries) {
    if (key === "__metadata__") metadata = parseMetadata(node, source);
    else entries.push(parseEntry(key, node, source));
  }

  // Tensors are laid out in order of their offsets, which need not be the order of the header
  // (the sort is stable, so zero-size tensors sharing an offset keep their header order).
  entries.sort((a, b) => (a.begin < b.begin ? -1 : a.begin > b.begin ? 1 : a.end < b.end ? -1 : a.end > b.end ? 1 : 0));

  let cursor: U64 = 0;
  let previous: string | undefined;
  for (const t of entries) {
    if (!same(t.begin, cursor))
      throw new SafetensorsError(
        "InvalidOffset",
        source,
        `tensor ${q(t.name)}: data_offsets [${t.begin}, ${t.end}] should begin at byte ${cursor}, ` +
          (previous === undefined ? "the start of the data buffer" : `where tensor ${q(previous)} ends`) +
          (t.begin < cursor ? " (the tensors overlap)" : " (there is a gap)"),
        { tensor: t.name },
      );
    if (t.end < t.begin)
      throw new SafetensorsError("InvalidOffset", source, `tensor ${q(t.name)}: data_offsets [${t.begin}, ${t.end}] end before they begin`, { tensor: t.name });
    cursor = t.end;
    previous = t.name;

    const bits = SAFETENSORS_DTYPES[t.dtype];
    const nbits = checkedBits(t.shape, bits);
    if (nbits === undefined)
      throw new SafetensorsError(
        "ValidationOverflow",
        source,
        `tensor ${q(t.name)}: the size of shape [${t.shape.join(", ")}] with dtype ${t.dtype} overflows 64 bits`,
        { tensor: t.name },
      );
    if (typeof nbits === "number" ? nbits % 8 !== 0 : nbits % 8n !== 0n)
      throw new SafetensorsError(
        "MisalignedSlice",
        source,
        `tensor ${q(t.name)}: shape [${t.shape.join(", ")}] with dtype ${t.dtype} is ${nbits} bits, not a whole number of bytes`,
        { tensor: t.name },
      );
    const expected = typeof nbits === "number" ? nbits / 8 : nbits / 8n;
    const spanned = sub(t.end, t.begin);
    if (!same(spanned, expected))
      throw new SafetensorsError(
        "TensorInvalidInfo",
        source,
        `tensor ${q(t.name)}: shape [${t.shape.join(", ")}] with dtype ${t.dtype} needs ${expected} bytes, but data_offsets [${t.begin}, ${t.end}] span ${spanned} bytes`,
        { tensor: t.name },
      );
  }
  const dataStart = 8 + headerLen;
  const found = fileLen - dataStart;
  if (!same(cursor, found)) {
    throw new SafetensorsError(
      "MetadataIncompleteBuffer",
      source,
      `the tensors cover ${cursor} bytes of data, but the file has ${found} bytes after the header` +
        (cursor < found ? ` (${sub(found, cursor)} trailing bytes)` : ` (${sub(cursor, found)} bytes missing; truncated file?)`),
    );
  }

  if (Object.hasOwn(metadata, CHECKSUM_KEY)) verifyChecksum(metadata[CHECKSUM_KEY], bytes.subarray(dataStart), source);

  const tensors = new Map<string, SafetensorsTensor>();
  for (const t of entries) {
    const shape: number[] = [];
    for (const d of t.shape) {
      if (typeof d !== "number")
        throw new SafetensorsError(
          "ValidationOverflow",
          source,
          `tensor ${q(t.name)}: dimension ${d} of shape [${t.shape.join(", ")}] is larger than 2^53 - 1, which JavaScript cannot represent exactly`,
          { tensor: t.name },
        );
      shape.push(d);
    }
    // Everything is within the file now, so the offsets are numbers.
    const begin = dataStart + Number(t.begin);
    const end = dataStart + Number(t.end);
    const copy = Uint8Array.prototype.slice.call(bytes, begin, end); // a Buffer's own slice() would not copy
    const size = t.dtype === "C64" ? 4 : arrayElementSize(t.dtype);
    if (!LITTLE_ENDIAN) swapBytes(copy, size);
    tensors.set(t.name, { dtype: t.dtype, shape, data: new CONSTRUCTORS[ARRAY_OF[t.dtype]](copy.buffer) });
  }
  return { tensors, metadata };
}

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

function verifyChecksum(recorded: string, data: Uint8Array, source: string): void {
  if (!/^[0-9a-f]{64}$/.test(recorded))
    throw new SafetensorsError("ChecksumMismatch", source, `the metadata's ${q(CHECKSUM_KEY)} is not a SHA-256 in hex (64 of 0-9a-f): the header was altered`);
  const actual = sha256(data);
  if (actual !== recorded)
    throw new SafetensorsError(
      "ChecksumMismatch",
      source,
      `the tensor data (${data.length} bytes) has SHA-256 ${actual}, but the file records ${recorded}: the data was changed or corrupted after it was written`,
    );
}

// ---------------------------------------------------------------------------------------------
// Encoding

interface Prepared {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  data: ArrayBufferView;
  byteLength: number;
}

function listInput(tensors: SafetensorsInput, source: string): { name: unknown; tensor: unknown }[] {
  if (Array.isArray(tensors)) {
    return tensors.map((t: unknown, i) => {
      if (t === null || typeof t !== "object")
        throw new SafetensorsError("InvalidArgument", source, `tensor #${i} must be an object {name, dtype, shape, data}, got ${describe(t)}`);
      return { name: (t as { name?: unknown }).name, tensor: t };
    });
  }
  if (tensors instanceof Map) return [...tensors].map(([name, tensor]) => ({ name, tensor }));
  if (tensors !== null && typeof tensors === "object" && !ArrayBuffer.isView(tensors))
    return Object.entries(tensors).map(([name, tensor]) => ({ name, tensor }));
  throw new SafetensorsError("InvalidArgument", source, `expected the tensors as a Map, an object or an array, got ${describe(tensors)}`);
}

function inputError(source: string, name: string, code: SafetensorsErrorCode, msg: string): never {
  throw new SafetensorsError(code, source, `tensor ${q(name)}: ${msg}`, { tensor: name });
}

function prepare(name: unknown, t: unknown, index: number, source: string): Prepared {
  if (typeof name !== "string")
    throw new SafetensorsError("InvalidArgument", source, `tensor #${index}: the name must be a string, got ${describe(name)}`);
  if (name === "__metadata__") inputError(source, name, "InvalidArgument", `"__metadata__" is reserved for the metadata object`);
  if (!isWellFormed(name)) inputError(source, name, "InvalidArgument", "the name contains a lone UTF-16 surrogate, which UTF-8 cannot encode");
  if (t === null || typeof t !== "object") return inputError(source, name, "InvalidArgument", `expected {dtype, shape, data}, got ${describe(t)}`);
  const { dtype, shape, data } = t as { dtype?: unknown; shape?: unknown; data?: unknown };
  if (typeof dtype !== "string" || !Object.hasOwn(SAFETENSORS_DTYPES, dtype))
    return inputError(source, name, "InvalidArgument", `unknown dtype ${typeof dtype === "string" ? q(dtype) : describe(dtype)}; expected one of ${Object.keys(SAFETENSORS_DTYPES).join(", ")}`);
  const dt = dtype as SafetensorsDtype;
  if (!Array.isArray(shape)) return inputError(source, name, "InvalidArgument", `the shape must be an array of non-negative integers, got ${describe(shape)}`);
  for (const d of shape)
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0)
      inputError(source, name, "InvalidArgument", `shape [${shape.map(String).join(", ")}] has an invalid size ${describe(d)}`);
  const want = ARRAY_OF[dt];
  if (!ArrayBuffer.isView(data) || tag(data) !== want)
    return inputError(source, name, "InvalidTensorView", `dtype ${dt} needs its data in a ${want}, got ${describe(data)}`);
  const nbits = checkedBits(shape, SAFETENSORS_DTYPES[dt]);
  if (nbits === undefined) return inputError(source, name, "ValidationOverflow", `the size of shape [${shape.join(", ")}] overflows 64 bits`);
  if (typeof nbits === "bigint" ? nbits % 8n !== 0n : nbits % 8 !== 0)
    return inputError(source, name, "MisalignedSlice", `shape [${shape.join(", ")}] with dtype ${dt} is ${nbits} bits, not a whole number of bytes`);
  const bytes = typeof nbits === "bigint" ? nbits / 8n : nbits / 8;
  if (!same(bytes, data.byteLength)) {
    const per = arrayElementSize(dt);
    return inputError(
      source,
      name,
      "InvalidTensorView",
      `shape [${shape.join(", ")}] with dtype ${dt} needs ${typeof bytes === "number" ? bytes / per : big(bytes) / BigInt(per)} ${want} elements (${bytes} bytes), but the data has ${data.byteLength / per}`,
    );
  }
  return { name, dtype: dt, shape: [...shape], data, byteLength: data.byteLength };
}

function metadataJson(metadata: unknown, source: string): string | undefined {
  if (metadata === undefined) return undefined;
  if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata) || ArrayBuffer.isView(metadata) || metadata instanceof Map)
    throw new SafetensorsError("InvalidArgument", source, `the metadata must be an object of strings, got ${describe(metadata)}`);
  const parts: string[] = [];
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== "string")
      throw new SafetensorsError("InvalidArgument", source, `the metadata must map strings to strings, but ${q(k)} is ${describe(v)}`);
    if (!isWellFormed(k) || !isWellFormed(v))
      throw new SafetensorsError("InvalidArgument", source, `the metadata entry ${q(k)} contains a lone UTF-16 surrogate, which UTF-8 cannot encode`);
    parts.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
  }
  return parts.length === 0 ? undefined : `{${parts.join(",")}}`;
}

/** Validates the input and builds the header; nothing is written anywhere. */
function plan(tensors: SafetensorsInput, metadata: Record<string, string> | undefined, source: string) {
  const list = listInput(tensors, source).map(({ name, tensor }, i) => prepare(name, tensor, i, source));
  const seen = new Set<string>();
  for (const t of list) {
    if (seen.has(t.name))
      throw new SafetensorsError("DuplicateKey", source, `tensor ${q(t.name)} is given twice`, { tensor: t.name });
    seen.add(t.name);
  }
  return headerFor(list, metadata, source);
}

/** The header of `list` with `metadata`: the compact JSON, its padded length, the data length. */
function headerFor(list: Prepared[], metadata: Record<string, string> | undefined, source: string) {
  const meta = metadataJson(metadata, source);
  // The same compact JSON the reference writes: metadata first, then each tensor with its fields
  // in the order dtype, shape, data_offsets. JSON.stringify escapes strings the way serde_json does.
  const parts: string[] = meta === undefined ? [] : [`"__metadata__":${meta}`];
  let offset = 0;
  for (const t of list) {
    parts.push(
      `${JSON.stringify(t.name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(",")}],"data_offsets":[${offset},${offset + t.byteLength}]}`,
    );
    offset += t.byteLength;
  }
  const json = new TextEncoder().encode(`{${parts.join(",")}}`);
  const headerLen = Math.ceil(json.length / 8) * 8; // padded with spaces so the data starts 8-byte aligned
  if (headerLen > MAX_HEADER_SIZE)
    throw new SafetensorsError("HeaderTooLarge", source, `the header would be ${headerLen} bytes, more than the limit of ${MAX_HEADER_SIZE} bytes`);
  return { list, json, headerLen, dataLen: offset };
}

/**
 * Encodes tensors as a safetensors file. They are written in the order given (a Map's or an
 * array's order; for a plain object, JavaScript's key order, which puts integer-like keys first).
 * The header is padded with spaces to a multiple of 8 bytes, as the reference writer does.
 * `metadata` becomes the "__metadata__" object (left out when empty).
 */
export function encodeSafetensors(tensors: SafetensorsInput, metadata?: Record<string, string>): Uint8Array {
  const p = plan(tensors, metadata, "<buffer>");
  const out = new Uint8Array(8 + p.headerLen + p.dataLen);
  out.set(head(p), 0);
  fillData(p, out.subarray(8 + p.headerLen));
  return out;
}

/** The length prefix and the space-padded header. */
function head({ json, headerLen }: ReturnType<typeof plan>): Uint8Array {
  const out = new Uint8Array(8 + headerLen);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  return out;
}

/** Writes the tensors' bytes, little-endian, one after the other into `out`. */
function fillData({ list }: ReturnType<typeof plan>, out: Uint8Array): void {
  let at = 0;
  for (const t of list) {
    const view = new Uint8Array(t.data.buffer, t.data.byteOffset, t.byteLength);
    out.set(view, at);
    if (!LITTLE_ENDIAN) swapBytes(out.subarray(at, at + t.byteLength), t.dtype === "C64" ? 4 : arrayElementSize(t.dtype));
    at += t.byteLength;
  }
}

// ---------------------------------------------------------------------------------------------
// Files

function ioError(path: string, what: string, e: unknown): SafetensorsError {
  const msg = e instanceof Error ? e.message : String(e);
  return new SafetensorsError("IoError", path, `${what}: ${msg}`, { cause: e });
}

/** Reads and decodes a safetensors file; errors name the path. */
export async function readSafetensorsFile(path: string, options: DecodeOptions = {}): Promise<DecodedSafetensors> {
  return decodeSafetensors(await readCheckpointBytes(path), path, options);
}

/**
 * The bytes of the regular file `path`: exactly the size fstat gives when it is opened. Opened
 * without blocking and checked on the open descriptor, so a FIFO (which hung the load) or a device
 * (/dev/zero, which filled Node's memory) is refused at once, as a build directory's files are
 * (build-directory.ts readRegularFile). A checkpoint may be many GB: no smaller cap than a Buffer's.
 */
async function readCheckpointBytes(path: string): Promise<Uint8Array> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    const st = await fh.stat();
    if (!st.isFile())
      throw new SafetensorsError("IoError", path, `cannot read the file: it is ${st.isDirectory() ? "a directory" : "not a regular file (a device, FIFO or socket)"}`);
    if (st.size > bufferConstants.MAX_LENGTH)
      throw new SafetensorsError("IoError", path, `cannot read the file: it has ${st.size} bytes, more than the ${bufferConstants.MAX_LENGTH} this Node.js holds in one buffer`);
    const bytes = Buffer.allocUnsafe(st.size);
    let got = 0;
    for (let n; got < st.size && (n = (await fh.read(bytes, got, Math.min(st.size - got, 1 << 30), got)).bytesRead) > 0; ) got += n;
    // every byte filled, or none trusted: a file cut short while it was read ends the load here
    if (got !== st.size) throw new SafetensorsError("IoError", path, `cannot read the file: it shrank from ${st.size} to ${got} bytes while it was read`);
    return bytes;
  } catch (e) {
    throw e instanceof SafetensorsError ? e : ioError(path, "cannot read the file", e);
  } finally {
    await fh?.close().catch(() => {});
  }
}

export interface WriteOptions {
  /** Record the SHA-256 of the data buffer in the metadata (CHECKSUM_KEY), for readers to verify. */
  checksum?: boolean;
}

/**
 * Writes a safetensors file atomically: the tensors are validated and encoded first, then written
 * to a temporary file in the same directory, which is fsynced and renamed over `path`, and the
 * directory is fsynced. On any failure the temporary file is removed and an existing file at
 * `path` is left as it was. A process killed mid-write cannot remove its temporary file, so each
 * write first removes the stale ones in the directory (see removeStaleTemporaries).
 */
/** The file a path names, through symlinks (a dangling one: where it points); the path itself when it is none. */
async function linkTarget(path: string): Promise<string> {
  for (let hops = 0; hops < 40; hops++) {
    let link: string;
    try {
      link = await readlink(path);
    } catch {
      return path; // not a link (or absent): the path itself
    }
    path = resolve(dirname(path), link);
  }
  throw new SafetensorsError("IoError", path, "cannot write the file: too many levels of symbolic links");
}

/**
 * The rename that makes a write atomic replaces whatever is at the destination: a device node
 * (saveCheckpoint("/dev/null") as root replaced the system's /dev/null with a regular file), a FIFO
 * or a socket would be swapped for a file, and a directory failed only after the whole file was
 * written beside it (EISDIR from the rename, a temporary in the parent). Refused up front, as
 * reads refuse them (readCheckpointBytes).
 */
async function refuseSpecialDestination(target: string, path: string): Promise<void> {
  const st = await lstat(target).catch(() => undefined);
  if (st === undefined || st.isFile()) return;
  const what = st.isDirectory() ? "a directory" : "not a regular file (a device, FIFO or socket), which the write's rename would replace";
  throw new SafetensorsError("IoError", path, `cannot write the file: ${target === resolve(path) ? "it" : `${printable(target)}, where it leads,`} is ${what}; give the path of a file`);
}

export async function writeSafetensorsFile(
  path: string,
  tensors: SafetensorsInput,
  metadata?: Record<string, string>,
  options: WriteOptions = {},
): Promise<void> {
  let p = plan(tensors, metadata, path);
  const data = new Uint8Array(p.dataLen);
  fillData(p, data);
  if (options.checksum) p = headerFor(p.list, { ...metadata, [CHECKSUM_KEY]: sha256(data) }, path);
  const header = head(p);
  // a symlink is written through, as an ordinary write would: the rename replaces the file it
  // points to (in that file's directory), not the link
  const target = await linkTarget(resolve(path));
  await refuseSpecialDestination(target, path);
  const dir = dirname(target);
  await removeStaleTemporaries(dir);
  const tmp = join(dir, `.${basename(target)}.${TEMP_TAG}${process.pid}-${randomBytes(6).toString("hex")}.tmp`);
  let fh: FileHandle | undefined;
  try {
    fh = await open(tmp, "wx");
    await fh.writeFile(header);
    await fh.writeFile(data);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, target);
  } catch (e) {
    if (fh !== undefined) await fh.close().catch(() => {});
    await rm(tmp, { force: true }).catch(() => {});
    throw ioError(path, "cannot write the file", e);
  }
  // Make the rename itself durable. Some platforms and file systems cannot fsync a directory.
  let dh: FileHandle | undefined;
  try {
    dh = await open(dir, "r");
    await dh.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!["EINVAL", "ENOTSUP", "EISDIR", "EPERM", "EBADF", "EACCES"].includes(code ?? ""))
      throw ioError(path, "wrote the file but cannot fsync its directory", e);
  } finally {
    await dh?.close().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// Temporary files left by killed writers

const TEMP_TAG = "tsdp-";
/** `.<name>.tsdp-<pid>-<12 hex>.tmp`, and the `.<name>.<pid>.<12 hex>.tmp` of earlier versions. */
const TEMP_NAME = /^\..+\.(?:tsdp-(\d+)-|(\d+)\.)[0-9a-f]{12}\.tmp$/;

/**
 * Removes the temporary files that writers killed mid-write left in `dir`: files named as this
 * module names them, last modified before this process started, whose writing process is gone
 * (a process with that id that still runs may be saving right now, so its files are kept, and so
 * are this process's own). Best effort: a file that cannot be examined or removed stays.
 * Returns the names removed.
 */
export async function removeStaleTemporaries(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m) continue;
    const pid = Number(m[1] ?? m[2]);
    const file = join(dir, name);
    try {
      const st = await lstat(file);
      if (!st.isFile() || !isLeftover(pid, st.mtimeMs)) continue;
      await unlink(file);
      removed.push(name);
    } catch {
      // gone meanwhile (another writer cleaned it) or not ours to remove: leave it
    }
  }
  return removed;
}
