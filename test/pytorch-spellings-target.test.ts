// Two fixtures of what ports reach for, compiled for the CPU target with the CPU's and the GPU's
// kernel shapes: test/fixtures/pytorch-spellings (torch's pointwise math — rsqrt, erf, the
// hyperbolic and inverse functions, rounding — and PyTorch's other spellings: x.T, mm, bmm, norm,
// roll, F.layerNorm, F.embedding, F.glu, F.cosineSimilarity, F.oneHot, the shrinks, F.prelu, …) and
// test/fixtures/port-layers (nn.RMSNorm, the padding layers and F.pad's modes, AdaptiveMaxPool,
// ChannelShuffle, LocalResponseNorm, Softmax2d, the Upsampling layers, ConvTranspose1d, GLU,
// CosineSimilarity, PairwiseDistance) and test/fixtures/port-idioms (initial values set through the
// parameter, named children, a diffusion schedule's cumprod and a[t], the scans, adaptive max
// pooling over unequal windows, torch.no_grad, weight norm), test/fixtures/volumes (the 3-D
// layers) and test/fixtures/folded-batch (convolutions over x.reshape(B·T, C, H, W), a multiple of
// the batch, and over one fixed image — which read `batch` images before session 27). The forward within rtol 1e-4, atol 1e-5 of the float64
// reference (expectClose) and one training step's gradients within rtol 1e-3, atol 1e-4·max|g|
// (expectGradientClose). Values and refusals through the reference: test/pytorch-spellings.test.ts,
// test/port-layers.test.ts.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../compiler/pipeline.ts";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { normals } from "../compiler/reference/rng.ts";
import { load, tensor } from "../runtime/index.ts";
import { expectClose, expectGradientClose, makeInputs, referenceState } from "./target-helpers.ts";
import { scratchDir } from "./helpers.ts";

// Built at -O0, not the suite's -O1 (vitest.config.ts): each model here runs one forward and one
// step, so g++'s time is this file's and the kernels' is not; -O0 compiles the generated code in
// about half -O1's time (port-idioms' 600 kernels: 10 s against 22 s of g++). The file's CPU time
// from an empty cache: 134 s at -O1, 76 s at -O0. The values are the same code's at any level within the tolerances.
process.env.TSDP_CPU_OPT_LEVEL = "0";

const FIXTURES = {
  "pytorch-spellings": ["e.weight", "fc.bias", "fc.weight", "gates.0", "gates.1", "ln.bias", "ln.weight", "logitScale", "proj.weight", "scale", "slope"],
  "port-layers": ["conv.bias", "conv.weight", "reflectConv.bias", "reflectConv.weight", "rms.weight", "stdConv.weight", "up1d.bias", "up1d.weight"],
  // convolutions and a BatchNorm over frames folded into the batch (3·B images), and one of a fixed single image
  "folded-batch": ["bn.bias", "bn.weight", "conv.bias", "conv.weight", "down.bias", "down.weight", "pattern", "rows", "up.bias", "up.weight"],
  volumes: ["bn1.bias", "bn1.weight", "conv1.bias", "conv1.weight", "conv2.bias", "conv2.weight", "fc.bias", "fc.weight", "norm2.bias", "norm2.weight", "up.bias", "up.weight"],
  // head.bias is frozen (requiresGrad = false): state, without a gradient
  "port-idioms": ["bag.weight", "bagMax.weight", "bil.bias", "bil.weight", "conv.bias", "conv.weight", "critic.bias", "critic.weight_orig", "ctcHead.bias", "ctcHead.weight", "cut", "dense.denselayer1.bias", "dense.denselayer1.weight", "dense.denselayer2.bias", "dense.denselayer2.weight", "head.weight", "loc.bias", "loc.weight", "lstm.bias_hh_l0", "lstm.bias_hh_l0_reverse", "lstm.bias_ih_l0", "lstm.bias_ih_l0_reverse", "lstm.weight_hh_l0", "lstm.weight_hh_l0_reverse", "lstm.weight_ih_l0", "lstm.weight_ih_l0_reverse", "masked.bias", "masked.weight", "pos.weight", "proj.bias", "proj.parametrizations.weight.original0", "proj.parametrizations.weight.original1", "same.bias", "same.weight", "stem.fc.bias", "stem.fc.weight", "stem.out.bias", "stem.out.weight", "table", "tcn.bias", "tcn.weight_g", "tcn.weight_v", "up.bias", "up.weight"],
};

describe("what ports reach for, on the CPU target", () => {
  for (const [fixture, parameters] of Object.entries(FIXTURES))
    for (const shapeFor of ["cpu", "gpu"] as const)
      it(`${fixture}: forward and one step's gradients as the reference computes them (${shapeFor === "gpu" ? "the GPU's" : "the CPU's"} kernel shapes)`, async () => {
        const { model, build } = await compile(`test/fixtures/${fixture}/model.ts`, { target: "cpu", shapeFor, outDir: join(scratchDir(`${fixture}-${shapeFor}`), "build") });
        const graph = model.graph;
        const m = await load(build.outDir);
        try {
          const batch = 5;
          const { tensors, reference } = makeInputs(graph, batch, 29);
          m.train(false);
          const out = m.forwardAllSync(...tensors)[0];
          expectClose(out.data, runReference(graph, reference, referenceState(graph, 0)).outputs[0].data, "forward");
          m.train(true);
          const width = out.shape[1];
          const target = Float32Array.from(normals(batch * width, 29, 4));
          m.trainStepSync(tensors, tensor(target, [batch, width]), { lr: 0 });
          const { graph: step, gradients } = differentiate(graph);
          const want = runReference(step, { ...reference, target: nd([batch, width], target) }, initState(graph, 0), { training: true });
          expect([...gradients.keys()].sort()).toEqual(parameters);
          for (const [name, node] of gradients) expectGradientClose(m.getParameter(`${name}.grad`).data as Float32Array, want.values.get(node)!.data, `∂L/∂${name}`);
        } finally {
          m.dispose();
        }
      }, 300_000);
});
