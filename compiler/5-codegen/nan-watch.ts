// What a memcheck build's NaN watch (runtime/harness/nan_watch.h) scans around each launch: the
// float values the kernel reads (before it runs) and stores (after), with the kernel's name and
// the TypeScript lines it came from. An input that holds NaN although its writer left none was
// overwritten in between; an output with NaN from clean inputs was computed or left unwritten.
import { basename } from "node:path";
import type { Kernel } from "../3-fusion/plan.ts";
import type { Node } from "../ir/node.ts";
import { cCount, type CodegenContext } from "./context.ts";
import { cString } from "./escape.ts";
import type { NanWatchView } from "./view.ts";

export function nanWatches(ctx: CodegenContext, k: Kernel, kernelSymbol: string): { readonly before: NanWatchView[]; readonly after: NanWatchView[] } {
  const kernel = cString(kernelSymbol.split("::").at(-1)!);
  const where = cString(sourceLines(k));
  const view = (what: string) => (n: Node) => ({ pointer: ctx.pointer(n), count: cCount(n.shape), kernel, value: cString(`${what} ${ctx.label(n)}`), where });
  const floats = (ns: readonly (Node | undefined)[]) => ns.filter((n): n is Node => n !== undefined && n.dtype === "f32");
  return { before: floats(k.inputs).map(view("read NaN from its input")), after: floats([k.output, k.stored, k.rowSums]).map(view("left NaN in its output")) };
}

/** "model.ts:9,10": every line of every file the kernel's nodes come from. */
function sourceLines(k: Pick<Kernel, "nodes">): string {
  const byFile = new Map<string, Set<number>>();
  for (const n of k.nodes) {
    const lines = byFile.get(n.loc.file) ?? new Set<number>();
    lines.add(n.loc.line);
    byFile.set(n.loc.file, lines);
  }
  return [...byFile].map(([file, lines]) => `${basename(file)}:${[...lines].sort((a, b) => a - b).join(",")}`).join(" ");
}
