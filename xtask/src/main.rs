//! `cargo run -p animov-xtask -- ui [--debug] [--out DIR]`: builds the Leptos UI
//! for wasm32, runs wasm-bindgen (as a library, at the exact version the UI
//! uses), and writes `ui/dist/` with the HTML, CSS and the bundled ECharts.
//! Prints the bundle size raw and gzipped.
//!
//! `cargo run -p animov-xtask -- licences DIR ORT_DIR`: the licence notices of
//! everything the package ships (see `licences.rs`).

mod licences;

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, bail, ensure};

/// The checkout this run is for: cargo sets CARGO_MANIFEST_DIR when it runs us
/// (a build directory shared by several clones must not pin one of them).
fn root() -> PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let dir = manifest.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    dir.parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn run(cmd: &mut Command, what: &str) -> anyhow::Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {what}"))?;
    ensure!(status.success(), "{what} failed ({status})");
    Ok(())
}

fn gzip_len(bytes: &[u8]) -> anyhow::Result<usize> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes)?;
    Ok(gz.finish()?.len())
}

fn build_ui(debug: bool, out: &Path) -> anyhow::Result<()> {
    let ui = root().join("ui");
    let echarts = ui.join("node_modules/echarts/dist/echarts.min.js");
    if !echarts.exists() {
        run(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(&ui),
            "npm ci (bundling ECharts; needs Node.js and npm)",
        )?;
    }
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(|d| PathBuf::from(d).join("ui"))
        .unwrap_or_else(|| ui.join("target"));
    let profile = if debug { "debug" } else { "release" };
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo
        .args([
            "build",
            "--locked",
            "--target",
            "wasm32-unknown-unknown",
            "--manifest-path",
        ])
        .arg(ui.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir);
    if !debug {
        cargo.arg("--release");
    }
    run(
        &mut cargo,
        "cargo build of the UI (is the wasm32-unknown-unknown target installed?)",
    )?;
    let wasm = target_dir
        .join("wasm32-unknown-unknown")
        .join(profile)
        .join("animov-ui.wasm");
    if !wasm.exists() {
        bail!("{} is missing after the build", wasm.display());
    }
    std::fs::create_dir_all(out)?;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .web(true)?
        .typescript(false)
        .out_name("animov_ui")
        .generate(out)
        .context("wasm-bindgen")?;
    for f in ["index.html", "style.css"] {
        std::fs::copy(ui.join("static").join(f), out.join(f))
            .with_context(|| format!("copying {f}"))?;
    }
    std::fs::copy(&echarts, out.join("echarts.min.js")).context("copying ECharts")?;
    println!("UI bundle in {}:", out.display());
    let mut total = (0, 0);
    for f in [
        "animov_ui_bg.wasm",
        "animov_ui.js",
        "echarts.min.js",
        "index.html",
        "style.css",
    ] {
        let bytes = std::fs::read(out.join(f))?;
        let gz = gzip_len(&bytes)?;
        total = (total.0 + bytes.len(), total.1 + gz);
        println!("  {f:<20} {:>9} bytes  {:>9} gzip", bytes.len(), gz);
    }
    println!(
        "  {:<20} {:>9} bytes  {:>9} gzip",
        "total", total.0, total.1
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("ui") => {
            let debug = args.iter().any(|a| a == "--debug");
            let out = args
                .iter()
                .position(|a| a == "--out")
                .and_then(|i| args.get(i + 1))
                .map(PathBuf::from)
                .unwrap_or_else(|| root().join("ui/dist"));
            build_ui(debug, &out)
        }
        Some("licences") => match (args.get(1), args.get(2)) {
            (Some(dir), Some(ort)) => licences::write(Path::new(dir), Path::new(ort)),
            _ => bail!("usage: cargo run -p animov-xtask -- licences DIR ORT_DIR"),
        },
        _ => bail!(
            "usage: cargo run -p animov-xtask -- ui [--debug] [--out DIR] | licences DIR ORT_DIR"
        ),
    }
}
