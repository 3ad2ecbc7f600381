/**
 * Payouts: the monthly statements with the overview per currency, and one statement
 * (`#payouts/<period>`) with how its amount was reached, its transfers and its history.
 */
import { body, type Schemas } from "../api";
import { h, note, section } from "../dom";
import { exactPercent, instant, integer, money, month, percent } from "../format";
import type { ViewContext } from "../dashboard";

type Detail = Schemas["PayoutDetail"];

const STATUS: Record<Schemas["PayoutStatus"], string> = {
  queued: "Queued",
  sending: "Sending",
  paid: "Paid",
  failed: "Failed",
  held: "Held",
  escalated: "With support",
  excluded: "Excluded",
  nothing_due: "Nothing due",
  voided: "Voided",
};

const MISSING: Record<string, string> = {
  stripeAccount: "a connected Stripe account",
  chargesEnabled: "charges enabled on it",
  payoutsEnabled: "payouts enabled on it",
};

export async function payoutsView(context: ViewContext): Promise<Node> {
  return context.path[0] ? statement(context, context.path[0]) : statements(context);
}

async function statements({ client, producerId }: ViewContext): Promise<Node> {
  const page = await body(client.GET("/producers/{id}/payouts", { params: { path: { id: producerId }, query: { limit: 24 } } }));
  return h(
    "div",
    { class: "stack" },
    section(
      "payout-overview",
      "Payouts",
      page.overview.length === 0
        ? note("No payout statements yet: the first comes when a month's producer pool is split.")
        : h(
            "div",
            { class: "cards" },
            ...page.overview.flatMap((o) => [
              h("div", { class: "card" }, h("p", { class: "label" }, `Lifetime paid (${o.currency})`), h("p", { class: "figure" }, money(o.lifetimePaidMinor, o.currency))),
              h(
                "div",
                { class: "card" },
                h("p", { class: "label" }, `Upcoming (${o.currency})`),
                h("p", { class: "figure" }, money(o.upcomingMinor, o.currency)),
                ...o.upcoming.map((u) => h("p", { class: "detail" }, `${month(u.period)}: ${u.why}`)),
              ),
              o.failedMinor > 0
                ? h("div", { class: "card" }, h("p", { class: "label" }, `Failed (${o.currency})`), h("p", { class: "figure" }, money(o.failedMinor, o.currency)))
                : null,
            ]),
          ),
    ),
    page.payouts.length === 0
      ? null
      : section(
          "statements",
          "Statements",
          h(
            "table",
            { class: "list" },
            h("caption", { class: "visually-hidden" }, "Monthly payout statements, newest first"),
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                h("th", { scope: "col" }, "Month"),
                h("th", { scope: "col" }, "Status"),
                h("th", { scope: "col", class: "num" }, "Amount"),
                h("th", { scope: "col", class: "num" }, "Share"),
              ),
            ),
            h(
              "tbody",
              {},
              ...page.payouts.map((p) =>
                h(
                  "tr",
                  {},
                  h("td", {}, h("a", { href: `#payouts/${p.period}` }, month(p.period))),
                  h("td", {}, h("span", { class: `status ${p.status}` }, STATUS[p.status])),
                  h("td", { class: "num" }, money(p.amountMinor, p.currency)),
                  h("td", { class: "num" }, percent(p.share)),
                ),
              ),
            ),
          ),
        ),
  );
}

async function statement({ client, producerId }: ViewContext, period: string): Promise<Node> {
  const detail = await body(client.GET("/producers/{id}/payouts/{period}", { params: { path: { id: producerId, period } } }));
  return h(
    "div",
    { class: "stack" },
    h("p", {}, h("a", { href: "#payouts" }, "← All statements")),
    section(
      "statement",
      `Statement for ${month(detail.period)}`,
      h(
        "div",
        { class: "cards" },
        h("div", { class: "card" }, h("p", { class: "label" }, "Amount"), h("p", { class: "figure" }, money(detail.amountMinor, detail.currency))),
        h("div", { class: "card" }, h("p", { class: "label" }, "Status"), h("p", { class: "figure" }, h("span", { class: `status ${detail.status}` }, STATUS[detail.status]))),
        h("div", { class: "card" }, h("p", { class: "label" }, "Paid so far"), h("p", { class: "figure" }, money(detail.paidMinor, detail.currency))),
      ),
      explanation(detail),
      detail.failure ? note(`${detail.failure.message}${detail.failure.retryable ? " It will be retried." : ""}`, "error") : null,
    ),
    section(
      "statement-history",
      "What happened",
      h(
        "ol",
        { class: "timeline" },
        ...detail.history.map((e) => h("li", {}, h("span", { class: `status ${e.status}` }, STATUS[e.status]), ` ${instant(e.at)}`, e.note ? ` — ${e.note}` : "")),
      ),
      detail.transfers.length > 0
        ? h("p", { class: "detail" }, `Transfers: ${detail.transfers.map((t) => `${t.transferId} (${money(t.amountMinor, detail.currency)})`).join(", ")}`)
        : null,
    ),
  );
}

/** How the amount was reached, in the order the split computes it. */
function explanation(detail: Detail): HTMLElement {
  const e = detail.explanation;
  const missing = e.missing.map((m) => MISSING[m] ?? m);
  const steps = [
    `The month's producer pool was ${money(e.poolMinor, detail.currency)}, split by the run of ${instant(detail.runAsOf)}.`,
    missing.length > 0
      ? `You were not payout-ready at the split (missing ${missing.join(", ")}), so your share went to the payout-ready producers.`
      : `Your contribution was ${exactPercent(e.shareExact.numerator, e.shareExact.denominator)} of the payout-ready producers' total (exactly ${e.contributionUnits} of ${e.eligibleUnits} units of 2⁻⁶⁴).`,
    `${integer(e.excludedProducers)} producers were not payout-ready; their value was left out and the pool shared among the rest.`,
    missing.length > 0
      ? "Nothing is due for this month."
      : `The pool times your share is ${money(e.floorMinor, detail.currency)} in whole cents, rounded down${e.remainderUnit ? ", plus one cent of the month's rounding remainder" : ""}: this statement's ${money(detail.amountMinor, detail.currency)}.`,
  ];
  return h("div", { class: "explanation" }, h("h3", {}, "How this amount was reached"), h("ol", {}, ...steps.map((t) => h("li", {}, t))));
}
