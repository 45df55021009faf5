// End-to-end: the real UI in Debian's headless Chromium against `animov serve --demo`.
// Needs: the engine binary (ANIMOV_BIN), the built UI (ANIMOV_UI_DIR), /usr/bin/chromium.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { launchChromium, startDemo } from "./support/engine.mjs";
import { out, UI, binary } from "./support/paths.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const BIN = binary();

let engine, url, password, browser;
const consoleErrors = [];

before(async () => {
  ({ p: engine, url, password } = await startDemo(BIN, UI,
    "[demo]\ncameras = 2\nbackfill_days = 2\ninterval_ms = 500\n[forecast]\nretrain = false\nmin_history_days = 5\n[alerts]\ninterval_seconds = 5\n[vision]\nsegment_minutes = 1\n"));
  browser = await launchChromium(chromium);
});

after(async () => {
  await browser?.close();
  engine?.kill("SIGTERM");
});

async function newPage(locale = "fr-FR") {
  const ctx = await browser.newContext({ locale, viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await ctx.newPage();
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  return page;
}

async function signIn(page) {
  const t0 = Date.now();
  await page.goto(url);
  await page.waitForSelector("#username", { timeout: 30_000 });
  const paintMs = Date.now() - t0;
  await page.fill("#username", "admin");
  await page.fill("#password", password);
  await page.click("#login-submit");
  await page.waitForSelector("header nav", { timeout: 15_000 });
  return paintMs;
}

test("sign in, see today's counts, open a timeline, change its range, switch language", async () => {
  const page = await newPage("fr-FR");
  const paintMs = await signIn(page);
  console.log(`first meaningful paint (sign-in form rendered after navigation): ${paintMs} ms`);

  // Today: one card per demo camera with numbers.
  await page.waitForSelector(".card .count.standing .n", { timeout: 15_000 });
  const cards = await page.$$eval(".card", (cs) => cs.map((c) => c.dataset.source));
  assert.deepEqual(cards.sort(), ["demo-1", "demo-2"]);
  const standing = await page.textContent(".card .count.standing .n");
  assert.match(standing, /^\d+$/);
  assert.equal(await page.textContent("#nav-today"), "Aujourd'hui", "French by default for a French OS");
  await page.waitForSelector(".spark canvas", { timeout: 15_000 });
  await page.screenshot({ path: join(out, "today.png"), fullPage: true });

  // Live: counts arrive without reloading (server-sent events).
  await page.click("#nav-live");
  await page.waitForSelector(".tile[data-source='demo-1'] [data-ts]", { timeout: 15_000 });
  const ts0 = Number(await page.getAttribute(".tile[data-source='demo-1'] [data-ts]", "data-ts"));
  await page.waitForFunction(
    (t) => Number(document.querySelector(".tile[data-source='demo-1'] [data-ts]")?.dataset.ts) > t,
    ts0,
    { timeout: 15_000 },
  );
  // The analysed picture of the demo barn with its boxes drawn over it.
  await page.waitForFunction(() => {
    const img = document.querySelector(".tile[data-source='demo-1'] .picture img");
    return img && img.complete && img.naturalWidth === 640;
  }, null, { timeout: 20_000 });
  const boxes = await page.$$eval(".tile[data-source='demo-1'] .picture rect.box", (r) => r.length);
  assert.ok(boxes >= 10, `boxes drawn over the live picture (${boxes})`);
  await page.screenshot({ path: join(out, "live.png"), fullPage: true });
  await page.click("#nav-today");
  await page.waitForSelector(".card[data-source='demo-1'] a.button");

  // Timeline of the first camera.
  await page.click(".card[data-source='demo-1'] a.button");
  await page.waitForSelector("#tl-count", { timeout: 15_000 });
  await page.waitForSelector("#timeline-chart canvas", { timeout: 15_000 });
  const todayPoints = Number(await page.getAttribute("#tl-count", "data-points"));
  assert.ok(todayPoints > 0, "today has points");
  // The forecast band of the standing share (the bundled model serves the demo from the start).
  await page.waitForFunction(() => {
    const inst = window.echarts?.getInstanceByDom(document.querySelector("#timeline-chart"));
    return inst?.getOption().series.some((s) => s.name === "Prévision part debout" && s.data.length > 0);
  }, null, { timeout: 20_000 });
  // Two days instead of one: more points.
  const yesterday = await page.evaluate(() => {
    const d = new Date(Date.now() - 86_400_000);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  });
  await page.fill("#tl-from", yesterday);
  await page.dispatchEvent("#tl-from", "change");
  await page.waitForFunction((n) => Number(document.querySelector("#tl-count")?.dataset.points) > n, todayPoints, { timeout: 15_000 });
  // Hourly steps: fewer points.
  await page.selectOption("#tl-bucket", "1h");
  await page.waitForFunction(() => Number(document.querySelector("#tl-count")?.dataset.points) <= 48, null, { timeout: 15_000 });
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#tl-csv")]);
  const csvPath = join(out, "timeline.csv");
  await download.saveAs(csvPath);
  const [png] = await Promise.all([page.waitForEvent("download"), page.click("#tl-png")]);
  assert.match(png.suggestedFilename(), /\.png$/);
  await png.saveAs(join(out, "timeline-export.png"));
  await page.screenshot({ path: join(out, "timeline.png"), fullPage: true });

  // English.
  await page.click("#lang-en");
  await page.waitForFunction(() => document.querySelector("#nav-today")?.textContent === "Today");
  assert.equal(await page.getAttribute("html", "lang"), "en");
  // A camera renamed from its page.
  await page.click("#nav-cameras");
  await page.click(".camera-tile[data-source='demo-2'] a.tune");
  await page.click("#camera-edit");
  await page.waitForSelector("#camera-form");
  assert.equal(await page.isDisabled("#cam-source"), true, "a camera keeps its identifier");
  await page.fill("#cam-name", "Pen two");
  await page.click("#cam-save");
  await page.waitForFunction(() => document.querySelector("h1")?.textContent === "Pen two");
  await page.click("#nav-settings");
  // Users (admin only): added, password reset; where the data lives.
  await page.fill("#new-user", "vera");
  await page.selectOption("#new-role", "vet");
  await page.fill("#new-password", "long-enough-1");
  await page.click("#user-add button[type=submit]");
  await page.waitForSelector("tr[data-user='vera']");
  await page.click("tr[data-user='vera'] .reset-open");
  await page.fill("tr[data-user='vera'] .reset-password", "another-pass-1");
  await page.click("tr[data-user='vera'] .reset-save");
  await page.waitForSelector("tr[data-user='vera'] .ok");
  // An ingest key: shown once, with a request to copy; then revoked.
  await page.fill("#key-source", "jetson-1");
  await page.fill("#key-label", "barn 2");
  await page.click("#key-add button[type=submit]");
  await page.waitForSelector("#key-created #key-example");
  const key = (await page.textContent("#key-value")).trim();
  assert.match(key, /^amk_/);
  assert.ok((await page.textContent("#key-example")).includes(key), "the example request carries the key");
  await page.waitForSelector("#api-keys tbody tr .key-revoke");
  await page.click("#api-keys tbody tr:first-child .key-revoke");
  await page.waitForSelector("#api-keys tbody tr.revoked");
  await page.waitForSelector("#data-location dd");
  await page.screenshot({ path: join(out, "settings.png"), fullPage: true });
  // Forecast models: the bundled model serves every camera.
  await page.click("#nav-models");
  await page.waitForSelector("table.models tr[data-stage='production']", { timeout: 15_000 });
  assert.ok(await page.isVisible("#train"), "an admin can train a model");
  // The nightly retraining, run now from the page: each demo camera has 2 days of
  // history, fewer than the 5 this install asks for, so each is skipped with the reason.
  await page.waitForSelector("#retrain-settings", { timeout: 15_000 });
  await page.click("#retrain-now");
  await page.waitForSelector("#retrain-run[data-state='done']", { timeout: 60_000 });
  const retrained = await page.$$eval("#retrain-cameras tr[data-source]", (rs) => rs.map((r) => [r.dataset.source, r.dataset.state]));
  assert.ok(["demo-1", "demo-2"].every((d) => retrained.some(([s]) => s === d)), JSON.stringify(retrained));
  assert.ok(retrained.every(([, state]) => state === "skipped"), JSON.stringify(retrained));
  assert.match(await page.textContent("#retrain-cameras"), /not enough history/);
  await page.screenshot({ path: join(out, "models.png"), fullPage: true });
  await page.click("#nav-about");
  await page.waitForSelector("#version");
  // What this AniMOV is made of: the commit it was built from, the date, the
  // schema and the bundled models with their hashes.
  const head = execFileSync("git", ["rev-parse", "HEAD"]).toString().trim();
  assert.match(await page.textContent("#commit"), new RegExp(head));
  assert.match(await page.textContent("#build-date"), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.match(await page.textContent("#schema"), /^\d+$/);
  const models = await page.$$eval("#models li", (ls) => ls.map((l) => [l.dataset.role, l.textContent]));
  assert.deepEqual(models.map(([r]) => r), ["detector", "forecast"]);
  assert.match(models[0][1], /nanodet-g-416 \(COCO\) d1ca35c1ebd1/);
  await page.screenshot({ path: join(out, "about.png") });
  assert.deepEqual(consoleErrors, [], "no error in the browser console");
});

test("storage: disk use and retention applied at once; import: an INRA export dropped in, reported, on the timeline", async () => {
  const page = await newPage("fr-FR");
  await signIn(page);
  await page.click("#nav-storage");
  await page.waitForSelector("#storage-use #free-space");
  assert.match(await page.textContent("#free-space"), /\d/);
  await page.fill("#retention-days", "0");
  assert.equal(await page.$eval("#retention-days", (e) => e.validity.valid), false, "0 days is refused before sending");
  await page.fill("#retention-days", "30");
  await page.fill("#quota-gib", "20");
  await page.click("#storage-form button[type=submit]");
  await page.waitForSelector("#storage-saved");
  await page.screenshot({ path: join(out, "storage.png"), fullPage: true });

  await page.click("#nav-import");
  const csv = join(out, "export-2024-02-19-7.csv");
  writeFileSync(csv, "date;Effectif couche;Effectif debout\n" +
    Array.from({ length: 120 }, (_, i) => `2024-02-19 09:${String(Math.floor(i / 60)).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}.000;${i % 9};${12 - (i % 9)}`).join("\n") +
    "\npas une date;1;1\n");
  await page.setInputFiles("#import-files", csv);
  await page.waitForSelector("#import-report tr.done", { timeout: 30_000 });
  assert.equal((await page.textContent("#import-report tr.done .imported")).trim(), "120");
  assert.match(await page.textContent("#import-report tr.done .refused"), /^1/);
  await page.screenshot({ path: join(out, "import.png"), fullPage: true });
  await page.click("#import-report tr.done a.timeline-link");
  await page.waitForSelector("#tl-count", { timeout: 15_000 });
  assert.match(page.url(), /#\/timeline\/cam-7\/2024-02-19/);
  await page.waitForFunction(() => Number(document.querySelector("#tl-count")?.dataset.points) > 0, null, { timeout: 15_000 });
  assert.deepEqual(consoleErrors, [], "no error in the browser console");
});

test("an alert shows on every page and is acknowledged with a comment", async () => {
  // An external detector that stopped sending five minutes ago: the camera-offline rule fires.
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password }),
  });
  const { token } = await login.json();
  // Set up as such a detector is: with its own ingest key (a source nobody
  // set up raises no offline alert).
  const created = await fetch(`${url}/api/v1/api-keys`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ source: "barn-gate", label: "gate detector" }),
  });
  assert.equal(created.status, 201);
  const { key } = await created.json();
  const t = Date.now() - 5 * 60_000;
  const frames = Array.from({ length: 10 }, (_, i) => ({ ts_ms: t - i * 10_000, lying: 6, standing: 4 }));
  const ingest = await fetch(`${url}/api/v1/ingest`, {
    method: "POST", headers: { "content-type": "application/json", "x-api-key": key },
    body: JSON.stringify({ source: "barn-gate", frames }),
  });
  assert.equal(ingest.status, 200);

  const page = await newPage("fr-FR");
  await signIn(page);
  // The badge in the menu and on the camera's card (pushed, no reload).
  await page.waitForSelector("#nav-alert-badge", { timeout: 30_000 });
  await page.waitForSelector(".card[data-source='barn-gate'] .alert-badge.critical", { timeout: 30_000 });
  await page.click("#nav-alerts");
  const row = "tr[data-rule='camera_offline'][data-source='barn-gate']";
  await page.waitForSelector(row, { timeout: 15_000 });
  assert.equal(await page.textContent(`${row} .alert-link`), "Caméra hors ligne");
  await page.click(`${row} .alert-link`);
  await page.waitForSelector(".alert-state[data-state='open']", { timeout: 15_000 });
  await page.waitForSelector("#alert-chart canvas", { timeout: 15_000 });
  assert.match(await page.textContent("#alert-what"), /^Aucune image depuis \d+ min$/, "worded in French");
  // Its clip: this source has no recording, and the page says so (the
  // browser logs the 422 it answered; that one is expected).
  const beforeClip = consoleErrors.length;
  await page.click("#alert-clip");
  await page.waitForFunction(() => /aucun enregistrement|no recording/i.test(document.querySelector(".alert-facts")?.textContent ?? ""), null, { timeout: 15_000 });
  const logged = consoleErrors.splice(beforeClip);
  consoleErrors.push(...logged.filter((e) => !/status of 422/.test(e)));
  await page.fill("#alert-comment", "Câble débranché, rebranché");
  await page.click("#alert-ack");
  await page.waitForSelector(".alert-state[data-state='acknowledged']", { timeout: 15_000 });
  assert.match(await page.textContent("li[data-kind='acknowledged']"), /admin.*Câble débranché/);
  await page.screenshot({ path: join(out, "alert.png"), fullPage: true });
  // The timeline of that camera marks the alert.
  await page.goto(`${url}/#/timeline/barn-gate`);
  await page.waitForSelector("#timeline-chart canvas", { timeout: 15_000 });
  await page.waitForFunction(() => {
    const inst = window.echarts?.getInstanceByDom(document.querySelector("#timeline-chart"));
    return inst?.getOption().series.some((s) => s.name === "Alertes" && s.data.length > 0);
  }, null, { timeout: 15_000 });
  assert.deepEqual(consoleErrors, [], "no error in the browser console");
  // Alert email (admin): recipients saved; without an SMTP server the test says what to set
  // (the browser logs that 422 answer as a failed request, so the console is checked above).
  await page.click("#nav-settings");
  // Alert rules of a camera (admin): the offline limit raised to 5 minutes.
  const limit = "table.rules tr[data-rule='camera_offline'] .rule-limit";
  await page.waitForSelector(limit, { timeout: 15_000 });
  await page.selectOption("#rules-camera", "barn-gate");
  await page.waitForFunction((sel) => document.querySelector(sel)?.value === "120", limit, { timeout: 15_000 });
  await page.fill(limit, "300");
  await page.dispatchEvent(limit, "change");
  await page.click("#rules-save");
  await page.waitForSelector("#rules-ok", { timeout: 15_000 });
  const saved = await (await fetch(`${url}/api/v1/alerts/rules?source=barn-gate`, {
    headers: { authorization: `Bearer ${token}` },
  })).json();
  assert.equal(saved.camera_offline.after_seconds, 300);
  assert.equal(saved.herd_count_drop.minutes, 30, "the other settings are kept");
  await page.waitForSelector("#delivery-to", { timeout: 15_000 });
  await page.fill("#delivery-to", "eleveur@example.org");
  await page.fill("#delivery-quiet-start", "22");
  await page.fill("#delivery-quiet-end", "6");
  await page.click("#delivery-save");
  await page.waitForSelector("#delivery-ok", { timeout: 15_000 });
  await page.click("#delivery-test");
  const err = await page.waitForSelector("#delivery + .error[role=alert]", { timeout: 15_000 });
  assert.match(await err.textContent(), /email\.smtp_host/);
});

test("a behaviour alert explains itself and takes the farmer's judgement", async () => {
  const errorsBefore = consoleErrors.length;
  // Two pens with a week of their own at 40 % standing, then the last
  // 3 hours at 0 % (pen-low: down by day) or 100 % (pen-up: up at night).
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password }),
  });
  const { token } = await login.json();
  const Q = 15 * 60_000;
  const lastEnd = Math.floor(Date.now() / Q) * Q; // the bucket that just ended ends here
  const start = lastEnd - 8 * 86_400_000;
  for (const [source, today] of [["pen-low", 0], ["pen-up", 20]]) {
    const frames = [];
    for (let t = start; t < lastEnd; t += Q) {
      const recent = t >= lastEnd - 3 * 3_600_000;
      const day = Math.floor((t - start) / 86_400_000);
      const standing = recent ? today : 8 + (day % 3) - 1; // 35–45 % of 20
      frames.push({ ts_ms: t + 60_000, lying: 20 - standing, standing });
    }
    const r = await fetch(`${url}/api/v1/ingest`, {
      method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ source, frames }),
    });
    assert.equal(r.status, 200, await r.text());
  }
  // Whatever the hour: the default night (22:00–05:00) would leave pen-low's
  // recent hours in the night and pen-up's in the day around its edges, and
  // neither rule speaks (22:00–22:45, 05:00–05:30). Each pen's night is put
  // where its story needs it: pen-up's over now, pen-low's far from it.
  for (const [source, from, to] of [["pen-low", 6, 10], ["pen-up", -4, 2]]) {
    const q = `${url}/api/v1/alerts/rules?source=${source}`;
    const headers = { "content-type": "application/json", authorization: `Bearer ${token}` };
    const rules = await (await fetch(q, { headers })).json();
    const hour = Math.floor((Date.now() + rules.utc_offset_minutes * 60_000) / 3_600_000) % 24;
    rules.night_disturbance.night_start_hour = (hour + from + 24) % 24;
    rules.night_disturbance.night_end_hour = (hour + to + 24) % 24;
    const put = await fetch(q, { method: "PUT", headers, body: JSON.stringify(rules) });
    assert.ok(put.ok, await put.text());
  }
  const page = await newPage("fr-FR");
  await signIn(page);
  await page.click("#nav-alerts");
  const row = "tr[data-rule='forecast_deviation'][data-source='pen-low'], tr[data-rule='night_disturbance'][data-source='pen-up']";
  await page.waitForSelector(row, { timeout: 60_000 });
  await page.click(`:is(${row}) .alert-link`);
  const why = await page.waitForSelector("#alert-why-sentence", { timeout: 15_000 });
  const sentence = await why.textContent();
  assert.match(sentence, /(0 % du troupeau était debout|100 % du troupeau était debout)/, sentence);
  assert.match(sentence, /sur ses \d+ derniers jours/, "the pen's own days: " + sentence);
  const sigma = Number(await page.getAttribute("#alert-why-sigma", "data-sigma"));
  assert.ok(Math.abs(sigma) > 3, `residual ${sigma} σ`);
  // The chart: what was seen against the usual range and the limit.
  await page.waitForFunction(() => {
    const inst = window.echarts?.getInstanceByDom(document.querySelector("#alert-chart"));
    const names = inst?.getOption().series.map((s) => s.name) ?? [];
    return ["Observé", "Habituel", "Limite d'alerte"].every((n) => names.includes(n));
  }, null, { timeout: 15_000 });
  assert.equal(await page.getAttribute("#alert-why-sensitivity", "data-factor"), "1.000");
  await page.screenshot({ path: join(out, "alert-explain.png"), fullPage: true });
  // "False alarm": recorded in the history, the rule's limits on this pen widen by 15 %.
  await page.click("#alert-false-alarm");
  await page.waitForSelector(".alert-judge[data-verdict='false_alarm']", { timeout: 15_000 });
  await page.waitForSelector("li[data-kind='false_alarm']", { timeout: 15_000 });
  await page.waitForSelector("#alert-why-sensitivity[data-factor='1.150']", { timeout: 15_000 });
  // And in English.
  await page.click("#lang-en");
  await page.waitForFunction(() => /of the herd stood/.test(document.querySelector("#alert-why-sentence")?.textContent ?? ""), null, { timeout: 15_000 });
  await page.click("#lang-fr");
  assert.deepEqual(consoleErrors.slice(errorsBefore), [], "no error in the browser console");
});

test("a vet reviews a recorded minute with the detections drawn over the video", async () => {
  const errorsBefore = consoleErrors.length;
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password }),
  });
  const { token } = await login.json();
  const auth = { "content-type": "application/json", authorization: `Bearer ${token}` };
  const made = await fetch(`${url}/api/v1/users`, {
    method: "POST", headers: auth, body: JSON.stringify({ username: "valerie", role: "vet", password: "vet-password-1" }),
  });
  assert.ok(made.ok, await made.text());
  // A closed one-minute segment of demo-1 (segments are one minute long here).
  let recs = [];
  for (let i = 0; i < 120 && recs.length === 0; i++) {
    recs = await (await fetch(`${url}/api/v1/recordings?source=demo-1`, { headers: auth })).json();
    if (recs.length === 0) await new Promise((r) => setTimeout(r, 1000));
  }
  assert.ok(recs.length > 0, "a demo recording closed");
  const rec = recs[0];
  const page = await newPage("fr-FR");
  await page.goto(url);
  await page.waitForSelector("#username", { timeout: 30_000 });
  await page.fill("#username", "valerie");
  await page.fill("#password", "vet-password-1");
  await page.click("#login-submit");
  await page.waitForSelector("header nav", { timeout: 15_000 });
  const openedAt = Date.now();
  await page.click("#nav-review");
  await page.waitForSelector("#review-camera option[value='demo-1']", { state: "attached", timeout: 15_000 });
  await page.selectOption("#review-camera", "demo-1");
  const strip = await page.waitForSelector("#review-strip:not([data-recordings='0'])", { timeout: 15_000 });
  // Click the strip 20 s into the segment: the video plays from there.
  const box = await strip.boundingBox();
  const dayStart = new Date(rec.start_ms); dayStart.setHours(0, 0, 0, 0);
  const target = rec.start_ms + 20_000;
  const t0 = Date.now();
  await page.mouse.click(box.x + ((target - dayStart.getTime()) / 86_400_000) * box.width, box.y + box.height / 2);
  await page.waitForFunction(() => {
    const v = document.querySelector("#review-video");
    return v && !v.paused && v.currentTime > 0 && v.readyState >= 2;
  }, null, { timeout: 20_000 });
  console.log(`click on the strip to the first frame playing: ${Date.now() - t0} ms`);
  // The hour's snapshots on the hour strip (the page read them when it opened).
  const snaps = await (await fetch(`${url}/api/v1/snapshots?source=demo-1`, { headers: auth })).json();
  const h0 = Number(await page.getAttribute("#review-hour", "data-from"));
  const inHour = (x) => x.ts_ms >= h0 && x.ts_ms < h0 + 3_600_000;
  const marks = await page.locator("#review-hour .strip-snap").count();
  assert.ok(marks >= snaps.filter((x) => inHour(x) && x.ts_ms < openedAt).length && marks <= snaps.filter(inHour).length,
    `${marks} snapshot marks for ${JSON.stringify(snaps.map((x) => x.ts_ms))} in the hour from ${h0}`);
  console.log(`snapshots marked on the hour strip: ${marks}`);
  const first = await page.$eval("#review-video", (v) => v.currentTime);
  await page.waitForFunction((t) => document.querySelector("#review-video").currentTime > t + 1, first, { timeout: 15_000 });
  // The boxes of the analysed frame shown, drawn over the picture.
  await page.waitForFunction(() => Number(document.querySelector("#review-canvas")?.dataset.boxes) > 0, null, { timeout: 15_000 });
  const lit = await page.evaluate(() => {
    const c = document.querySelector("#review-canvas");
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0 && (d[i - 3] > 0 || d[i - 2] > 0 || d[i - 1] > 0)) n++;
    return n;
  });
  assert.ok(lit > 50, `pixels of boxes drawn: ${lit}`);
  // 20 more clicks, on the hour's strip (a second is 0.3 px there), each at
  // another moment of a recording: time from the press to the first picture
  // of the new position on screen (requestVideoFrameCallback after the seek
  // or the segment change).
  const closed = await (await fetch(`${url}/api/v1/recordings?source=demo-1`, { headers: auth })).json();
  const waits = [];
  for (let i = 0; i < 20; i++) {
    const r = closed[i % closed.length];
    const at = r.start_ms + ((i * 7919) % Math.max(1, r.end_ms - r.start_ms));
    await page.evaluate(() => {
      const v = document.querySelector("#review-video");
      const strip = document.querySelector("#review-hour");
      window.__firstFrame = null;
      let t0 = 0;
      const arm = () => v.requestVideoFrameCallback(() => {
        if (v.seeking) arm(); else if (window.__firstFrame === null) window.__firstFrame = performance.now() - t0;
      });
      strip.addEventListener("mousedown", () => {
        t0 = performance.now();
        const go = () => { v.removeEventListener("seeking", go); v.removeEventListener("loadstart", go); arm(); };
        v.addEventListener("seeking", go);
        v.addEventListener("loadstart", go);
      }, { once: true });
    });
    const hour = await page.$("#review-hour");
    const hb = await hour.boundingBox();
    const h0 = Number(await hour.getAttribute("data-from"));
    const at0 = Math.min(Math.max(at, h0), h0 + 3_599_000);
    await page.mouse.click(hb.x + ((at0 - h0) / 3_600_000) * hb.width, hb.y + hb.height / 2);
    await page.waitForFunction(() => window.__firstFrame !== null, null, { timeout: 20_000 });
    waits.push(await page.evaluate(() => window.__firstFrame));
  }
  waits.sort((a, b) => a - b);
  console.log(`click on the hour strip to the first picture of the new position, 20 seeks over ${closed.length} recording(s): median ${waits[10].toFixed(0)} ms, max ${waits[19].toFixed(0)} ms`);
  // Speed and frame steps from the keyboard.
  await page.selectOption("#review-speed", "4");
  assert.equal(await page.$eval("#review-video", (v) => v.playbackRate), 4);
  await page.keyboard.press(" ");
  await page.waitForFunction(() => document.querySelector("#review-video").paused, null, { timeout: 5_000 });
  const before = await page.$eval("#review-video", (v) => v.currentTime);
  await page.keyboard.press(".");
  await page.waitForFunction((t) => Math.abs(document.querySelector("#review-video").currentTime - t - 0.5) < 0.05, before, { timeout: 5_000 });
  // A note on what was seen, tagged: on the strip and in the day's list.
  await page.click("#note-start");
  await page.keyboard.press(".");
  await page.keyboard.press(".");
  await page.click("#note-end");
  // The goat boxed on the picture.
  await page.click("#note-box");
  const canvas = await page.$("#review-canvas");
  await canvas.scrollIntoViewIfNeeded();
  const stage = await canvas.boundingBox();
  await page.mouse.move(stage.x + stage.width * 0.3, stage.y + stage.height * 0.4);
  await page.mouse.down();
  await page.mouse.move(stage.x + stage.width * 0.45, stage.y + stage.height * 0.6, { steps: 4 });
  await page.mouse.up();
  await page.fill("#note-text", "Chèvre qui boite, patte arrière gauche");
  await page.check("input[data-tag='lameness']");
  await page.click("#note-save");
  await page.waitForSelector("#review-note-list li[data-tags='lameness']", { timeout: 15_000 });
  await page.waitForSelector("#review-strip .strip-note", { timeout: 15_000 });
  assert.match(await page.textContent("#review-note-list li"), /boiterie.*Chèvre qui boite.*valerie/);
  const notes = await (await fetch(`${url}/api/v1/notes?source=demo-1&tag=lameness`, { headers: auth })).json();
  assert.equal(notes.length, 1);
  assert.ok(notes[0].end_ms - notes[0].start_ms >= 900, `a span of two frame steps: ${JSON.stringify(notes[0])}`);
  // Jump back to the note from elsewhere in the recording: `[` with "note" chosen.
  await page.selectOption("#review-jump-kind", "note");
  await page.evaluate(() => document.activeElement?.blur());
  const noteAt = (notes[0].start_ms - rec.start_ms) / 1000;
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction((t) => document.querySelector("#review-video").currentTime > t + 8, noteAt, { timeout: 5_000 });
  await page.keyboard.press("[");
  await page.waitForFunction((want) => {
    const v = document.querySelector("#review-video");
    return Math.abs(v.currentTime - want) < 1 && !v.seeking;
  }, noteAt, { timeout: 10_000 });
  const [ax, ay, aw, ah] = notes[0].area ?? [];
  assert.ok(aw > 50 && ah > 30 && ax > 100 && ay > 50, `a box in the picture's pixels: ${JSON.stringify(notes[0].area)}`);
  // Its author edits it: the change is saved, the earlier text kept in its history.
  await page.click("#review-note-list li .note-edit");
  await page.fill("#note-text", "Chèvre qui boite, patte arrière gauche : parage prévu");
  await page.click("#note-save");
  await page.waitForFunction(() => /parage prévu/.test(document.querySelector("#review-note-list li")?.textContent ?? ""), null, { timeout: 15_000 });
  const detail = await (await fetch(`${url}/api/v1/notes/${notes[0].id}`, { headers: auth })).json();
  assert.equal(detail.versions.length, 1);
  assert.equal(detail.versions[0].text, "Chèvre qui boite, patte arrière gauche");
  // The goats' time budgets: a Gantt row per tracked goat lying today, figures for the day.
  await page.waitForFunction(() => Number(document.querySelector("#budget-gantt")?.dataset.tracks) > 0, null, { timeout: 15_000 });
  assert.match(await page.textContent("#budget-lying"), /^\d+ min$/);
  assert.match(await page.getAttribute("#budget-csv", "href"), /time-budget\.csv\?source=demo-1/);
  // The day's recordings: the noted one counts its note; the vet keeps it.
  const row = `#review-recordings tr[data-id='${rec.id}']`;
  await page.waitForSelector(row, { timeout: 15_000 });
  assert.equal((await page.textContent(`${row} td:nth-child(3)`)).trim(), "1");
  assert.equal(await page.$(`${row} .rec-delete`), null, "a vet cannot delete recordings");
  await page.check(`${row} .rec-keep`);
  let kept = false;
  for (let i = 0; i < 50 && !kept; i++) {
    const all = await (await fetch(`${url}/api/v1/recordings?source=demo-1`, { headers: auth })).json();
    kept = all.some((x) => x.id === rec.id && x.keep);
    if (!kept) await new Promise((r) => setTimeout(r, 300));
  }
  assert.ok(kept, "the recording is kept");
  // A 30 s clip of the recording, copied not re-encoded, downloaded and valid.
  await page.click("#note-start");
  await page.keyboard.press("ArrowRight");
  for (let i = 0; i < 5; i++) await page.keyboard.press("ArrowRight");
  await page.click("#note-end");
  const t1 = Date.now();
  await page.click("#clip-export");
  const link = await page.waitForSelector("#clip-download", { timeout: 30_000 });
  console.log(`clip of ~30 s made in ${Date.now() - t1} ms`);
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  const file = join(out, "clip.mp4");
  await download.saveAs(file);
  const mp4 = readFileSync(file);
  assert.equal(mp4.subarray(4, 8).toString(), "ftyp");
  assert.ok(mp4.includes(Buffer.from("moov")) && mp4.indexOf("moov") < mp4.indexOf("mdat"), "index first");
  const probe = execFileSync("gst-launch-1.0", ["-q", "filesrc", `location=${file}`, "!", "qtdemux", "!", "h264parse", "!", "avdec_h264", "!", "fakesink"]);
  assert.ok(probe !== undefined, "it decodes");
  await page.screenshot({ path: join(out, "review.png"), fullPage: true });
  // A 20-frame dataset from the day's recordings: one picture's boxes corrected
  // in the editor (ground truth), exported as YOLO and COCO, both checked against
  // the stored boxes (COCO loaded by pycocotools).
  await page.click("#review-dataset");
  await page.waitForSelector("#dataset-take-go", { timeout: 15_000 });
  await page.fill("#dataset-count", "20");
  await page.click("#dataset-take-go");
  await page.waitForSelector("#dataset-sample-download", { timeout: 60_000 });
  await page.waitForFunction(() => document.querySelectorAll("#dataset-thumbs .thumb").length === 20, null, { timeout: 15_000 });
  await page.click("#dataset-thumbs .thumb");
  const editor = await page.waitForSelector("#box-editor .box-picture", { timeout: 15_000 });
  await page.waitForFunction(() => document.querySelector("#box-editor img")?.naturalWidth > 0, null, { timeout: 15_000 });
  await editor.scrollIntoViewIfNeeded();
  const pic = await editor.boundingBox();
  const taken = await (await fetch(`${url}/api/v1/dataset/frames?source=demo-1`, { headers: auth })).json();
  const f0 = taken[0];
  const nBoxes = f0.boxes.length;
  const sx = pic.width / f0.width, sy = pic.height / f0.height;
  // Draw a new lying box on the picture's top-left corner, then move it 20 px right.
  await page.click("#box-class-1");
  await page.mouse.move(pic.x + 4 * sx, pic.y + 4 * sy);
  await page.mouse.down();
  await page.mouse.move(pic.x + 40 * sx, pic.y + 30 * sy, { steps: 4 });
  await page.mouse.up();
  await page.mouse.move(pic.x + 20 * sx, pic.y + 15 * sy);
  await page.mouse.down();
  await page.mouse.move(pic.x + 40 * sx, pic.y + 15 * sy, { steps: 4 });
  await page.mouse.up();
  await page.click("#box-save");
  await page.waitForSelector("#box-saved", { timeout: 15_000 });
  await page.screenshot({ path: join(out, "dataset.png"), fullPage: true });
  const truth = await (await fetch(`${url}/api/v1/dataset/frames?source=demo-1&reviewed=true`, { headers: auth })).json();
  assert.equal(truth.length, 1);
  assert.equal(truth[0].reviewed_by, "valerie");
  assert.equal(truth[0].boxes.length, nBoxes + 1, `${JSON.stringify(f0.boxes)} became ${JSON.stringify(truth[0].boxes)}`);
  const drawn = truth[0].boxes[nBoxes];
  assert.equal(drawn.class, 1);
  assert.ok(Math.abs(drawn.x - 24) <= 2 && Math.abs(drawn.y - 4) <= 2 && Math.abs(drawn.w - 36) <= 2 && Math.abs(drawn.h - 26) <= 2,
    `drawn then moved: ${JSON.stringify(drawn)}`);
  await page.uncheck("#dataset-export-truth");
  let lastExport = "";
  const saveExport = async (button, name) => {
    await page.click(button);
    await page.waitForFunction((prev) => {
      const href = document.querySelector("#dataset-export-download")?.getAttribute("href");
      return href && href !== prev;
    }, lastExport, { timeout: 60_000 });
    lastExport = await page.getAttribute("#dataset-export-download", "href");
    const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#dataset-export-download")]);
    const f = join(out, name);
    await dl.saveAs(f);
    return f;
  };
  const yolo = await saveExport("#dataset-export-yolo", "dataset-yolo.zip");
  const coco = await saveExport("#dataset-export-coco", "dataset-coco.zip");
  const stored = await (await fetch(`${url}/api/v1/dataset/frames?source=demo-1`, { headers: auth })).json();
  assert.equal(stored.length, 20);
  const framesFile = join(out, "dataset-frames.json");
  writeFileSync(framesFile, JSON.stringify(stored));
  const python = process.env.ANIMOV_TEST_PYTHON ?? join(process.env.HOME, ".cache/animov/test-venv/bin/python");
  const checked = execFileSync(python, [join(here, "support", "check_dataset.py"), yolo, coco, framesFile]).toString();
  assert.match(checked, /dataset ok: 20 frames/);
  console.log(checked.trim());
  // The note on the Timeline and on the Notes page, found by tag and by text, exported as CSV.
  await page.goto(`${url}/#/timeline/demo-1`);
  await page.waitForSelector("#timeline-notes li[data-tags='lameness']", { timeout: 15_000 });
  await page.click("#nav-notes");
  await page.waitForSelector("#notes-list li", { timeout: 15_000 });
  await page.selectOption("#notes-tag", "lameness");
  await page.fill("#notes-search", "parage");
  await page.press("#notes-search", "Enter");
  await page.waitForFunction(() => document.querySelector("#notes-list")?.dataset.count === "1", null, { timeout: 15_000 });
  await page.fill("#notes-search", "introuvable");
  await page.press("#notes-search", "Enter");
  await page.waitForSelector("#notes-empty", { timeout: 15_000 });
  await page.fill("#notes-search", "");
  await page.press("#notes-search", "Enter");
  await page.waitForSelector("#notes-list li", { timeout: 15_000 });
  const [csvDl] = await Promise.all([page.waitForEvent("download"), page.click("#notes-csv")]);
  const csvFile = join(out, "notes.csv");
  await csvDl.saveAs(csvFile);
  const csvText = readFileSync(csvFile, "utf8");
  assert.match(csvText, /^source,start,end,author,tags,text,created,updated/);
  assert.match(csvText, /demo-1,.*valerie,lameness,.*parage prévu/);
  await page.click("#notes-list li a");
  await page.waitForSelector("#review-video", { timeout: 15_000 });
  assert.deepEqual(consoleErrors.slice(errorsBefore), [], "no error in the browser console");
});

test("a failing API shows a readable message, not a blank page", async () => {
  const page = await newPage("en-US");
  await signIn(page);
  await page.waitForSelector(".card");
  engine.kill("SIGTERM");
  await new Promise((r) => engine.once("exit", r));
  await page.click("#nav-live");
  const msg = await page.waitForSelector(".error[role=alert]", { timeout: 15_000 });
  assert.match(await msg.textContent(), /cannot be reached/);
  await page.screenshot({ path: join(out, "engine-down.png") });
});
