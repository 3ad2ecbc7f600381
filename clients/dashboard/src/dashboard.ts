/**
 * The producer dashboard, mounted into a page by the Backstage app (with its client, which
 * carries the user's JWT) or by the standalone page (`main.ts`).
 *
 * One shell — the artist selector from `/me` and the section links — and a view per section,
 * chosen by the URL's fragment (`#leaderboards/plays/7d`, `#payouts/2026-11`), so every view is
 * a link a producer can share or go back to. Views read what they show when they open: the
 * browser's HTTP cache revalidates the answers (ETag, 304), so nothing is cached here.
 */
import { body, type BackstageClient } from "./api";
import { h, note } from "./dom";
import { leaderboardsView } from "./views/leaderboards";
import { networkView } from "./views/network";
import { overviewView } from "./views/overview";
import { payoutsView } from "./views/payouts";

export interface DashboardOptions {
  client: BackstageClient;
}

/** What every view is given: the client, the producer shown, and the rest of the route. */
export interface ViewContext {
  client: BackstageClient;
  producerId: string;
  producerName: string;
  /** The fragment's parts after the section (`["plays", "7d"]` for `#leaderboards/plays/7d`). */
  path: string[];
}

const SECTIONS = [
  { id: "overview", label: "Overview", view: overviewView },
  { id: "network", label: "Network", view: networkView },
  { id: "leaderboards", label: "Leaderboards", view: leaderboardsView },
  { id: "payouts", label: "Payouts", view: payoutsView },
] as const;

export async function mountDashboard(root: HTMLElement, { client }: DashboardOptions): Promise<void> {
  let me;
  try {
    me = await body(client.GET("/me"));
  } catch (error) {
    root.replaceChildren(
      h(
        "main",
        { class: "shell" },
        h("h1", {}, "Producer dashboard"),
        note(`Sign in to see your dashboard. (${String((error as Error).message)})`, "error"),
      ),
    );
    return;
  }
  const producers = me.producers;
  const first = producers[0];
  if (!first) {
    root.replaceChildren(h("main", { class: "shell" }, note("This account manages no producer.")));
    return;
  }
  let current = first;

  const select = h("select", { id: "artist", name: "artist" });
  for (const p of producers) {
    select.append(h("option", { value: p.producerId }, p.name ?? p.producerId));
  }
  const nav = h("nav", { class: "sections", "aria-label": "Dashboard sections" });
  const view = h("main", { id: "view", class: "view", tabindex: -1 });
  const name = h("span", { class: "producer-name", "data-testid": "producer-name" });
  root.replaceChildren(
    h(
      "header",
      { class: "top" },
      h("div", { class: "brand" }, h("p", { class: "product" }, "BeatPass Backstage"), h("h1", {}, name)),
      producers.length > 1
        ? h("label", { class: "artist", for: "artist" }, "Artist ", select)
        : h("p", { class: "artist" }, `Producer ${current.producerId}`),
    ),
    nav,
    view,
  );

  let rendering = 0;
  const render = async () => {
    const [section = "overview", ...path] = location.hash.replace(/^#/, "").split("/");
    const chosen = SECTIONS.find((s) => s.id === section) ?? SECTIONS[0];
    name.textContent = current.name ?? current.producerId;
    nav.replaceChildren(
      ...SECTIONS.map((s) =>
        h("a", { href: `#${s.id}`, "aria-current": s.id === chosen.id ? "page" : undefined }, s.label),
      ),
    );
    const ticket = ++rendering;
    view.setAttribute("aria-busy", "true");
    let content: Node;
    try {
      content = await chosen.view({
        client,
        producerId: current.producerId,
        producerName: current.name ?? current.producerId,
        path: path.map(decodeURIComponent),
      });
    } catch (error) {
      content = note(`This section could not be read: ${String((error as Error).message)}`, "error");
    }
    // A later navigation wins over a slower earlier one.
    if (ticket !== rendering) return;
    view.replaceChildren(content);
    view.removeAttribute("aria-busy");
    view.dataset.view = chosen.id;
  };
  select.addEventListener("change", () => {
    current = producers.find((p) => p.producerId === select.value) ?? first;
    void render();
  });
  window.addEventListener("hashchange", () => void render());
  await render();
}
