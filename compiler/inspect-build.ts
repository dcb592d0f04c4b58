import { readRegularFile } from "../runtime/build-directory.ts";
import { join } from "node:path";
import { readManifest, type GeneratedManifest, type Manifest } from "../runtime/manifest.ts";
import { fail } from "./diagnostics/diagnostic.ts";
import { recordedResources } from "./inspect.ts";
import type { ResourceReport } from "./6-build/resources.ts";

// `tsdp inspect --from <dir>`: the kernel resources a CUDA build recorded in its manifest (ptxas's
// report, 6-build/resources.ts), so that a model already compiled is not compiled by nvcc again,
// and the build's manifest itself (its launches, for the performance model of --gpu).

/**
 * `dir`'s manifest and the resources recorded in it, for the model whose freshly generated
 * manifest is `generated`. Refused (TSDP6004) when the directory is not a sealed tsdp build, was
 * built for the CPU (no ptxas), or holds another model or other kernels than this model file
 * compiles to.
 */
export async function readBuild(dir: string, generated: GeneratedManifest): Promise<{ built: Manifest; resources: ResourceReport }> {
  const file = join(dir, "manifest.json");
  let built: Manifest;
  try {
    built = await readManifest(file, `compile the model into ${dir} again`);
  } catch (e) {
    return fail("unusableBuild", `--from ${dir}: ${(e as Error).message}`);
  }
  if (built.model !== generated.model)
    fail("unusableBuild", `--from ${dir}: it holds ${built.model}, not ${generated.model}`);
  const names = (m: Pick<Manifest, "kernels">) => (m.kernels ?? []).map((k) => k.name).join(", ");
  if (names(built) !== names(generated))
    fail("unusableBuild", `--from ${dir}: its kernels (${names(built)}) are not the ones ${generated.sourceFile} compiles to now (${names(generated)}): the model changed since it was built`);
  // the same kernel names with other shapes (a layer's width changed): its resources are another model's
  const shapes = (m: Pick<Manifest, "inputs" | "outputs" | "params">) => JSON.stringify([m.inputs, m.outputs, m.params].map((list) => list.map((s) => [s.name, s.shape])));
  if (shapes(built) !== shapes(generated))
    fail("unusableBuild", `--from ${dir}: its inputs, outputs or parameters have other shapes than ${generated.sourceFile} gives now: the model changed since it was built`);
  let cu = "";
  try {
    // bounded and regular, as the build directory's other files are read (runtime/build-directory.ts)
    cu = readRegularFile(join(dir, "model.cu"), 1 << 30).toString("utf8");
  } catch {
    // without model.cu the launches' block sizes are unknown; the recorded resources still stand
  }
  const report = recordedResources(built, cu);
  if (!report) return fail("unusableBuild", `--from ${dir}: it was built for the ${built.target} target, which has no ptxas report; only CUDA builds record kernel resources`);
  return { built, resources: report };
}
