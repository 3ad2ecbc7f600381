/**
 * Leaderboards: the seven boards, each with its timeframes (`#leaderboards/<board>/<period>`),
 * the producer's own row marked.
 */
import { body } from "../api";
import { BOARDS, PERIOD_LABELS, boardInfo, type Entry, type Period } from "../boards";
import { h, note, section } from "../dom";
import { day, integer } from "../format";
import type { ViewContext } from "../dashboard";

export async function leaderboardsView({ client, producerId, path }: ViewContext): Promise<Node> {
  const board = boardInfo(path[0]);
  const period: Period = board.periods.find((p) => p === path[1]) ?? "all";
  const page = await body(
    client.GET("/leaderboard/{board}", { params: { path: { board: board.id }, query: { period, limit: 25 } } }),
  );
  const figures = board.figures(period);
  const link = (b: string, p: Period) => `#leaderboards/${b}/${p}`;
  return section(
    "leaderboards",
    "Leaderboards",
    h(
      "p",
      { class: "choices", role: "group", "aria-label": "Board" },
      ...BOARDS.map((b) => h("a", { href: link(b.id, "all"), class: "choice", "aria-current": b.id === board.id ? "true" : undefined }, b.label)),
    ),
    h(
      "p",
      { class: "choices", role: "group", "aria-label": "Timeframe" },
      ...board.periods.map((p) => h("a", { href: link(board.id, p), class: "choice", "aria-current": p === period ? "true" : undefined }, PERIOD_LABELS[p])),
    ),
    h(
      "p",
      { class: "as-of", "data-testid": "board-caption" },
      `${board.label}, ${PERIOD_LABELS[period].toLowerCase()}`,
      page.since ? ` · since ${day(page.since)}` : "",
      page.asOf ? ` · run of ${day(page.asOf)}` : "",
    ),
    page.entries.length === 0
      ? note(
          page.asOf === null
            ? "No run has been published yet."
            : period !== "all" && page.since === null
              ? `No run is ${PERIOD_LABELS[period].toLowerCase()} old yet: this timeframe fills in after it.`
              : "No producer is placed on this board in this timeframe.",
        )
      : h(
          "table",
          { class: "list board" },
          h("caption", { class: "visually-hidden" }, `${board.label} leaderboard, ${PERIOD_LABELS[period]}`),
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", { scope: "col", class: "num" }, "Rank"),
              h("th", { scope: "col" }, "Producer"),
              ...figures.map((f) => h("th", { scope: "col", class: "num" }, f.label)),
            ),
          ),
          h(
            "tbody",
            {},
            ...page.entries.map((e: Entry) =>
              h(
                "tr",
                { class: e.producerId === producerId ? "me" : undefined, "aria-current": e.producerId === producerId ? "true" : undefined },
                h("td", { class: "num" }, `#${e.rank}`),
                h("td", {}, e.producerId === producerId ? `${e.name} (you)` : e.name),
                ...figures.map((f) => h("td", { class: "num" }, integer(Number(e[f.key] ?? 0)))),
              ),
            ),
          ),
        ),
    board.id === "contribution"
      ? h("p", { class: "detail" }, "Earnings ranks without figures: a value beside each name would reveal everyone's payout. Yours is on the overview.")
      : null,
  );
}
