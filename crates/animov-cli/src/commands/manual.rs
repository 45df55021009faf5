//! `animov manual DIR`: the manual pages, made from the same definitions
//! as `--help` (the package installs them under /usr/share/man/man1).

use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;

use crate::args::Cli;

/// Writes `animov.1` and one `animov-<command>.1` per command and subcommand.
pub fn write(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut top = Cli::command().version(animov_build::VERSION);
    top.build();
    page(dir, &top, "animov")
}

fn page(dir: &Path, command: &clap::Command, name: &str) -> anyhow::Result<()> {
    // clap's names are `&'static str` without its `string` feature; a
    // handful of pages, written once by the packaging script.
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let named = command
        .clone()
        .name(leak(name.to_string()))
        .bin_name(leak(name.replace('-', " ")));
    let mut roff = Vec::new();
    clap_mangen::Man::new(named)
        .section("1")
        .source(format!("AniMOV {}", animov_build::VERSION))
        .manual("AniMOV")
        .render(&mut roff)?;
    let file = dir.join(format!("{name}.1"));
    std::fs::write(&file, roff).with_context(|| format!("cannot write {}", file.display()))?;
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        if sub.get_name() == "help" {
            continue;
        }
        page(dir, sub, &format!("{name}-{}", sub.get_name()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_a_page() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path()).unwrap();
        let top = std::fs::read_to_string(dir.path().join("animov.1")).unwrap();
        assert!(top.contains(".TH animov 1"), "{top}");
        assert!(
            top.contains("ANIMOV_SECRETS"),
            "the environment is described"
        );
        for name in [
            "animov-serve.1",
            "animov-user-add.1",
            "animov-detect.1",
            "animov-sync-join.1",
        ] {
            assert!(dir.path().join(name).is_file(), "{name}");
        }
        assert!(
            !dir.path().join("animov-manual.1").exists(),
            "the hidden command has no page"
        );
    }
}
