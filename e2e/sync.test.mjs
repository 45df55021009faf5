// End-to-end sync: a central (`animov serve`, [sync] role = "central", on the
// test MariaDB) and a barn PC (`animov serve --demo`, SQLite). In Chromium:
// the central's admin creates an enrolment code on the Sites page, the
// farm's admin joins with it from the Sync page, the site's data reaches the
// central, and the Sites page shows the site. `animov sync status` is read
// too. Screenshots for the README land in e2e/out.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { launchChromium, spawnUntil } from "./support/engine.mjs";
import { out, UI, binary } from "./support/paths.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const BIN = binary();
const MYSQL = process.env.ANIMOV_TEST_MYSQL_URL;
assert.ok(MYSQL, "ANIMOV_TEST_MYSQL_URL must name the test MariaDB (the test command starts it)");

const ENV = { ANIMOV_SECRETS: "file", ANIMOV_UI_DIR: UI, RUST_LOG: "warn" };
const CENTRAL_PASSWORD = "central-admin-pw-1";
let central, site, browser;
const consoleErrors = [];

function animov(dir, args, input) {
  return execFileSync(BIN, ["--data-dir", dir, ...args], { env: { ...process.env, ...ENV }, input, encoding: "utf8" });
}

async function serve(dir, args) {
  let u;
  const { p, value } = await spawnUntil(BIN, ["--data-dir", dir, "serve", "--listen", "127.0.0.1:0", ...args], ENV, (l) => {
    u = l.match(/running at (http:\/\/[\d.:]+)/)?.[1] ?? u;
    if (l.includes("Press Ctrl-C")) return l.match(/Sign in as admin \/ (\S+)/)?.[1] ?? "";
    const pw = l.match(/Sign in as admin \/ (\S+)/)?.[1];
    if (pw) return pw;
    return undefined;
  });
  return { p, url: u, password: value, dir };
}

before(async () => {
  const m = new URL(MYSQL);
  const db = `animov_e2e_${Date.now()}`;
  execFileSync("mariadb", ["--no-defaults", `-h${m.hostname}`, `-P${m.port}`, `-u${decodeURIComponent(m.username)}`,
    `-p${decodeURIComponent(m.password)}`, "-e", `CREATE DATABASE ${db} CHARACTER SET utf8mb4`]);
  const cdir = mkdtempSync(join(tmpdir(), "animov-central-"));
  writeFileSync(join(cdir, "animov.toml"),
    `[database]\nkind = "mysql"\nurl = "mysql://${m.username}@${m.hostname}:${m.port}/${db}"\n[sync]\nrole = "central"\n`);
  animov(cdir, ["secret", "set", "mysql-password"], `${decodeURIComponent(m.password)}\n`);
  animov(cdir, ["user", "add", "--username", "admin", "--role", "admin", "--password-stdin"], `${CENTRAL_PASSWORD}\n`);
  central = await serve(cdir, []);
  const sdir = mkdtempSync(join(tmpdir(), "animov-site-"));
  writeFileSync(join(sdir, "animov.toml"),
    "[demo]\ncameras = 2\nbackfill_days = 1\ninterval_ms = 500\n[forecast]\nretrain = false\n[sync]\ninterval_seconds = 2\n" +
    "[vision]\nsegment_minutes = 1\nsnapshots_per_hour = 60\n");
  site = await serve(sdir, ["--demo"]);
  browser = await launchChromium(chromium);
});

after(async () => {
  await browser?.close();
  central?.p.kill("SIGTERM");
  site?.p.kill("SIGTERM");
});

async function signIn(url, user, password) {
  const ctx = await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  page.on("response", (r) => { if (r.status() === 404) consoleErrors.push(`404 ${new URL(r.url()).pathname}`); });
  await page.goto(url);
  await page.waitForSelector("#username", { timeout: 30_000 });
  await page.fill("#username", user);
  await page.fill("#password", password);
  await page.click("#login-submit");
  await page.waitForSelector("header nav", { timeout: 15_000 });
  return page;
}

test("a farm joins a central with a one-time code from the Sites page and its data arrives", { timeout: 240_000 }, async () => {
  // The central's admin: the Sites page, no site yet, a new code.
  const c = await signIn(central.url, "admin", CENTRAL_PASSWORD);
  await c.goto(`${central.url}/#/sync`);
  await c.waitForSelector("#no-sites", { timeout: 15_000 });
  await c.click("#enrol");
  const code = (await c.textContent("#enrol-code", { timeout: 15_000 })).trim();
  assert.match(code, /^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);

  // The farm's admin: not joined yet; a wrong code is refused with a reason.
  const s = await signIn(site.url, "admin", site.password);
  await s.goto(`${site.url}/#/sync`);
  await s.waitForSelector("#sync-join", { timeout: 15_000 });
  assert.match(await s.textContent("#sync-state"), /pas de central/);
  await s.fill("#join-url", central.url);
  await s.fill("#join-code", "AAAA-BBBB-CCCC-DDDD");
  await s.fill("#join-name", "Chèvrerie du Bas");
  await s.fill("#join-farm", "GAEC des Tilleuls");
  await s.click("#sync-join button[type=submit]");
  await s.waitForSelector(".error", { timeout: 15_000 });
  assert.match(await s.textContent(".error"), /code/i);
  // The right code.
  await s.fill("#join-code", code);
  await s.click("#sync-join button[type=submit]");
  await s.waitForSelector("#sync-note.ok", { timeout: 30_000 }).catch(async (e) => {
    await s.screenshot({ path: join(out, "sync-join-failed.png"), fullPage: true });
    throw e;
  });
  await s.waitForFunction((u) => document.querySelector("#sync-central")?.textContent === u, central.url, { timeout: 15_000 });
  await s.click("#sync-now");

  // The backlog drains (the demo keeps adding minutes: a few rows may wait).
  let state = "";
  for (let i = 0; i < 60; i++) {
    await s.goto(`${site.url}/#/today`);
    await s.goto(`${site.url}/#/sync`);
    await s.waitForSelector("#sync-state", { timeout: 15_000 });
    state = await s.textContent("#sync-state");
    if (/^synchronisé$/.test(state) || /^\d{1,2} lignes en retard$/.test(state)) break;
    await s.waitForTimeout(2000);
  }
  assert.match(state, /^(synchronisé|\d{1,2} lignes en retard)$/, `state: ${state}`);
  assert.match(await s.textContent("#sync-skew"), /^[+-]\d+ ms$/);
  await s.waitForSelector("#sync-badge", { timeout: 70_000 });
  await s.screenshot({ path: join(out, "sync-site.png"), fullPage: true });

  // The central: the site with its two cameras and last contact.
  await c.goto(`${central.url}/#/today`);
  await c.goto(`${central.url}/#/sync`);
  await c.waitForSelector("#sites tr.site", { timeout: 15_000 });
  const row = await c.textContent("#sites tr.site");
  assert.match(row, /Chèvrerie du Bas/);
  assert.match(row, /GAEC des Tilleuls/);
  const cams = await c.$eval("#sites tr.site td:nth-child(7)", (td) => td.textContent);
  assert.equal(cams, "2");
  await c.screenshot({ path: join(out, "sync-sites.png"), fullPage: true });

  // The command line says the same.
  const status = animov(site.dir, ["sync", "status"]);
  writeFileSync(join(out, "sync-status.txt"), status);
  assert.match(status, new RegExp(`central +${central.url.replace(/[.]/g, "\\.")}`));
  assert.match(status, /skew +central clock [+-]\d+ ms/);
  // The wrong code answered 422 on purpose.
  assert.deepEqual(consoleErrors.filter((e) => !/status of 422/.test(e)), []);
});

test("at the central, the site picked in the header is what every page shows", { timeout: 240_000 }, async () => {
  const errorsBefore = consoleErrors.length;
  // A recording and a snapshot of the farm reach the central.
  const login = await (await fetch(`${central.url}/api/v1/auth/login`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: CENTRAL_PASSWORD }),
  })).json();
  const sites = await (await fetch(`${central.url}/api/v1/sync/sites`, { headers: { authorization: `Bearer ${login.token}` } })).json();
  assert.equal(sites.length, 1);
  const auth = { authorization: `Bearer ${login.token}`, "x-animov-site": sites[0].site_id };
  let recs = [], snaps = [];
  for (let i = 0; i < 120 && (recs.length === 0 || snaps.length === 0); i++) {
    recs = await (await fetch(`${central.url}/api/v1/recordings?source=demo-1`, { headers: auth })).json();
    snaps = await (await fetch(`${central.url}/api/v1/snapshots?source=demo-1`, { headers: auth })).json();
    if (recs.length === 0 || snaps.length === 0) await new Promise((r) => setTimeout(r, 2000));
  }
  assert.ok(recs.length > 0 && snaps.length > 0, `recordings ${recs.length}, snapshots ${snaps.length} at the central`);
  // The same routes without a site: the central's own data, none.
  const own = await (await fetch(`${central.url}/api/v1/cameras`, { headers: { authorization: auth.authorization } })).json();
  assert.deepEqual(own, []);
  // What belongs to the farm cannot be changed at the central.
  const refused = await fetch(`${central.url}/api/v1/cameras/demo-1/vision`, {
    method: "PUT", headers: { ...auth, "content-type": "application/json" }, body: "{}",
  });
  assert.equal(refused.status, 409);
  assert.equal((await refused.json()).error.code, "farm_data");

  const c = await signIn(central.url, "admin", CENTRAL_PASSWORD);
  // The picker names the farm and picks it.
  await c.waitForSelector("#site-picker option", { state: "attached", timeout: 70_000 });
  assert.match(await c.textContent("#site-picker"), /Chèvrerie du Bas — GAEC des Tilleuls/);
  assert.equal(await c.textContent("#nav-sync"), "Sites");
  // Today: the farm's two cameras with their day.
  await c.goto(`${central.url}/#/today`);
  await c.waitForSelector("section.card[data-source='demo-2']", { timeout: 15_000 });
  assert.equal(await c.locator("section.card").count(), 2);
  // Timeline: the farm's minutes.
  // (From yesterday: just after midnight today holds a few minutes only.)
  await c.goto(`${central.url}/#/timeline/demo-1`);
  await c.waitForSelector("#tl-count", { timeout: 15_000 });
  const yesterday = await c.evaluate(() => {
    const d = new Date(Date.now() - 86_400_000);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  });
  await c.fill("#tl-from", yesterday);
  await c.dispatchEvent("#tl-from", "change");
  await c.waitForFunction(() => Number(document.querySelector("#tl-count")?.dataset.points) > 10, null, { timeout: 15_000 });
  // Live: the newest picture the farm sent, with its boxes.
  await c.goto(`${central.url}/#/live`);
  await c.waitForSelector(".tile[data-source='demo-1'] .farm-picture", { timeout: 15_000 });
  await c.waitForFunction(() => document.querySelector(".tile[data-source='demo-1'] img")?.naturalWidth > 0, null, { timeout: 15_000 });
  // Review: the day's strip with the farm's recordings and its pictures; the video stays at the farm.
  const day = new Date(snaps[0].ts_ms);
  const ymd = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, "0")}-${String(day.getDate()).padStart(2, "0")}`;
  await c.goto(`${central.url}/#/review/demo-1/${ymd}`);
  await c.waitForSelector("#review-strip:not([data-recordings='0'])", { timeout: 15_000 });
  await c.waitForSelector("#review-at-farm", { timeout: 15_000 });
  await c.waitForSelector("#review-pictures figure .picture img", { timeout: 15_000 });
  await c.waitForFunction(() => document.querySelector("#review-pictures img")?.naturalWidth > 0, null, { timeout: 15_000 });
  await c.screenshot({ path: join(out, "central-review.png"), fullPage: true });
  // Cameras: the farm's, read-only here.
  await c.goto(`${central.url}/#/cameras`);
  await c.waitForSelector("#farm-owned", { timeout: 15_000 });
  assert.equal(await c.locator("#camera-add").count(), 0);
  assert.equal(await c.locator("#nav-import, #nav-dataset").count(), 0);
  // Alerts and forecasts answer for the farm (lists, possibly empty, no error).
  await c.goto(`${central.url}/#/alerts`);
  await c.waitForSelector("main h1", { timeout: 15_000 });
  await c.goto(`${central.url}/#/models`);
  await c.waitForSelector("#models-camera option[value='demo-1']", { state: "attached", timeout: 15_000 });
  assert.equal(await c.locator(".error").count(), 0, await c.locator(".error").allTextContents().then((t) => t.join(" | ")));
  assert.deepEqual(consoleErrors.slice(errorsBefore), []);
});
