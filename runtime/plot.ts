// The training curves as one SVG image (no image library needed; opens in any browser):
//   top:    training loss per step against epochs (raw, faint; smoothed, solid) and the test
//           loss after each epoch (dots);
//   bottom: test accuracy after each epoch.
// The x-axis is continuous in epochs, so a 1-epoch run shows its ~900 steps as a curve and a
// 50-epoch run shows the whole descent. Scales and tick values come from d3-scale (round
// numbers: 0.2, 0.4, … not 0.46, 0.93); paths from d3-shape.
import { scaleLinear, type ScaleLinear } from "d3-scale";
import { line } from "d3-shape";

export interface StepPoint {
  /** Position in epochs: 1.5 is halfway through the second epoch. */
  readonly epoch: number;
  readonly loss: number;
}

export interface EpochPoint {
  /** The epoch just finished (1-based); plotted at its end. */
  readonly epoch: number;
  readonly testLoss: number;
  /** In [0, 1]. */
  readonly accuracy: number;
}

export interface TrainingCurves {
  readonly title: string;
  readonly steps: readonly StepPoint[];
  readonly epochs: readonly EpochPoint[];
}

const W = 720, L = 64, R = 24;
const LOSS = { top: 50, bottom: 265 };
const ACC = { top: 305, bottom: 420 };
const H = 470;
const COLORS = { raw: "#9ecae1", smooth: "#1f77b4", test: "#ff7f0e", accuracy: "#d62728", grid: "#e5e5e5", axis: "#333" };
/** Raw steps drawn at most this many points (min and max per bucket keep the noise visible). */
const MAX_RAW_POINTS = 2400;

/** Exponential moving average with bias correction (as TensorBoard smooths), over about `span` steps. */
export function smooth(values: readonly number[], span: number): number[] {
  const beta = 1 - 1 / Math.max(span, 1);
  let avg = 0;
  let weight = 0;
  return values.map((v) => {
    avg = beta * avg + (1 - beta) * v;
    weight = beta * weight + (1 - beta);
    return avg / weight;
  });
}

/** At most ~`max` points: each bucket of consecutive steps keeps its lowest and highest loss, in order. */
function decimate(points: readonly StepPoint[], max: number): StepPoint[] {
  if (points.length <= max) return [...points];
  const per = Math.ceil(points.length / (max / 2));
  const out: StepPoint[] = [];
  for (let i = 0; i < points.length; i += per) {
    const bucket = points.slice(i, i + per);
    let lo = bucket[0], hi = bucket[0];
    for (const p of bucket) {
      if (p.loss < lo.loss) lo = p;
      if (p.loss > hi.loss) hi = p;
    }
    out.push(...(lo.epoch <= hi.epoch ? [lo, hi] : [hi, lo]));
  }
  return out;
}

const fmt = (v: number) => String(Number(v.toPrecision(6)));

function yAxis(y: ScaleLinear<number, number>, label: string, format: (v: number) => string, color: string, panel: { top: number; bottom: number }): string {
  const ticks = y.ticks(5);
  return [
    ...ticks.map((t) => `<line x1="${L}" x2="${W - R}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="${COLORS.grid}"/>`),
    ...ticks.map((t) => `<text x="${L - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${format(t)}</text>`),
    `<line x1="${L}" x2="${L}" y1="${panel.top}" y2="${panel.bottom}" stroke="${COLORS.axis}"/>`,
    `<text x="16" y="${(panel.top + panel.bottom) / 2}" transform="rotate(-90 16 ${(panel.top + panel.bottom) / 2})" text-anchor="middle" fill="${color}">${label}</text>`,
  ].join("\n");
}

function xAxis(x: ScaleLinear<number, number>, panel: { bottom: number }, labels: boolean): string {
  const ticks = x.ticks(Math.min(10, Math.max(2, Math.round(x.domain()[1] - x.domain()[0]) * 5)));
  return [
    `<line x1="${L}" x2="${W - R}" y1="${panel.bottom}" y2="${panel.bottom}" stroke="${COLORS.axis}"/>`,
    ...ticks.map((t) => `<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${panel.bottom}" y2="${panel.bottom + 4}" stroke="${COLORS.axis}"/>`),
    ...(labels ? ticks.map((t) => `<text x="${x(t).toFixed(1)}" y="${panel.bottom + 17}" text-anchor="middle">${fmt(t)}</text>`) : []),
  ].join("\n");
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

export function trainingPlot(curves: TrainingCurves): string {
  const { steps, epochs } = curves;
  const first = Math.floor(Math.min(...steps.map((s) => s.epoch), ...epochs.map((e) => e.epoch - 1), Infinity));
  const last = Math.max(...epochs.map((e) => e.epoch), ...steps.map((s) => s.epoch), first + 1);
  const x = scaleLinear().domain([Number.isFinite(first) ? first : 0, last]).range([L, W - R]);

  const losses = [...steps.map((s) => s.loss), ...epochs.map((e) => e.testLoss)].filter(Number.isFinite);
  const yLoss = scaleLinear()
    .domain([0, Math.max(...losses, 1e-6)])
    .range([LOSS.bottom, LOSS.top])
    .nice();
  const accs = epochs.map((e) => e.accuracy);
  const lo = Math.min(...accs, 1), hi = Math.max(...accs, 0);
  // Accuracy gets a zoomed axis: the interesting part of 85–92 % is invisible on 0–100 %.
  const yAcc = scaleLinear()
    .domain(accs.length ? [Math.max(0, lo - Math.max(0.02, (hi - lo) * 0.2)), Math.min(1, hi + Math.max(0.02, (hi - lo) * 0.2))] : [0, 1])
    .range([ACC.bottom, ACC.top])
    .nice();

  const path = line<{ x: number; y: number }>()
    .x((p) => p.x)
    .y((p) => p.y);
  const finite = steps.filter((s) => Number.isFinite(s.loss));
  const raw = path(decimate(finite, MAX_RAW_POINTS).map((s) => ({ x: x(s.epoch), y: yLoss(s.loss) }))) ?? "";
  const smoothed = smooth(
    finite.map((s) => s.loss),
    Math.max(5, finite.length / 40),
  );
  const smoothPath = path(decimate(finite.map((s, i) => ({ epoch: s.epoch, loss: smoothed[i] })), MAX_RAW_POINTS).map((s) => ({ x: x(s.epoch), y: yLoss(s.loss) }))) ?? "";
  const testDots = epochs
    .filter((e) => Number.isFinite(e.testLoss))
    .map((e) => `<circle cx="${x(e.epoch).toFixed(1)}" cy="${yLoss(e.testLoss).toFixed(1)}" r="4" fill="${COLORS.test}"><title>epoch ${e.epoch}: test loss ${e.testLoss.toFixed(4)}</title></circle>`);
  const accPath = path(epochs.map((e) => ({ x: x(e.epoch), y: yAcc(e.accuracy) }))) ?? "";
  const accDots = epochs.map(
    (e) => `<circle cx="${x(e.epoch).toFixed(1)}" cy="${yAcc(e.accuracy).toFixed(1)}" r="4" fill="${COLORS.accuracy}"><title>epoch ${e.epoch}: ${(e.accuracy * 100).toFixed(2)}%</title></circle>`,
  );
  const best = epochs.reduce<EpochPoint | undefined>((b, e) => (b === undefined || e.accuracy > b.accuracy ? e : b), undefined);
  const bestLabel = best
    ? `<text x="${Math.min(x(best.epoch), W - R - 4).toFixed(1)}" y="${(yAcc(best.accuracy) - 9).toFixed(1)}" text-anchor="end" fill="${COLORS.accuracy}">${(best.accuracy * 100).toFixed(2)}%${epochs.length > 1 ? ` (best, epoch ${best.epoch})` : ""}</text>`
    : "";
  const legend = [
    [COLORS.raw, "training loss per step"],
    [COLORS.smooth, "smoothed"],
    [COLORS.test, "test loss"],
  ]
    .map(([c, t], i) => `<rect x="${L + 10 + i * 170}" y="${LOSS.top - 22}" width="12" height="4" fill="${c}"/><text x="${L + 27 + i * 170}" y="${LOSS.top - 17}">${t}</text>`)
    .join("\n");

  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="white"/>
<text x="${W / 2}" y="16" text-anchor="middle" font-size="14">${esc(curves.title)}</text>
${legend}
${yAxis(yLoss, "loss", fmt, COLORS.smooth, LOSS)}
${xAxis(x, LOSS, false)}
<path d="${raw}" fill="none" stroke="${COLORS.raw}" stroke-width="1" opacity="0.8"/>
<path d="${smoothPath}" fill="none" stroke="${COLORS.smooth}" stroke-width="2"/>
${testDots.join("\n")}
${yAxis(yAcc, "test accuracy", (v) => `${fmt(v * 100)}%`, COLORS.accuracy, ACC)}
${xAxis(x, ACC, true)}
<path d="${accPath}" fill="none" stroke="${COLORS.accuracy}" stroke-width="2"/>
${accDots.join("\n")}
${bestLabel}
<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">epoch</text>
</svg>
`;
}
