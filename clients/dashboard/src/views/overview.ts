/**
 * Overview: the producer's own figures in the latest run (value, share, XP and level), a rank
 * card per board (a dash where unplaced), and the figures over time as a chart.
 */
import { body, type Schemas } from "../api";
import { BOARDS, PERIOD_LABELS, type Period } from "../boards";
import { lineChart, type Point } from "../chart";
import { h, note, section } from "../dom";
import { instant, integer, percent, value } from "../format";
import type { ViewContext } from "../dashboard";

type Summary = Schemas["Summary"];
type HistoryPoint = Schemas["ProducerHistoryPoint"];

const SERIES = [
  { id: "contributionValue", label: "Contribution value", show: value },
  { id: "share", label: "Share of the pool", show: percent },
  { id: "plays", label: "Plays", show: integer },
  { id: "xp", label: "XP", show: integer },
] as const;

export async function overviewView({ client, producerId, path }: ViewContext): Promise<Node> {
  const id = { params: { path: { id: producerId } } };
  const [summary, history] = await Promise.all([
    body(client.GET("/producers/{id}/summary", id)).catch(() => undefined),
    body(client.GET("/producers/{id}/history", { params: { path: { id: producerId }, query: { days: 90 } } })),
  ]);
  if (!summary) {
    return section("figures", "Your figures", note("No published run includes you yet: your figures appear after the next recompute."));
  }
  const series = SERIES.find((s) => s.id === path[0]) ?? SERIES[0];
  return h(
    "div",
    { class: "stack" },
    figures(summary),
    ranks(summary.ranks),
    section(
      "history",
      "Figures over time",
      h(
        "p",
        { class: "choices", role: "group", "aria-label": "Figure shown" },
        ...SERIES.map((s) =>
          h("a", { href: `#overview/${s.id}`, class: "choice", "aria-current": s.id === series.id ? "true" : undefined }, s.label),
        ),
      ),
      history.points.length === 0
        ? note("No run in the last 90 days includes you.")
        : lineChart(series.label, history.points.map((p: HistoryPoint): Point => ({ at: p.asOf, y: p[series.id] })), series.show),
    ),
  );
}

function figures(summary: Summary): HTMLElement {
  const card = (label: string, figure: string, detail?: string) =>
    h("div", { class: "card" }, h("p", { class: "label" }, label), h("p", { class: "figure" }, figure), detail ? h("p", { class: "detail" }, detail) : null);
  const next = summary.xpForNextLevel;
  return section(
    "figures",
    "Your figures",
    h("p", { class: "as-of" }, `As of the run of ${instant(summary.asOf)}`),
    h(
      "div",
      { class: "cards" },
      card("Contribution value", value(summary.contributionValue), "Decay × play boost ÷ producers, over your tracks"),
      card("Share of the pool", percent(summary.share), "Your value over the platform's total"),
      h(
        "div",
        { class: "card" },
        h("p", { class: "label" }, "Level"),
        h("p", { class: "figure" }, `${summary.level} · ${summary.title}`),
        h("progress", { max: 1, value: summary.levelProgress, "aria-label": `Progress to level ${summary.level + 1}` }),
        h("p", { class: "detail" }, next === null ? `${integer(summary.xp)} XP · the top level` : `${integer(summary.xp)} of ${integer(next)} XP`),
      ),
      card("Tracks", integer(summary.trackCount), `${integer(summary.collaborativeTracks)} collaborative · ${integer(summary.distinctCollaborators)} collaborators`),
    ),
  );
}

function ranks(ranks: Schemas["Ranks"]): HTMLElement {
  return section(
    "ranks",
    "Your ranks",
    h(
      "div",
      { class: "cards ranks" },
      ...BOARDS.map((board) => {
        const windows = ranks[board.id] as Partial<Record<Period, number | null>>;
        return h(
          "div",
          { class: "card rank", "data-board": board.id },
          h("p", { class: "label" }, board.label),
          h("p", { class: "figure" }, rank(windows.all)),
          board.periods.length > 1
            ? h(
                "p",
                { class: "detail" },
                board.periods
                  .filter((p) => p !== "all")
                  .map((p) => `${PERIOD_LABELS[p]} ${rank(windows[p])}`)
                  .join(" · "),
              )
            : null,
        );
      }),
    ),
  );
}

/** `#3`, or the dash of a board the producer is not placed on. */
function rank(r: number | null | undefined): string {
  return typeof r === "number" ? `#${r}` : "—";
}
