import { load, tensor, type Tensor } from "./runtime/index.ts";
import { generate, random } from "./examples/gpt/text.ts";
const m = await load("build/gpt-reverse", { seed: 0 });
const rand = random(1);
const batch = (B: number, r: () => number) => {
  const x = new Int32Array(B * 16), y = new Int32Array(B * 16); const seqs: number[][] = [];
  for (let b = 0; b < B; b++) {
    const a = Array.from({ length: 8 }, () => Math.floor(r() * 4));
    const seq = [...a, 4, ...a.slice().reverse()]; seqs.push(seq);
    for (let t = 0; t < 16; t++) { x[b * 16 + t] = seq[t]; y[b * 16 + t] = seq[t + 1]; }
  }
  return { x: tensor(x, [B, 16]), y: tensor(y, [B, 16]), seqs };
};
const acc = async () => {
  const test = batch(8, random(99)); let right = 0;
  for (const s of test.seqs) {
    const more = await generate((idx) => m.forward(idx) as Promise<Tensor>, Int32Array.from(s.slice(0, 9)), 8, { block: 16, vocab: 5, temperature: 0, rand });
    more.forEach((t, i) => (right += t === s[9 + i] ? 1 : 0));
  }
  return right / 64;
};
const losses: number[] = [];
const t0 = performance.now();
for (let i = 1; i <= 300; i++) {
  const { x, y } = batch(32, rand);
  losses.push(await m.trainStep(x, y, { lr: i <= 150 ? 1e-2 : 3e-3 }));
  const mean = losses.slice(-10).reduce((a, b) => a + b, 0) / Math.min(10, losses.length);
  if (i % 25 === 0) console.log(i, mean.toFixed(3), ((performance.now() - t0) / i).toFixed(0), "ms/step", i % 50 === 0 ? await acc() : "");
}
