//! What this AniMOV binary was built from, stamped at build time
//! (see `build.rs`): the version, the git commit, whether the tree had
//! uncommitted changes, and the build date.

#[cfg(test)]
mod date;

/// The workspace version, e.g. `0.1.0`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The git commit (full hash), or `unknown` when built outside git without `ANIMOV_COMMIT`.
pub const COMMIT: &str = env!("ANIMOV_BUILD_COMMIT");
/// Build date, RFC 3339 UTC (`SOURCE_DATE_EPOCH` when set).
pub const DATE: &str = env!("ANIMOV_BUILD_DATE");

/// Whether tracked files differed from [`COMMIT`] when it was built.
pub fn dirty() -> bool {
    env!("ANIMOV_BUILD_DIRTY") == "true"
}

/// The commit as people quote it: 12 characters, `-dirty` when the tree was.
pub fn short_commit() -> String {
    let short: String = COMMIT.chars().take(12).collect();
    if dirty() {
        format!("{short}-dirty")
    } else {
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stamp_is_well_formed() {
        assert!(
            COMMIT == "unknown"
                || (COMMIT.len() >= 7 && COMMIT.chars().all(|c| c.is_ascii_hexdigit())),
            "{COMMIT}"
        );
        // 2026-12-04T01:02:03Z
        assert_eq!(DATE.len(), 20, "{DATE}");
        assert!(DATE.ends_with('Z') && DATE.as_bytes()[10] == b'T', "{DATE}");
        assert!(short_commit().len() <= 18);
    }
}
