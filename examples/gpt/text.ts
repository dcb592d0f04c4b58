// The GPT example's host side: characters ↔ tokens, random training windows, the default text
// (generated here, so the project ships no one else's text), and sampling from the compiled
// forward. Plain TypeScript, run by Node, not compiled by tsdp.
import { tensor, type Tensor } from "../../runtime/index.ts";
import { mulberry32 } from "../../compiler/reference/rng.ts";

/** A seeded generator of numbers in [0, 1) (mulberry32): the same seed, the same run. */
export function random(seed: number): () => number {
  return mulberry32(seed);
}

/** Bytes 0–127 are the vocabulary; any other character becomes "?" (63). */
export function encode(text: string, vocabSize = 128): Int32Array {
  return Int32Array.from(text, (c) => {
    const code = c.codePointAt(0)!;
    return code < vocabSize ? code : 63;
  });
}

export function decode(tokens: ArrayLike<number>): string {
  return String.fromCharCode(...Array.from(tokens));
}

/** `batch` random windows of `block + 1` tokens: inputs the first `block`, targets the last `block`. */
export function windows(tokens: Int32Array, batch: number, block: number, rand: () => number): { x: Tensor; y: Tensor } {
  if (tokens.length < block + 1) throw new RangeError(`the text has ${tokens.length} characters; a training window needs ${block + 1}`);
  const x = new Int32Array(batch * block);
  const y = new Int32Array(batch * block);
  for (let b = 0; b < batch; b++) {
    const start = Math.floor(rand() * (tokens.length - block));
    x.set(tokens.subarray(start, start + block), b * block);
    y.set(tokens.subarray(start + 1, start + block + 1), b * block);
  }
  return { x: tensor(x, [batch, block]), y: tensor(y, [batch, block]) };
}

/**
 * A token drawn from logits at `temperature` (softmax(logits / temperature)); temperature 0 is
 * the most likely token (greedy).
 */
export function sampleToken(logits: ArrayLike<number>, temperature: number, rand: () => number): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  if (temperature <= 0) return best;
  const weights = Array.from(logits, (l) => Math.exp((l - logits[best]) / temperature));
  let r = rand() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < weights.length; i++) if ((r -= weights[i]) < 0) return i;
  return weights.length - 1;
}

/** The forward of a compiled GPT: tokens [1, block] → logits [1, block, vocab]. */
export type Forward = (idx: Tensor) => Promise<Tensor>;

/**
 * Continues `prompt` by `count` tokens, one forward per token. The model's sequence length is
 * static, so the last `block` tokens are placed at positions 0…n−1 and the rest padded: the
 * attention is causal, so the logits at n−1 do not see the padding.
 */
export async function generate(forward: Forward, prompt: Int32Array, count: number, options: { block: number; vocab: number; temperature: number; rand: () => number }): Promise<Int32Array> {
  const { block, vocab } = options;
  const out = Array.from(prompt);
  for (let i = 0; i < count; i++) {
    const context = out.slice(-block);
    const idx = new Int32Array(block);
    idx.set(context);
    const logits = (await forward(tensor(idx, [1, block]))).data as Float32Array;
    const at = context.length - 1;
    out.push(sampleToken(logits.subarray(at * vocab, (at + 1) * vocab), options.temperature, options.rand));
  }
  return Int32Array.from(out.slice(prompt.length));
}

/**
 * The default training text: sentences from a small grammar, drawn with a seed. Ours, so the
 * project ships no third party's text, and regular enough that a small model learns its words,
 * spaces and full stops in a few hundred steps.
 */
export function defaultText(seed = 0, sentences = 2000): string {
  const rand = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const subjects = ["the cat", "a dog", "the old man", "my sister", "the bird", "a child", "the farmer", "our teacher"];
  const verbs = ["sees", "likes", "finds", "follows", "draws", "carries", "watches", "calls"];
  const objects = ["the red ball", "a small boat", "the river", "an apple", "the green door", "a letter", "the moon", "some bread"];
  const endings = ["", " at night", " in the morning", " by the sea", " every day", " again"];
  const lines: string[] = [];
  for (let i = 0; i < sentences; i++) {
    const s = `${pick(subjects)} ${pick(verbs)} ${pick(objects)}${pick(endings)}.`;
    lines.push(s[0].toUpperCase() + s.slice(1));
  }
  return lines.join(" ") + "\n";
}
