// Load a compiled LeNet and run it on a batch, from plain Node.js:
//   npx tsdp compile examples/lenet/model.ts --out build/lenet
//   node examples/lenet/forward.mjs build/lenet
import { load, tensor } from "tsdp";

const dir = process.argv[2] ?? "build/lenet";
const model = await load(dir);
model.eval();

const batch = 4;
const pixels = new Float32Array(batch * 28 * 28);
for (let i = 0; i < pixels.length; i++) pixels[i] = Math.sin(i * 0.01); // any image-like input
const logits = await model.forward(tensor(pixels, [batch, 1, 28, 28]));

console.log(`${model.name} on ${model.target}: logits ${JSON.stringify(logits.shape)}`);
for (let b = 0; b < batch; b++) {
  const row = Array.from(logits.data.subarray(b * 10, b * 10 + 10));
  console.log(`  image ${b}: class ${row.indexOf(Math.max(...row))}  [${row.map((v) => v.toFixed(3)).join(", ")}]`);
}
console.log(`parameters: ${model.parameters().map((p) => `${p.name} [${p.shape.join(", ")}]`).join(", ")}`);
model.dispose();
