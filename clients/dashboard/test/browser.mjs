// The dashboard in a real browser: Debian's Chromium driven by playwright-core, against the
// seeded local stack `cargo xtask test` (or `cargo xtask dashboard`) serves. Each round opens a
// fresh browser and walks every view as a producer would: their name, their rank, a
// collaborator and the tracks they share, a board switched to another timeframe, a payout
// statement opened. Every view must raise no console error and no failed request, and axe-core
// must find no serious or critical accessibility violation; a screenshot of each view is
// written for a reviewer.
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run through cargo xtask dashboard)`);
  return value;
};
const url = env("DASHBOARD_URL");
const producer = env("DASHBOARD_PRODUCER");
const producerName = env("DASHBOARD_PRODUCER_NAME");
const period = env("DASHBOARD_PERIOD");
const rounds = Number(env("DASHBOARD_ROUNDS"));
const screenshots = env("DASHBOARD_SCREENSHOTS");
const axePath = require.resolve("axe-core/axe.min.js");

// Flags for a closed network (no Google lookups at start) and a root user in CI.
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** What the API says, read as the page reads it (same origin, the dev header). */
async function api(page, path) {
  return page.evaluate(
    async ([path, producer]) => {
      const answer = await fetch(path, { headers: { "x-dev-producer-id": producer } });
      if (!answer.ok) throw new Error(`${path}: ${answer.status}`);
      return answer.json();
    },
    [path, producer],
  );
}

async function accessible(page, view) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ["violations"] }));
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  check(
    bad.length === 0,
    `${view}: axe found ${bad.length} serious or critical violations:\n` +
      bad.map((v) => `  ${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join("; ")})`).join("\n"),
  );
}

async function shoot(page, view) {
  await page.screenshot({ path: join(screenshots, `${view}.png`), fullPage: true });
}

async function viewReady(page, id) {
  await page.waitForSelector(`main[data-view="${id}"]:not([aria-busy])`);
}

async function round(n) {
  const browser = await chromium.launch({ executablePath: env("CHROMIUM"), args: FLAGS });
  try {
    await walk(browser);
  } finally {
    await browser.close();
  }
  console.log(`dashboard round ${n}: every view passed`);
}

async function walk(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on("response", (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));

  // Overview: the name, the figures, a rank card per board, the chart.
  await page.goto(url);
  await viewReady(page, "overview");
  const shownName = await page.textContent('[data-testid="producer-name"]');
  check(shownName === producerName, `the page names the producer ${shownName}, not ${producerName}`);
  const summary = await api(page, `/producers/${producer}/summary`);
  const overall = summary.ranks.overall.all;
  const card = (await page.textContent('.rank[data-board="overall"] .figure'))?.trim();
  check(card === (overall === null ? "—" : `#${overall}`), `the overall rank card shows ${card}, the API ${overall}`);
  check((await page.locator(".card.rank").count()) === 7, "not one rank card per board");
  check((await page.locator("svg.chart circle.dot").count()) === 3, "the chart does not show the three runs");
  await accessible(page, "overview");
  await shoot(page, "overview");

  // Network: a collaborator, in the graph and the list, and the tracks shared with them.
  await page.click('nav >> text="Network"');
  await viewReady(page, "network");
  const network = await api(page, `/producers/${producer}/collaborators?limit=50`);
  const first = network.collaborators[0];
  check(first, "the seeded producer has no collaborator");
  const drawn = await page.locator("svg.graph a.node").count();
  check(drawn === Math.min(16, network.collaborators.length), `the graph draws ${drawn} collaborators`);
  const listed = await page.locator('section[aria-labelledby="network-title"] tbody tr').count();
  check(listed === network.collaborators.length, `the list shows ${listed} collaborators, the API ${network.collaborators.length}`);
  await page.click(`table.list >> text="${first.name}"`);
  await page.waitForSelector(`h2:text-is("Tracks with ${first.name}")`);
  await viewReady(page, "network");
  const shared = await api(page, `/producers/${producer}/tracks?with=${first.producerId}&limit=20`);
  check(shared.tracks.length > 0, "the API shares no track with the first collaborator");
  check(
    (await page.locator('section[aria-labelledby="shared-title"] li').count()) === shared.tracks.length,
    "the shared tracks listed are not the API's",
  );
  await accessible(page, "network");
  await shoot(page, "network");

  // Leaderboards: the plays board, then its 7-day timeframe.
  await page.click('nav >> text="Leaderboards"');
  await viewReady(page, "leaderboards");
  await page.click('[aria-label="Board"] >> text="Plays"');
  await page.waitForSelector('[data-testid="board-caption"]:has-text("Plays, all time")');
  await viewReady(page, "leaderboards");
  await page.click('[aria-label="Timeframe"] >> text="7 days"');
  await page.waitForSelector('[data-testid="board-caption"]:has-text("Plays, 7 days")');
  await viewReady(page, "leaderboards");
  const week = await api(page, "/leaderboard/plays?period=7d&limit=25");
  check(week.entries.length > 0, "the 7-day plays board is empty: the seed's runs gained no plays");
  const rows = await page.locator("table.board tbody tr").allTextContents();
  check(rows.length === week.entries.length, `the 7-day board shows ${rows.length} rows, the API ${week.entries.length}`);
  check(rows[0]?.includes(week.entries[0].name), `the 7-day board's first row is ${rows[0]}, not ${week.entries[0].name}`);
  await accessible(page, "leaderboards");
  await shoot(page, "leaderboards");

  // Payouts: the statements, then last month's, with how its amount was reached.
  await page.click('nav >> text="Payouts"');
  await viewReady(page, "payouts");
  await accessible(page, "payouts");
  await shoot(page, "payouts");
  await page.click(`a[href="#payouts/${period}"]`);
  await page.waitForSelector('h2:has-text("Statement for")');
  await viewReady(page, "payouts");
  const detail = await api(page, `/producers/${producer}/payouts/${period}`);
  const steps = await page.locator(".explanation li").count();
  check(steps === 4, `the statement explains itself in ${steps} steps, not 4`);
  check(detail.amountMinor > 0, "the seeded producer was paid nothing");
  await accessible(page, "statement");
  await shoot(page, "statement");

  check(problems.length === 0, `the page reported problems:\n  ${problems.join("\n  ")}`);
  await context.close();
}

for (let n = 1; n <= rounds; n++) {
  await round(n);
}
