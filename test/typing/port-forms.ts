// Forms a port writes that the compiler takes and the dsl typings must take too (port57: each was a
// tsc error): nn.Dropout(p, inplace) and its options object, nn.Parameter's and registerBuffer's
// option objects, F.linear with a null bias (PyTorch's None); gap59: sort/argsort/topk with their
// keyword arguments as options (torch.sort(x, stable=True), x.topk(k, largest=False)); rev60: randint's
// high as a keyword after low (torch.randint_like(x, 2, high=5)). tsc checks this file with the rest of
// the project (test/typecheck.test.ts); test/pytorch-spellings.test.ts lowers it. left61: in-place
// forms (copysign_, sgn_, sinc_, …) the compiler took and the typings lacked. port62: permute with
// the dims as one list (HF T5's values.permute([2, 0, 1])), a Linear's bias tied to a parameter
// (HF ALBERT's and BERT's self.decoder.bias = self.bias), factories given another tensor's dtype
// (torchvision's stochastic_depth: torch.empty(size, dtype=input.dtype, device=input.device)).
// port65: torch.min/max(a, b) of operands typed any (a module call's result) is the elementwise form. port64:
// weight norm's and spectral norm's parameters as attributes of the module they return (conv.weight_v).
// port69: pool layers' settings (kernelSize, stride, padding) as attributes. port71: F.tensor(v, { dtype: x.dtype }),
// F.exp and F.abs of a complex tensor. port73: a real tensor's add/sub/mul/div/rsub of a complex one and F.einsum
// of complex operands (S4D's kernel), repeatInterleave with a tensor of constant counts. port75: nn.ModuleList([])
// filled by append (WaveGlow's, ESPnet's), whose `[]` alone made it a list of never.
import { F, nn, type Batch, type Tensor } from "tsdp/dsl";

class TwinQ extends nn.Module {
  q1 = new nn.Linear(3, 3);
  q2 = new nn.Linear(3, 3);
  forward(x: Tensor): [Tensor, Tensor] {
    return [this.q1(x), this.q2(x)];
  }
}

export class PortForms extends nn.Module {
  twin = new TwinQ();
  drop = new nn.Dropout(0.1, true);
  dropOptions = new nn.Dropout({ p: 0.2 });
  w = new nn.Parameter(F.ones([3, 3]), { requiresGrad: true });
  bias: Tensor | null = null;
  head = new nn.Linear(3, 3);
  // port69: a pool's settings as PyTorch's attributes (pytorch-i3d's MaxPool3dSamePadding reads self.stride[dim])
  pool = new nn.MaxPool3d([1, 3, 3]);
  poolStride = (this.pool.stride as readonly number[])[1] + (this.pool.kernelSize as readonly number[]).length + new nn.MaxPool2d(2).stride[0];
  headBias = new nn.Parameter(F.zeros(3));
  wn = nn.utils.weightNorm(new nn.Linear(3, 3));
  sn = nn.utils.spectralNorm(new nn.Linear(3, 3), "weight");
  acts = new nn.ModuleList([]);

  constructor() {
    super();
    this.registerBuffer("idx", F.arange(3), { persistent: false });
    this.head.bias = this.headBias;
    this.wn.weight_v.data.normal_(0, 0.01);
    nn.init.ones_(this.wn.weight_g);
    // torch.nn.init.zeros_(…) with F as torch
    F.nn.init.zeros_(this.wn.bias);
    this.sn.weight_orig.data.normal_(0, 0.02);
    this.acts.append(new nn.Tanh());
  }

  forward(x: Tensor<[Batch, 3]>) {
    let y = this.sn(this.wn(this.dropOptions(this.drop(F.linear(x, this.w, this.bias)))));
    for (const act of this.acts) y = act(y);
    // torch.nn.functional.relu and nn.functional.gelu (`from torch import nn`)
    y = F.nn.functional.relu(nn.functional.gelu(y));
    // port71: F.exp and F.abs of a complex tensor (Hyena's torch.exp(-1j * f * w))
    const order = F.sort(y, { stable: true }).indices.float().add(y.argsort(-1, { descending: true, stable: true }).float()).add(F.exp(F.complex(F.zerosLike(y), y.neg())).real).add(F.abs(F.complex(y, y)));
    // port73: HF Funnel's torch.softmax(score, dim=-1, dtype=score.dtype) (int32 is refused when compiled, TSDP3004)
    const probs = F.softmax(y, -1, { dtype: y.dtype }).add(y.logSoftmax(-1, { dtype: y.dtype }));
    // port73: S4D's A = -exp(log_A_real) + 1j·A_imag and its einsum('hn,hnl->hl', C, exp(K)).real; FastSpeech2's fixed durations
    const s4d = F.einsum("bn,bn->b", y.neg().add(F.complex(F.zerosLike(y), y)).mul(F.complex(y, y)).div(F.mul(y, F.complex(y, y)).add(1)), F.complex(y, y)).real.unsqueeze(1);
    const expanded = y.repeatInterleave(F.tensor([1, 1, 1]), 1).add(F.repeatInterleave(y, F.tensor([1, 1, 1]), 1)).add(s4d);
    const drawn = F.randintLike(y, 2, { high: 5 }).add(F.randint(2, { high: 5, size: [y.size(0), 3] }).float());
    // left61: PyTorch's in-place forms the typings lacked (the compiler took them)
    const changed = y.mul(0.5);
    changed.copysign_(x).sgn_().tanh_().sinc_().atan2_(x).clip_(-1, 1).cumsum_(1).xlogy_(x.abs()).trueDivide_(2);
    changed.scatterReduce_(1, x.gt(0).int(), x, "amax");
    const tied = this.head(y).unsqueeze(0).permute([2, 1, 0]).squeeze(-1).t().mul(F.empty([y.shape[0], 1], { dtype: y.dtype, device: y.device }).bernoulli_(0.5).add(F.zeros([1, 3], { dtype: x.dtype })));
    // port63: HF GPT-2's bool causal buffer and masked fill with torch.finfo(scores.dtype).min (DistilBERT)
    const causal = F.tril(F.ones([3, 3], { dtype: F.bool })).mul(F.ones(3, 3, { dtype: F.bool })).index(1).mul(F.zerosLike(y, { dtype: F.bool }).logicalNot());
    // port71: torch.tensor(value, dtype=x.dtype) (GPT-J's mask_value, Gemma's normalizer)
    const masked = y.maskedFill(causal.eq(0), F.tensor(F.finfo(y.dtype).min, { dtype: y.dtype })).add(F.finfo(y.dtype).eps).mul(F.tensor(3 ** 0.5, { dtype: y.dtype }));
    // actor-critic's (returns - returns.mean()) / (returns.std() + eps), torch.std(x) and x.var()
    const normalized = y.sub(y.mean()).div(y.std().add(F.std(y)).add(y.var()).add(1e-7));
    // port65: SAC's min_qf_pi = torch.min(qf1_pi, qf2_pi) of a module call's results (typed any): a tensor, not a (values, indices) pair
    const [q1, q2] = this.twin(x);
    const minQ: Tensor = F.min(q1, q2).add(F.max(q1, q2)).add(q1.min(q2)).add(q2.max(q1));
    return minQ.add(expanded).add(probs).add(masked).add(tied).add(normalized).add(changed).add(order).add(drawn).add(y.sort(-1, true, { stable: true }).values).add(F.topk(y, 3, { largest: false }).values).add(y.topk(3, -1, { sorted: true }).values);
  }
}
