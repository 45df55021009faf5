// Shared by the end-to-end tests: a "pen" picture with animals of several
// confidences and shapes (made with ImageMagick from scikit-image's CC0 cat
// photo: the bundled COCO detector has no goat class and no goat photo can
// ship here), served by a local RTSP camera.
import { execFileSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnUntil } from "./engine.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const CAT = join(root, "crates/animov-vision/tests/fixtures/chelsea.png");
const RTSP = join(root, "crates/animov-vision/tests/support/rtsp_server.py");

/** Writes the pen picture (1312×584 PNG) into `dir` and returns its path. */
export function makePen(dir) {
  const parts = [
    ["-resize", "400x267"],
    ["-resize", "400x267!", "-brightness-contrast", "-30x-40"],
    ["-resize", "400x267", "-blur", "0x3"],
    ["-resize", "420x230!", "-flop"],
    ["-resize", "420x220!"],
    ["-resize", "400x267", "-brightness-contrast", "0x-60", "-flop"],
  ].map((ops, i) => {
    const p = join(dir, `animal-${i}.png`);
    execFileSync("convert", [CAT, ...ops, p]);
    return p;
  });
  const pen = join(dir, "pen.png");
  execFileSync("montage", [...parts, "-tile", "3x2", "-geometry", "+12+12", "-background", "#7a6a50", "-depth", "8", pen]);
  execFileSync("convert", [pen, "-gravity", "center", "-background", "#7a6a50", "-extent", "1312x584", pen]);
  return pen;
}

/** Starts an RTSP camera showing `picture` on `port`; resolves to { proc, url }. */
export async function startRtsp(picture, port) {
  const { p } = await spawnUntil("/usr/bin/python3", [RTSP, String(port), picture], {},
    (l) => (l.trim() === "ready" ? true : undefined));
  return { proc: p, url: `rtsp://127.0.0.1:${port}/cam` };
}
