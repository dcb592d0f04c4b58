// tsdp/vision (vision/models.ts): torchvision.models in the model language. Each model's parameter
// count is torchvision's published one, its state_dict keys come in torchvision's names and order,
// and its initialization is torchvision's (checked on the initializers the compiler records); a
// forward runs on the float64 reference. Only lowering and the reference here: no native build.
import { describe, expect, it } from "vitest";
import { differentiate } from "../compiler/2-autodiff/backward.ts";
import type { Init, Node } from "../compiler/ir/node.ts";
import { initState } from "../compiler/reference/init.ts";
import { runReference } from "../compiler/reference/interpret.ts";
import { nd } from "../compiler/reference/ndarray.ts";
import { diagnosticsOf, header, lowerSource } from "./helpers.ts";

const withVision = `${header}import { models } from "tsdp/vision";\n`;
/** A model holding `make` as its backbone, called on [Batch, 3, size, size]. */
const backbone = (make: string, size = 32) =>
  `${withVision}export class M extends nn.Module {\n  net = ${make};\n  forward(x: Tensor<[Batch, 3, ${size}, ${size}]>) {\n    return this.net(x);\n  }\n}\n`;
const numel = (n: Node) => (n.shape as number[]).reduce((a, b) => a * b, 1);
const count = (src: string) => lowerSource(src).graph.params.reduce((s, p) => s + numel(p), 0);

describe("tsdp/vision: torchvision.models with torchvision's sizes, names and initialization", () => {
  // torchvision's documented parameter counts (the models' pages: "num_params")
  const published: [string, number][] = [
    ["resnet18", 11_689_512],
    ["resnet34", 21_797_672],
    ["resnet50", 25_557_032],
    ["resnet101", 44_549_160],
    ["resnet152", 60_192_808],
    ["resnext50_32x4d", 25_028_904],
    ["resnext101_32x8d", 88_791_336],
    ["wide_resnet50_2", 68_883_240],
    ["wide_resnet101_2", 126_886_696],
    ["vgg11", 132_863_336],
    ["vgg11_bn", 132_868_840],
    ["vgg13", 133_047_848],
    ["vgg13_bn", 133_053_736],
    ["vgg16", 138_357_544],
    ["vgg16_bn", 138_365_992],
    ["vgg19", 143_667_240],
    ["vgg19_bn", 143_678_248],
    ["alexnet", 61_100_840],
    ["mobilenet_v2", 3_504_872],
    ["mobilenet_v3_large", 5_483_032],
    ["mobilenet_v3_small", 2_542_856],
    ["efficientnet_b0", 5_288_548],
    ["efficientnet_b1", 7_794_184],
    ["efficientnet_b2", 9_109_994],
    ["efficientnet_b3", 12_233_232],
    ["efficientnet_b4", 19_341_616],
    ["efficientnet_b5", 30_389_784],
    ["efficientnet_b6", 43_040_704],
    ["efficientnet_b7", 66_347_960],
    ["efficientnet_v2_s", 21_458_488],
    ["efficientnet_v2_m", 54_139_356],
    ["efficientnet_v2_l", 118_515_272],
    ["convnext_tiny", 28_589_128],
    ["convnext_small", 50_223_688],
    ["convnext_base", 88_591_464],
    ["convnext_large", 197_767_336],
    ["vit_b_16", 86_567_656],
    ["vit_b_32", 88_224_232],
    ["vit_l_16", 304_326_632],
    ["vit_l_32", 306_535_400],
    // at 224×224 (without weights torchvision builds it for 224; the SWAG weights' 518×518 table is longer: imageSize 518)
    ["vit_h_14", 632_045_800],
    ["densenet121", 7_978_856],
    ["densenet161", 28_681_000],
    ["densenet169", 14_149_480],
    ["densenet201", 20_013_928],
    ["squeezenet1_0", 1_248_424],
    ["squeezenet1_1", 1_235_496],
    ["shufflenet_v2_x0_5", 1_366_792],
    ["shufflenet_v2_x1_0", 2_278_604],
    ["shufflenet_v2_x1_5", 3_503_624],
    ["shufflenet_v2_x2_0", 7_393_996],
    ["mnasnet0_5", 2_218_512],
    ["mnasnet0_75", 3_170_208],
    ["mnasnet1_0", 4_383_312],
    ["mnasnet1_3", 6_282_256],
    ["regnet_y_400mf", 4_344_144],
    ["regnet_y_800mf", 6_432_512],
    ["regnet_y_1_6gf", 11_202_430],
    ["regnet_y_3_2gf", 19_436_338],
    ["regnet_y_8gf", 39_381_472],
    ["regnet_y_16gf", 83_590_140],
    ["regnet_y_32gf", 145_046_770],
    ["regnet_y_128gf", 644_812_894],
    ["regnet_x_400mf", 5_495_976],
    ["regnet_x_800mf", 7_259_656],
    ["regnet_x_1_6gf", 9_190_136],
    ["regnet_x_3_2gf", 15_296_552],
    ["regnet_x_8gf", 39_572_648],
    ["regnet_x_16gf", 54_278_536],
    ["regnet_x_32gf", 107_811_560],
    ["swin_t", 28_288_354],
    ["swin_s", 49_606_258],
    ["swin_b", 87_768_224],
    ["swin_v2_t", 28_351_570],
    ["swin_v2_s", 49_737_442],
    ["swin_v2_b", 87_930_848],
    ["maxvit_t", 30_919_624],
  ];
  it.each(published)("%s has torchvision's %d parameters", (name, n) => {
    // AlexNet's and SqueezeNet's stems need a larger input (an 11×11 or 7×7 strided convolution, then three pools)
    // a ViT's position table is as long as its 224×224 input's patches
    // MaxViT's partitions (7×7) must divide every block's input: 224 is its smallest such input of torchvision's stride-32 sizes
    expect(count(backbone(`models.${name}()`, name.startsWith("vit") || name.startsWith("maxvit") ? 224 : name === "alexnet" || name.startsWith("squeezenet") ? 64 : 32))).toBe(n);
  });

  // GoogLeNet and Inception v3 give { logits, aux… } in train mode with aux_logits and the logits in eval, as
  // torchvision's; a model holding one splits its forward on this.training, as a training script does
  const withAux = (make: string, size: number, aux: string[]) =>
    `${header}import { models, type GoogLeNetOutputs, type InceptionOutputs } from "tsdp/vision";\nexport class M extends nn.Module {\n  net = ${make};\n  forward(x: Tensor<[Batch, 3, ${size}, ${size}]>): Tensor[] {\n    if (this.training) {\n      const o = this.net(x) as GoogLeNetOutputs & InceptionOutputs;\n      return [o.logits, ${aux.map((a) => `o.${a}!`).join(", ")}];\n    }\n    const logits = this.net(x) as Tensor;\n    return [logits, ${aux.map(() => "logits").join(", ")}];\n  }\n}\n`;
  it("googlenet and inception_v3: torchvision's counts with and without the auxiliary heads, init_weights' N(0, σ) truncated at ±2 (Inception's stddev attributes)", () => {
    // the published count is the pretrained model's, whose auxiliary heads torchvision drops
    expect(count(backbone("models.googlenet({ aux_logits: false })", 32))).toBe(6_624_904);
    // each aux head: 1×1 conv to 128 (and its BatchNorm), fc1 2048→1024, fc2 1024→1000
    const auxHead = (c: number) => c * 128 + 2 * 128 + 2048 * 1024 + 1024 + 1024 * 1000 + 1000;
    const google = lowerSource(withAux("models.googlenet()", 32, ["aux_logits2", "aux_logits1"])).graph;
    expect(google.params.reduce((n, p) => n + numel(p), 0)).toBe(6_624_904 + auxHead(512) + auxHead(528));
    expect(google.stateDict!.map((k) => k.key)).toContain("net.aux2.fc2.bias");
    expect(count(withAux("models.inception_v3()", 299, ["aux_logits"]))).toBe(27_161_264);
    const inception = lowerSource(withAux("models.inception_v3({ numClasses: 10 })", 299, ["aux_logits"])).graph;
    expect(inception.outputs.map((o) => o.shape)).toEqual([["Batch", 10], ["Batch", 10]].map(([, c]) => [expect.anything(), c]));
    const inits = new Map(inception.params.map((p) => [p.attrs.name as string, p.attrs.init as Init]));
    // the stddev torchvision sets on AuxLogits.conv1 (a BasicConv2d, not its Conv2d) is not read: 0.1 as the rest
    expect(inits.get("net.AuxLogits.conv1.conv.weight")).toEqual({ kind: "normal", std: 0.1 });
    expect(inits.get("net.AuxLogits.fc.weight")).toEqual({ kind: "normal", std: 0.001 });
    expect(inits.get("net.Mixed_7c.branch_pool.bn.weight")).toEqual({ kind: "constant", value: 1 });
    expect(inits.get("net.fc.weight")).toEqual({ kind: "normal", std: 0.1 });
    expect(google.params.find((p) => p.attrs.name === "net.inception5b.branch4.1.conv.weight")!.attrs.init).toEqual({ kind: "normal", std: 0.01 });
    // the output differing in kind between the modes, returned as is, is refused (TSDP2007)
    expect(diagnosticsOf(backbone("models.googlenet()", 32)).map((d) => d.code)).toEqual(["TSDP2007"]);
  });

  it("googlenet: the auxiliary heads run in train mode only; transform_input rescales each channel as torchvision's", () => {
    const { graph } = lowerSource(withAux("models.googlenet({ num_classes: 4, dropout: 0, dropout_aux: 0 })", 32, ["aux_logits2", "aux_logits1"]));
    const x = nd([1, 3, 32, 32], Array.from({ length: 3 * 32 * 32 }, (_, i) => Math.sin(i / 7)));
    const state = initState(graph, 0);
    const train = runReference(graph, { x }, state, { training: true }).outputs;
    expect(train.map((o) => o.shape)).toEqual([[1, 4], [1, 4], [1, 4]]);
    // three heads, three different outputs
    expect(Array.from(train[1].data)).not.toEqual(Array.from(train[0].data));
    expect(Array.from(train[2].data)).not.toEqual(Array.from(train[1].data));
    const evalOut = runReference(graph, { x }, initState(graph, 0), { training: false }).outputs;
    expect(Array.from(evalOut[1].data)).toEqual(Array.from(evalOut[0].data));
    // transform_input: channel c becomes x·(std_c/0.5) + (mean_c − 0.5)/0.5, so the model with it on x equals the one
    // without on that (the eval-mode logits above; a parameter's initial values are keyed by its name, so both draw alike)
    const transformed = lowerSource(backbone("models.googlenet({ num_classes: 4, aux_logits: false, transform_input: true })", 32)).graph;
    const [std, mean] = [[0.229, 0.224, 0.225], [0.485, 0.456, 0.406]];
    const x2 = nd([1, 3, 32, 32], Array.from(x.data, (v, i) => { const c = Math.floor(i / 1024) % 3; return v * (std[c] / 0.5) + (mean[c] - 0.5) / 0.5; }));
    const [want] = runReference(graph, { x: x2 }, initState(graph, 0), { training: false }).outputs;
    const [got] = runReference(transformed, { x }, initState(transformed, 0)).outputs;
    expect(Array.from(got.data)).not.toEqual(Array.from(evalOut[0].data));
    Array.from(got.data).forEach((v, i) => expect(v).toBeCloseTo(want.data[i], 10));
  });

  it("regnet_y_400mf: the stages generated from RegNet's parameters (widths 48, 104, 208, 440; depths 1, 3, 6, 6; group width 8), torchvision's block names; a forward on the reference", () => {
    const { graph } = lowerSource(backbone("models.regnet_y_400mf({ num_classes: 10 })"));
    const keys = graph.stateDict!.map((k) => k.key);
    const depths = [1, 2, 3, 4].map((s) => keys.filter((k) => k.startsWith(`net.trunk_output.block${s}.`) && k.endsWith(".f.c.0.weight")).length);
    expect(depths).toEqual([1, 3, 6, 6]);
    // the grouped 3×3's weight: [width, group width, 3, 3]
    const shapeOf = (name: string) => graph.params.find((p) => p.attrs.name === name)!.shape;
    expect([1, 2, 3, 4].map((s) => shapeOf(`net.trunk_output.block${s}.block${s}-0.f.b.0.weight`))).toEqual([48, 104, 208, 440].map((w) => [w, 8, 3, 3]));
    // the squeeze width is a quarter of the block's input width: 32·0.25 in the first block
    expect(shapeOf("net.trunk_output.block1.block1-0.f.se.fc1.weight")).toEqual([8, 48, 1, 1]);
    expect(keys.slice(0, 2)).toEqual(["net.stem.0.weight", "net.stem.1.weight"]);
    // the projection is registered before the transform, as torchvision's __init__ assigns them
    expect(keys.indexOf("net.trunk_output.block2.block2-0.proj.0.weight")).toBeLessThan(keys.indexOf("net.trunk_output.block2.block2-0.f.a.0.weight"));
    const x = nd([1, 3, 32, 32], Array.from({ length: 3 * 32 * 32 }, (_, i) => Math.cos(i / 5)));
    const [out] = runReference(graph, { x }, initState(graph, 0)).outputs;
    expect(out.shape).toEqual([1, 10]);
    expect(Array.from(out.data).every(Number.isFinite)).toBe(true);
  });

  it("EfficientNet B5–B7 take norm_layer's eps 0.001 and momentum 0.01, V2 eps 0.001; V2's fused stages are one k×k convolution (and a projection where it expands)", () => {
    const norms = (name: string) => new Set(lowerSource(backbone(`models.${name}()`)).graph.nodes.filter((n) => n.op === "batch_norm").map((n) => `${n.attrs.eps} ${n.attrs.momentum}`));
    expect(norms("efficientnet_b5")).toEqual(new Set(["0.001 0.01"]));
    expect(norms("efficientnet_b0")).toEqual(new Set([`${1e-5} 0.1`]));
    const { graph } = lowerSource(backbone("models.efficientnet_v2_s()"));
    expect(norms("efficientnet_v2_s")).toEqual(new Set(["0.001 0.1"]));
    const shapeOf = (name: string) => graph.params.find((p) => p.attrs.name === name)?.shape;
    // stage 1 (expand 1): a 3×3 24→24; stage 2 (expand 4): a strided 3×3 24→96, then 1×1 96→48
    expect(shapeOf("net.features.1.0.block.0.0.weight")).toEqual([24, 24, 3, 3]);
    expect(shapeOf("net.features.1.0.block.1.0.weight")).toBeUndefined();
    expect(shapeOf("net.features.2.0.block.0.0.weight")).toEqual([96, 24, 3, 3]);
    expect(shapeOf("net.features.2.0.block.1.0.weight")).toEqual([48, 96, 1, 1]);
    // an MBConv stage after them, with its squeeze-and-excitation; the 1280-channel head
    expect(shapeOf("net.features.4.0.block.2.fc1.weight")).toEqual([16, 256, 1, 1]);
    expect(shapeOf("net.features.7.0.weight")).toEqual([1280, 256, 1, 1]);
  });

  it("Swin's shifted-window attention on the reference equals a direct reading of torchvision's: padded to whole windows, rolled by −shift, the relative position bias, −100 between regions, rolled back, cropped", () => {
    // a 5×5 map of 4 channels, 3×3 windows shifted by 1, two heads: the map is padded to 6×6 (2×2 windows)
    const [S, C, ws, shift, heads] = [5, 4, 3, 1, 2];
    const src = `${header}import { ShiftedWindowAttention } from "tsdp/vision";\nexport class M extends nn.Module {\n  attn = new ShiftedWindowAttention(${C}, [${ws}, ${ws}], [${shift}, ${shift}], ${heads});\n  forward(x: Tensor<[Batch, ${S}, ${S}, ${C}]>) {\n    return this.attn(x);\n  }\n}\n`;
    const { graph } = lowerSource(src);
    const state = initState(graph, 0);
    const xs = Array.from({ length: S * S * C }, (_, i) => Math.sin(1.3 * i));
    const [out] = runReference(graph, { x: nd([1, S, S, C], xs) }, state).outputs;
    const p = (n: string) => Array.from(state.params.get(`attn.${n}`)!.data);
    const [wQkv, bQkv, wProj, bProj, table] = [p("qkv.weight"), p("qkv.bias"), p("proj.weight"), p("proj.bias"), p("relative_position_bias_table")];
    const P = 6; // padded side
    const at = (i: number, j: number) => (i < S && j < S ? xs.slice((i * S + j) * C, (i * S + j + 1) * C) : new Array(C).fill(0));
    // position (i, j) of the rolled map holds the padded map's ((i + shift) mod P, (j + shift) mod P)
    const rolled = (i: number, j: number) => at((i + shift) % P, (j + shift) % P);
    // torchvision's region labels of the rolled, padded map: slices [0, P − ws), [P − ws, P − shift), [P − shift, P)
    const region = (i: number) => (i < P - ws ? 0 : i < P - shift ? 1 : 2);
    const linear = (w: number[], b: number[], x: number[], n: number) => Array.from({ length: n }, (_, o) => b[o] + x.reduce((s, v, k) => s + w[o * x.length + k] * v, 0));
    const want = new Map<string, number[]>();
    const d = C / heads;
    for (const [wi, wj] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
      const pos = Array.from({ length: ws * ws }, (_, t) => [wi * ws + Math.floor(t / ws), wj * ws + (t % ws)]);
      const qkv = pos.map(([i, j]) => linear(wQkv, bQkv, rolled(i, j), 3 * C));
      const outs = pos.map(() => new Array(C).fill(0));
      for (let h = 0; h < heads; h++)
        pos.forEach(([i, j], a) => {
          const logits = pos.map(([k, l], b) => {
            let s = 0;
            for (let e = 0; e < d; e++) s += qkv[a][h * d + e] * d ** -0.5 * qkv[b][C + h * d + e];
            const rel = (i - k + ws - 1) * (2 * ws - 1) + (j - l + ws - 1);
            const masked = region(i) * 3 + region(j) !== region(k) * 3 + region(l);
            return s + table[rel * heads + h] + (masked ? -100 : 0);
          });
          const m = Math.max(...logits);
          const e = logits.map((v) => Math.exp(v - m));
          const z = e.reduce((u, v) => u + v, 0);
          for (let c = 0; c < d; c++) outs[a][h * d + c] = pos.reduce((u, _, b) => u + (e[b] / z) * qkv[b][2 * C + h * d + c], 0);
        });
      // rolled back by +shift: the rolled map's (i, j) is the output's ((i + shift) mod P, (j + shift) mod P)
      pos.forEach(([i, j], a) => want.set(`${(i + shift) % P},${(j + shift) % P}`, linear(wProj, bProj, outs[a], C)));
    }
    expect(out.shape).toEqual([1, S, S, C]);
    for (let i = 0; i < S; i++) for (let j = 0; j < S; j++) want.get(`${i},${j}`)!.forEach((v, c) => expect(out.data[(i * S + j) * C + c]).toBeCloseTo(v, 10));
  });

  it("swin_t: torchvision's keys (the relative position index a buffer), each block's bias table [(2·7 − 1)², heads]", () => {
    const { graph } = lowerSource(backbone("models.swin_t()"));
    const keys = graph.stateDict!.map((k) => k.key);
    expect(keys.slice(0, 4)).toEqual(["net.features.0.0.weight", "net.features.0.0.bias", "net.features.0.2.weight", "net.features.0.2.bias"]);
    for (const key of ["net.features.1.0.attn.relative_position_bias_table", "net.features.1.1.attn.qkv.weight", "net.features.1.1.mlp.3.bias", "net.features.2.reduction.weight", "net.features.2.norm.weight", "net.features.7.1.attn.proj.bias", "net.norm.weight"])
      expect(keys).toContain(key);
    expect(keys.slice(-2)).toEqual(["net.head.weight", "net.head.bias"]);
    expect(graph.stateDict!.find((k) => k.key === "net.features.1.0.attn.relative_position_index")).toBeTruthy();
    expect(graph.params.find((p) => p.attrs.name === "net.features.5.17.attn.relative_position_bias_table")).toBeUndefined();
    expect(graph.params.find((p) => p.attrs.name === "net.features.5.5.attn.relative_position_bias_table")!.shape).toEqual([169, 12]);
  });

  it("Swin V2's attention: logit_scale before the buffers and children, the log-spaced relative coordinates table, the key bias left out of the attention (its gradient zero)", () => {
    const tiny = `${header}import { SwinTransformer, SwinTransformerBlockV2, PatchMergingV2 } from "tsdp/vision";\nexport class M extends nn.Module {\n  net = new SwinTransformer([2, 2], 8, [2, 2], [2, 4], [3, 3], 4.0, 0.0, 0.0, 0.2, 5, SwinTransformerBlockV2, PatchMergingV2);\n  forward(x: Tensor<[Batch, 3, 10, 10]>) {\n    return this.net(x);\n  }\n}\n`;
    const keys = lowerSource(tiny).graph.stateDict!.map((k) => k.key);
    const attn = keys.filter((k) => k.startsWith("net.features.1.0.attn.")).map((k) => k.slice("net.features.1.0.attn.".length));
    expect(attn).toEqual(["logit_scale", "relative_coords_table", "relative_position_index", "qkv.weight", "qkv.bias", "proj.weight", "proj.bias", "cpb_mlp.0.weight", "cpb_mlp.0.bias", "cpb_mlp.2.weight"]);
    expect(keys).toContain("net.features.2.norm.weight");
    // a 3×3 window: offsets −2…2 per axis, divided by 2, times 8, then sign·log2(|t| + 1)/3
    const src = `${header}import { ShiftedWindowAttentionV2 } from "tsdp/vision";\nexport class M extends nn.Module {\n  attn = new ShiftedWindowAttentionV2(4, [3, 3], [1, 1], 2);\n  forward(x: Tensor<[Batch, 5, 5, 4]>) {\n    return this.attn(x);\n  }\n}\n`;
    const { graph } = lowerSource(src);
    const state = initState(graph, 0);
    const table = state.buffers.get("attn.relative_coords_table")!;
    expect(table.shape).toEqual([1, 5, 5, 2]);
    const f = (o: number) => (Math.sign(o) * Math.log2(Math.abs((o / 2) * 8) + 1)) / 3;
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) {
      expect(table.data[(i * 5 + j) * 2]).toBeCloseTo(f(i - 2), 6);
      expect(table.data[(i * 5 + j) * 2 + 1]).toBeCloseTo(f(j - 2), 6);
    }
    expect(Array.from(state.params.get("attn.logit_scale")!.data)).toEqual([Math.log(10), Math.log(10)].map(Math.fround).map((v) => expect.closeTo(v, 6)));
    // one step's gradients: the key third of qkv.bias takes none, the query and value thirds do
    const trained = lowerSource(`${src}export const training = new Training(M, { loss: new nn.MSELoss(), optimizer: new optim.SGD({ lr: 0.1 }) });\n`).graph;
    const { graph: step, gradients } = differentiate(trained);
    const x = nd([1, 5, 5, 4], Array.from({ length: 100 }, (_, i) => Math.sin(i)));
    const got = runReference(step, { x, target: nd([1, 5, 5, 4], Array.from({ length: 100 }, (_, i) => Math.cos(i))) }, initState(trained, 0), { training: true });
    const g = Array.from(got.values.get(gradients.get("attn.qkv.bias")!)!.data);
    expect(g.slice(4, 8)).toEqual([0, 0, 0, 0]);
    expect(g.slice(0, 4).some((v) => v !== 0) && g.slice(8).some((v) => v !== 0)).toBe(true);
  });

  it("MaxViT: grid attention groups positions p apart (the window partition with its axes swapped); a tiny MaxVit runs on the reference", () => {
    // a 4×4 map, partition 2, grid: p = 4 / 2 = 2 windows, swapped, so group (r, c) holds positions (2i + r, 2j + c)
    const src = `${header}import { WindowPartition, SwapAxes } from "tsdp/vision";\nexport class M extends nn.Module {\n  part = new WindowPartition();\n  swap = new SwapAxes(-2, -3);\n  forward(x: Tensor<[Batch, 1, 4, 4]>) {\n    return this.swap(this.part(x, 2));\n  }\n}\n`;
    const { graph } = lowerSource(src);
    const [groups] = runReference(graph, { x: nd([1, 1, 4, 4], Array.from({ length: 16 }, (_, i) => i)) }, initState(graph, 0)).outputs;
    expect(groups.shape).toEqual([1, 4, 4, 1]);
    const want = [0, 1, 2, 3].flatMap((g) => [0, 1, 2, 3].map((m) => { const [r, c, i, j] = [g >> 1, g & 1, m >> 1, m & 1]; return (2 * i + r) * 4 + (2 * j + c); }));
    expect(Array.from(groups.data)).toEqual(want);
    const tiny = `${header}import { MaxVit } from "tsdp/vision";\nexport class M extends nn.Module {\n  net = new MaxVit([16, 16], 8, 2, [8, 16], [1, 1], 4, 0.2, 0.25, 4, 4, 0.0, 0.0, 5);\n  forward(x: Tensor<[Batch, 3, 16, 16]>) {\n    return this.net(x);\n  }\n}\n`;
    const net = lowerSource(tiny).graph;
    const keys = net.stateDict!.map((k) => k.key);
    for (const key of ["net.stem.0.0.weight", "net.stem.1.0.bias", "net.blocks.0.layers.0.layers.MBconv.proj.1.weight", "net.blocks.0.layers.0.layers.MBconv.layers.pre_norm.running_var", "net.blocks.0.layers.0.layers.MBconv.layers.squeeze_excitation.fc1.weight", "net.blocks.1.layers.0.layers.grid_attention.attn_layer.1.relative_position_bias_table", "net.blocks.1.layers.0.layers.window_attention.mlp_layer.3.bias", "net.classifier.5.weight"])
      expect(keys).toContain(key);
    const x = nd([2, 3, 16, 16], Array.from({ length: 2 * 3 * 256 }, (_, i) => Math.sin(i / 3)));
    const [out] = runReference(net, { x }, initState(net, 0)).outputs;
    expect(out.shape).toEqual([2, 5]);
    expect(Array.from(out.data).every(Number.isFinite)).toBe(true);
  });

  it("resnet18's state_dict: torchvision's keys in its order (BatchNorm buffers after each norm's parameters), its 122 entries", () => {
    const { graph } = lowerSource(backbone("models.resnet18({ numClasses: 10 })"));
    const keys = graph.stateDict!.map((k) => k.key);
    expect(keys.length).toBe(122);
    expect(keys.slice(0, 7)).toEqual(["net.conv1.weight", "net.bn1.weight", "net.bn1.bias", "net.bn1.running_mean", "net.bn1.running_var", "net.bn1.num_batches_tracked", "net.layer1.0.conv1.weight"]);
    expect(keys).toContain("net.layer2.0.downsample.0.weight");
    expect(keys).toContain("net.layer4.1.bn2.running_var");
    expect(keys.slice(-2)).toEqual(["net.fc.weight", "net.fc.bias"]);
    expect(graph.params.at(-2)!.shape).toEqual([10, 512]);
  });

  it("mobilenet_v2's keys: Conv2dNormActivation's children 0, 1, 2 inside features and each block's conv", () => {
    const keys = lowerSource(backbone("models.mobilenet_v2()")).graph.stateDict!.map((k) => k.key);
    for (const key of ["net.features.0.0.weight", "net.features.0.1.running_mean", "net.features.1.conv.0.0.weight", "net.features.1.conv.1.weight", "net.features.1.conv.2.weight", "net.features.2.conv.0.0.weight", "net.features.2.conv.3.bias", "net.features.18.0.weight", "net.classifier.1.weight"])
      expect(keys).toContain(key);
    expect(keys.filter((k) => k.startsWith("net.features.")).map((k) => Number(k.split(".")[2])).reduce((a, b) => Math.max(a, b), 0)).toBe(18);
  });

  it("densenet121's keys: denseblocks and transitions added to features by name, each dense layer's norm1/conv1/norm2/conv2; ShuffleNetV2's channel shuffle interleaves the two halves", () => {
    const keys = lowerSource(backbone("models.densenet121()")).graph.stateDict!.map((k) => k.key);
    for (const key of ["net.features.conv0.weight", "net.features.norm0.running_var", "net.features.denseblock1.denselayer1.norm1.weight", "net.features.denseblock1.denselayer6.conv2.weight", "net.features.transition1.conv.weight", "net.features.denseblock4.denselayer16.conv2.weight", "net.features.norm5.bias", "net.classifier.weight"])
      expect(keys).toContain(key);
    expect(keys.indexOf("net.features.transition1.norm.weight")).toBeGreaterThan(keys.indexOf("net.features.denseblock1.denselayer6.conv2.weight"));
    const src = `${header}import { channelShuffle } from "tsdp/vision";\nexport class M extends nn.Module {\n  forward(x: Tensor<[Batch, 6, 1, 1]>) {\n    return channelShuffle(x, 2);\n  }\n}\n`;
    const { graph } = lowerSource(src);
    const [out] = runReference(graph, { x: nd([1, 6, 1, 1], [0, 1, 2, 3, 4, 5]) }, initState(graph, 0)).outputs;
    // two groups of three channels, transposed: 0 3 1 4 2 5
    expect(Array.from(out.data)).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it("vit_b_16's keys in torchvision's order (a module's own parameters before its children's: class_token first); a tiny ViT's zero-initialized head outputs zeros", () => {
    const keys = lowerSource(backbone("models.vit_b_16()", 224)).graph.stateDict!.map((k) => k.key);
    expect(keys.slice(0, 4)).toEqual(["net.class_token", "net.conv_proj.weight", "net.conv_proj.bias", "net.encoder.pos_embedding"]);
    for (const key of ["net.encoder.layers.encoder_layer_0.ln_1.weight", "net.encoder.layers.encoder_layer_0.self_attention.in_proj_weight", "net.encoder.layers.encoder_layer_0.self_attention.out_proj.bias", "net.encoder.layers.encoder_layer_0.mlp.0.weight", "net.encoder.layers.encoder_layer_11.mlp.3.bias", "net.encoder.ln.weight"])
      expect(keys).toContain(key);
    expect(keys.slice(-2)).toEqual(["net.heads.head.weight", "net.heads.head.bias"]);
    const src = `${header}import { VisionTransformer } from "tsdp/vision";\nexport class M extends nn.Module {\n  net = new VisionTransformer(32, 16, 2, 2, 8, 16, 0, 0, 10);\n  forward(x: Tensor<[Batch, 3, 32, 32]>) {\n    return this.net(x);\n  }\n}\n`;
    const { graph } = lowerSource(src);
    const x = nd([2, 3, 32, 32], Array.from({ length: 2 * 3 * 32 * 32 }, (_, i) => Math.cos(i)));
    const [out] = runReference(graph, { x }, initState(graph, 0)).outputs;
    expect(out.shape).toEqual([2, 10]);
    expect(Array.from(out.data).every((v) => v === 0)).toBe(true);
    expect(diagnosticsOf(backbone("models.vit_b_16()", 32)).map((d) => d.message)).toContainEqual(expect.stringMatching(/Wrong image height! Expected 224 but got 32!/));
  });

  it("ConvNeXt's LayerNorm2d normalizes each position over its channels (a LayerNorm subclass with its own forward)", () => {
    const src = `${header}import { LayerNorm2d } from "tsdp/vision";\nexport class M extends nn.Module {\n  norm = new LayerNorm2d(2, { eps: 1e-6 });\n  forward(x: Tensor<[Batch, 2, 1, 2]>) {\n    return this.norm(x);\n  }\n}\n`;
    const { graph } = lowerSource(src);
    const x = [1, 5, 3, -1]; // channel 0 at the two positions, then channel 1
    const [out] = runReference(graph, { x: nd([1, 2, 1, 2], x) }, initState(graph, 0)).outputs;
    const want = [0, 1].flatMap((c) =>
      [0, 1].map((w) => {
        const [a, b] = [x[w], x[2 + w]];
        const mean = (a + b) / 2;
        return (x[c * 2 + w] - mean) / Math.sqrt(((a - b) / 2) ** 2 + 1e-6);
      }),
    );
    Array.from(out.data).forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));
  });

  it("initializes as torchvision: kaiming_normal_ fan_out convolutions, BatchNorm 1 and 0, zero_init_residual's last norm, VGG's N(0, 0.01) classifier, AlexNet's PyTorch defaults", () => {
    const inits = (src: string) => new Map(lowerSource(src).graph.params.map((p) => [p.attrs.name as string, p.attrs.init as Init]));
    const resnet = inits(backbone("models.resnet50({ zero_init_residual: true })"));
    // conv1: fan_out = 64·7·7, std √(2/fan_out)
    const std = (name: string) => {
      const init = resnet.get(name) as Extract<Init, { kind: "normal" }>;
      expect(init.kind).toBe("normal");
      return init.std;
    };
    expect(std("net.conv1.weight")).toBeCloseTo(Math.sqrt(2 / (64 * 49)), 12);
    expect(std("net.layer1.0.conv2.weight")).toBeCloseTo(Math.sqrt(2 / (64 * 9)), 12);
    expect(resnet.get("net.bn1.weight")).toEqual({ kind: "constant", value: 1 });
    expect(resnet.get("net.layer1.0.bn3.weight")).toEqual({ kind: "constant", value: 0 });
    expect(resnet.get("net.layer1.0.bn2.weight")).toEqual({ kind: "constant", value: 1 });
    const vgg = inits(backbone("models.vgg11_bn()"));
    expect(vgg.get("net.classifier.0.weight")).toEqual({ kind: "normal", std: 0.01 });
    expect(vgg.get("net.features.0.bias")).toEqual({ kind: "constant", value: 0 });
    // the mobile networks' loop: fan-out convolutions, N(0, 0.01) Linear (MobileNet), U(±1/√out) Linear (EfficientNet)
    const mobile = inits(backbone("models.mobilenet_v3_small()"));
    expect((mobile.get("net.features.0.0.weight") as Extract<Init, { kind: "normal" }>).std).toBeCloseTo(Math.sqrt(2 / (16 * 9)), 12);
    expect(mobile.get("net.classifier.3.weight")).toEqual({ kind: "normal", std: 0.01 });
    expect(mobile.get("net.features.1.block.1.fc1.bias")).toEqual({ kind: "constant", value: 0 });
    const eff = inits(backbone("models.efficientnet_b0()")).get("net.classifier.1.weight") as Extract<Init, { kind: "uniform" }>;
    expect(eff.kind).toBe("uniform");
    expect(eff.bound).toBeCloseTo(1 / Math.sqrt(1000), 12);
    // PyTorch's Conv2d default: kaiming_uniform_(a = √5), a bound of 1/√fan_in
    const alex = inits(backbone("models.alexnet()", 64));
    const w = alex.get("net.features.0.weight") as Extract<Init, { kind: "uniform" }>;
    expect(w.kind).toBe("uniform");
    expect(w.bound).toBeCloseTo(1 / Math.sqrt(3 * 11 * 11), 12);
  });

  it("a backbone in a port: resnet18 with its fc replaced runs on the reference, [Batch, 512] features; pretrained weights are refused saying what to do", () => {
    const src = `${withVision}export class M extends nn.Module {\n  backbone = models.resnet18();\n  constructor() { super(); this.backbone.fc = new nn.Identity(); }\n  forward(x: Tensor<[Batch, 3, 32, 32]>) {\n    return this.backbone(x);\n  }\n}\n`;
    const { graph } = lowerSource(src);
    expect(graph.params.some((p) => (p.attrs.name as string).startsWith("backbone.fc"))).toBe(false);
    const x = nd([1, 3, 32, 32], Array.from({ length: 3 * 32 * 32 }, (_, i) => Math.sin(i)));
    const [out] = runReference(graph, { x }, initState(graph, 0)).outputs;
    expect(out.shape).toEqual([1, 512]);
    // after the last ReLU and the average pool: non-negative, and not all zero
    expect(Array.from(out.data).every((v) => v >= 0)).toBe(true);
    expect(Array.from(out.data).some((v) => v > 0)).toBe(true);
    const refused = diagnosticsOf(backbone(`models.resnet18({ weights: "IMAGENET1K_V1" as never })`)).map((d) => `${d.code} ${d.message}`)[0];
    expect(refused).toMatch(/pretrained weights are not downloaded here; build the model with weights: null and load the weights into the compiled model/);
  });
});
