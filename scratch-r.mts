import { load, tensor } from "./runtime/index.ts";
const m = await load("build/gpt-reverse", { seed: 0 });
let s = 1;
const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 8) / 16777216;
const batch = (B: number) => {
  const x = new Int32Array(B * 16), y = new Int32Array(B * 16);
  for (let b = 0; b < B; b++) {
    const a = Array.from({ length: 8 }, () => Math.floor(rand() * 4));
    const seq = [...a, 4, ...a.slice().reverse()];
    for (let t = 0; t < 16; t++) { x[b * 16 + t] = seq[t]; y[b * 16 + t] = seq[t + 1]; }
  }
  return [tensor(x, [B, 16]), tensor(y, [B, 16])] as const;
};
const t0 = performance.now();
for (let i = 1; i <= 400; i++) {
  const [x, y] = batch(32);
  const l = m.trainStepSync(x, y);
  if (i % 25 === 0) console.log(i, l.toFixed(3), ((performance.now() - t0) / i).toFixed(0), "ms/step");
}
