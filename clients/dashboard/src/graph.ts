/**
 * The collaboration network as a graph: the producer in the middle, collaborators around it,
 * each edge as thick as the tracks made together. A producer's network is a star around them
 * (the API lists who they worked with, not who those worked with), so a radial layout shows
 * all of it without a force simulation. Every node is a link to the tracks shared with it.
 */
import { s } from "./dom";

export interface Neighbour {
  producerId: string;
  name: string;
  tracksTogether: number;
}

const WIDTH = 700;
const HEIGHT = 440;
const CX = WIDTH / 2;
const CY = HEIGHT / 2;
const RADIUS = 160;

export function networkGraph(me: string, neighbours: readonly Neighbour[], href: (id: string) => string): SVGSVGElement {
  const most = Math.max(1, ...neighbours.map((n) => n.tracksTogether));
  const placed = neighbours.map((n, i) => {
    const angle = (2 * Math.PI * i) / Math.max(1, neighbours.length) - Math.PI / 2;
    const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
    // Labels sit outside the ring, anchored away from the centre so none runs over an edge.
    const anchor = Math.abs(cos) < 0.3 ? "middle" : cos > 0 ? "start" : "end";
    return {
      ...n,
      x: CX + RADIUS * cos,
      y: CY + RADIUS * sin,
      lx: CX + (RADIUS + 24) * cos,
      ly: CY + (RADIUS + 24) * sin + 4 + (anchor === "middle" ? 6 * Math.sign(sin) : 0),
      anchor,
    };
  });
  return s(
    "svg",
    {
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      class: "graph",
      role: "group",
      "aria-label": `${me}'s collaboration network: ${neighbours.length} collaborators`,
    },
    ...placed.map((n) =>
      s("line", {
        x1: CX,
        y1: CY,
        x2: n.x,
        y2: n.y,
        class: "edge",
        "stroke-width": 1 + (5 * n.tracksTogether) / most,
        "aria-hidden": "true",
      }),
    ),
    s(
      "g",
      { class: "node me", "aria-hidden": "true" },
      s("circle", { cx: CX, cy: CY, r: 26 }),
      s("text", { x: CX, y: CY + 4, "text-anchor": "middle" }, initials(me)),
    ),
    ...placed.map((n) =>
      s(
        "a",
        { href: href(n.producerId), class: "node", "aria-label": `${n.name}: ${n.tracksTogether} tracks together` },
        s("circle", { cx: n.x, cy: n.y, r: 8 + (8 * n.tracksTogether) / most }),
        s("text", { x: n.lx, y: n.ly, "text-anchor": n.anchor }, n.name),
      ),
    ),
  );
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .map((w) => w[0] ?? "")
    .join("")
    .slice(0, 2)
    .toUpperCase();
}
