/**
 * Figures over time as an SVG line chart: one series, its points at their real dates. Drawn by
 * hand rather than with a charting library: one line, two axes and a table for screen readers
 * are fewer lines than a library's configuration, and add nothing to the bundle.
 */
import { h, s } from "./dom";
import { day } from "./format";

export interface Point {
  at: string;
  y: number;
}

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { top: 16, right: 16, bottom: 32, left: 64 };

export function lineChart(label: string, points: readonly Point[], show: (y: number) => string): HTMLElement {
  const times = points.map((p) => Date.parse(p.at));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const top = Math.max(...points.map((p) => p.y), 0);
  const x = (t: number) => PAD.left + (t1 === t0 ? 0.5 : (t - t0) / (t1 - t0)) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => HEIGHT - PAD.bottom - (top === 0 ? 0 : v / top) * (HEIGHT - PAD.top - PAD.bottom);
  const coords = points.map((p, i) => `${x(times[i] ?? t0).toFixed(1)},${y(p.y).toFixed(1)}`);
  const first = points[0];
  const last = points[points.length - 1];
  const summary =
    first && last
      ? `${label}: ${show(first.y)} on ${day(first.at)} to ${show(last.y)} on ${day(last.at)}, ${points.length} runs.`
      : `${label}: no runs yet.`;
  const svg = s(
    "svg",
    { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-label": summary, class: "chart" },
    s("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: HEIGHT - PAD.bottom, y2: HEIGHT - PAD.bottom, class: "axis" }),
    s("line", { x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: HEIGHT - PAD.bottom, class: "axis" }),
    s("text", { x: PAD.left - 8, y: PAD.top + 4, "text-anchor": "end", class: "tick" }, show(top)),
    s("text", { x: PAD.left - 8, y: HEIGHT - PAD.bottom, "text-anchor": "end", class: "tick" }, show(0)),
    first && s("text", { x: PAD.left, y: HEIGHT - 8, class: "tick" }, day(first.at)),
    last && points.length > 1 && s("text", { x: WIDTH - PAD.right, y: HEIGHT - 8, "text-anchor": "end", class: "tick" }, day(last.at)),
    s("polyline", { points: coords.join(" "), class: "series" }),
    ...points.map((p, i) => s("circle", { cx: x(times[i] ?? t0), cy: y(p.y), r: 3.5, class: "dot" }, s("title", {}, `${day(p.at)}: ${show(p.y)}`))),
  );
  const table = h(
    "table",
    { class: "visually-hidden" },
    h("caption", {}, label),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Run"), h("th", { scope: "col" }, label))),
    h("tbody", {}, ...points.map((p) => h("tr", {}, h("td", {}, day(p.at)), h("td", {}, show(p.y))))),
  );
  return h("figure", { class: "chart-figure" }, svg, table);
}
