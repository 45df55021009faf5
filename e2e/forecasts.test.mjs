// End-to-end: model selection by backtests on the Forecasts page, in Debian's
// headless Chromium against `animov serve --demo` with 6 days of backfilled
// demo history (the simulator's data) and two candidate models.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { launchChromium, signInAdmin, startDemo } from "./support/engine.mjs";
import { out, UI, binary } from "./support/paths.mjs";

const BIN = binary();

let engine, url, password, browser;

before(async () => {
  ({ p: engine, url, password } = await startDemo(BIN, UI, [
    "[demo]", "cameras = 2", "backfill_days = 6", "backfill_interval_ms = 60000", "interval_ms = 1000",
    "[forecast]", "retrain = false", "min_history_days = 3", "retrain_days = 6", "backtest_folds = 1",
    'candidates = ["(1,0,0)(0,1,1,96)", "(0,0,1)(0,1,1,96)"]', "",
  ].join("\n"), "animov-e2e-forecasts-"));
  browser = await launchChromium(chromium);
});

after(async () => {
  await browser?.close();
  engine?.kill("SIGTERM");
});

test("retrain now: each camera's candidates backtested next to the baselines and production, chart and table", async () => {
  const ctx = await browser.newContext({ locale: "en-GB", viewport: { width: 1280, height: 1000 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  await signInAdmin(page, url, password);
  await page.click("#nav-models");
  await page.waitForSelector("#retrain-settings", { timeout: 15_000 });
  assert.match(await page.textContent("#retrain-settings"), /\(1,0,0\)\(0,1,1,96\), \(0,0,1\)\(0,1,1,96\) · 1 × 2 days held out/);
  await page.click("#retrain-now");
  await page.waitForSelector("#retrain-run[data-state='done']", { timeout: 180_000 });
  const cams = await page.$$eval("#retrain-cameras tr[data-source]", (rs) => rs.map((r) => [r.dataset.source, r.dataset.state, r.cells[2].textContent]));
  assert.equal(cams.length, 2, JSON.stringify(cams));
  for (const [source, state, spec] of cams) {
    assert.equal(state, "trained", `${source}: ${JSON.stringify(cams)}`);
    assert.match(spec, /^\(\d,0,\d\)\(0,1,1,96\)$/, source);
  }
  // The table of the first camera: both candidates (one chosen), both baselines, production.
  await page.waitForSelector("#backtest-table tbody tr");
  const rows = async () => page.$$eval("#backtest-table tbody tr", (rs) => rs.map((r) => ({
    role: r.dataset.role, chosen: r.dataset.chosen === "true", method: r.cells[0].textContent,
    rmse: Number(r.cells[2].textContent), coverage: r.cells[3].textContent,
  })));
  const first = await rows();
  assert.deepEqual(first.map((r) => r.role), ["candidate", "candidate", "baseline", "baseline", "production"], JSON.stringify(first));
  assert.equal(first.filter((r) => r.chosen).length, 1);
  const chosen = first.find((r) => r.chosen);
  assert.ok(first.filter((r) => r.role === "candidate").every((r) => chosen.rmse <= r.rmse), JSON.stringify(first));
  assert.equal(chosen.method, cams[0][2], "the chosen candidate is the camera's model");
  assert.ok(first.every((r) => r.rmse > 0), JSON.stringify(first));
  assert.match(chosen.coverage, /^\d+ %$/);
  assert.equal(first.find((r) => r.role === "baseline").coverage, "—", "a baseline has no interval");
  // The chart draws the bars.
  await page.waitForSelector("#backtest-chart canvas", { timeout: 10_000 });
  await page.screenshot({ path: join(out, "backtests.png"), fullPage: true });
  // The other camera's backtests.
  await page.selectOption("#backtest-camera", cams[1][0]);
  await page.waitForFunction((m) => [...document.querySelectorAll("#backtest-table tr[data-chosen='true'] td:first-child")]
    .some((td) => td.textContent === m), cams[1][2]);
  assert.deepEqual(errors, [], "no error in the browser console");
});
