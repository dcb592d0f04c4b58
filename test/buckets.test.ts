// Gradient buckets (compiler/4-memory/buckets.ts): DDP's grouping of the gradients, cut where
// each bucket's last gradient is written, so its all-reduce starts while the backward goes on.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { lowerModel } from "../compiler/1-frontend/lower.ts";
import { planBuckets } from "../compiler/4-memory/buckets.ts";
import { generate, trainingPrograms } from "../compiler/pipeline.ts";
import { runNode } from "./helpers.ts";

function bucketsOf(file: string, capMb?: number) {
  const { graph } = lowerModel(file);
  const training = trainingPrograms(graph)!;
  const { plan, memory } = training.step;
  return { graph, training, plan, memory, buckets: planBuckets(graph.params, training.gradients, plan, memory, capMb) };
}

describe("gradient buckets", () => {
  it("LeNet with DDP's sizes: a 1 MiB first bucket holds fc2 and fc1, the second the convolutions", () => {
    const { buckets, plan } = bucketsOf("examples/lenet/model.ts");
    expect(buckets.buckets.map((b) => b.params)).toEqual([
      ["fc2.bias", "fc2.weight", "fc1.bias", "fc1.weight"],
      ["conv2.bias", "conv2.weight", "conv1.bias", "conv1.weight"],
    ]);
    // the first bucket is complete long before the backward ends: its all-reduce overlaps the conv backward
    const firstEnd = buckets.segments[buckets.buckets[0].segment][1];
    expect(firstEnd).toBeLessThan(plan.kernels.length);
    expect(buckets.segments[buckets.segments.length - 1][1]).toBe(plan.kernels.length);
  });

  const examples = ["lenet", "mnist", "cifar10", "mlp", "resnet", "composed"];
  for (const example of examples)
    it(`${example}, 10 kB buckets: disjoint, covering every gradient, each cut right after its last writer`, () => {
      const { graph, training, plan, memory, buckets } = bucketsOf(`examples/${example}/model.ts`, 0.01);
      // segments tile the step's kernels in order
      let at = 0;
      for (const [start, end] of buckets.segments) {
        expect(start).toBe(at);
        expect(end).toBeGreaterThan(start);
        at = end;
      }
      expect(at).toBe(plan.kernels.length);
      // every parameter in exactly one bucket, and inside its float range
      const seen = buckets.buckets.flatMap((b) => b.params);
      expect([...seen].sort()).toEqual(graph.params.map((p) => p.attrs.name as string).sort());
      const ranges = buckets.buckets.map((b) => [b.offsetFloats, b.offsetFloats + b.countFloats]).sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < ranges.length; i++) expect(ranges[i][0]).toBeGreaterThanOrEqual(ranges[i - 1][1]);
      const lastWriter = (name: string) => {
        const storage = plan.storageOf(training.gradients.get(name)!);
        let last = -1;
        plan.kernels.forEach((k, i) => {
          if (k.nodes.some((n) => plan.storageOf(n) === storage)) last = i;
        });
        return last;
      };
      for (const b of buckets.buckets) {
        for (const name of b.params) {
          const slot = memory.slots.get(plan.storageOf(training.gradients.get(name)!))!;
          expect(slot.offset / 4).toBeGreaterThanOrEqual(b.offsetFloats);
          expect((slot.offset + slot.bytes) / 4).toBeLessThanOrEqual(b.offsetFloats + b.countFloats);
        }
        // ready exactly after the last kernel that writes one of its gradients: not earlier (wrong), not later (no overlap)
        const end = buckets.segments[b.segment][1];
        expect(Math.max(...b.params.map(lastWriter))).toBe(end - 1);
      }
      // buckets come in the order they become ready
      const order = buckets.buckets.map((b) => b.segment);
      expect(order).toEqual([...order].sort((p, q) => p - q));
    });

  it("the manifest and the generated step show the buckets", () => {
    const { generated } = generate("examples/lenet/model.ts", { target: "cpu", bucketCapMb: 0.05 });
    const b = generated.manifest.training!.buckets;
    // as DDP: a parameter joins the open bucket, which closes once it reaches the cap
    expect(b.map((x) => x.params)).toEqual([["fc2.bias", "fc2.weight", "fc1.bias", "fc1.weight"], ["conv2.bias", "conv2.weight"], ["conv1.bias", "conv1.weight"]]);
    const line = (bytes: number) => Math.ceil(bytes / 128) * 128; // parameters start on 128-byte lines (4-memory/plan.ts)
    expect(b[1].bytes).toBe(line(50 * 4) + line(50 * 20 * 25 * 4)); // conv2.bias and conv2.weight, each padded
    expect(generated.cu).toMatch(/\.step = \{\.run = run_step, \.segments = 3,/); // the model descriptor
    expect(generated.cu).toContain("// ends with these gradients final, so their bucket is all-reduced: conv2.bias, conv2.weight");
  });

  it("the step's launches are in parts of at most 32, each within one segment, called in order (ResNet, 10 kB buckets)", () => {
    const { buckets } = bucketsOf("examples/resnet/model.ts", 0.01);
    const { cu } = generate("examples/resnet/model.ts", { target: "cpu", bucketCapMb: 0.01 }).generated;
    const run = cu.slice(cu.indexOf("int run_step("), cu.indexOf("\n}\n", cu.indexOf("int run_step(")));
    // each segment's case calls its parts: a kernel's launch block starts "    {   // <title>" in a part
    const cases = run.split(/\n    case \d+:/).slice(1);
    expect(cases.length).toBe(buckets.segments.length);
    let next = 0;
    cases.forEach((body, i) => {
      const parts = [...body.matchAll(/if \(const int failed = (run_step_part(\d+))\(m, r, batch\)\) return failed;/g)];
      const blocks = parts.map(([, name]) => {
        const start = cu.indexOf(`static int ${name}(`);
        expect(start).toBeGreaterThan(0);
        return cu.slice(start, cu.indexOf("\n}\n", start)).split("\n    {   // ").length - 1;
      });
      for (const [, , k] of parts) expect(Number(k)).toBe(next++); // in order, none skipped
      for (const n of blocks) expect(n).toBeGreaterThan(0);
      for (const n of blocks) expect(n).toBeLessThanOrEqual(32);
      const [from, to] = buckets.segments[i];
      expect(blocks.reduce((a, n) => a + n, 0)).toBe(to - from);
    });
    expect(next).toBeGreaterThan(buckets.segments.length); // some segment needed more than one part
  });

  it("tsdp inspect lists the buckets and where each becomes ready", async () => {
    const r = await runNode(["bin/tsdp.js", "inspect", "examples/lenet/model.ts", "--json"]);
    expect(r.status).toBe(0);
    const t = JSON.parse(r.stdout).training;
    expect(t.buckets.map((b: { params: string[] }) => b.params[0])).toEqual(["fc2.bias", "conv2.bias"]);
    expect(t.buckets[0].afterKernel).toBe("fc1_matmul_sum"); // fc1.weight and fc1.bias, from one GEMM (gemm-row-sums)
    expect(t.stepKernels).toBeGreaterThan(t.buckets.length);
  });

  it("tsdp compile refuses a bucket size that is not a positive number", () => {
    const r = spawnSync(process.execPath, ["bin/tsdp.js", "compile", "examples/lenet/model.ts", "--bucket-cap-mb", "0"], { encoding: "utf8" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("'0' is not a positive number of megabytes");
  });
});
