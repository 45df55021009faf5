// HTTPS in Chromium against `animov serve --demo` with [tls] enabled and no
// certificate given: AniMOV makes a self-signed one. The browser refuses it
// until accepted; once accepted, signing in works over HTTPS and Settings
// shows the fingerprint — the one `animov serve` printed, the one the
// server really presents, the one of the certificate the page offers to
// download. Plain http:// is sent to https://.
// Screenshot: out/tls-settings.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import { connect } from "node:tls";
import { chromium } from "playwright-core";
import { launchChromium, signInAdmin, startDemo } from "./support/engine.mjs";
import { out, UI, binary } from "./support/paths.mjs";

const BIN = binary();

let engine, url, password, printed, browser;

before(async () => {
  ({ p: engine, url, password, fingerprint: printed } = await startDemo(BIN, UI,
    "[demo]\ncameras = 1\nbackfill_days = 1\n[forecast]\nretrain = false\n[tls]\nenabled = true\n",
    "animov-e2e-tls-"));
  browser = await launchChromium(chromium);
});

after(async () => {
  await browser?.close();
  engine?.kill("SIGTERM");
});

/** The SHA-256 fingerprint of the certificate the server presents. */
function presented(u) {
  const { hostname, port } = new URL(u);
  return new Promise((resolve, reject) => {
    const s = connect({ host: hostname, port: Number(port), rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate().fingerprint256);
      s.end();
    });
    s.on("error", reject);
  });
}

test("HTTPS with a self-signed certificate: refused until accepted, then the fingerprint to compare is in Settings", { timeout: 120_000 }, async () => {
  assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/, "animov serve prints an https:// address");
  assert.ok(printed, "animov serve prints the certificate's fingerprint");
  assert.equal(await presented(url), printed, "the certificate served is the one printed");

  // A browser that never accepted it stops there.
  const strict = await browser.newContext();
  await assert.rejects(strict.newPage().then((p) => p.goto(url)), /ERR_CERT/);
  await strict.close();

  // Accepted (as a farmer does after comparing): signed in over HTTPS.
  const ctx = await browser.newContext({ locale: "fr-FR", ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  const first = await page.goto(url);
  const details = await first.securityDetails();
  assert.match(details?.protocol ?? "", /TLS 1\.[23]/, JSON.stringify(details));
  await signInAdmin(page, url, password);
  await page.click("#nav-settings");
  await page.waitForSelector("#tls-state[data-https='true']", { timeout: 15_000 });
  assert.match(await page.textContent("#tls-state"), /chiffrée/);
  const shown = (await page.textContent("#tls-fingerprint")).trim();
  assert.equal(shown, printed, "Settings shows the fingerprint printed at start");
  assert.match(await page.textContent("#tls-names"), /127\.0\.0\.1/);
  // The certificate offered for download is the one served.
  const href = await page.getAttribute("#tls-download", "href");
  const pem = decodeURIComponent(href.slice(href.indexOf(",") + 1));
  assert.equal(new X509Certificate(pem).fingerprint256, printed);
  await page.locator("#tls-fingerprint").scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(out, "tls-settings.png"), fullPage: true });
  // The live picture and events work over HTTPS too.
  await page.click("#nav-live");
  await page.waitForSelector(".tile [data-ts]", { timeout: 30_000 });
  assert.deepEqual(errors, [], "no error in the browser console");
  await ctx.close();

  // Plain http:// on the same port: sent to the same place over HTTPS.
  const plain = await fetch(url.replace("https://", "http://") + "/#/settings", { redirect: "manual" });
  assert.equal(plain.status, 301);
  assert.equal(plain.headers.get("location"), url + "/");
});
