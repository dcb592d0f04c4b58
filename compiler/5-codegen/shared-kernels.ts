// Kernels with the same code under different names are compiled once.
//
// Layers repeated with the same shapes (a ResNet stage's blocks, a transformer's layers, the
// forward and backward of twin branches) generate the same kernel under each layer's name:
// ResNet's model.cu held 214 kernel sections and 54 distinct codes. g++ and nvcc spend most of a
// build generating code for kernel bodies (ResNet at -O1: 10 of 13 s), so every copy costs build
// time and buys nothing. A later copy becomes an alias of the first,
//
//     constexpr auto layer2_conv_kernel = layer1_conv_kernel;
//
// so it is still launched, timed, counted, profiled and ejected under its own name, and compiled
// once. A function pointer constant launches the same kernel on both targets (`k<<<…>>>` takes a
// pointer to a __global__ function; the shim's TSDP_LAUNCH takes any function pointer).
//
// "The same code" is decided on the text. Section B is a copy of section A when A's code, with
// the identifiers derived from A's name (A_kernel, A_load_a, A_a_row, …) renamed to B's, is B's
// code, comments aside. That is sound only where every such identifier is declared in the section
// itself: a renamed reference to another section's helper would call a different function. A
// section that refers to one it does not declare is therefore never shared.

/** The rule that opens every kernel section; the next line is `// NAME: summary`. */
const RULE = /^\/\/ -{20,}$/;
const HEADER = /^\/\/ (\w+): /;
/** The one statement an alias section holds per kernel function: `constexpr auto B_x = A_x;`. */
const ALIAS = /^constexpr auto (\w+) = (\w+);$/gm;
/** How an alias section's note begins (kernel_alias.cu.hbs); not part of the section's text in full. */
const SHARED_NOTE = "// Shares the code of ";

/** A copy's section, as the template kernel_alias.cu.hbs lays it out. */
export interface KernelAliasView {
  /** The copy's own leading comment lines (its name, summary and TypeScript lines), each starting "//". */
  readonly header: readonly string[];
  /** The section whose code it shares. */
  readonly of: string;
  readonly aliases: readonly { readonly name: string; readonly of: string }[];
}

/** A piece of generated kernel text: one kernel section (from its rule), or text outside any section. */
function splitSections(text: string): string[] {
  const lines = text.split("\n");
  const starts = lines.flatMap((l, i) => (RULE.test(l) && HEADER.test(lines[i + 1] ?? "") ? [i] : []));
  if (starts[0] !== 0) starts.unshift(0);
  return starts.map((s, i) => lines.slice(s, starts[i + 1] ?? lines.length).join("\n")).filter((s) => s.trim() !== "");
}

/** The name a section's header gives it, or undefined for text that is not a kernel section. */
function sectionName(section: string): string | undefined {
  const [rule, header] = section.split("\n", 2);
  return RULE.test(rule ?? "") ? HEADER.exec(header ?? "")?.[1] : undefined;
}

/** The section's leading comment lines (rule, name, summary, TypeScript lines, notes) and the rest. */
function headerAndCode(section: string): { header: string[]; code: string[] } {
  const lines = section.split("\n");
  let n = 0;
  while (n < lines.length && lines[n].startsWith("//")) n++;
  return { header: lines.slice(0, n), code: lines.slice(n) };
}

/** `line` without its `//` comment; a `//` inside a string or character literal is code. */
function withoutLineComment(line: string): string {
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "/" && line[i + 1] === "/") return line.slice(0, i);
  }
  return line;
}

/** Identifiers derived from `name`: `name_` followed by identifier characters (the kernel's own, by the templates' convention). */
const ownIdentifiers = (name: string) => new RegExp(`(?<![A-Za-z0-9_])${name}_[A-Za-z0-9_]+`, "g");

/**
 * What the section's lines at column 0 declare: its structs and its __global__ and __device__
 * functions, with GEMM's tile microkernel (TSDP_GEMM_MICROKERNEL: __device__ __forceinline__ on a
 * GPU, noinline on the CPU target, runtime/shim/cuda_shim.h).
 */
function declared(code: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const line of code) {
    const struct = /^struct (\w+)/.exec(line);
    if (struct) out.add(struct[1]);
    const fn = /^(?:__global__|__device__|TSDP_GEMM_MICROKERNEL)\b([^(]*)\(/.exec(line.replace(/__launch_bounds__\s*\([^)]*\)/, ""));
    const name = fn && /(\w+)\s*$/.exec(fn[1]);
    if (name) out.add(name[1]);
  }
  return out;
}

/**
 * The section's code with comments removed and the identifiers derived from its name replaced by a
 * placeholder: equal for two sections exactly when one is the other renamed. Undefined where the
 * section refers to an identifier derived from its name that it does not declare (see above).
 */
function codeShape(section: string, name: string): string | undefined {
  const code = headerAndCode(section).code.map((l) => withoutLineComment(l).trimEnd()).filter((l) => l !== "");
  const own = declared(code);
  let sound = true;
  const shape = code.map((l) =>
    l.replace(ownIdentifiers(name), (id) => {
      if (!own.has(id)) sound = false;
      return `\u0000${id.slice(name.length)}`;
    }),
  );
  return sound ? shape.join("\n") : undefined;
}

/** `text` with the identifiers derived from `from` renamed to derive from `to`. */
function renamedKernel(text: string, from: string, to: string): string {
  return text.replace(ownIdentifiers(from), (id) => `${to}${id.slice(from.length)}`);
}

/** The kernel functions of a section, by name, in order. */
function kernelFunctions(section: string): string[] {
  return [...headerAndCode(section).code.join("\n").matchAll(/^__global__\s+void\s+(?:__launch_bounds__\s*\([^)]*\)\s*)?(\w+)\s*\(/gm)].map((m) => m[1]);
}

/**
 * The kernel texts with every section whose code an earlier one has replaced by an alias section
 * (`alias` lays it out). Sections without a kernel function, or not provably the same, stay as they are.
 */
export function shareIdenticalKernels(texts: readonly string[], alias: (view: KernelAliasView) => string): { texts: string[]; shared: number } {
  const first = new Map<string, { name: string; functions: string[] }>();
  let shared = 0;
  const out = texts.map((text) =>
    splitSections(text)
      .map((section) => {
        const name = sectionName(section);
        const shape = name === undefined ? undefined : codeShape(section, name);
        const functions = kernelFunctions(section);
        // an alias is named after the copy's own name: each kernel function must derive from it
        if (name === undefined || shape === undefined || functions.length === 0 || !functions.every((f) => f.startsWith(`${name}_`))) return section;
        const original = first.get(shape);
        if (!original) {
          first.set(shape, { name, functions });
          return section;
        }
        shared++;
        const aliases = original.functions.map((f) => ({ name: renamedKernel(f, original.name, name), of: f }));
        return alias({ header: headerAndCode(section).header, of: original.name, aliases });
      })
      .join("\n"),
  );
  return { texts: out, shared };
}

/** The section an alias section shares the code of, and its aliases; undefined for any other section. */
export function aliasTarget(section: string): { of: string; aliases: { name: string; of: string }[] } | undefined {
  const code = headerAndCode(section).code.join("\n");
  const aliases = [...code.matchAll(ALIAS)].map((m) => ({ name: m[1], of: m[2] }));
  const name = sectionName(section);
  if (aliases.length === 0 || name === undefined) return undefined;
  // the section's own name, read off its first alias: B_kernel = A_kernel → A (B's suffix on A)
  const suffix = aliases[0].name.slice(name.length);
  return { of: aliases[0].of.slice(0, aliases[0].of.length - suffix.length), aliases };
}

/** Every kernel alias in generated model.cu text: alias name → the kernel function it launches. */
export function kernelAliases(cu: string): Map<string, string> {
  return new Map([...cu.matchAll(ALIAS)].map((m) => [m[1], m[2]] as const));
}

/**
 * An alias section written out in full: its own header, then the code of the section it shares
 * (`of`, the original's whole text) renamed to its name — the text it would have without sharing.
 */
export function expandedAlias(section: string, of: string): string {
  const name = sectionName(section)!;
  const original = sectionName(of)!;
  const { code } = headerAndCode(of);
  return [...headerAndCode(section).header.filter((l) => !l.startsWith(SHARED_NOTE)), ...code.map((l) => renamedKernel(l, original, name))].join("\n");
}
