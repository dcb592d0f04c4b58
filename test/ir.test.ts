// The IR's printer and verifier, on LeNet.
import { describe, expect, it } from "vitest";
import { lowerModel } from "../compiler/1-frontend/lower.ts";
import type { Graph, Node } from "../compiler/ir/node.ts";
import { printGraph } from "../compiler/ir/print.ts";
import { verifyGraph } from "../compiler/ir/verify.ts";

const { graph } = lowerModel("examples/lenet/model.ts");

describe("printer", () => {
  const text = printGraph(graph);
  it("prints the signature, parameters and each op with its type and source line", () => {
    expect(text).toContain("graph SimpleModel(%x: f32[Batch, 1, 28, 28]) -> (f32[Batch, 10]) {");
    expect(text).toContain("%fc1.weight: f32[500, 800]");
    expect(text).toMatch(/= conv2d\(%x, %conv1\.weight, %conv1\.bias\) \{stride=\[1, 1\], padding=\[0, 0\], dilation=\[1, 1\], groups=1\} : f32\[Batch, 20, 24, 24\]  # model\.ts:12 conv1/);
    expect(text).toMatch(/= reshape\(%\d+\) \{shape=\[-1, 800\]\} : f32\[Batch, 800\]  # model\.ts:14/);
    expect(text).toMatch(/= cross_entropy\(%18, %target\)/);
    expect(text).toContain("optimizer SGD {lr=0.01, momentum=0.9");
  });
});

describe("verifier", () => {
  it("accepts the frontend's graph", () => {
    expect(verifyGraph(graph)).toEqual([]);
  });

  const tampered = (f: (nodes: Node[]) => void): Graph => {
    const nodes = graph.nodes.map((n) => ({ ...n }));
    // re-link inputs to the copies so identity checks see one graph
    for (const n of nodes) (n as unknown as { inputs: Node[] }).inputs = n.inputs.map((i) => nodes[i.id]);
    f(nodes);
    return { ...graph, nodes, outputs: graph.outputs.map((o) => nodes[o.id]), inputs: [], params: [], buffers: [], loss: undefined };
  };

  it("reports a recorded shape that its shape rule does not give", () => {
    const g = tampered((nodes) => {
      const relu = nodes.find((n) => n.op === "relu")!;
      (relu as unknown as { shape: unknown }).shape = [5];
    });
    expect(verifyGraph(g).join("\n")).toMatch(/relu\): recorded f32\[5\], its shape rule gives f32\[Batch, 20, 24, 24\]/);
  });

  it("reports a use before definition and an unknown op", () => {
    const g = tampered((nodes) => {
      const [a, b] = [nodes[9], nodes[10]];
      nodes[9] = { ...b, id: 9 };
      nodes[10] = { ...a, id: 10 };
      (nodes[11] as unknown as { op: string }).op = "frobnicate";
    });
    const problems = verifyGraph(g).join("\n");
    expect(problems).toMatch(/is not defined before use/);
    expect(problems).toMatch(/frobnicate\): unknown op/);
  });
});
