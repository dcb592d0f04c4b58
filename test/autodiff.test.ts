// Autodiff's own errors (compiler/2-autodiff): each is a bug in tsdp, since the frontend lets only
// scalar losses that some parameter reaches through differentiable ops into it; so they are
// internal diagnostics (TSDP9xxx) with the node's location, reached here by calling it directly.
import { describe, expect, it } from "vitest";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { catalog } from "../compiler/diagnostics/catalog.ts";
import { CompileError } from "../compiler/diagnostics/diagnostic.ts";
import { GraphBuilder } from "../compiler/ir/builder.ts";

const at = (line: number) => ({ file: "tiny.ts", line, col: 3, length: 1 });

/** p: f32[4] → op(p, p) at line 2 → sum at line 3: a scalar that depends on p through `op`. */
function through(op: string) {
  const b = new GraphBuilder();
  const p = b.add("param", [], { name: "p", shape: [4], dtype: "f32", init: { kind: "constant", value: 1 } }, at(1), "");
  const y = b.add(op, [p, p], {}, at(2), "");
  const loss = b.add("sum", [y], { dims: [0], keepdim: false }, at(3), "");
  return { graph: b.finish("Tiny", [y]), loss, y };
}

function diagnosticOf(f: () => unknown) {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CompileError);
    return (e as CompileError).diagnostics[0];
  }
  return expect.fail("differentiate did not throw");
}

describe("autodiff's internal errors are catalog diagnostics", () => {
  it("a graph without a loss: TSDP9002", () => {
    const { graph } = through("mul");
    const d = diagnosticOf(() => differentiate(graph));
    expect(d.code).toBe(catalog.autodiffNoLoss.code);
    expect(d.code).toMatch(/^TSDP9/);
    expect(d.message).toBe("differentiate: Tiny has no loss (the frontend lets only models with a training declaration through)");
  });

  it("a loss that is not a scalar: TSDP9002 at the loss", () => {
    const { graph, y } = through("mul");
    const d = diagnosticOf(() => differentiate(graph, { loss: y }));
    expect(d).toMatchObject({ code: catalog.autodiffNoLoss.code, loc: { line: 2 } });
    expect(d.message).toMatch(/the loss must be a scalar, got \[4\]/);
  });

  it("an op without a gradient rule on the way to the loss: TSDP9003 at that op", () => {
    // tanh_grad8 is tanh's eighth derivative times h; no ninth is defined (a graph built by hand, not
    // by a gradient taken in forward, which is the model's limit TSDP2025: autograd-grad.test.ts)
    const { graph, loss } = through("tanh_grad8");
    const d = diagnosticOf(() => differentiate(graph, { loss }));
    expect(d).toMatchObject({ code: catalog.autodiffNoGradient.code, loc: { line: 2, col: 3 } });
    expect(d.message).toMatch(/^tanh_grad8 has no gradient rule, but the loss depends on it through %1$/);
    expect(d.help).toMatch(/bug in tsdp/);
  });

  it("the same graph through an op with a rule differentiates", () => {
    const { graph, loss } = through("mul");
    expect([...differentiate(graph, { loss }).gradients.keys()]).toEqual(["p"]);
  });
});
