import { nn, F, optim, Training, type Tensor, type Batch } from "tsdp/dsl";
import { config, type GPTConfig } from "./config.ts";

// A character-level GPT (decoder-only transformer), the shape of nanoGPT's model.py at a size
// that trains on a laptop's CPU in a minute or two: token embedding plus a learned position
// embedding, nLayer blocks of pre-LayerNorm causal self-attention and MLP with residuals, a final
// LayerNorm and a linear head over the vocabulary. Characters are bytes 0–127 (ASCII), so the
// vocabulary is fixed at compile time and any text file can be used (train.ts maps other
// characters to "?"). The head has its own weight (weight tying is not in the model language).
// Parameter names follow nanoGPT's (transformer.h.0.attn.cAttn.weight ↔ transformer.h.0.attn.c_attn.weight).
// The size is in config.ts (train.ts reads it too).

class CausalSelfAttention extends nn.Module {
  cAttn: nn.Linear;
  cProj: nn.Linear;
  constructor(readonly cfg: GPTConfig) {
    super();
    this.cAttn = new nn.Linear(cfg.nEmbd, 3 * cfg.nEmbd);
    this.cProj = new nn.Linear(cfg.nEmbd, cfg.nEmbd);
    nn.init.normal_(this.cAttn.weight, 0, 0.02);
    nn.init.zeros_(this.cAttn.bias);
    // GPT-2's scaled init of the projections into the residual stream (2 per block)
    nn.init.normal_(this.cProj.weight, 0, 0.02 / Math.sqrt(2 * cfg.nLayer));
    nn.init.zeros_(this.cProj.bias);
  }
  forward(x: Tensor) {
    const [B, T, C] = x.size();
    const [q, k, v] = this.cAttn(x).split(this.cfg.nEmbd, 2);
    // [B, T, C] → [B, nHead, T, headSize]
    const heads = (t: Tensor) => t.view(B, T, this.cfg.nHead, C / this.cfg.nHead).transpose(1, 2);
    const y = F.scaledDotProductAttention(heads(q), heads(k), heads(v), { isCausal: true });
    return this.cProj(y.transpose(1, 2).contiguous().view(B, T, C));
  }
}

class MLP extends nn.Module {
  cFc: nn.Linear;
  gelu = new nn.GELU();
  cProj: nn.Linear;
  constructor(cfg: GPTConfig) {
    super();
    this.cFc = new nn.Linear(cfg.nEmbd, 4 * cfg.nEmbd);
    this.cProj = new nn.Linear(4 * cfg.nEmbd, cfg.nEmbd);
    nn.init.normal_(this.cProj.weight, 0, 0.02 / Math.sqrt(2 * cfg.nLayer));
  }
  forward(x: Tensor) {
    return this.cProj(this.gelu(this.cFc(x)));
  }
}

class Block extends nn.Module {
  ln1: nn.LayerNorm;
  attn: CausalSelfAttention;
  ln2: nn.LayerNorm;
  mlp: MLP;
  constructor(cfg: GPTConfig) {
    super();
    this.ln1 = new nn.LayerNorm(cfg.nEmbd);
    this.attn = new CausalSelfAttention(cfg);
    this.ln2 = new nn.LayerNorm(cfg.nEmbd);
    this.mlp = new MLP(cfg);
  }
  forward(x: Tensor) {
    x = x.add(this.attn(this.ln1(x)));
    return x.add(this.mlp(this.ln2(x)));
  }
}

/** Embeddings, blocks and the final LayerNorm: nanoGPT's `self.transformer` (everything but the head). */
export class Transformer extends nn.Module {
  wte: nn.Embedding;
  // a free parameter, as nanoGPT's wpe but without the Embedding lookup: every position is used
  wpe: nn.Parameter;
  h: nn.ModuleList;
  lnF: nn.LayerNorm;
  constructor(cfg: GPTConfig) {
    super();
    this.wte = new nn.Embedding(cfg.vocabSize, cfg.nEmbd);
    this.wpe = new nn.Parameter(F.zeros([cfg.blockSize, cfg.nEmbd]));
    this.h = new nn.ModuleList(Array.from({ length: cfg.nLayer }, () => new Block(cfg)));
    this.lnF = new nn.LayerNorm(cfg.nEmbd);
    nn.init.normal_(this.wte.weight, 0, 0.02);
    nn.init.normal_(this.wpe, 0, 0.02);
  }
  forward(idx: Tensor) {
    let x = this.wte(idx).add(this.wpe); //                                [Batch, T, nEmbd]
    for (const block of this.h) x = block(x);
    return this.lnF(x);
  }
}

export class GPT extends nn.Module {
  transformer = new Transformer(config);
  lmHead = new nn.Linear(config.nEmbd, config.vocabSize, false);
  constructor() {
    super();
    nn.init.normal_(this.lmHead.weight, 0, 0.02);
  }
  // the sequence length is static: the input's declared shape is [Batch, blockSize]
  forward(idx: Tensor<[Batch, 32], "int32">) {
    return this.lmHead(this.transformer(idx)); //                          [Batch, T, vocab]
  }
}

// The next character at every position: targets are the inputs shifted by one, int32 class
// indices of shape [Batch, T]; the logits are flattened to [Batch·T, vocab] for cross-entropy.
export const training = new Training(GPT, {
  loss: (logits: Tensor, targets: Tensor<[Batch, 32], "int32">) => F.crossEntropy(logits.view(-1, config.vocabSize), targets.view(-1)),
  optimizer: new optim.AdamW({ lr: 3e-3, weightDecay: 0.01 }),
});
