// Where the browser tests find what they drive and put what they save.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The e2e folder. */
export const e2eDir = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Screenshots and other files kept from a run. */
export const out = join(e2eDir, "out");
mkdirSync(out, { recursive: true });
/** The built UI `animov serve` is given. */
export const UI = process.env.ANIMOV_UI_DIR ?? join(e2eDir, "..", "ui", "dist");

/** The program named by environment variable `name` (the test command sets it). */
export function binary(name = "ANIMOV_BIN", what = "the animov binary") {
  const bin = process.env[name];
  assert.ok(bin, `${name} must point at ${what} (the test command sets it)`);
  return bin;
}
