// The first day on a barn PC, in Chromium against `animov serve` on an empty
// data folder: first-run setup through the one-time link, add a camera by
// its RTSP address, test it (picture with boxes), draw a region of interest,
// change the threshold and see the count change, calibrate posture by
// clicking boxes, and find the camera counting on the Today page. The test
// only clicks and types: every API call is the UI's.
// Prints the time from clicking Test to the picture with boxes (median of 10).
// Screenshots (README's "first day"): out/setup.png, out/camera-test.png,
// out/camera-tune.png, out/camera-posture.png, out/cameras.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { makePen, startRtsp } from "./support/pen.mjs";
import { launchChromium, spawnUntil } from "./support/engine.mjs";
import { out, UI, binary } from "./support/paths.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const BIN = binary();

let engine, link, browser, camera;
const consoleErrors = [];

async function startEngine(dir) {
  writeFileSync(join(dir, "animov.toml"), "[forecast]\nretrain = false\n");
  const { p, value } = await spawnUntil(BIN, ["--data-dir", dir, "serve", "--listen", "127.0.0.1:0"],
    { ANIMOV_SECRETS: "file", ANIMOV_UI_DIR: UI, RUST_LOG: "warn" },
    (l) => l.match(/open the link in (\S+setup-link\.txt)/)?.[1]);
  // Not a terminal: the link is in an owner-only file, not in the output.
  assert.equal(statSync(value).mode & 0o777, 0o600);
  return { p, link: readFileSync(value, "utf8").trim() };
}

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), "animov-setup-"));
  camera = await startRtsp(makePen(dir), 20_000 + Math.floor(Math.random() * 20_000));
  ({ p: engine, link } = await startEngine(dir));
  browser = await launchChromium(chromium);
});

after(async () => {
  await browser?.close();
  engine?.kill("SIGTERM");
  camera?.proc.kill("SIGTERM");
});

const counted = async (page) => Number(await page.getAttribute("#tune-counts", "data-counted"));

async function waitCounted(page, pred, what) {
  await page.waitForFunction(
    (src) => {
      const n = Number(document.querySelector("#tune-counts")?.dataset.counted);
      return !Number.isNaN(n) && new Function("n", `return ${src}`)(n);
    },
    pred,
    // The pen's RTSP camera may be reconnecting (back-off up to 8 s) before
    // its next picture is analysed again.
    { timeout: 45_000 },
  ).catch(() => pageFailed(page, `count never became ${pred} (${what})`));
}

/** Fails with what the tuning page showed (for the log and out/). */
async function pageFailed(page, why) {
  await page.screenshot({ path: join(out, "camera-tune-failed.png"), fullPage: true }).catch(() => {});
  const seen = await page.evaluate(() => ({
    counted: document.querySelector("#tune-counts")?.dataset.counted,
    roi: document.querySelector("#roi-points")?.textContent,
    polygon: document.querySelector(".tune-picture polygon.roi")?.getAttribute("points"),
    viewBox: document.querySelector(".tune-picture svg")?.getAttribute("viewBox"),
    error: document.querySelector(".error")?.textContent,
    boxes: [...document.querySelectorAll(".tune-picture rect.box")].map((r) =>
      `${r.getAttribute("x")},${r.getAttribute("y")},${r.getAttribute("width")},${r.getAttribute("height")}${r.classList.contains("ignored") ? " ignored" : ""}`),
  })).catch((e) => String(e));
  assert.fail(`${why}; the page showed ${JSON.stringify(seen)}`);
}

test("first day: setup, add and test an RTSP camera, tune it on its picture, see it count", { timeout: 300_000 }, async () => {
  const ctx = await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  page.on("pageerror", (e) => consoleErrors.push(String(e)));

  // 1. First-run setup through the one-time link.
  await page.goto(link);
  await page.waitForSelector("#setup-form", { timeout: 30_000 });
  assert.doesNotMatch(page.url(), /local=/, "the secret leaves the address bar at once");
  await page.fill("#setup-farm", "La Chèvrerie des Tests");
  const zones = await page.$$eval("#setup-tz option", (o) => o.map((x) => x.value));
  assert.ok(zones.includes("Europe/Paris"), "time zones to choose from");
  await page.selectOption("#setup-tz", "Europe/Paris");
  // A weak password is refused next to its field, and nothing is lost.
  await page.fill("#setup-user", "marie");
  await page.fill("#setup-password", "court");
  await page.click("#setup-save");
  await page.waitForSelector("#setup-form .field-error", { timeout: 10_000 });
  assert.equal(await page.inputValue("#setup-farm"), "La Chèvrerie des Tests");
  await page.fill("#setup-password", "des-chevres-2026");
  await page.screenshot({ path: join(out, "setup.png"), fullPage: true });
  await page.click("#setup-save");

  // 2. Add the camera by its address and test it before saving.
  await page.waitForSelector("#camera-form", { timeout: 15_000 });
  await page.fill("#cam-name", "Parc 1");
  assert.equal(await page.inputValue("#cam-source"), "parc-1", "identifier made from the name");
  await page.fill("#cam-uri", "rtsp://127.0.0.1:1/nothing");
  await page.click("#cam-test");
  await page.waitForSelector("#cam-test-error", { timeout: 20_000 });
  assert.equal(await page.getAttribute("#cam-test-error", "data-code"), "unreachable");
  assert.match(await page.textContent("#cam-test-error"), /ne répond pas/, "said in plain French");
  await page.fill("#cam-uri", camera.url);
  await page.fill("#cam-herd", "5");
  const times = [];
  for (let i = 0; i < 10; i++) {
    const t0 = Date.now();
    await page.click("#cam-test");
    await page.waitForSelector("#cam-test-result .picture rect.box", { timeout: 20_000 });
    await page.waitForFunction(() => document.querySelector("#cam-test-result .picture img")?.complete);
    times.push(Date.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`click on Test to the picture with boxes, local RTSP camera: median ${(times[4] + times[5]) / 2} ms over 10 (min ${times[0]}, max ${times[9]})`);
  const boxes = await page.$$eval("#cam-test-result rect.box", (r) => r.length);
  assert.ok(boxes >= 4, `the detector's boxes on the test picture (${boxes})`);
  await page.screenshot({ path: join(out, "camera-test.png"), fullPage: true });
  await page.click("#cam-save");

  // 3. Tune it on its live picture.
  await page.waitForSelector("#tune-counts", { timeout: 30_000 });
  await waitCounted(page, "n >= 3", "the camera counts at the default threshold");
  const atDefault = await counted(page);
  // Threshold: up to the top, nothing counts; back down, the animals count again.
  await page.fill("#threshold", "0.95");
  await waitCounted(page, "n === 0", "threshold 0.95");
  await page.fill("#threshold", "0.3");
  await waitCounted(page, `n >= ${atDefault}`, "threshold 0.30");
  // Region of interest: the left two thirds of the picture.
  await page.click("#draw-roi");
  const svg = await page.$(".tune-picture svg");
  const bb = await svg.boundingBox();
  for (const [fx, fy] of [[0.01, 0.01], [0.66, 0.01], [0.66, 0.99], [0.01, 0.99]]) {
    await page.mouse.click(bb.x + fx * bb.width, bb.y + fy * bb.height);
  }
  await page.waitForFunction(() => /^4 /.test(document.querySelector("#roi-points")?.textContent ?? ""));
  // On the same picture (the stream's pictures differ a little, and a weak
  // animal counted on one may be missed on the next, so counts of two
  // pictures are not compared): animals still count, every counted box
  // stands inside the region, and some box outside it is left out.
  await page.waitForFunction(() => {
    const n = Number(document.querySelector("#tune-counts")?.dataset.counted);
    const w = Number(document.querySelector(".tune-picture svg")?.getAttribute("viewBox")?.split(" ")[2]);
    const boxes = [...document.querySelectorAll(".tune-picture rect.box")].map((r) => ({
      cx: Number(r.getAttribute("x")) + Number(r.getAttribute("width")) / 2,
      ignored: r.classList.contains("ignored"),
    }));
    return n > 0 && boxes.filter((b) => !b.ignored).every((b) => b.cx < 0.67 * w)
      && boxes.some((b) => b.ignored && b.cx > 0.67 * w);
  }, null, { timeout: 45_000 }).catch(() => pageFailed(page, "the region of interest did not leave out the boxes outside it"));
  await page.waitForSelector(".tune-picture polygon.roi");
  await page.click("#draw-roi");
  await page.screenshot({ path: join(out, "camera-tune.png"), fullPage: true });

  // 4. Posture: mark one standing and one lying box, fit.
  await page.click("#mark-postures");
  // Each counted box with a point of it that no other counted box covers (where a click lands on it).
  const shapes = await page.$$eval(".tune-picture rect.box:not(.ignored)", (rs) => {
    const bs = rs.map((r) => ({
      i: Number(r.dataset.index), x: Number(r.getAttribute("x")), y: Number(r.getAttribute("y")),
      w: Number(r.getAttribute("width")), h: Number(r.getAttribute("height")),
    }));
    const inside = (b, px, py) => px >= b.x && px <= b.x + b.w && py >= b.y && py <= b.y + b.h;
    return bs.map((b) => {
      for (let fy = 0.1; fy < 1; fy += 0.1) for (let fx = 0.1; fx < 1; fx += 0.1) {
        const px = b.x + fx * b.w, py = b.y + fy * b.h;
        if (!bs.some((o) => o.i !== b.i && inside(o, px, py))) return { ...b, fx, fy };
      }
      return null;
    }).filter(Boolean);
  });
  const tall = shapes.reduce((a, b) => (b.h / b.w > a.h / a.w ? b : a));
  const flat = shapes.reduce((a, b) => (b.h / b.w < a.h / a.w ? b : a));
  assert.ok(shapes.length >= 2 && tall.i !== flat.i, `two boxes to mark (${JSON.stringify(shapes)})`);
  await page.$eval(".tune-picture", (e) => e.scrollIntoView());
  const clickBox = async (b, times) => {
    const r = await (await page.$(`.tune-picture rect.box[data-index='${b.i}']`)).boundingBox();
    for (let k = 0; k < times; k++) await page.mouse.click(r.x + b.fx * r.width, r.y + b.fy * r.height);
  };
  await clickBox(tall, 1); // standing
  await clickBox(flat, 2); // lying
  await page.waitForSelector(".tune-picture rect.mark.standing");
  await page.waitForSelector(".tune-picture rect.mark.lying");
  await page.screenshot({ path: join(out, "camera-posture.png"), fullPage: true });
  await page.click("#fit-posture");
  await page.waitForFunction(() => /(fitted on|ajustée sur) 2/.test(document.querySelector("#posture-rule")?.textContent ?? ""),
    null, { timeout: 20_000 });
  await page.waitForSelector(`.tune-picture rect.box[data-index='${flat.i}'].lying, .tune-picture rect.box.lying`, { timeout: 20_000 });
  await page.click("#tune-save");
  await page.waitForSelector("#tune-status", { timeout: 10_000 });

  // 5. The camera counts on the Today page, and its tile on the Cameras page.
  await page.click("#nav-today");
  await page.waitForFunction(() => {
    const n = document.querySelector(".card[data-source='parc-1'] .count.standing .n");
    return n && /^\d+$/.test(n.textContent);
  }, null, { timeout: 60_000 });
  await page.click("#nav-cameras");
  await page.waitForSelector(".camera-tile[data-source='parc-1'] .cam-state.running", { timeout: 30_000 });
  await page.screenshot({ path: join(out, "cameras.png"), fullPage: true });

  // 6. A detector of one's own: checked before it is accepted, then removed.
  const fixtures = join(here, "..", "crates/animov-vision/tests/fixtures");
  await page.fill("#detector-name", "barn-yolo");
  await page.setInputFiles("#detector-model", join(fixtures, "tiny_yolo.onnx"));
  await page.setInputFiles("#detector-sidecar", join(here, "..", "models/nanodet.json"));
  await page.click("#detector-form button[type=submit]");
  await page.waitForSelector("#detector-form .field-error", { timeout: 20_000 });
  assert.match(await page.textContent("#detector-form .field-error"), /do not fit|ne/);
  await page.setInputFiles("#detector-sidecar", join(fixtures, "tiny_yolo.json"));
  await page.click("#detector-form button[type=submit]");
  await page.waitForSelector("#detector-ok", { timeout: 20_000 });
  await page.waitForSelector("tr[data-detector='barn-yolo']");
  assert.match(await page.textContent("tr[data-detector='barn-yolo']"), /goat_standing/);
  await page.screenshot({ path: join(out, "detectors.png"), fullPage: true });
  await page.click("tr[data-detector='barn-yolo'] .detector-remove");
  await page.waitForSelector("tr[data-detector='barn-yolo']", { state: "detached", timeout: 10_000 });

  // 7. Removed (after a confirmation): capture stops, the data and the source stay.
  page.once("dialog", (d) => d.accept());
  await page.click(".camera-tile[data-source='parc-1'] button.remove");
  await page.waitForSelector(".camera-tile[data-source='parc-1'] a.tune", { state: "detached", timeout: 15_000 });
  assert.ok(await page.isVisible(".camera-tile[data-source='parc-1']"), "the source and its data stay");
  assert.deepEqual(consoleErrors, [], "no script errors");
});
