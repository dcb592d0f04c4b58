// Issue 12, fix 6: after an error part-way through issuing a step, the work already issued may still
// be running on the replicas' non-blocking streams, and the synchronous copies that follow (reading
// a parameter, saving a checkpoint) would race with it on a GPU. The harness waits for every
// stream before it returns the error. The CPU target sees the race: its strict shim reports a
// synchronous copy of memory that a not-yet-waited-for non-blocking stream still uses
// ("tsdp cuda shim: race"), and TSDP_SHIM_FAIL_LAUNCH=n fails the n-th kernel launch, so the
// error can be put anywhere in the step. Without the wait, the parameter reads below are reported.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { header, runNode, scratchDir } from "./helpers.ts";

const work = scratchDir("tsdp-step-errors-");
const dir = join(work, "out");
const child = join(work, "child.mjs");
const root = process.cwd();

beforeAll(async () => {
  const model = join(work, "mlp.ts");
  writeFileSync(
    model,
    `${header}
export class Mlp extends nn.Module {
  fc1 = new nn.Linear(8, 16);
  fc2 = new nn.Linear(16, 3);
  forward(x: Tensor<[Batch, 8]>) {
    return this.fc2(F.relu(this.fc1(x)));
  }
}
export const training = new Training(Mlp, { loss: new nn.CrossEntropyLoss(), optimizer: new optim.SGD({ lr: 0.1, momentum: 0.9 }) });
`,
  );
  await compile(model, { outDir: dir, target: "cpu" });
  // One failing step (or forward), then every parameter read back (synchronous device-to-host copies), then a
  // good step: prints what happened as JSON.
  writeFileSync(
    child,
    `import { load, tensor } from ${JSON.stringify(join(root, "runtime/index.js"))};
const [dir, devices, graphs, call] = process.argv.slice(2);
const m = await load(dir, { devices: Number(devices), cudaGraphs: graphs === "graphs", seed: 1 });
const x = tensor(Float32Array.from({ length: 6 * 8 }, (_, i) => Math.sin(i)), [6, 8]);
const y = tensor(Int32Array.from([0, 1, 2, 0, 1, 2]), [6]);
let error = "";
try {
  if (call === "forward") m.forwardSync(x);
  else m.trainStepSync(x, y, { lr: 0.1 });
} catch (e) {
  error = e.name + ": " + e.message;
}
const finite = m.parameters().every((p) => m.getParameter(p.name).data.every(Number.isFinite));
const loss = m.trainStepSync(x, y, { lr: 0.1 });
m.dispose();
console.log(JSON.stringify({ error, finite, loss }));
`,
  );
}, 180_000);

describe("an error part-way through issuing a training step or a forward", () => {
  // Launch 1 is the first kernel of the step; later ones fail with inputs copied and kernels issued
  // on every replica's stream before them.
  for (const [call, devices, failAt] of [
    ["trainStep", 1, 3],
    ["trainStep", 1, 6],
    ["trainStep", 2, 5],
    ["trainStep", 3, 9],
    ["forward", 2, 3],
  ] as const)
    it(`${call} (${devices} device${devices > 1 ? "s" : ""}, launch ${failAt} fails) is reported, and nothing reads memory the issued work still uses`, async () => {
      const r = await runNode([child, dir, String(devices), "eager", call], {
        env: { ...process.env, TSDP_SHIM_DEVICES: String(devices), TSDP_SHIM_FAIL_LAUNCH: String(failAt) },
      });
      const context = `${r.stdout}\n${r.stderr}`;
      expect(r.status, context).toBe(0);
      const out = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}");
      expect(out.error, context).toMatch(/^NativeError: .*(too many resources|cudaErrorLaunchOutOfResources)/);
      expect(r.stderr, context).toContain("TSDP_SHIM_FAIL_LAUNCH");
      expect(r.stderr, context).not.toContain("tsdp cuda shim: race");
      expect(out.finite, context).toBe(true);
      expect(Number.isFinite(out.loss), context).toBe(true);
    }, 120_000);
});
