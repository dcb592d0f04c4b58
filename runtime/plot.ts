// The training curve as an SVG image: training loss (left axis) and test accuracy (right axis)
// per epoch. SVG needs no image library and opens in any browser.

export function lossAccuracyPlot(history: readonly { epoch: number; loss: number; accuracy: number }[]): string {
  const W = 640, H = 360, L = 60, R = 60, T = 30, B = 40;
  const n = history.length;
  const maxLoss = Math.max(...history.map((h) => h.loss), 1e-9) * 1.1;
  const x = (i: number) => L + (n <= 1 ? (W - L - R) / 2 : (i / (n - 1)) * (W - L - R));
  const yLoss = (v: number) => T + (1 - v / maxLoss) * (H - T - B);
  const yAcc = (v: number) => T + (1 - v) * (H - T - B);
  const path = (f: (h: (typeof history)[number]) => number) => history.map((h, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${f(h).toFixed(1)}`).join(" ");
  const dots = (f: (h: (typeof history)[number]) => number, color: string) =>
    history.map((h, i) => `<circle cx="${x(i).toFixed(1)}" cy="${f(h).toFixed(1)}" r="3" fill="${color}"/>`).join("");
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="white"/>
<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">LeNet on Fashion-MNIST</text>
<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#333"/>
<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#1f77b4"/>
<line x1="${W - R}" y1="${T}" x2="${W - R}" y2="${H - B}" stroke="#d62728"/>
${ticks.map((t) => `<text x="${L - 6}" y="${yLoss(t * maxLoss) + 4}" text-anchor="end" fill="#1f77b4">${(t * maxLoss).toFixed(2)}</text>`).join("\n")}
${ticks.map((t) => `<text x="${W - R + 6}" y="${yAcc(t) + 4}" fill="#d62728">${(t * 100).toFixed(0)}%</text>`).join("\n")}
${history.map((h, i) => `<text x="${x(i).toFixed(1)}" y="${H - B + 16}" text-anchor="middle">${h.epoch}</text>`).join("\n")}
<text x="${W / 2}" y="${H - 6}" text-anchor="middle">epoch</text>
<text x="14" y="${H / 2}" transform="rotate(-90 14 ${H / 2})" text-anchor="middle" fill="#1f77b4">training loss</text>
<text x="${W - 14}" y="${H / 2}" transform="rotate(90 ${W - 14} ${H / 2})" text-anchor="middle" fill="#d62728">test accuracy</text>
<path d="${path((h) => yLoss(h.loss))}" fill="none" stroke="#1f77b4" stroke-width="2"/>${dots((h) => yLoss(h.loss), "#1f77b4")}
<path d="${path((h) => yAcc(h.accuracy))}" fill="none" stroke="#d62728" stroke-width="2"/>${dots((h) => yAcc(h.accuracy), "#d62728")}
</svg>
`;
}
