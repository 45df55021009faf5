//! `animov import csv`: the INRA CSV exports.

use std::path::PathBuf;

use animov_engine::{
    import::{import_file, source_for_path},
    minutes,
};
use anyhow::bail;

use crate::{args::Global, setup};

/// Imports each file (a bad one does not stop the others), then closes the minutes.
pub async fn run(
    global: &Global,
    paths: &[PathBuf],
    source: Option<String>,
    utc_offset_minutes: Option<i32>,
) -> anyhow::Result<()> {
    let s = setup::prepare(global)?;
    let offset =
        i64::from(utc_offset_minutes.unwrap_or(s.config.legacy_utc_offset_minutes)) * 60_000;
    let max_future = i64::from(s.config.max_future_seconds) * 1000;
    let engine = animov_engine::open(&s.data_dir, s.config).await?;
    let mut failed = false;
    for path in paths {
        let Some(src) = source.clone().or_else(|| source_for_path(path)) else {
            eprintln!(
                "{}: cannot tell the source from the file name (expected *-N.csv): use --source NAME",
                path.display()
            );
            failed = true;
            continue;
        };
        if let Err(e) = animov_core::ingest::validate_source(&src) {
            bail!("--source: {}", e.message);
        }
        match import_file(
            &engine.store,
            path,
            &src,
            offset,
            max_future,
            engine.now_ms(),
        )
        .await
        {
            Ok(r) => {
                println!(
                    "{}: source {src}: {} imported, {} already there, {} rejected",
                    path.display(),
                    r.imported,
                    r.duplicates,
                    r.rejected.len()
                );
                for rej in r.rejected.iter().take(20) {
                    println!("  line {}: {}", rej.line, rej.reason);
                }
                if r.rejected.len() > 20 {
                    println!("  ... and {} more", r.rejected.len() - 20);
                }
            }
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                failed = true;
            }
        }
    }
    let m = minutes::close_now(&engine, engine.now_ms()).await?;
    println!("{m} minute rows computed");
    engine.store.close().await;
    if failed {
        bail!("some files were not imported (see above)");
    }
    Ok(())
}
