import { bindArgs } from "./args.ts";
import { BuiltinFunction, type ModuleValue } from "./values.ts";

// nn.RNN/GRU/LSTM's flatten_parameters(): PyTorch repacks the layer's weights into one contiguous
// cuDNN buffer so its kernel need not copy them; no value changes. Ports written for DataParallel
// (NVIDIA's Tacotron 2 encoder, many speech models) call it at the top of forward. tsdp's weights are
// always laid out for its own kernels, so the call does nothing, in a constructor or in forward.

const NAMES = new Set(["flatten_parameters", "flattenParameters"]);

/** The recurrent layer's flatten_parameters method for `name`, or undefined when `name` is not it or `m` is no recurrent layer. */
export function recurrentLayerMethod(m: ModuleValue, name: string): BuiltinFunction | undefined {
  if (!NAMES.has(name) || !isRecurrentLayer(m)) return undefined;
  const who = `${m.typeName}.${name}`;
  return new BuiltinFunction(who, (args, site) => {
    bindArgs(who, [], args, site);
    return undefined;
  });
}

/** nn.RNN, nn.GRU and nn.LSTM (RNNBase): the cells (RNNCellBase) have no flatten_parameters. */
function isRecurrentLayer(m: ModuleValue): boolean {
  const layer = m.kind === "layer" ? m.typeName : m.layerType;
  return layer === "nn.RNN" || layer === "nn.GRU" || layer === "nn.LSTM";
}
