/**
 * Network: who the producer made tracks with, drawn as a graph and listed, their collaborative
 * tracks, and — for the collaborator chosen (`#network/<id>`) — the tracks the two share
 * (`?with=`).
 */
import { body, type Schemas } from "../api";
import { h, note, section } from "../dom";
import { day, integer } from "../format";
import { networkGraph } from "../graph";
import type { ViewContext } from "../dashboard";

type Track = Schemas["ProfileTracks"]["tracks"][number];

/** The most collaborators drawn in the graph; the list beside it shows a longer page. */
const GRAPH_SIZE = 16;
const LIST_SIZE = 50;

export async function networkView({ client, producerId, producerName, path }: ViewContext): Promise<Node> {
  const [network, collaborative] = await Promise.all([
    body(client.GET("/producers/{id}/collaborators", { params: { path: { id: producerId }, query: { limit: LIST_SIZE } } })),
    body(client.GET("/producers/{id}/tracks", { params: { path: { id: producerId }, query: { collaborative: true, limit: 10 } } })),
  ]);
  const people = network.collaborators;
  const names = new Map<string, string>([[producerId, producerName], ...people.map((p): [string, string] => [p.producerId, p.name])]);
  const chosen = people.find((p) => p.producerId === path[0]);
  const shared = chosen
    ? await body(client.GET("/producers/{id}/tracks", { params: { path: { id: producerId }, query: { with: chosen.producerId, limit: 20 } } }))
    : undefined;

  return h(
    "div",
    { class: "stack" },
    section(
      "network",
      "Your collaboration network",
      people.length === 0
        ? note("No collaborators yet: credit a co-producer on a track and they appear here.")
        : h(
            "div",
            { class: "network" },
            h(
              "div",
              {},
              networkGraph(producerName, people.slice(0, GRAPH_SIZE), (id) => `#network/${encodeURIComponent(id)}`),
              people.length > GRAPH_SIZE
                ? h("p", { class: "detail" }, `The ${GRAPH_SIZE} closest of ${people.length}${network.nextCursor ? "+" : ""} collaborators.`)
                : null,
            ),
            h(
              "table",
              { class: "list" },
              h("caption", {}, "Collaborators, most tracks together first"),
              h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Producer"), h("th", { scope: "col", class: "num" }, "Tracks together"))),
              h(
                "tbody",
                {},
                ...people.map((p) =>
                  h(
                    "tr",
                    { "aria-current": p.producerId === chosen?.producerId ? "true" : undefined },
                    h("td", {}, h("a", { href: `#network/${encodeURIComponent(p.producerId)}` }, p.name)),
                    h("td", { class: "num" }, integer(p.tracksTogether)),
                  ),
                ),
              ),
            ),
          ),
    ),
    chosen && shared
      ? section("shared", `Tracks with ${chosen.name}`, tracks(shared.tracks, producerId, names, `You share no track with ${chosen.name} any more.`))
      : null,
    section("collaborative", "Your collaborative tracks", tracks(collaborative.tracks, producerId, names, "No collaborative tracks yet.")),
  );
}

function tracks(list: readonly Track[], me: string, names: Map<string, string>, empty: string): HTMLElement {
  if (list.length === 0) return note(empty);
  return h(
    "ul",
    { class: "tracks" },
    ...list.map((t) =>
      h(
        "li",
        {},
        h("span", { class: "title" }, t.title),
        h("span", { class: "detail" }, ` · ${day(t.uploadedAt)} · with ${t.credits.filter((id) => id !== me).map((id) => names.get(id) ?? id).join(", ")}`),
      ),
    ),
  );
}
