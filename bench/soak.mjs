// Soak (issue 18, item 5): `animov serve` (release) with N video-file cameras
// through the real GStreamer + ONNX path, the UI open in Chromium, for M
// minutes. Every minute it samples the engine's RSS, threads, open file
// descriptors and CPU, and each camera's health, into a CSV.
//
// Run by bench/soak.sh, which builds everything and plots the CSV:
//   node bench/soak.mjs <animov binary> <ui dir> <out dir> <minutes> <cameras>
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, appendFileSync, mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "..", "e2e", "package.json"));
const { chromium } = require("playwright-core");
const { spawnUntil, launchChromium, signInAdmin } = await import("../e2e/support/engine.mjs");
const { makePen } = await import("../e2e/support/pen.mjs");

const [BIN, UI, OUT, MINUTES = "120", CAMERAS = "4"] = process.argv.slice(2);
if (!BIN || !UI || !OUT) throw new Error("usage: soak.mjs <animov> <ui dir> <out dir> [minutes] [cameras]");
const minutes = Number(MINUTES);
const cameras = Number(CAMERAS);
mkdirSync(OUT, { recursive: true });

// The videos: 30 s of the pen picture, 1280×720 H.264, each camera flipped
// differently (the detector sees animals; the file loops).
const work = mkdtempSync(join(tmpdir(), "animov-soak-"));
const pen = makePen(work);
const flips = ["none", "horizontal-flip", "vertical-flip", "rotate-180"];
const videos = [];
for (let i = 0; i < cameras; i++) {
  const video = join(work, `pen-${i}.mp4`);
  execFileSync("gst-launch-1.0", ["-q",
    "filesrc", `location=${pen}`, "!", "pngdec", "!", "imagefreeze", "num-buffers=750", "!",
    "videoflip", `method=${flips[i % flips.length]}`, "!", "videoconvert", "!", "videoscale", "!",
    "video/x-raw,width=1280,height=720,framerate=25/1,format=I420", "!",
    "x264enc", "key-int-max=50", "bitrate=2000", "speed-preset=veryfast", "!", "h264parse", "!",
    "mp4mux", "!", "filesink", `location=${video}`]);
  videos.push(video);
}

const data = join(work, "data");
mkdirSync(data);
writeFileSync(join(data, "animov.toml"), "[vision]\nfps = 2\n");
const password = "soak-password-1";
execFileSync(BIN, ["--data-dir", data, "user", "add", "--username", "admin", "--role", "admin", "--password-stdin"],
  { input: password + "\n", env: { ...process.env, ANIMOV_SECRETS: "file" } });
const { p: engine, value: url } = await spawnUntil(BIN, ["--data-dir", data, "serve", "--listen", "127.0.0.1:0"],
  { ANIMOV_SECRETS: "file", ANIMOV_UI_DIR: UI, RUST_LOG: "warn" },
  (l) => l.match(/running at (http:\/\/[\d.:]+)/)?.[1]);
const pid = engine.pid;
process.on("exit", () => engine.kill("SIGKILL"));

async function api(method, path, token, body) {
  const r = await fetch(url + path, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}
const { token } = await api("POST", "/api/v1/auth/login", null, { username: "admin", password });
// SOAK_RECORD=0: cameras without recordings (to tell where memory goes).
const record = process.env.SOAK_RECORD !== "0";
for (let i = 0; i < cameras; i++) {
  await api("POST", "/api/v1/cameras", token, { source: `pen-${i}`, name: `Pen ${i}`, uri: videos[i], herd_size: 6 });
  if (!record) {
    const settings = await api("GET", `/api/v1/cameras/pen-${i}/vision`, token);
    await api("PUT", `/api/v1/cameras/pen-${i}/vision`, token, { ...settings, record: false });
  }
}

// The UI stays open on the home page (live pictures and today's activity).
const browser = await launchChromium(chromium);
const page = await browser.newPage();
await signInAdmin(page, url, password);

const ticks = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());
function sample() {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (k) => Number(status.match(new RegExp(`^${k}:\\s+(\\d+)`, "m"))[1]);
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return {
    rss_kib: field("VmRSS"),
    anon_kib: field("RssAnon"),
    file_kib: field("RssFile"),
    threads: field("Threads"),
    fds: readdirSync(`/proc/${pid}/fd`).length,
    cpu_s: (Number(stat[11]) + Number(stat[12])) / ticks,
  };
}

const csv = join(OUT, "soak.csv");
writeFileSync(csv, "minute,rss_mib,threads,fds,cpu_percent,fps_out_total,frames_out_total,dropped_total,reconnects_total,cameras_running,segments_total,rss_anon_mib,rss_file_mib\n");
const t0 = Date.now();
let last = { ...sample(), t: t0 };
for (let m = 0; m <= minutes; m++) {
  if (m > 0) await new Promise((r) => setTimeout(r, t0 + m * 60_000 - Date.now()));
  const now = { ...sample(), t: Date.now() };
  const cpu = m === 0 ? 0 : (100 * (now.cpu_s - last.cpu_s)) / ((now.t - last.t) / 1000);
  last = now;
  const health = await api("GET", "/api/v1/cameras/health", token);
  const sum = (k) => health.reduce((a, h) => a + h[k], 0);
  const row = [m, (now.rss_kib / 1024).toFixed(1), now.threads, now.fds, cpu.toFixed(1),
    sum("fps_out").toFixed(2), sum("frames_out"), sum("dropped"), sum("reconnects"),
    health.filter((h) => h.state === "running").length, sum("segments"),
    (now.anon_kib / 1024).toFixed(1), (now.file_kib / 1024).toFixed(1)];
  appendFileSync(csv, row.join(",") + "\n");
  console.log(row.join(","));
  // The page must still be alive: the header is there and it answers.
  if (m % 10 === 0) await page.waitForSelector("header nav", { timeout: 30_000 });
}
writeFileSync(join(OUT, "health.json"), JSON.stringify(await api("GET", "/api/v1/cameras/health", token), null, 1));
await browser.close();
engine.kill("SIGTERM");
