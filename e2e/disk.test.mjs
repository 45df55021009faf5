// A full disk seen by the farmer, in Chromium against `animov serve --demo`
// whose free-space reserve (vision.min_free_mib = 1 TiB) is larger than
// this machine's disk: recording stops at start while the cameras count.
// The Storage page says so and how to fix it, the camera's tile names the
// problem, and a "disk full" alert opens, worded in French.
// (The real thing, a small disk filled under a recording camera: bash bench/disk-full.sh.)
// Screenshot: out/disk-full.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { launchChromium, signInAdmin, startDemo } from "./support/engine.mjs";
import { out, UI, binary } from "./support/paths.mjs";

const BIN = binary();

let engine, url, password, browser;

before(async () => {
  ({ p: engine, url, password } = await startDemo(BIN, UI,
    "[demo]\ncameras = 1\nbackfill_days = 1\n[forecast]\nretrain = false\n[alerts]\ninterval_seconds = 5\n[vision]\nmin_free_mib = 1048576\n",
    "animov-e2e-disk-"));
  browser = await launchChromium(chromium);
});

after(async () => {
  await browser?.close();
  engine?.kill("SIGTERM");
});

test("a full disk: recording stops, counting goes on, the farmer is told where and what to do", { timeout: 180_000 }, async () => {
  const ctx = await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await signInAdmin(page, url, password);

  // Storage: the notice, and the reserve in force.
  await page.click("#nav-storage");
  await page.waitForSelector("#recording-paused", { timeout: 30_000 });
  assert.match(await page.textContent("#recording-paused"), /disque est plein.*comptage continue/);
  assert.equal(await page.textContent("#reserve"), "1.0 To");
  await page.screenshot({ path: join(out, "disk-full.png"), fullPage: true });

  // The camera: still counting, its recording stopped, the problem in words.
  await page.click("#nav-cameras");
  const tile = ".camera-tile";
  await page.waitForSelector(`${tile} .cam-state.running`, { timeout: 60_000 });
  await page.waitForSelector(`${tile} .cam-problem`, { timeout: 30_000 });
  assert.match(await page.textContent(`${tile} .cam-problem`), /Le disque est plein/);

  // The alert, in the list and worded in French.
  await page.click("#nav-alerts");
  const row = "tr[data-rule='disk_full']";
  await page.waitForSelector(row, { timeout: 60_000 });
  assert.equal(await page.textContent(`${row} .alert-link`), "Disque plein : enregistrement arrêté");
  await page.click(`${row} .alert-link`);
  await page.waitForSelector("#alert-what", { timeout: 15_000 });
  assert.match(await page.textContent("#alert-what"), /^Disque plein \(\d+ Mio libres\) : l'enregistrement est arrêté/);
  assert.deepEqual(errors, [], "no script errors");
});
