// Starting `animov serve` for a test and reading what it prints.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

/**
 * Spawns `bin args` and resolves to { p, value } once `match(line)` returns
 * a value for a line of its standard output; rejects if it exits first or
 * within two minutes prints nothing that matches.
 */
export function spawnUntil(bin, args, env, match) {
  const p = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    createInterface({ input: p.stdout }).on("line", (l) => {
      const value = match(l);
      if (value !== undefined) resolve({ p, value });
    });
    p.on("exit", (c) => reject(new Error(`${bin} exited early (${c})`)));
    setTimeout(() => reject(new Error(`${bin} did not start in 120 s`)), 120_000).unref();
  });
}

/** Debian's headless Chromium, quiet: no network of its own. */
export function launchChromium(chromium) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
}

// Signs in as admin on the sign-in form and waits for the navigation.
export async function signInAdmin(page, url, password) {
  await page.goto(url);
  await page.waitForSelector("#username", { timeout: 30_000 });
  await page.fill("#username", "admin");
  await page.fill("#password", password);
  await page.click("#login-submit");
  await page.waitForSelector("header nav", { timeout: 15_000 });
}

/**
 * Starts `bin serve --demo` on a fresh data folder (named from `prefix`)
 * whose animov.toml is `toml`, serving the UI in `ui`; resolves to
 * { p, url, password, dir, fingerprint } once it prints the admin's
 * password (`fingerprint`: the HTTPS certificate's, with [tls] enabled).
 */
export async function startDemo(bin, ui, toml, prefix = "animov-e2e-") {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, "animov.toml"), toml);
  let url, fingerprint;
  const { p, value } = await spawnUntil(bin, ["--data-dir", dir, "serve", "--demo", "--listen", "127.0.0.1:0"],
    { ANIMOV_SECRETS: "file", ANIMOV_UI_DIR: ui, RUST_LOG: "warn" },
    (l) => {
      url = l.match(/running at (https?:\/\/[\d.:]+)/)?.[1] ?? url;
      fingerprint = l.match(/fingerprint: ([0-9A-F:]{95})/)?.[1] ?? fingerprint;
      return l.match(/Sign in as admin \/ (\S+)/)?.[1];
    });
  return { p, url, password: value, dir, fingerprint };
}
