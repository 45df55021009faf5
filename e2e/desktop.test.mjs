// The real desktop window (Tauri + WebKitGTK) under Xvfb: it starts the engine,
// opens the UI signed in through the per-launch secret, and the engine sees the
// window's authenticated requests. Writes out/desktop.png (a screenshot).
// Needs ANIMOV_DESKTOP_BIN, Xvfb, and ImageMagick's `import`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readdirSync, readFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "out");
mkdirSync(out, { recursive: true });
const BIN = process.env.ANIMOV_DESKTOP_BIN;
assert.ok(BIN, "ANIMOV_DESKTOP_BIN must point at animov-desktop (the test command sets it)");
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

test("the desktop window starts, signs in without a password and shows the UI", { timeout: 180_000 }, async () => {
  const display = `:${90 + Math.floor(Math.random() * 9)}`;
  const xvfb = spawn("Xvfb", [display, "-screen", "0", "1280x900x24", "-nolisten", "tcp"], { stdio: "ignore" });
  const dir = mkdtempSync(join(tmpdir(), "animov-desktop-"));
  writeFileSync(join(dir, "animov.toml"), "[demo]\ncameras = 2\nbackfill_days = 1\ninterval_ms = 500\n");
  let app;
  try {
    await sleep(1000);
    app = spawn(BIN, ["--data-dir", dir, "--demo"], {
      env: { ...process.env, DISPLAY: display, ANIMOV_SECRETS: "file", RUST_LOG: "info,sqlx=warn" },
      stdio: ["ignore", "inherit", "inherit"],
    });
    let exited = null;
    app.on("exit", (c) => (exited = c));
    await waitFor("the window's sign-in", () => exited === null && /desktop window signed in/.test(logText(dir)), 120_000);
    await waitFor("the window's authenticated requests", () => {
      const t = logText(dir);
      return /route="\/api\/v1\/cameras" status=200/.test(t) && /route="\/api\/v1\/live" status=200/.test(t);
    }, 60_000);
    const log = logText(dir);
    assert.match(log, /route="\/api\/v1\/auth\/local" status=200/);
    assert.doesNotMatch(log, /route="\/api\/v1\/auth\/login"/, "no password sign-in");
    await sleep(2500); // let charts draw
    execFileSync("import", ["-display", display, "-window", "root", join(out, "desktop.png")]);
    app.kill("SIGTERM");
    await waitFor("the app to stop", () => exited !== null, 20_000);
  } finally {
    app?.kill("SIGKILL");
    xvfb.kill("SIGTERM");
  }
});
