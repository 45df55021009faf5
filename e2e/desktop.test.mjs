// The real desktop window (Tauri + WebKitGTK) under Xvfb: it starts the engine,
// opens the UI signed in through the per-launch secret as the farm's admin,
// and a person at the keyboard (xdotool) adds a `demo:` camera from the
// Cameras page. Writes out/desktop.png and out/desktop-camera.png.
// Needs ANIMOV_DESKTOP_BIN, Xvfb, xdotool and ImageMagick's `import`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { out, binary } from "./support/paths.mjs";

const BIN = binary("ANIMOV_DESKTOP_BIN", "animov-desktop");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function logText(dir) {
  const logs = join(dir, "logs");
  try {
    return readdirSync(logs).map((f) => readFileSync(join(logs, f), "utf8")).join("\n");
  } catch {
    return "";
  }
}

async function waitFor(what, f, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (f()) return;
    await sleep(250);
  }
  assert.fail(`timed out waiting for ${what}`);
}

const xdo = (display, ...args) => execFileSync("xdotool", args, { env: { ...process.env, DISPLAY: display } }).toString().trim();

test("the desktop window opens as admin and adds a demo camera from the Cameras page", { timeout: 240_000 }, async () => {
  const display = `:${90 + Math.floor(Math.random() * 9)}`;
  const xvfb = spawn("Xvfb", [display, "-screen", "0", "1280x900x24", "-nolisten", "tcp"], { stdio: "ignore" });
  const dir = mkdtempSync(join(tmpdir(), "animov-desktop-"));
  writeFileSync(join(dir, "animov.toml"), "[demo]\ncameras = 2\nbackfill_days = 1\ninterval_ms = 500\n");
  let app;
  try {
    await sleep(1000);
    app = spawn(BIN, ["--data-dir", dir, "--demo", "--open", "cameras/new"], {
      env: { ...process.env, DISPLAY: display, ANIMOV_SECRETS: "file", RUST_LOG: "info,sqlx=warn" },
      stdio: ["ignore", "inherit", "inherit"],
    });
    let exited = null;
    app.on("exit", (c) => (exited = c));
    await waitFor("the window's sign-in", () => exited === null && /desktop window signed in/.test(logText(dir)), 120_000);
    const log = logText(dir);
    assert.match(log, /route="\/api\/v1\/auth\/local" status=200/);
    assert.doesNotMatch(log, /route="\/api\/v1\/auth\/login"/, "no password sign-in");
    // Only an admin may read the setup status: the window's session is the farm's owner.
    await waitFor("the window's admin request", () => /route="\/api\/v1\/setup" status=200/.test(logText(dir)), 30_000);
    // The Add a camera form is up once it has asked for the machine's USB cameras.
    await waitFor("the Add a camera form", () => /route="\/api\/v1\/cameras\/devices" status=200/.test(logText(dir)), 60_000);
    await sleep(1500); // let the page draw
    execFileSync("import", ["-display", display, "-window", "root", join(out, "desktop.png")]);

    // At the keyboard: the Add a camera form has the focus on its first field.
    const win = xdo(display, "search", "--sync", "--onlyvisible", "--name", "AniMOV").split("\n")[0];
    xdo(display, "windowfocus", "--sync", win);
    xdo(display, "type", "--delay", "40", "Window pen");
    xdo(display, "key", "Tab", "Tab");
    xdo(display, "type", "--delay", "40", "demo:1");
    xdo(display, "key", "Return");
    try {
      await waitFor("the camera added from the window", () => /method=POST route="\/api\/v1\/cameras" status=201/.test(logText(dir)), 30_000);
    } finally {
      execFileSync("import", ["-display", display, "-window", "root", join(out, "desktop-typed.png")]);
    }
    await waitFor("its picture on the tuning page", () => /route="\/api\/v1\/cameras\/\{source\}\/preview" status=200/.test(logText(dir)), 30_000);
    await sleep(1500);
    execFileSync("import", ["-display", display, "-window", "root", join(out, "desktop-camera.png")]);
    app.kill("SIGTERM");
    await waitFor("the app to stop", () => exited !== null, 20_000);
  } finally {
    app?.kill("SIGKILL");
    xvfb.kill("SIGTERM");
  }
});

test("the desktop window plays a recording with its boxes (WebKitGTK)", { timeout: 300_000 }, async () => {
  const display = `:${80 + Math.floor(Math.random() * 9)}`;
  const xvfb = spawn("Xvfb", [display, "-screen", "0", "1280x900x24", "-nolisten", "tcp"], { stdio: "ignore" });
  const dir = mkdtempSync(join(tmpdir(), "animov-desktop-"));
  writeFileSync(join(dir, "animov.toml"), "[demo]\ncameras = 1\nbackfill_days = 1\ninterval_ms = 500\n[vision]\nsegment_minutes = 1\n");
  const launch = (args) => {
    const p = spawn(BIN, ["--data-dir", dir, "--demo", ...args], {
      env: { ...process.env, DISPLAY: display, ANIMOV_SECRETS: "file", RUST_LOG: "info,sqlx=warn" },
      stdio: ["ignore", "inherit", "inherit"],
    });
    p.exited = null;
    p.on("exit", (c) => (p.exited = c));
    return p;
  };
  let app;
  try {
    await sleep(1000);
    // A first run records a minute of the demo barn.
    const t0 = Date.now();
    app = launch([]);
    await waitFor("a closed recording", () => /recording segment stored/.test(logText(dir)), 150_000);
    app.kill("SIGTERM");
    await waitFor("the app to stop", () => app.exited !== null, 20_000);
    // The window opens on that recording, 30 s in, and plays it.
    const at = new Date(t0 + 30_000);
    const pad = (n) => String(n).padStart(2, "0");
    const day = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
    const time = `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
    app = launch(["--open", `review/demo-1/${day}/${time}`]);
    await waitFor("the window to fetch the MP4", () => /route="\/api\/v1\/recordings\/\{id\}\/mp4" status=20[06]/.test(logText(dir)), 90_000);
    await waitFor("the boxes of the recording", () => /route="\/api\/v1\/detections" status=200/.test(logText(dir)), 30_000);
    await sleep(2000);
    const a = join(out, "desktop-review.png");
    const b = join(out, "desktop-review-later.png");
    execFileSync("import", ["-display", display, "-window", "root", a]);
    await sleep(3000);
    execFileSync("import", ["-display", display, "-window", "root", b]);
    // The picture moved between the two screenshots: the video plays.
    const diff = execFileSync("compare", ["-metric", "AE", "-fuzz", "5%", a, b, "null:"], { stdio: ["ignore", "ignore", "pipe"] }).toString();
    assert.ok(Number(diff) > 500, `pixels changed in 3 s: ${diff}`);
  } catch (e) {
    if (e.stderr && /^\d+/.test(String(e.stderr))) {
      // `compare` exits 1 when the images differ: that is the expected case.
      const n = Number(String(e.stderr).trim().split(/\s/)[0]);
      assert.ok(n > 500, `pixels changed in 3 s: ${n}`);
    } else {
      throw e;
    }
  } finally {
    app?.kill("SIGKILL");
    xvfb.kill("SIGTERM");
  }
});
