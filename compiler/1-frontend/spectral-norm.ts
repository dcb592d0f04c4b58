import { fail } from "../diagnostics/diagnostic.ts";
import { arg, bindArgs, locOfArg, opt } from "./args.ts";
import { ops } from "./composite-ops.ts";
import type { GraphEmitter } from "./graph-emitter.ts";
import { change } from "./in-place-journal.ts";
import { splitParameter } from "./parameter-parts.ts";
import { modeOf } from "./module-modes.ts";
import { BuiltinFunction, ModuleValue, TensorValue, type CallSite } from "./values.ts";

// torch.nn.utils.spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None)
// (SNGAN's, SAGAN's and BigGAN's discriminators): the layer's weight becomes W/σ, σ ≈ W's largest
// singular value, with W (weight_orig) the parameter trained and the singular vectors u [h] and
// v [w] buffers (weight_u, weight_v; W viewed as [h, w] with `dim` first). Each forward in train
// mode first runs the power iteration, without gradient, and keeps its u and v — a change of
// model state, which forward makes as a module's buffer changes (state-updates.ts):
//   v ← normalize(Wᵀu),  u ← normalize(W v)      (n times; normalize(x) = x / max(‖x‖, eps))
// then σ = uᵀ W v with the new u and v (σ's gradient reaches W, as PyTorch's). In eval mode σ is
// computed from the stored u and v, which stay (in both of the model's modes for a module an
// overridden train(mode) holds in eval: a frozen discriminator). One difference: PyTorch starts u and v as
// normalized random draws; tsdp starts both as the unit vector (1, …, 1)/√n, so a fresh model's
// first σ differs until the power iteration converges (a checkpoint from PyTorch carries its u, v).

interface Host {
  readonly em: GraphEmitter;
  requireConstruct(who: string, site: CallSite): void;
}

/**
 * `names` gives the state's names for the parameter's local name: the legacy function's weight_orig,
 * weight_u, weight_v, or torch.nn.utils.parametrizations.spectral_norm's parametrizations.weight.original
 * and parametrizations.weight.0._u / _v.
 */
export function spectralNormFunction(who: string, host: Host, names: (local: string) => [string, string, string] = (l) => [`${l}_orig`, `${l}_u`, `${l}_v`]): BuiltinFunction {
  return new BuiltinFunction(who, (args, site) => {
    host.requireConstruct(who, site);
    const b = bindArgs(who, [arg("module", "any"), opt("name", "string", "weight"), opt("nPowerIterations", "nonNegInt", 1), opt("eps", "number", 1e-12), opt("dim", "int", null, { nullable: true })], args, site);
    const m = b.module as ModuleValue;
    const split = splitParameter(who, m, b.name, locOfArg(b, "module", site));
    const shape = split.shape as number[];
    if (shape.length < 1) return fail("invalidArgument", `${who}: ${m.typeName}.${b.name} is a scalar`, locOfArg(b, "module", site));
    // PyTorch's default dim: 1 for the transposed convolutions (their weight is [in, out, …]), else 0
    const dim = b.dim ?? (/^nn\.ConvTranspose/.test(m.typeName) ? 1 : 0);
    if (dim < 0 || dim >= shape.length) return fail("invalidArgument", `${who}: dim ${dim} is out of range for ${m.typeName}.${b.name} [${shape.join(", ")}]`, locOfArg(b, "dim", site));
    const h = shape[dim];
    const w = shape.reduce((p, d) => p * d, 1) / h;
    const [orig, uName, vName] = names(b.name);
    split.replace([
      { local: orig, shape, init: split.init, original: true },
      { local: uName, shape: [h], init: { kind: "constant", value: 1 / Math.sqrt(h) }, buffer: true },
      { local: vName, shape: [w], init: { kind: "constant", value: 1 / Math.sqrt(w) }, buffer: true },
    ]);
    // PyTorch's legacy spectral_norm sets module.weight = weight.data, weight_orig's storage, until the
    // first forward: a constructor's writes into it reach weight_orig (the parametrization's is recomputed)
    if (orig === `${b.name}_orig`) m.computedAlias.set(b.name, orig);
    m.computed.set(b.name, () => {
      const c = ops(host.em, who, site);
      const [wNode, uNode, vNode] = [m.paramNodes.get(orig), m.paramNodes.get(uName), m.paramNodes.get(vName)];
      if (!wNode || !uNode || !vNode) return fail("moduleNotInModel", `${who}: ${m.typeName} is not part of the model`, site.loc);
      const weight = new TensorValue(wNode);
      // W as [h, w]: dim first, the rest flattened
      const perm = [dim, ...shape.map((_, i) => i).filter((i) => i !== dim)];
      const matrix = c.reshape(dim === 0 ? weight : c.op("permute", [weight], { perm }), [h, w]);
      const [uState, vState] = [host.em.stateValue(uNode), host.em.stateValue(vNode)];
      const times = (mat: TensorValue, vec: TensorValue) => c.op("sum", [c.op("mul", [mat, c.reshape(vec, [1, w])])], { dims: [1], keepdim: false });
      const timesT = (mat: TensorValue, vec: TensorValue) => c.op("sum", [c.op("mul", [mat, c.reshape(vec, [h, 1])])], { dims: [0], keepdim: false });
      const normalize = (t: TensorValue) => {
        const length = c.op("sqrt", [c.op("sum", [c.op("mul", [t, t])], { dims: null, keepdim: false })]);
        return c.op("div", [t, c.op("where", [c.op("lt", [length, b.eps]), b.eps, length])]);
      };
      // the power iteration, without gradient, from the stored vectors (train mode)
      const fixed = c.op("detach", [matrix]);
      let [u, v] = [uState, vState];
      for (let i = 0; i < b.nPowerIterations; i++) {
        v = normalize(timesT(fixed, u));
        u = normalize(times(fixed, v));
      }
      const sigma = (uu: TensorValue, vv: TensorValue) => c.op("sum", [c.op("mul", [uu, times(matrix, vv)])], { dims: null, keepdim: false });
      // the module's own mode (PyTorch's do_power_iteration=module.training; the parametrization's
      // self.training): one an overridden train(mode) holds computes that mode's σ alone (module-modes.ts)
      const held = modeOf(m);
      const both = (train: TensorValue, evaluation: TensorValue) =>
        train === evaluation || held === true ? train : held === false ? evaluation : c.op("mode_select", [train, evaluation]);
      const s = both(sigma(u, v), sigma(uState, vState));
      // the new vectors are the buffers' state in train mode; eval keeps them
      change(uState, both(u, uState).node, undefined);
      change(vState, both(v, vState).node, undefined);
      return c.op("div", [weight, s]);
    });
    return m;
  });
}
