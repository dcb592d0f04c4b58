// trainStep ×N: mode await | nowait (waitForLoss:false, awaited) | fire (not awaited, in chains of 100) | sync
import { load, tensor, B, rec, summary, mlpData } from "./common.mjs";
const [mode, dev, N] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4] ?? 20000)];
const m = await load(`${B}/m1`, { devices: dev });
m.train();
const { x, y } = mlpData(8);
const lbl = `train-${mode}-dev${dev}`;
await rec(lbl, 0);
let last;
for (let i = 1; i <= N; i++) {
  const X = tensor(x, [8, 16]), Y = tensor(y, [8]);
  if (mode === "await") last = await m.trainStep(X, Y, { lr: 0.001 });
  else if (mode === "nowait") await m.trainStep(X, Y, { lr: 0.001, waitForLoss: false });
  else if (mode === "sync") last = m.trainStepSync(X, Y, { lr: 0.001 });
  else if (mode === "fire") { const p = m.trainStep(X, Y, { lr: 0.001 }); if (i % 100 === 0) last = await p; }
  if (i === 1 || i % Math.floor(N / 8) === 0) await rec(lbl, i);
}
console.log("last loss", await m.trainStep(tensor(x, [8, 16]), tensor(y, [8]), { lr: 0 }), "steps", m.steps, JSON.stringify(m.stats()));
summary(lbl);
m.dispose();
