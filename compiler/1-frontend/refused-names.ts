// torch names a port reaches for that tsdp knows and does not compute, each with the reason and
// what to write instead: a clearer refusal than "not part of tsdp's model language" (TSDP3001).

const lazy = (eager: string) =>
  `lazy modules shape their parameters at the first call, and tsdp creates every parameter before forward runs; give the input size: new nn.${eager}(inFeatures, …)`;

/** Results whose size is the number of elements found: a compiled kernel's shapes are fixed when it is compiled. */
const dataShaped = (name: string) =>
  `${name}'s result has as many elements as the data selects, a size known only at run time, and tsdp's shapes are fixed at compile time; keep the full shape and mask instead (F.where(mask, x, 0), x.maskedFill(mask.logicalNot(), 0), a dense dispatch by a one-hot matrix, or a sum of x times the mask)`;

/** What a port builds instead of a sparse tensor (sparse.ts takes torch.sparse.mm of a dense one). */
export const SPARSE_HINT =
  "tsdp's tensors are dense: build the matrix densely in the constructor (F.zeros([n, n]) then adj.indexPut_([rows, cols], values, true), which sums repeated indices as coalesce() does) and register it as a buffer; F.sparse.mm and F.spmm multiply it as torch.sparse.mm multiplies the sparse one; an edge list that forward takes or computes (PyG's edge_index) needs no matrix: sparse_coo_tensor(edge_index, w, (n, n)) @ x is F.zeros(n, x.size(1)).index_add_(0, row, x[col].mul(w.unsqueeze(-1))) with [row, col] = edge_index";

/** x.to_sparse() and its layouts: the conversion into a layout tsdp's dense tensors do not have (to_dense() is x itself). */
const toSparse = (name: string) =>
  `${name} converts to a sparse layout, which tsdp does not have: drop the call and keep x dense (F.sparse.mm(x, y) and F.spmm(x, y) multiply it as torch.sparse.mm multiplies its sparse form); for a sparse matrix built from indices, ${SPARSE_HINT}`;

/** The same names as tensor methods (x.nonzero(), x.masked_select(mask)). */
export const REFUSED_TENSOR_METHODS: Readonly<Record<string, string>> = {
  toSparse: toSparse("to_sparse"),
  toSparseCoo: toSparse("to_sparse_coo"),
  toSparseCsr: toSparse("to_sparse_csr"),
  toSparseCsc: toSparse("to_sparse_csc"),
  toSparseBsr: toSparse("to_sparse_bsr"),
  toSparseBsc: toSparse("to_sparse_bsc"),
  nonzero: dataShaped("nonzero"),
  argwhere: dataShaped("argwhere"),
  maskedSelect: dataShaped("maskedSelect"),
  unique: dataShaped("unique"),
  uniqueConsecutive: dataShaped("uniqueConsecutive"),
  // max(x) + 1 counts: as many as the largest value
  bincount: dataShaped("bincount"),
  numpy:
    "a tensor in model code is part of the compiled graph, not a host array: keep it a tensor in forward (x.tolist() reads a constant made in the constructor), and read the model's outputs in Node, where forward resolves with their Float32Array data",
  maskedScatter:
    "masked_scatter takes the source's elements in order over the whole batch wherever the mask is set, so where each lands depends on the masks of the samples before it (and on another device under data parallelism); place the source per sample instead: F.where(mask, placed, x) with placed gathered from the source at mask.cumsum(dim) − 1 along the sample's own dim",
};

/** A double-precision complex dtype: tsdp's complex tensors are complex64, two float32 parts (complex.ts). */
const complex128 =
  "tsdp's complex tensors are complex64 (two float32 parts): F.zeros(…, { dtype: F.cfloat }), F.complex(re, im), F.polar(abs, angle), F.viewAsComplex(x); write F.cfloat";

/** torch.optim's optimizers that tsdp's generated update implements (harness optimizer_update_kernel). */
const OPTIMIZERS = "optim.SGD, Adam, AdamW, RMSprop, Adagrad, Adamax, Adadelta, NAdam and RAdam";
const notAnOptimizer = (why: string) => `${why}; tsdp's optimizers are ${OPTIMIZERS}`;

const RNNT_LOSS =
  "the RNN-T loss is not implemented: it sums the probability of every alignment over the [T, U + 1] lattice of the joint network's output by a forward-variable recursion, with each sample's lengths. For fixed lengths the recursion is a few tensor ops per lattice cell in the loss function — with lp = logits.logSoftmax(-1), blank = lp.index(\"...\", 0) and label[:, t, u] = lp[:, t, u, y_u] (a gather of the targets), α[0][0] = 0, α[t][u] = F.logaddexp(α[t−1][u] + blank[:, t−1, u], α[t][u−1] + label[:, t, u−1]), the loss −(α[T−1][U] + blank[:, T−1, U]), averaged over the batch (torchaudio's reduction \"mean\"); or train a CTC head on the encoder with F.ctcLoss";

/** torch.where(condition) with the condition alone: nonzero(condition, as_tuple=True). */
export const WHERE_OF_CONDITION = dataShaped("where(condition)");

/** torch.nn.utils.rnn's list forms: sequences of their own lengths, each a tensor, which a batch does not hold. */
const SEQUENCE_LIST =
  "a list of sequences of their own lengths is the data pipeline's (a collate function's), and a model's input is one batch tensor padded to a fixed length: pad on the host, pass each sample's length as an int32 input [Batch], and give the layer nn.utils.rnn.packPaddedSequence(x, lengths, { batchFirst: true, enforceSorted: false }) (padPackedSequence pads its output back); sequences of one length join with F.stack(list, dim)";

/** torch.autograd.functional's transforms and torch.autograd.backward: F.autograd.grad writes each. */
/** torch.func's transforms other than grad and grad_and_value, and torch.vmap. */
const FUNC_TRANSFORM =
  "not compiled: a module runs with its registered parameters (no functional_call), and no function is vmapped (write the batch dim into the tensors: tsdp's batch is already every sample's). grad(f)(x) and grad_and_value are F.func.grad and F.func.gradAndValue; vjp is F.autograd.grad(f(x), x, { gradOutputs: v, createGraph: true }), a Jacobian one such call per output element; for weights computed in forward, call the functional forms with them (F.linear(x, w, b), F.conv2d(x, w, b, …), as a hypernetwork does): MAML's fast weights are the parameters less the inner step's gradient, F.autograd.grad(innerLoss, [w, b], { createGraph: true }), passed to F.linear; first-order variants that update weights between steps (Reptile) belong in the host training loop";
const AUTOGRAD_FUNCTIONAL =
  "is not compiled; F.autograd.grad (autograd-grad.ts) computes what it does inside forward: a vector-Jacobian product is F.autograd.grad(y, x, { gradOutputs: v, createGraph }), a Jacobian one row per output element (a one-hot gradOutputs each), a Hessian-vector product the gradient of ⟨∇f, v⟩; the step's backward is the training declaration's, after forward";

export const REFUSED_NAMES: Readonly<Record<string, string>> = {
  ...Object.fromEntries(["padSequence", "packSequence", "unpadSequence", "unpackSequence", "PackedSequence"].map((name) => [`nn.utils.rnn.${name}`, SEQUENCE_LIST])),
  "optim.LBFGS": notAnOptimizer(
    "L-BFGS re-evaluates the loss several times per step through a closure (its line search) and keeps a history of past steps, where tsdp's step is one forward and one backward (for a small full-batch fit, as the sine-wave tutorial's, Adam with a larger lr)",
  ),
  "optim.SparseAdam": notAnOptimizer(
    "SparseAdam updates only the rows a sparse gradient holds (its moments lazy), and tsdp's embedding gradients are dense (nn.Embedding's sparse=True gives the same values densely); optim.Adam is the dense algorithm, whose moments decay on every row",
  ),
  "optim.ASGD": notAnOptimizer("averaged SGD is not implemented"),
  "optim.Rprop": notAnOptimizer("Rprop is not implemented"),
  "optim.Adafactor": notAnOptimizer("Adafactor is not implemented"),
  // AveragedModel's update_parameters runs after optimizer.step(), in the loop the host runs here
  "optim.swaUtils":
    "torch.optim.swa_utils (AveragedModel, SWALR, update_bn) acts in the training loop after optimizer.step(), which a tsdp model file does not hold: keep the average on the host — after each trainStep read model.stateDict() and update your own copy (an EMA: avg ← decay·avg + (1 − decay)·p; SWA: the running mean of the snapshots), then evaluate it with loadStateDict on a second loaded model; an SWA learning rate is a schedule of tsdp's lrScheduler",
  ...Object.fromEntries(["F.cdouble", "F.complex128"].map((name) => [name, complex128])),
  // FractionalMaxPool draws each sample's pooling regions at random on every call (and again in eval, unless _random_samples is given)
  ...Object.fromEntries(
    ["nn.FractionalMaxPool2d", "nn.FractionalMaxPool3d", "F.fractionalMaxPool2d", "F.fractionalMaxPool3d"].map((name) => [
      name,
      "fractional max pooling draws each sample's and channel's window boundaries at random per call, windows that are not tsdp's fixed-shape pools; for the same output size use nn.AdaptiveMaxPool2d(outputSize) (nn.AdaptiveMaxPool3d), or nn.MaxPool2d with a kernel and stride that give it",
    ]),
  ),
  "nn.LPPool3d":
    "the 3-d power-average pool is not implemented; it is (Σ_window x^p)^(1/p): F.avgPool3d(x.pow(p), k, { stride }).mul(k·k·k).pow(1 / p) (nn.LPPool1d and nn.LPPool2d are supported)",
  "nn.CrossMapLRN2d":
    "the legacy Lua-Torch layer is not implemented; nn.LocalResponseNorm(size, alpha, beta, k) computes the same normalization across channels of a 4-D input",
  // torch.distributed in a model (SimCLR's GatherLayer, MoCo's concat_all_gather, DINO's all_reduce of its center)
  "F.distributed":
    "torch.distributed's collectives are not written in a model: each device runs forward on its share of the batch, as a DDP replica does, and the training step sums the gradients over devices and processes itself (README: Data parallelism). A value of the whole batch that a DDP script gathers or reduces (all_gather of embeddings, SimCLR's GatherLayer, MoCo's concat_all_gather, DINO's all_reduce of its center) is each device's own share's here and the whole batch's on one device (compile warns TSDP5007 in forward, TSDP5006 in the loss); a loss needs no get_world_size() factor (the step weights each replica's loss by its share of the batch); the host script reads rank() and worldSize() from tsdp's runtime",
  "nn.SyncBatchNorm": "statistics across the replicas in the middle of forward are not computed; nn.BatchNorm2d normalizes each replica's share of the batch, as DistributedDataParallel does without SyncBatchNorm",
  "nn.LazyLinear": lazy("Linear"),
  "nn.LazyConv1d": lazy("Conv1d"),
  "nn.LazyConv2d": lazy("Conv2d"),
  "nn.LazyConv3d": lazy("Conv3d"),
  "nn.LazyConvTranspose2d": lazy("ConvTranspose2d"),
  "nn.LazyBatchNorm1d": lazy("BatchNorm1d"),
  "nn.LazyBatchNorm2d": lazy("BatchNorm2d"),
  // torchaudio.functional.rnnt_loss / transforms.RNNTLoss (a Conformer-Transducer's, ContextNet's training loss)
  "F.rnntLoss": RNNT_LOSS,
  "nn.RNNTLoss": RNNT_LOSS,
  // a word-level LM's output layer (fairseq's and Transformer-XL's ports of Grave et al.'s adaptive softmax)
  "nn.AdaptiveLogSoftmaxWithLoss":
    "the layer is not built in; write it as a module of yours with PyTorch's children and names (torch/nn/modules/adaptive.py): head = new nn.Linear(inFeatures, cutoffs[0] + nClusters, headBias) and tail = an nn.ModuleList of, per cluster i, new nn.Sequential(new nn.Linear(inFeatures, Math.floor(inFeatures / divValue ** (i + 1)), false), new nn.Linear(that, cutoffs[i + 1] − cutoffs[i], false)); logProb(x) = F.cat of head(x).logSoftmax(1)'s first cutoffs[0] columns and each cluster's tail[i](x).logSoftmax(1) plus the head's column cutoffs[0] + i (unsqueezed); forward(x, target)'s output is logProb(x).gather(1, target.unsqueeze(1)).squeeze(1), which equals PyTorch's per-cluster rows, and its loss output.neg().mean(); or, for the exact log-probabilities that the adaptive softmax approximates, a full nn.Linear(inFeatures, nClasses) head with F.crossEntropy",
  "F.argwhere": dataShaped("argwhere"),
  "F.maskedSelect": dataShaped("maskedSelect"),
  "F.unique": dataShaped("unique"),
  "F.uniqueConsecutive": dataShaped("uniqueConsecutive"),
  "F.bincount": dataShaped("bincount"),
  // torch.func (functorch) beyond grad and grad_and_value (func-transforms.ts): MAML's functional_call with fast weights, vmap, jacrev
  ...Object.fromEntries(["F.func.vmap", "F.func.functionalCall", "F.func.jacrev", "F.func.jacfwd", "F.func.hessian", "F.func.jvp", "F.func.vjp", "F.func.stackModuleState", "F.vmap"].map((name) => [name, FUNC_TRANSFORM])),
  ...Object.fromEntries(["F.autograd.functional", "F.autograd.backward"].map((name) => [name, AUTOGRAD_FUNCTIONAL])),
};
