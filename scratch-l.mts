import { lowerModel } from "./compiler/1-frontend/lower.ts";
import { differentiate } from "./compiler/2-autodiff/backward.ts";
for (const f of process.argv.slice(2)) {
  try {
    const { graph } = lowerModel(f);
    console.log(f, graph.params.length, graph.params.map((p) => p.attrs.name).slice(0, 4).join(" "), graph.outputs?.map?.((o: any) => JSON.stringify(o.shape)));
    if (graph.loss) console.log(" grads", differentiate(graph).gradients.size);
  } catch (e) { console.log(f, "ERROR", (e as any).diagnostics ? JSON.stringify((e as any).diagnostics.map((d: any) => [d.code, d.message, d.line])) : (e as Error).message); }
}
