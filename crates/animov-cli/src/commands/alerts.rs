//! `animov alerts replay`: needs no data folder.

use std::path::Path;

use animov_api::AlertRules;
use animov_engine::alerting::replay::{replay_csv, to_text};
use anyhow::{Context, bail};

/// Replays a series file through the rules and prints the alerts.
pub fn replay(
    input: &Path,
    herd_size: Option<u32>,
    rules: Option<&Path>,
    json: bool,
) -> anyhow::Result<()> {
    let rules: AlertRules = match rules {
        Some(p) => {
            let text = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
            serde_json::from_slice(&text)
                .with_context(|| format!("{} is not valid alert rules JSON", p.display()))?
        }
        None => AlertRules::default(),
    };
    if herd_size == Some(0) {
        bail!("--herd-size must be at least 1");
    }
    let file =
        std::fs::File::open(input).with_context(|| format!("cannot open {}", input.display()))?;
    let alerts =
        replay_csv(file, herd_size, &rules).with_context(|| input.display().to_string())?;
    if json {
        serde_json::to_writer_pretty(std::io::stdout().lock(), &alerts)?;
        println!();
    } else {
        print!("{}", to_text(&alerts));
    }
    Ok(())
}
