//! `animov detect`: needs no data folder, database or logs.

use std::io::Write;

use animov_engine::{
    cameras::files::{detect_file, to_text},
    models::detector_or_default,
};
use anyhow::bail;

use crate::args::DetectArgs;

/// Runs the pipeline on each file (a bad one does not stop the others).
pub fn run(a: &DetectArgs) -> anyhow::Result<()> {
    if !(1..=60).contains(&a.fps) {
        bail!("--fps must be between 1 and 60");
    }
    let model = detector_or_default(a.model.clone())?;
    let mut detector = animov_vision::Detector::load(&model, a.threads.max(1))?;
    let mut all = Vec::new();
    let mut failed = 0;
    let stdout = std::io::stdout();
    for f in &a.files {
        match detect_file(&mut detector, f, a.fps) {
            Ok(reports) => {
                if !a.json {
                    let mut out = stdout.lock();
                    for r in &reports {
                        out.write_all(to_text(r).as_bytes())?;
                    }
                }
                all.extend(reports);
            }
            Err(e) => {
                eprintln!("animov detect: {e}");
                failed += 1;
            }
        }
    }
    if a.json {
        serde_json::to_writer_pretty(stdout.lock(), &all)?;
        println!();
    }
    if failed > 0 {
        bail!("{failed} of {} files could not be analysed", a.files.len());
    }
    Ok(())
}
